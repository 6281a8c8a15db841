// The scheduler's loop driver: reacts to changes (API calls, task state, agents coming and going) and
// also runs periodically. For one service it reads the reconciler's input from the store in one
// transaction, computes the plan (pure: reconciler.ts) and writes the plan back in the same
// transaction, then tells the agents. Nothing here decides anything.
import { randomUUID } from 'node:crypto';
import { parseArn } from '../domain/arn.js';
import type { ServiceRecord, TaskRecord } from '../domain/records.js';
import { requestStop, type StopCode } from '../domain/task-lifecycle.js';
import { requireCluster } from '../services/clusters.js';
import type { Context, SchedulerHooks } from '../services/context.js';
import { placementInstances } from '../services/placement-input.js';
import { newTask } from '../services/run-task.js';
import { reconcile, withStartedTaskIds } from './reconciler.js';
import type { Plan, ReconcileInput, SchedulerOptions, ServiceTask, TaskStop } from './types.js';

export interface SchedulerLoopOptions extends SchedulerOptions {
  /** How often every live service is reconciled even when nothing happened. */
  intervalMs: number;
}

const MAX_EVENTS = 100;

export class SchedulerLoop implements SchedulerHooks {
  private readonly pending = new Set<string>();
  private scheduled = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ctx: Context,
    private readonly opts: SchedulerLoopOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kickAll(), this.opts.intervalMs);
    this.timer.unref();
    this.kickAll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.pending.clear();
  }

  kick(cluster: string, service: string): void {
    this.pending.add(`${cluster}\u0000${service}`);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  kickAll(): void {
    for (const s of this.ctx.store.listLiveServices()) this.kick(s.cluster, s.name);
  }

  kickCluster(cluster: string): void {
    for (const s of this.ctx.store.listServices(cluster)) if (s.status !== 'INACTIVE') this.kick(s.cluster, s.name);
  }

  /** A task changed: its service, if any, has something to look at. */
  taskChanged(t: TaskRecord): void {
    if (t.serviceName) this.kick(t.cluster, t.serviceName);
  }

  private flush(): void {
    this.scheduled = false;
    const keys = [...this.pending];
    this.pending.clear();
    for (const key of keys) {
      const [cluster, name] = key.split('\u0000');
      try {
        this.reconcileService(cluster, name);
      } catch (err) {
        this.ctx.log.error({ err, cluster, service: name }, 'service reconcile failed');
      }
    }
  }

  /** One reconcile of one service; returns the plan (for tests), or undefined when there is no live service. */
  reconcileService(cluster: string, name: string): Plan | undefined {
    const ctx = this.ctx;
    const done = ctx.store.transaction(() => {
      const s = ctx.store.getService(cluster, name);
      if (!s || s.status === 'INACTIVE') return undefined;
      const now = ctx.now();
      // Tasks not STOPPED, and those that stopped since the last reconcile (news to the reconciler:
      // counted once for the circuit breaker and the throttle).
      const records = ctx.store.listTasks({ cluster, group: `service:${name}`, stoppedAfter: s.reconciledAt ?? -1 });
      const input: ReconcileInput = {
        service: {
          arn: s.arn,
          name: s.name,
          status: s.status,
          desiredCount: s.desiredCount,
          schedulingStrategy: s.schedulingStrategy,
          deploymentConfiguration: s.deploymentConfiguration,
          placementConstraints: s.placementConstraints,
          placementStrategy: s.placementStrategy,
          healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds,
          deployments: s.deployments,
          throttle: s.throttle,
          recentEventMessages: s.events.slice(0, 10).map((e) => e.message),
        },
        tasks: records.map(serviceTask),
        instances: placementInstances(ctx, cluster),
        disconnectedSince: disconnectedSince(ctx, cluster, now),
        now,
        options: this.opts,
        random: ctx.random,
      };
      const plan = reconcile(input);
      return { plan, ...this.apply(s, plan, records, now) };
    });
    if (!done) return undefined;
    for (const t of [...done.started, ...done.stopped]) ctx.agents.taskChanged(t);
    return done.plan;
  }

  /** Writes a plan back: new tasks, stops, lost tasks, deployments, events, status. */
  private apply(s: ServiceRecord, plan: Plan, records: TaskRecord[], now: number): { started: TaskRecord[]; stopped: TaskRecord[] } {
    const ctx = this.ctx;
    const cluster = requireCluster(ctx, s.cluster);
    const started: TaskRecord[] = [];
    /** The id of the task created for plan.start[i], for the "has started" event. */
    const created: (string | undefined)[] = [];
    for (const st of plan.start) {
      created.push(undefined);
      const d = s.deployments.find((x) => x.id === st.deploymentId) ?? plan.deployments.find((x) => x.id === st.deploymentId);
      const instance = ctx.store.getInstance(st.instanceArn);
      const td = d && taskDefinitionOf(ctx, d.taskDefinitionArn);
      if (!d || !instance || !td) continue;
      const rec = newTask(ctx, cluster, td, instance, {
        taskDefinition: d.taskDefinitionArn,
        overrides: null,
        group: `service:${s.name}`,
        startedBy: d.id,
        tags: s.propagateTags === 'SERVICE' ? s.tags : [],
        enableExecuteCommand: s.enableExecuteCommand,
      });
      const withService: TaskRecord = { ...rec, serviceName: s.name, deploymentId: d.id };
      ctx.store.putTask(withService);
      started.push(withService);
      created[created.length - 1] = withService.id;
    }
    const byArn = new Map(records.map((r) => [r.arn, r]));
    const stopped: TaskRecord[] = [];
    for (const st of plan.stop) {
      const r = byArn.get(st.taskArn);
      const next = r && requestStop(r, st.reason, st.stopCode as StopCode, now);
      if (next) {
        ctx.store.putTask(next);
        stopped.push(next);
      }
    }
    for (const lost of plan.lost) {
      const r = byArn.get(lost.taskArn);
      if (r && r.task.lastStatus !== 'STOPPED') ctx.store.putTask(markLost(r, lost, now));
    }
    const messages = withStartedTaskIds(plan.events, created);
    const events = [...messages.reverse().map((message) => ({ id: randomUUID(), createdAt: now, message })), ...s.events].slice(0, MAX_EVENTS);
    ctx.store.putService({ ...s, deployments: plan.deployments, status: plan.status, throttle: plan.throttle, events, reconciledAt: now });
    return { started, stopped };
  }
}

