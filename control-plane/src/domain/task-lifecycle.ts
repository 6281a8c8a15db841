// ECS's task lifecycle and the rules for moving a task along it. Pure.
//
// PROVISIONING → PENDING → ACTIVATING → RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED
//
// A task's lastStatus only moves forward; any status may jump ahead (a task that fails to start goes
// from PENDING straight to STOPPED). desiredStatus is RUNNING or STOPPED and only moves to STOPPED.
import type { Container__Output } from '../../../proto/gen/ecs/v1/Container.js';
import type { TaskStateChange__Output } from '../../../proto/gen/ecs/v1/TaskStateChange.js';
import type { TaskRecord } from './records.js';

export const TASK_STATUSES = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const CONTAINER_STATUSES = ['PENDING', 'RUNNING', 'STOPPED'] as const;
export type ContainerStatus = (typeof CONTAINER_STATUSES)[number];

export function isTaskStatus(s: string): s is TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(s);
}

function rank(list: readonly string[], s: string): number {
  const i = list.indexOf(s);
  return i < 0 ? -1 : i;
}

/** True when `to` is `from` or later in the lifecycle: the guard against backward transitions. */
export function canAdvance(from: string, to: string): boolean {
  const f = rank(TASK_STATUSES, from);
  const t = rank(TASK_STATUSES, to);
  return t >= 0 && f >= 0 && t >= f;
}

export function canAdvanceContainer(from: string, to: string): boolean {
  const f = rank(CONTAINER_STATUSES, from);
  const t = rank(CONTAINER_STATUSES, to);
  return t >= 0 && f >= 0 && t >= f;
}

/** Tasks that count as pending for the instance and cluster counters (ECS counts PENDING ones). */
export function isPendingStatus(s: string): boolean {
  return s === 'PROVISIONING' || s === 'PENDING' || s === 'ACTIVATING';
}

/** ECS stop codes. */
export type StopCode =
  | 'TaskFailedToStart'
  | 'EssentialContainerExited'
  | 'UserInitiated'
  | 'ServiceSchedulerInitiated'
  | 'SpotInterruption'
  | 'TerminationNotice';

/** The task after the user (or the control plane) asked it to stop. Returns undefined if nothing changes. */
export function requestStop(rec: TaskRecord, reason: string, stopCode: StopCode, now: number): TaskRecord | undefined {
  if (rec.task.desiredStatus === 'STOPPED') return undefined;
  const task = { ...rec.task };
  task.desiredStatus = 'STOPPED';
  task.stoppedReason = reason;
  task.stopCode = stopCode;
  task.stoppingAt = now;
  task.version = (task.version ?? 0) + 1;
  return { ...rec, task };
}

/** The agent acknowledged the assignment: PROVISIONING → PENDING, connectivity CONNECTED. */
export function markDelivered(rec: TaskRecord, now: number): TaskRecord | undefined {
  if (rec.task.lastStatus !== 'PROVISIONING') return undefined;
  const task = { ...rec.task, lastStatus: 'PENDING', connectivity: 'CONNECTED', connectivityAt: now };
  task.version = (task.version ?? 0) + 1;
  return { ...rec, task };
}

/**
 * Applies an agent's report. Older reports (by seq) and backward moves are ignored: returns undefined
 * when the report changes nothing.
 */
export function applyStateChange(rec: TaskRecord, change: TaskStateChange__Output, now: number): TaskRecord | undefined {
  if (change.seq <= rec.reportSeq) return undefined;
  const task = { ...rec.task };
  if (canAdvance(task.lastStatus, change.status)) task.lastStatus = change.status;
  if (task.connectivity !== 'CONNECTED') {
    task.connectivity = 'CONNECTED';
    task.connectivityAt = task.connectivityAt ?? now;
  }
  if (change.pullStartedAt !== undefined) task.pullStartedAt = change.pullStartedAt;
  if (change.pullStoppedAt !== undefined) task.pullStoppedAt = change.pullStoppedAt;
  if (change.startedAt !== undefined) task.startedAt = change.startedAt;
  if (change.executionStoppedAt !== undefined) task.executionStoppedAt = change.executionStoppedAt;
  task.containers = task.containers.map((c) => applyContainerChange(c, change));
  task.healthStatus = taskHealth(rec, task.containers);
  if (task.lastStatus === 'STOPPED') {
    task.stoppedAt = task.stoppedAt ?? now;
    task.executionStoppedAt = task.executionStoppedAt ?? now;
    // The first reason wins: a user's StopTask reason is kept over the agent's.
    if (task.desiredStatus !== 'STOPPED') {
      task.desiredStatus = 'STOPPED';
      task.stoppingAt = task.stoppingAt ?? now;
    }
    if (!task.stoppedReason && change.reason) task.stoppedReason = change.reason;
    if (!task.stopCode && change.stopCode) task.stopCode = change.stopCode;
    if (!task.stoppedReason) task.stoppedReason = 'Task stopped';
  } else if (isStopping(task.lastStatus) && task.desiredStatus !== 'STOPPED') {
    // The agent is stopping the task on its own (an essential container exited): as in ECS, the
    // task's desired status becomes STOPPED and the agent's reason is the stop reason.
    task.desiredStatus = 'STOPPED';
    task.stoppingAt = task.stoppingAt ?? now;
    if (change.reason && !task.stoppedReason) task.stoppedReason = change.reason;
    if (change.stopCode && !task.stopCode) task.stopCode = change.stopCode;
  }
  task.version = (task.version ?? 0) + 1;
  return { ...rec, task, reportSeq: change.seq };
}

/**
 * ECS's task health: from the essential containers that have a health check. Any UNHEALTHY makes the
 * task UNHEALTHY; all HEALTHY make it HEALTHY; otherwise (or with no such container) UNKNOWN.
 */
export function taskHealth(rec: TaskRecord, containers: Container__Output[]): string {
  const checked = rec.containers
    .filter((d) => d.essential !== false && d.healthCheck && d.healthCheck.command.length > 0)
    .map((d) => containers.find((c) => c.name === d.name)?.healthStatus ?? 'UNKNOWN');
  if (checked.includes('UNHEALTHY')) return 'UNHEALTHY';
  if (checked.length > 0 && checked.every((h) => h === 'HEALTHY')) return 'HEALTHY';
  return 'UNKNOWN';
}

function isStopping(s: string): boolean {
  return rank(TASK_STATUSES, s) > rank(TASK_STATUSES, 'RUNNING');
}

function applyContainerChange(c: Container__Output, change: TaskStateChange__Output): Container__Output {
  const cc = change.containers.find((x) => x.name === c.name);
  if (!cc) return change.status === 'STOPPED' && c.lastStatus !== 'STOPPED' ? { ...c, lastStatus: 'STOPPED' } : c;
  const next: Container__Output = { ...c };
  if (canAdvanceContainer(c.lastStatus, cc.status)) next.lastStatus = cc.status;
  if (cc.runtimeId !== undefined) next.runtimeId = cc.runtimeId;
  if (cc.exitCode !== undefined) next.exitCode = cc.exitCode;
  if (cc.reason !== undefined) next.reason = cc.reason;
  if (cc.imageDigest !== undefined) next.imageDigest = cc.imageDigest;
  if (cc.healthStatus !== undefined) next.healthStatus = cc.healthStatus;
  if (cc.networkBindings.length > 0) next.networkBindings = cc.networkBindings;
  if (change.status === 'STOPPED') next.lastStatus = 'STOPPED';
  return next;
}
