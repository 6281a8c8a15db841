// What the control plane is told about a task: a TaskStateChange projected from the task record.
// A new report (with a higher seq) is made only when the projection changes.
import type { TaskStateChange } from '../../../proto/gen/ecs/v1/TaskStateChange.js';
import type { ContainerStateChange } from '../../../proto/gen/ecs/v1/ContainerStateChange.js';
import { reportedContainerStatus } from './status.js';
import type { ContainerState, TaskState } from './task-state.js';

/** A TaskStateChange as the agent sends it: every field the agent sets is present. */
export type TaskReport = TaskStateChange & { messageId: string; taskArn: string; status: string; seq: number; reportedAt: number };

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function containerChange(c: ContainerState): ContainerStateChange {
  const out: ContainerStateChange = {
    name: c.def.name,
    status: reportedContainerStatus(c.status),
    networkBindings: c.bindings.map((b) => ({ bindIp: b.bindIp, containerPort: b.containerPort, hostPort: b.hostPort, protocol: b.protocol })),
  };
  if (c.runtimeId) out.runtimeId = c.runtimeId;
  if (c.exitCode !== undefined) out.exitCode = c.exitCode;
  if (c.reason) out.reason = c.reason;
  if (c.imageDigest) out.imageDigest = c.imageDigest;
  // Only a container with a health check has a health status to report (UNKNOWN until the first verdict).
  if (c.def.healthCheck) out.healthStatus = c.health ?? 'UNKNOWN';
  return out;
}

/** The reportable projection of a task (no message id, seq or time of report). */
export function projectTask(task: TaskState): TaskStateChange {
  const out: TaskStateChange = {
    taskArn: task.arn,
    status: task.status,
    containers: task.containers.map(containerChange),
  };
  if (task.desiredStatus === 'STOPPED') {
    if (task.stopReason) out.reason = task.stopReason;
    if (task.stopCode) out.stopCode = task.stopCode;
  }
  const times = {
    pullStartedAt: seconds(task.pullStartedAt),
    pullStoppedAt: seconds(task.pullStoppedAt),
    startedAt: seconds(task.startedAt),
    executionStoppedAt: seconds(task.executionStoppedAt),
  };
  for (const [k, v] of Object.entries(times)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

export function fingerprint(task: TaskState): string {
  return JSON.stringify(projectTask(task));
}

/**
 * The next seq for a task: above the last one, and at least the clock in ms, so that reports of a task
 * whose record was lost (a wiped data dir) still sort after anything sent before.
 */
export function nextSeq(task: TaskState, now: number): number {
  return Math.max(task.seq + 1, Math.floor(now));
}

/** If the projection changed since the last report: the task with its report bookkeeping, and the report. */
export function makeReport(task: TaskState, now: number): { task: TaskState; report?: TaskReport } {
  const fp = fingerprint(task);
  if (fp === task.lastReport) return { task };
  const seq = nextSeq(task, now);
  const report: TaskReport = { ...projectTask(task), messageId: `${task.arn}#${seq}`, taskArn: task.arn, status: task.status, seq, reportedAt: now / 1000 };
  return { task: { ...task, seq, lastReport: fp }, report };
}
