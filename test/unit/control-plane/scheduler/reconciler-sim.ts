// A small simulated cluster for the reconciler's property tests: it builds the reconciler's input the way
// the loop does (tasks not STOPPED plus those STOPPED since the last reconcile; instances' remaining
// resources from the tasks on them), applies plans the way the loop does, and moves tasks along as agents
// would (PENDING → RUNNING or a failure to start, health going HEALTHY or UNHEALTHY, crashes), driven by a
// seeded random source. Nothing here uses the reconciler's own helpers, so the checks are independent.
import type { TaskResourceNeeds } from '../../../../control-plane/src/domain/records.js';
import type { PlacementInstance } from '../../../../control-plane/src/placement/types.js';
import type { Plan, ReconcileInput, ServiceState, ServiceTask } from '../../../../control-plane/src/scheduler/types.js';
import { withStartedTaskIds } from '../../../../control-plane/src/scheduler/reconciler.js';
import { seededRandom } from '../fixtures.js';
import { deployment, GROUP, instArn, OPTIONS, service, T0, taskArn } from './reconciler-fixtures.js';

export interface SimInstance {
  id: string;
  status: 'ACTIVE' | 'DRAINING';
  connected: boolean;
  cpu: number;
  memory: number;
  disconnectedAt?: number;
}

export interface SimTask extends ServiceTask {
  needs: TaskResourceNeeds;
  /** STOPPED since the last reconcile. */
  news: boolean;
}

/** How agents behave, as probabilities per step. */
export interface Behaviour {
  /** A PENDING task fails to start (goes STOPPED without startedAt). */
  failStart: number;
  /** A PENDING task reaches RUNNING (otherwise it stays PENDING this step). */
  start: number;
  /** Tasks have a container health check. */
  healthCheck: boolean;
  /** A RUNNING task with a health check turns UNHEALTHY. */
  turnUnhealthy: number;
  /** A RUNNING task crashes (essential container exits). */
  crash: number;
}

export const CALM: Behaviour = { failStart: 0, start: 1, healthCheck: false, turnUnhealthy: 0, crash: 0 };

const PENDING = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

export class Sim {
  svc: ServiceState;
  tasks: SimTask[] = [];
  instances: SimInstance[];
  now = T0;
  readonly rnd: () => number;
  private nextTask = 0;
  private nextDeployment = 2;

  constructor(seed: number, svc: Partial<ServiceState>, instances: number, readonly behaviour: Behaviour = CALM) {
    this.rnd = seededRandom(seed);
    this.svc = service({ deployments: [deployment(1, { rolloutState: 'COMPLETED' })], ...svc });
    this.instances = Array.from({ length: instances }, (_, k) => ({ id: `i${k}`, status: 'ACTIVE', connected: true, cpu: 1024, memory: 2048 }));
  }

  input(): ReconcileInput {
    const disconnectedSince: Record<string, number> = {};
    for (const i of this.instances) if (!i.connected) disconnectedSince[instArn(i.id)] = i.disconnectedAt ?? this.now;
    return {
      service: this.svc,
      tasks: this.tasks.filter((t) => t.lastStatus !== 'STOPPED' || t.news).map(({ needs: _n, news: _s, ...t }) => ({ ...t })),
      instances: this.instances.map((i) => this.placementInstance(i)),
      disconnectedSince,
      now: this.now,
      options: OPTIONS,
      random: this.rnd,
    };
  }

  private placementInstance(i: SimInstance): PlacementInstance {
    const arn = instArn(i.id);
    const mine = this.tasks.filter((t) => t.instanceArn === arn && t.lastStatus !== 'STOPPED');
    const remaining = { cpu: i.cpu, memory: i.memory, tcpPorts: new Set<number>(), udpPorts: new Set<number>() };
    for (const t of mine) {
      remaining.cpu -= t.needs.cpu;
      remaining.memory -= t.needs.memory;
      for (const p of t.needs.tcpPorts) remaining.tcpPorts.add(p);
    }
    return {
      arn,
      ec2InstanceId: `host-${i.id}`,
      status: i.status,
      agentConnected: i.connected,
      agentVersion: '0.1.0',
      registeredAt: T0 - 10_000,
      runningTasksCount: mine.filter((t) => t.lastStatus === 'RUNNING').length,
      attributes: {},
      taskGroups: (mine.length > 0 ? { [GROUP]: mine.length } : {}) as Record<string, number>,
      remaining,
    };
  }

