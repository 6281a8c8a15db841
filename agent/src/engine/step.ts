// The task lifecycle as one pure step function (after swarmkit's agent/exec/controller.go):
// step(task, ctx) → the task after the transitions that need no I/O, plus the I/O actions to perform next.
// The driver (task-engine.ts) performs the actions, folds their results in with apply.ts, and steps again
// until there is nothing left to do. Every transition goes through the forward-only guard.
import { checkDependencies, failUnresolvable, nextDeadline, stoppableNow } from './dependencies.js';
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
  /** Create the task's Docker volume of that (task definition) name. */
  | { kind: 'create-volume'; volume: string }
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
  /** Epoch ms at which to step again even if nothing happens (a dependency's startTimeout runs out). */
  wakeAt?: number;
}

export function step(task: TaskState, ctx: StepContext): StepResult {
  if (task.status === 'STOPPED') return stepStopped(task, ctx);
  let t = task;
  if (t.desiredStatus === 'RUNNING') t = stopIfEssentialGone(failUnresolvable(t, ctx.now));
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
  const toStop = stoppableNow(t);
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
  for (const v of t.volumes) if (!v.sourcePath && !v.dockerName) actions.push({ kind: 'create-volume', volume: v.name });
  const next = nextToLaunch(t, ctx.now);
  if (next) actions.push(next);
  if (t.containers.every((c) => containerRank(c.status) >= containerRank('RUNNING'))) t = advanceTask(t, 'RUNNING', ctx.now);
  const wakeAt = nextDeadline(t, ctx.now);
  return wakeAt === undefined ? { task: t, actions } : { task: t, actions, wakeAt };
}

/**
 * Containers are created and started one at a time, in start order, once the task's volumes exist: the next
 * one waits until every container before it has started (or already stopped), except those before it that
 * wait for their dependsOn conditions, which do not hold up the others.
 */
function nextToLaunch(task: TaskState, now: number): Action | undefined {
  if (task.volumes.some((v) => !v.sourcePath && !v.dockerName)) return undefined;
  for (const name of startOrder(task)) {
    const c = findContainer(task, name)!;
    if (containerRank(c.status) >= containerRank('RUNNING')) continue;
    if (c.status === 'NONE') return undefined; // its pull first
    if (checkDependencies(task, c, now).kind !== 'met' || !linksUp(task, c)) continue;
    return { kind: c.status === 'PULLED' ? 'create' : 'start', container: name };
  }
  return undefined;
}

/** A container with links starts once the containers it links to have started. */
function linksUp(task: TaskState, c: ContainerState): boolean {
  return c.def.links.every((link) => {
    const target = findContainer(task, link.split(':')[0]);
    return !target || target === c || containerRank(target.status) >= containerRank('RUNNING');
  });
}