function taskDefinitionOf(ctx: Context, arn: string) {
  const p = parseArn(arn);
  const [family, revision] = (p?.resource ?? '').split(':');
  return ctx.store.getTaskDefinition(family, Number(revision));
}

function serviceTask(t: TaskRecord): ServiceTask {
  return {
    arn: t.arn,
    deploymentId: t.deploymentId ?? '',
    instanceArn: t.task.containerInstanceArn ?? '',
    lastStatus: t.task.lastStatus,
    desiredStatus: t.task.desiredStatus,
    healthStatus: t.task.healthStatus ?? 'UNKNOWN',
    hasHealthCheck: t.containers.some((c) => c.essential !== false && (c.healthCheck?.command.length ?? 0) > 0),
    createdAt: t.task.createdAt ?? 0,
    startedAt: t.task.startedAt,
    stoppedAt: t.task.stoppedAt,
    stopCode: t.task.stopCode,
    stoppedReason: t.task.stoppedReason,
  };
}

/** When each disconnected agent left; one never seen to leave (no record of it) counts from now. */
function disconnectedSince(ctx: Context, cluster: string, now: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of ctx.store.listInstances(cluster)) if (!i.agentConnected && i.status !== 'INACTIVE') out[i.arn] = i.disconnectedAt ?? now;
  return out;
}

/** A task lost with its host: STOPPED in the record; the agent, if it comes back, is told to stop it. */
function markLost(r: TaskRecord, lost: TaskStop, now: number): TaskRecord {
  return {
    ...r,
    task: {
      ...r.task,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stoppedReason: r.task.stoppedReason ?? lost.reason,
      stopCode: r.task.stopCode ?? lost.stopCode,
      stoppingAt: r.task.stoppingAt ?? now,
      stoppedAt: now,
      connectivity: 'DISCONNECTED',
      version: (r.task.version ?? 0) + 1,
    },
  };
}