  /** Writes a plan back as the loop does. */
  apply(plan: Plan): void {
    for (const t of this.tasks) t.news = false;
    const stops = new Map(plan.stop.map((s) => [s.taskArn, s]));
    const lost = new Map(plan.lost.map((s) => [s.taskArn, s]));
    for (const t of this.tasks) {
      const s = stops.get(t.arn);
      if (s && t.desiredStatus === 'RUNNING') Object.assign(t, { desiredStatus: 'STOPPED', stopCode: s.stopCode, stoppedReason: s.reason });
      const l = lost.get(t.arn);
      if (l && t.lastStatus !== 'STOPPED') {
        Object.assign(t, { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: t.stopCode ?? l.stopCode, stoppedAt: this.now, news: true });
      }
    }
    const ids: string[] = [];
    for (const st of plan.start) {
      const d = plan.deployments.find((x) => x.id === st.deploymentId)!;
      const id = `t${this.nextTask++}`;
      ids.push(id);
      this.tasks.push({
        arn: taskArn(id),
        deploymentId: d.id,
        instanceArn: st.instanceArn,
        lastStatus: 'PENDING',
        desiredStatus: 'RUNNING',
        healthStatus: 'UNKNOWN',
        hasHealthCheck: this.behaviour.healthCheck,
        createdAt: this.now,
        needs: d.needs,
        news: false,
      });
    }
    const events = withStartedTaskIds(plan.events, ids);
    this.svc = {
      ...this.svc,
      deployments: plan.deployments,
      status: plan.status,
      throttle: plan.throttle,
      recentEventMessages: [...events.reverse(), ...this.svc.recentEventMessages].slice(0, 10),
    };
  }

  /** Agents move their tasks along; time passes. */
  evolve(seconds: number): void {
    this.now += seconds;
    const b = this.behaviour;
    for (const t of this.tasks) {
      if (t.lastStatus === 'STOPPED') continue;
      const inst = this.instances.find((i) => instArn(i.id) === t.instanceArn);
      if (inst && !inst.connected) continue;
      if (t.desiredStatus === 'STOPPED' || t.lastStatus === 'DEACTIVATING') this.stopTask(t, t.stopCode ?? 'EssentialContainerExited');
      else if (PENDING.has(t.lastStatus)) {
        const r = this.rnd();
        if (r < b.failStart) this.stopTask(t, 'TaskFailedToStart');
        else if (r < b.failStart + b.start) Object.assign(t, { lastStatus: 'RUNNING', startedAt: this.now });
      } else if (t.lastStatus === 'RUNNING') {
        const r = this.rnd();
        if (r < b.crash) t.lastStatus = 'DEACTIVATING';
        else if (t.hasHealthCheck) t.healthStatus = this.rnd() < b.turnUnhealthy ? 'UNHEALTHY' : 'HEALTHY';
      }
    }
  }

  private stopTask(t: SimTask, code: string): void {
    Object.assign(t, { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: t.stopCode ?? code, stoppedAt: this.now, news: true });
  }

  // -------------------------------------------------------------------------------------------------------
  // What users and operators do

  /** UpdateService with a new task definition: a new PRIMARY deployment, the throttle reset. */
  deploy(needs?: TaskResourceNeeds): void {
    const n = this.nextDeployment++;
    const old = this.svc.deployments.map((d) => (d.status === 'PRIMARY' ? { ...d, status: 'ACTIVE' as const } : d));
    const fresh = deployment(n, { createdAt: this.now, updatedAt: this.now, needs: needs ?? old[0].needs });
    this.svc = { ...this.svc, deployments: [fresh, ...old], throttle: { consecutiveFailures: 0 } };
  }

  scale(desired: number): void {
    this.svc = { ...this.svc, desiredCount: desired };
  }

  drain(k: number): void {
    const i = this.instances[k % this.instances.length];
    i.status = 'DRAINING';
  }

  disconnect(k: number): void {
    const i = this.instances[k % this.instances.length];
    if (i.connected) Object.assign(i, { connected: false, disconnectedAt: this.now });
  }

  reconnect(k: number): void {
    const i = this.instances[k % this.instances.length];
    i.connected = true;
    i.disconnectedAt = undefined;
    // The agent is told to stop what the control plane already marked STOPPED: nothing to model.
  }

  addInstance(): void {
    this.instances.push({ id: `i${this.instances.length}`, status: 'ACTIVE', connected: true, cpu: 1024, memory: 2048 });
  }

  deleteService(): void {
    this.svc = { ...this.svc, status: 'DRAINING', desiredCount: 0 };
  }
}
