// GetLogs (beyond ECS; `ecsctl logs`): container logs of a task or a service, read from the agents' log
// stores. For each task selected, the task's agent is sent a logs_request on its session and answers on
// a ServeLogs call of its own (agent.proto, 4); the dispatcher matches the two (LogsAgents).
//
// The response stream: the first response carries container_names (the selection); then events in time
// order (a k-way merge over the per-task streams, logs-merge.ts) and notices, in responses of about
// 256 KiB. Without follow it ends once every task's log was read. With follow, a single task's stream
// ends when its agent half-closes (every container's log complete); a service's goes on until the client
// cancels, and tasks the service starts later are added (checked every ~2 s). tail N is the last N events
// of the merged backlog (each agent sends its last N per container). A task whose agent is not
// connected fails a single-task request (TargetNotConnectedException) and is a notice for a service;
// an agent that does not answer, or whose call breaks, is a notice. Flow control runs end to end: a full
// client pauses the agents' calls (and a full merge buffer pauses its own call).
import type { AgentLogsMessage__Output } from '../../../proto/gen/ecs/v1/AgentLogsMessage.js';
import type { GetLogsRequest__Output } from '../../../proto/gen/ecs/v1/GetLogsRequest.js';
import type { GetLogsResponse } from '../../../proto/gen/ecs/v1/GetLogsResponse.js';
import type { LogEvent__Output } from '../../../proto/gen/ecs/v1/LogEvent.js';
import type { LogNotice } from '../../../proto/gen/ecs/v1/LogNotice.js';
import { resourceId } from '../domain/arn.js';
import { InvalidParameterException, ServiceNotFoundException, TargetNotConnectedException } from '../domain/errors.js';
import type { ClusterRecord, ServiceRecord, TaskRecord } from '../domain/records.js';
import { requireCluster } from './clusters.js';
import type { Context } from './context.js';
import { eventBytes, LogMerge, Ring, type MergeSource } from './logs-merge.js';
import { findService } from './service-api.js';
import { resolveTaskDefinition } from './task-definitions.js';
import { findTask } from './tasks.js';

/** What the control plane asks one agent for (agent.proto LogsRequest without its request id). */
export interface LogsRequestFields {
  taskArn: string;
  containerNames: string[];
  startTime?: string;
  tail?: number;
  follow: boolean;
  quietIfMissing: boolean;
}

/** One agent's ServeLogs call for one request, as the logs service sees it. */
export interface AgentLogStream {
  /**
   * Handlers, set once: message for every AgentLogsMessage (the first carries the request id); end once,
   * when the call is over (err: it broke, or the agent did not answer in time).
   */
  start(h: { message(m: AgentLogsMessage__Output): void; end(err?: Error): void }): void;
  pause(): void;
  resume(): void;
  /** Ends the call; no handler is called after this. */
  close(): void;
}

/** The dispatcher as the logs service sees it. */
export interface LogsAgents {
  isConnected(instanceArn: string): boolean;
  /** Sends logs_request on the agent's session; undefined when the agent is not connected. */
  requestLogs(instanceArn: string, req: LogsRequestFields): AgentLogStream | undefined;
}

/** The GetLogs response stream. */
export interface LogsOutput {
  /** false: the client is behind; wait for onDrain. */
  write(res: GetLogsResponse): boolean;
  onDrain(fn: () => void): void;
  end(): void;
  fail(err: unknown): void;
}

export interface GetLogsOptions {
  /** How often a followed service is checked for new tasks (default 2 s). */
  rescanMs?: number;
  /** About this many bytes of events per response (default 256 KiB). */
  batchBytes?: number;
  /** Events buffered per task before its agent's call is paused (default 10,000). */
  maxBufferedEvents?: number;
}

export const DEFAULT_RESCAN_MS = 2_000;
const DEFAULT_BATCH_BYTES = 256 * 1024;
const DEFAULT_MAX_BUFFERED = 10_000;

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)$/;

