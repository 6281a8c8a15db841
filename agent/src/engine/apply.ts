// Folds what happened (an action's outcome, a Docker event, a control-plane command) into a task.
// Pure; every status change goes through the forward-only guard, so a late or repeated event is a no-op.
import type { HostBinding } from '../runtime/runtime.js';
import {
  advanceContainer,
  advanceTask,
  desireStop,
  updateContainer,
  type HealthStatus,
  type HostPortClaim,
  type TaskState,
} from './task-state.js';

export type TaskEvent =
  | { kind: 'pulled'; container: string }
  /** Pulling, creating or starting failed: the container is STOPPED and never ran. */
  | { kind: 'failed'; container: string; reason: string }
  | { kind: 'created'; container: string; runtimeId: string; dockerName: string; hostPorts: HostPortClaim[] }
  | {
      kind: 'running';
      container: string;
      runtimeId: string;
      dockerName: string;
      bindings: HostBinding[];
      imageDigest?: string;
      /** Docker's StartedAt (epoch ms); the time of the event when unknown. */
      startedAt?: number;
      health?: HealthStatus;
    }
  | { kind: 'exited'; container: string; exitCode?: number; reason?: string }
  /** The health check of a running container has a new verdict. */
  | { kind: 'health'; container: string; health: HealthStatus }
  | { kind: 'volume-created'; volume: string; dockerName: string }
  /** A task volume could not be created: the task cannot start. */
  | { kind: 'volume-failed'; volume: string; reason: string }
  | { kind: 'desired-stop'; reason?: string; stopCode?: string }
  | { kind: 'cleaned-up' };

export function applyEvent(task: TaskState, e: TaskEvent, now: number): TaskState {
  switch (e.kind) {
    case 'pulled':
      return markPullDone(updateContainer(task, e.container, (c) => advanceContainer(c, 'PULLED')), now);
    case 'failed':
      return markPullDone(
        updateContainer(task, e.container, (c) => advanceContainer(c, 'STOPPED', { reason: e.reason, failedToStart: true })),
        now,
      );
    case 'created':
      return updateContainer(task, e.container, (c) =>
        advanceContainer(c, 'CREATED', { runtimeId: e.runtimeId, dockerName: e.dockerName, hostPorts: e.hostPorts }),
      );
    case 'running':
      return updateContainer(task, e.container, (c) =>
        advanceContainer(c, 'RUNNING', {
          runtimeId: e.runtimeId,
          dockerName: e.dockerName,
          bindings: e.bindings,
          startedAt: e.startedAt ?? now,
          ...(e.imageDigest ? { imageDigest: e.imageDigest } : {}),
          ...(c.def.healthCheck ? { health: e.health ?? 'UNKNOWN' } : {}),
        }),
      );
    case 'exited':
      return updateContainer(task, e.container, (c) =>
        advanceContainer(c, 'STOPPED', { exitCode: e.exitCode, reason: e.reason ?? c.reason }),
      );
    case 'health':
      return updateContainer(task, e.container, (c) =>
        c.status === 'RUNNING' && c.def.healthCheck && c.health !== e.health ? { ...c, health: e.health } : c,
      );
    case 'volume-created':
      return setVolume(task, e.volume, e.dockerName);
    case 'volume-failed':
      return desireStop(task, e.reason, 'TaskFailedToStart');
    case 'desired-stop':
      return desireStop(task, e.reason, e.stopCode);
    case 'cleaned-up':
      return task.status === 'STOPPED' && !task.cleanedUp ? { ...task, cleanedUp: true } : task;
  }
}

function setVolume(task: TaskState, name: string, dockerName: string): TaskState {
  const v = task.volumes.find((x) => x.name === name);
  if (!v || v.sourcePath || v.dockerName) return task;
  return { ...task, volumes: task.volumes.map((x) => (x === v ? { ...x, dockerName } : x)) };
}

/** pullStoppedAt: when the last image pull of the task finished. */
function markPullDone(task: TaskState, now: number): TaskState {
  if (task.pullStoppedAt !== undefined || task.pullStartedAt === undefined) return task;
  if (task.containers.some((c) => c.status === 'NONE')) return task;
  return { ...task, pullStoppedAt: now };
}

/** An unknown task the control plane wants STOPPED: recorded as STOPPED at once, so it is reported so. */
export function stoppedOnArrival(task: TaskState, now: number): TaskState {
  const containers = task.containers.map((c) => advanceContainer(c, 'STOPPED'));
  return advanceTask({ ...task, containers }, 'STOPPED', now);
}
