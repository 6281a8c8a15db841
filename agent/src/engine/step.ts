// The task lifecycle as one pure step function (after swarmkit's agent/exec/controller.go):
// step(task, ctx) → the task after the transitions that need no I/O, plus the I/O actions to perform next.
// The driver (task-engine.ts) performs the actions, folds their results in with apply.ts, and steps again
// until there is nothing left to do. Every transition goes through the forward-only guard.
import { containerRank } from './status.js';
import {
  advanceContainer,
  advanceTask,
  desireStop,
  ESSENTIAL_EXITED_REASON,
  findContainer,
  startOrder,
  type ContainerState,
  type TaskState,
} from './task-state.js';

export type Action =
  | { kind: 'pull'; container: string }
  | { kind: 'create'; container: string }
  | { kind: 'start'; container: string }
  | { kind: 'stop'; container: string; timeoutSec: number }
  | { kind: 'cleanup' };

export interface StepContext {
  now: number;
  /** ECS_CONTAINER_STOP_TIMEOUT, used when the container has no stopTimeout of its own. */
  stopTimeoutMs: number;
  /** ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION. */
  cleanupWaitMs: number;
}

export interface StepResult {
  task: TaskState;
  actions: Action[];
}

export function step(task: TaskState, ctx: StepContext): StepResult {
  if (task.status === 'STOPPED') return stepStopped(task, ctx);
  let t = task;
  if (t.desiredStatus === 'RUNNING') t = stopIfEssentialGone(t);
  return t.desiredStatus === 'STOPPED' ? stepStopping(t, ctx) : stepRunning(t, ctx);
}

/** When the cleanup wait has passed, the task's containers are removed. */
function stepStopped(task: TaskState, ctx: StepContext): StepResult {
  const due = !task.cleanedUp && ctx.now >= (task.executionStoppedAt ?? 0) + ctx.cleanupWaitMs;
  return { task, actions: due ? [{ kind: 'cleanup' }] : [] };
}

/**
 * The essential-container rule: an essential container that stopped (exited, or never started) stops
 * the task. A task whose containers have all stopped stops as well.
 */
function stopIfEssentialGone(task: TaskState): TaskState {
  const gone = task.containers.find((c) => c.def.essential && c.status === 'STOPPED');
  if (gone?.failedToStart) return desireStop(task, gone.reason, 'TaskFailedToStart');
  if (gone) return desireStop(task, ESSENTIAL_EXITED_REASON, 'EssentialContainerExited');
  if (task.containers.length > 0 && task.containers.every((c) => c.status === 'STOPPED')) {
    return desireStop(task, ESSENTIAL_EXITED_REASON, 'EssentialContainerExited');
  }
  return task;
}

function stepStopping(task: TaskState, ctx: StepContext): StepResult {
  // Containers that were never created have nothing to stop.
  let t: TaskState = {
    ...task,
    containers: task.containers.map((c) => (containerRank(c.status) < containerRank('CREATED') ? advanceContainer(c, 'STOPPED') : c)),
  };
  if (t.containers.every((c, i) => c === task.containers[i])) t = task;
  const toStop = t.containers.filter((c) => c.status === 'CREATED' || c.status === 'RUNNING');
  if (toStop.length === 0) return { task: advanceTask(t, 'STOPPED', ctx.now), actions: [] };
  t = advanceTask(t, 'STOPPING', ctx.now);
  return { task: t, actions: toStop.map((c) => ({ kind: 'stop', container: c.def.name, timeoutSec: stopTimeoutSec(c, ctx) })) };
}

function stopTimeoutSec(c: ContainerState, ctx: StepContext): number {
  return c.def.stopTimeout ?? Math.ceil(ctx.stopTimeoutMs / 1000);
}

function stepRunning(task: TaskState, ctx: StepContext): StepResult {
  let t = task;
  const actions: Action[] = t.containers.filter((c) => c.status === 'NONE').map((c) => ({ kind: 'pull', container: c.def.name }));
  if (actions.length > 0 && t.pullStartedAt === undefined) t = { ...t, pullStartedAt: ctx.now };
  // Containers are created and started one at a time, in start order: the next one waits until every
  // container before it has started (or already stopped).
  for (const name of startOrder(t)) {
    const c = findContainer(t, name)!;
    if (containerRank(c.status) >= containerRank('RUNNING')) continue;
    if (c.status === 'PULLED') actions.push({ kind: 'create', container: name });
    if (c.status === 'CREATED') actions.push({ kind: 'start', container: name });
    break;
  }
  if (t.containers.every((c) => containerRank(c.status) >= containerRank('RUNNING'))) t = advanceTask(t, 'RUNNING', ctx.now);
  return { task: t, actions };
}