/** An RFC 3339 time as the stores write it (UTC, 9 fractional digits), or undefined if it is not one. */
export function canonicalTime(s: string): string | undefined {
  const m = RFC3339.exec(s.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return undefined;
  let ms = Date.UTC(y, mo - 1, d, h, mi, se);
  if (new Date(ms).getUTCDate() !== d) return undefined; // e.g. February 30
  const zone = m[8]!;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return undefined;
  return `${date.toISOString().slice(0, 19)}.${(m[7] ?? '').padEnd(9, '0')}Z`;
}

/** A validated GetLogs request. */
export interface LogsPlan {
  cluster: ClusterRecord;
  service?: ServiceRecord;
  tasks: TaskRecord[];
  containerName?: string;
  /** An execute-command session's transcript: the store named by the session id, in its task. */
  sessionId?: string;
  /** The selection, as the first response announces it. */
  containerNames: string[];
  startTime?: string;
  tail?: number;
  follow: boolean;
}

function serviceTasks(ctx: Context, s: ServiceRecord): TaskRecord[] {
  return ctx.store.listTasks({ cluster: s.cluster, group: `service:${s.name}` });
}

function unionNames(tasks: TaskRecord[]): string[] {
  const names: string[] = [];
  for (const t of tasks) for (const c of t.containers) if (!names.includes(c.name ?? '')) names.push(c.name ?? '');
  return names;
}

/** Validates a GetLogs request and selects its tasks (throws ECS exceptions). */
export function planLogs(ctx: Context, agents: LogsAgents, req: GetLogsRequest__Output): LogsPlan {
  const cluster = requireCluster(ctx, req.cluster);
  const task = req.task || undefined;
  const serviceName = req.serviceName || undefined;
  const sessionId = req.sessionId || undefined;
  if ([task, serviceName, sessionId].filter((x) => x !== undefined).length !== 1) {
    throw new InvalidParameterException('Exactly one of task, serviceName and sessionId must be specified.');
  }
  if (req.tail !== undefined && req.tail < 0) throw new InvalidParameterException('tail must be greater than or equal to 0.');
  let startTime: string | undefined;
  if (req.startTime !== undefined && req.startTime !== '') {
    startTime = canonicalTime(req.startTime);
    if (!startTime) throw new InvalidParameterException(`startTime '${req.startTime}' is not a valid RFC 3339 time (e.g. 2026-11-22T04:00:00Z).`);
  }
  const containerName = req.containerName || undefined;
  const base = { cluster, containerName, startTime, tail: req.tail, follow: req.follow };

  if (sessionId !== undefined) return planSessionLogs(ctx, agents, cluster, sessionId, base);
  if (task !== undefined) {
    const t = findTask(ctx, cluster, task);
    if (!t) throw new InvalidParameterException('The referenced task was not found.');
    const names = t.containers.map((c) => c.name ?? '');
    if (containerName !== undefined && !names.includes(containerName)) {
      throw new InvalidParameterException(`The container ${containerName} does not exist in task ${t.id}.`);
    }
    const instanceArn = t.task.containerInstanceArn;
    if (containersOf(t, containerName).names.length > 0 && !(instanceArn && agents.isConnected(instanceArn))) {
      throw new TargetNotConnectedException(`The agent on container instance ${instanceArn ? resourceId(instanceArn) : '(none)'} is not connected.`);
    }
    return { ...base, tasks: [t], containerNames: containerName !== undefined ? [containerName] : names };
  }

  const s = findService(ctx, cluster, serviceName!);
  if (!s) throw new ServiceNotFoundException('Service not found.');
  const tasks = serviceTasks(ctx, s);
  let names = unionNames(tasks);
  const primary = s.deployments[0];
  if (primary) {
    const td = resolveTaskDefinition(ctx, primary.taskDefinitionArn);
    for (const c of td?.taskDefinition.containerDefinitions ?? []) if (!names.includes(c.name ?? '')) names.push(c.name ?? '');
  }
  if (containerName !== undefined) {
    if (!names.includes(containerName)) {
      throw new InvalidParameterException(`The container ${containerName} does not exist in the tasks of service ${s.name}.`);
    }
    names = [containerName];
  }
  return { ...base, service: s, tasks, containerNames: names };
}

/**
 * An execute-command session's transcript: the agent keeps it in the session's task, in a store named by
 * the session id (written only when the cluster's execute command logging was DEFAULT or OVERRIDE).
 */
function planSessionLogs(
  ctx: Context,
  agents: LogsAgents,
  cluster: ClusterRecord,
  sessionId: string,
  base: Omit<LogsPlan, 'tasks' | 'containerNames'>,
): LogsPlan {
  const s = ctx.store.getExecSession(sessionId);
  const t = s && s.cluster === cluster.name ? ctx.store.getTask(s.taskArn) : undefined;
  if (!s || !t) throw new InvalidParameterException(`The execute command session ${sessionId} was not found.`);
  if (base.containerName !== undefined) throw new InvalidParameterException('containerName cannot be combined with sessionId.');
  if (s.session.logging === 'NONE') {
    throw new InvalidParameterException(
      `The execute command session ${sessionId} has no transcript: the cluster's execute command logging was NONE when it ran (only its audit record was kept). With DEFAULT or OVERRIDE (update-cluster --configuration), later sessions keep their output.`,
    );
  }
  const instanceArn = t.task.containerInstanceArn;
  if (!(instanceArn && agents.isConnected(instanceArn))) {
    throw new TargetNotConnectedException(`The agent on container instance ${instanceArn ? resourceId(instanceArn) : '(none)'} is not connected.`);
  }
  return { ...base, tasks: [t], sessionId, containerNames: [sessionId] };
}

/** The containers of a task whose logs the agent's store holds, and notices for the others. */
export function containersOf(t: TaskRecord, wanted?: string): { names: string[]; notices: string[] } {
  const names: string[] = [];
  const notices: string[] = [];
  for (const def of t.containers) {
    const name = def.name ?? '';
    if (wanted !== undefined && name !== wanted) continue;
    const driver = def.logConfiguration?.logDriver;
    if (driver && driver !== 'awsfirelens') {
      notices.push(`container ${def.name} uses the ${driver} log driver: its logs are not in the agent's log store`);
      continue;
    }
    const c = t.task.containers.find((x) => x.name === name);
    if (t.task.lastStatus === 'STOPPED' && c && !c.runtimeId) {
      notices.push(`container ${def.name} never started: it has no logs`);
      continue;
    }
    names.push(name);
  }
  return { names, notices };
}

interface TaskStream {
  stream?: AgentLogStream;
  source?: MergeSource;
  paused: boolean;
}

/** One GetLogs call from its first response to its end. */
class LogsStreamer {
  private readonly merge = new LogMerge();
  private readonly tasks = new Map<string, TaskStream>();
  private readonly ring?: Ring<LogEvent__Output>;
  private backlogOver = false;
  private queue: LogEvent__Output[] = [];
  private notices: LogNotice[] = [];
  private readonly noticed = new Set<string>();
  private blocked = false;
  private over = false;
  private pumping = false;
  private started = false;
  private rescan?: NodeJS.Timeout;

  constructor(
    private readonly ctx: Context,
    private readonly agents: LogsAgents,
    private readonly plan: LogsPlan,
    private readonly out: LogsOutput,
    private readonly opts: GetLogsOptions,
  ) {
    if (plan.tail !== undefined) this.ring = new Ring(plan.tail);
  }

  start(): void {
    this.write({ containerNames: this.plan.containerNames });
    for (const t of this.plan.tasks) this.addTask(t, true);
    if (this.plan.follow && this.plan.service) {
      this.rescan = setInterval(() => this.guard(() => this.addNewTasks()), this.opts.rescanMs ?? DEFAULT_RESCAN_MS);
      this.rescan.unref();
    }
    this.started = true;
    this.pump();
  }

  /** The client went away: end every agent call. */
  cancel(): void {
    if (this.over) return;
    this.over = true;
    this.cleanup();
  }

  private cleanup(): void {
    if (this.rescan) clearInterval(this.rescan);
    this.rescan = undefined;
    for (const t of this.tasks.values()) t.stream?.close();
  }

  private guard(fn: () => void): void {
    if (this.over) return;
    try {
      fn();
    } catch (err) {
      this.over = true;
      this.cleanup();
      this.out.fail(err);
    }
  }

  private addNewTasks(): void {
    for (const t of serviceTasks(this.ctx, this.plan.service!)) if (!this.tasks.has(t.arn)) this.addTask(t, false);
    this.pump();
  }

  private notice(taskId: string, message: string, once = false): void {
    if (once) {
      if (this.noticed.has(message)) return;
      this.noticed.add(message);
    }
    this.notices.push({ taskId, message });
  }

  /** Asks the task's agent for its logs (initial: part of the backlog; later: a new task of a followed service). */
  private addTask(t: TaskRecord, initial: boolean): void {
    const entry: TaskStream = { paused: false };
    this.tasks.set(t.arn, entry);
    const { names, notices } =
      this.plan.sessionId !== undefined ? { names: [this.plan.sessionId], notices: [] } : containersOf(t, this.plan.containerName);
    for (const n of notices) this.notice(t.id, n, this.plan.service !== undefined && n.includes('log driver'));
    if (names.length === 0) return;
    const instanceArn = t.task.containerInstanceArn;
    const stream =
      instanceArn && this.agents.isConnected(instanceArn)
        ? this.agents.requestLogs(instanceArn, {
            taskArn: t.arn,
            containerNames: names,
            ...(this.plan.startTime !== undefined ? { startTime: this.plan.startTime } : {}),
            ...(this.plan.tail !== undefined && initial ? { tail: this.plan.tail } : {}),
            follow: this.plan.follow,
            // A service's stopped tasks are cleaned up on their hosts in time: that their logs are gone is no news.
            quietIfMissing: this.plan.service !== undefined && t.task.lastStatus === 'STOPPED',
          })
        : undefined;
    if (!stream) {
      this.notice(t.id, `the agent on container instance ${instanceArn ? resourceId(instanceArn) : '(none)'} is not connected`);
      return;
    }
    const source = this.merge.add(t.id, { caughtUp: !initial && this.plan.follow });
    entry.stream = stream;
    entry.source = source;
    stream.start({
      message: (m) => this.guard(() => this.onMessage(entry, source, t.id, m)),
      end: (err) =>
        this.guard(() => {
          if (err) this.notice(t.id, err.message);
          source.ended = true;
          this.pump();
        }),
    });
  }

  private onMessage(entry: TaskStream, source: MergeSource, taskId: string, m: AgentLogsMessage__Output): void {
    for (const n of m.notices) this.notice(taskId, n);
    if (m.events.length) {
      for (const e of m.events) e.taskId = taskId;
      source.push(m.events);
    } else if (m.notices.length === 0 && !m.requestId && this.plan.follow) {
      source.caughtUp = true; // the agent read its stores to their end: the rest is live
    }
    if (source.size > this.maxBuffered && !entry.paused) {
      entry.paused = true;
      entry.stream!.pause();
    }
    this.pump();
  }

  private get maxBuffered(): number {
    return this.opts.maxBufferedEvents ?? DEFAULT_MAX_BUFFERED;
  }

  /** Moves what may go out from the merge to the client, as far as the client keeps up. */
  private pump(): void {
    if (this.over || !this.started || this.pumping) return;
    this.pumping = true;
    try {
      while (!this.blocked) {
        if (this.queue.length === 0) this.fill();
        if (this.queue.length === 0 && this.notices.length === 0) break;
        const events = this.cut();
        const res: GetLogsResponse = { events, notices: this.notices };
        this.notices = [];
        this.write(res);
      }
      if (!this.blocked && this.queue.length === 0 && this.finished()) {
        this.over = true;
        this.cleanup();
        this.out.end();
        return;
      }
      this.updatePauses();
    } finally {
      this.pumping = false;
    }
  }

  private fill(): void {
    const batch = this.opts.batchBytes ?? DEFAULT_BATCH_BYTES;
    if (this.ring && !this.backlogOver) {
      this.ring.push(this.merge.take());
      if (this.merge.all.every((s) => s.ended || s.caughtUp)) {
        this.backlogOver = true;
        this.queue = this.ring.drain();
      }
      return;
    }
    this.queue = this.merge.take(batch);
  }

  /** The next response's events: about batchBytes from the queue. */
  private cut(): LogEvent__Output[] {
    const batch = this.opts.batchBytes ?? DEFAULT_BATCH_BYTES;
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && bytes < batch) bytes += eventBytes(this.queue[n++]!);
    if (n === this.queue.length) {
      const all = this.queue;
      this.queue = [];
      return all;
    }
    return this.queue.splice(0, n);
  }

  private finished(): boolean {
    if (this.plan.follow && this.plan.service) return false;
    return this.merge.finished && (!this.ring || this.backlogOver);
  }

  private write(res: GetLogsResponse): void {
    if (this.out.write(res)) return;
    this.blocked = true;
    this.updatePauses();
    this.out.onDrain(() =>
      this.guard(() => {
        this.blocked = false;
        this.pump();
      }),
    );
  }

  /** A task's call is paused while the client is behind or while its buffer is full. */
  private updatePauses(): void {
    for (const t of this.tasks.values()) {
      if (!t.stream || !t.source) continue;
      if (this.blocked || t.source.size > this.maxBuffered) {
        if (!t.paused) t.stream.pause();
        t.paused = true;
      } else if (t.paused && t.source.size <= this.maxBuffered / 2) {
        t.paused = false;
        t.stream.resume();
      }
    }
  }
}

/**
 * Starts a GetLogs call: validates (throwing ECS exceptions before anything is written), then streams to
 * out until done or cancelled.
 */
export function getLogs(
  ctx: Context,
  agents: LogsAgents,
  req: GetLogsRequest__Output,
  out: LogsOutput,
  opts: GetLogsOptions = {},
): { cancel(): void } {
  const plan = planLogs(ctx, agents, req);
  const streamer = new LogsStreamer(ctx, agents, plan, out, opts);
  try {
    streamer.start();
  } catch (err) {
    streamer.cancel();
    throw err;
  }
  return { cancel: () => streamer.cancel() };
}
