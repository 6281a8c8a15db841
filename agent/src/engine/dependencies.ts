// Container dependencies (dependsOn), after amazon-ecs-agent's dependencygraph: whether a container may be
// created and started yet, whether it never can be (then it is STOPPED without running, with a reason in
// ECS's words, which stops the task if it is essential), when a dependency's startTimeout runs out, and the
// stop order (a container stops only after the containers that depend on it). Pure.
import { containerRank } from './status.js';
import {
  advanceContainer,
  findContainer,
  START_ERROR_PREFIX,
  type ContainerState,
  type DependencyDef,
  type TaskState,
} from './task-state.js';

/** met: go ahead; wait: not yet (until `deadline` at the latest, when a startTimeout runs out); never: give up. */
export type DependencyVerdict = { kind: 'met' } | { kind: 'wait'; deadline?: number } | { kind: 'never'; reason: string };

const MET: DependencyVerdict = { kind: 'met' };

function unresolvable(dep: string, target: string, why: string): DependencyVerdict {
  return {
    kind: 'never',
    reason: `${START_ERROR_PREFIX}dependency graph: failed to resolve container ordering dependency [${dep}] for target [${target}] ${why}`,
  };
}

/** Waiting for `dep`: until its startTimeout (counted from its start) runs out, as ECS does for COMPLETE, SUCCESS, HEALTHY. */
function waitFor(dep: ContainerState, target: string, now: number): DependencyVerdict {
  if (!dep.def.startTimeout || dep.startedAt === undefined) return { kind: 'wait' };
  const deadline = dep.startedAt + dep.def.startTimeout * 1000;
  if (now < deadline) return { kind: 'wait', deadline };
  return {
    kind: 'never',
    reason: `${START_ERROR_PREFIX}dependency graph: container ordering dependency [${dep.def.name}] for target [${target}] has timed out (startTimeout ${dep.def.startTimeout}s).`,
  };
}

/** One dependsOn entry of `target`, judged against what is known of the dependency now. */
export function checkDependency(task: TaskState, target: string, d: DependencyDef, now: number): DependencyVerdict {
  const dep = findContainer(task, d.containerName);
  if (!dep) return unresolvable(d.containerName, target, 'as dependency does not exist.');
  const stopped = dep.status === 'STOPPED';
  if (stopped && dep.failedToStart) return unresolvable(dep.def.name, target, 'because dependency will never start.');
  switch (d.condition) {
    case 'START':
      return containerRank(dep.status) >= containerRank('RUNNING') ? MET : { kind: 'wait' };
    case 'COMPLETE':
      return stopped ? MET : waitFor(dep, target, now);
    case 'SUCCESS':
      if (!stopped) return waitFor(dep, target, now);
      if (dep.exitCode === 0) return MET;
      return unresolvable(dep.def.name, target, `as dependency did not exit successfully (${dep.exitCode === undefined ? 'no exit code' : `exit code ${dep.exitCode}`}).`);
    case 'HEALTHY':
      if (stopped) return unresolvable(dep.def.name, target, 'as dependency exited before it became healthy.');
      if (!dep.def.healthCheck) return unresolvable(dep.def.name, target, 'as dependency has no health check.');
      if (dep.status === 'RUNNING' && dep.health === 'HEALTHY') return MET;
      if (dep.status === 'RUNNING' && dep.health === 'UNHEALTHY') return unresolvable(dep.def.name, target, 'as dependency is unhealthy.');
      return waitFor(dep, target, now);
  }
}

/** All of a container's dependsOn together: the first that can never be met, else the earliest deadline of those not met yet. */
export function checkDependencies(task: TaskState, c: ContainerState, now: number): DependencyVerdict {
  let waiting = false;
  let deadline: number | undefined;
  for (const d of c.def.dependsOn) {
    const v = checkDependency(task, c.def.name, d, now);
    if (v.kind === 'never') return v;
    if (v.kind !== 'wait') continue;
    waiting = true;
    if (v.deadline !== undefined && (deadline === undefined || v.deadline < deadline)) deadline = v.deadline;
  }
  if (!waiting) return MET;
  return deadline === undefined ? { kind: 'wait' } : { kind: 'wait', deadline };
}

function notStarted(c: ContainerState): boolean {
  return containerRank(c.status) < containerRank('RUNNING');
}

/**
 * Containers that can never start because a dependency can never meet its condition are STOPPED without
 * running (failedToStart, with ECS's reason). Repeats, so that what depends on them follows suit.
 */
export function failUnresolvable(task: TaskState, now: number): TaskState {
  let t = task;
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of t.containers) {
      if (!notStarted(c)) continue;
      const v = checkDependencies(t, c, now);
      if (v.kind !== 'never') continue;
      const next = advanceContainer(c, 'STOPPED', { reason: v.reason, failedToStart: true });
      t = { ...t, containers: t.containers.map((x) => (x === c ? next : x)) };
      changed = true;
    }
  }
  return t;
}

/** When the step function must look again even if nothing happens: the earliest startTimeout deadline pending. */
export function nextDeadline(task: TaskState, now: number): number | undefined {
  let at: number | undefined;
  for (const c of task.containers) {
    if (!notStarted(c)) continue;
    const v = checkDependencies(task, c, now);
    if (v.kind === 'wait' && v.deadline !== undefined && (at === undefined || v.deadline < at)) at = v.deadline;
  }
  return at;
}

function isUp(c: ContainerState): boolean {
  return c.status === 'CREATED' || c.status === 'RUNNING';
}

/**
 * The containers to stop now: those up that no container still up depends on (dependents stop first, as in
 * ECS). Should dependencies form a cycle, every container up is stopped rather than none.
 */
export function stoppableNow(task: TaskState): ContainerState[] {
  const up = task.containers.filter(isUp);
  const held = (c: ContainerState) => up.some((o) => o !== c && o.def.dependsOn.some((d) => d.containerName === c.def.name));
  const ready = up.filter((c) => !held(c));
  return ready.length > 0 ? ready : up;
}
