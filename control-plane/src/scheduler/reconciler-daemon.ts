// The DAEMON scheduler (ECS developer guide, "Daemon scheduling strategy"): "deploys exactly one task on
// each active container instance that meets all of the task placement constraints"; "When you drain a
// container instance, the daemon service task is stopped on it"; the desired count is derived (the number of
// such instances) and reported on the PRIMARY deployment. A deployment replaces each instance's task:
// "The service scheduler ... stops the task on the container instance ... and then starts the new one"
// within minimumHealthyPercent (ECS's default for daemons is 0%) and maximumPercent 100%.
//
// Choices where ECS is silent:
//  - the target instances are the ACTIVE instances whose agent is not lost and that the PRIMARY deployment's
//    constraints admit; an instance whose agent is disconnected (not yet lost) keeps its task but gets no
//    new one until it reconnects;
//  - a task on an instance that is not a target (DRAINING, no longer admitted by the constraints) stops at
//    once: it is not part of the desired count, so minimumHealthyPercent does not hold it;
//  - with maximumPercent above 100 the new task starts next to the old one, which stops once the new one is
//    healthy; otherwise the old one stops first (within the minimum) and the new one starts after it is gone;
//  - a new task is started on an instance only when no task of the service is still releasing resources
//    there; each instance is placed on alone, so no two placements compete.
import type { PlacementInstance } from '../placement/types.js';
import type { DeploymentState, ReconcileInput, ServiceTask } from './types.js';
import { isHealthy, isLostInstance } from './reconciler-tasks.js';
import { admits, placeTasks } from './reconciler-placement.js';
import { minHealthyTasks } from './reconciler-replica.js';
import { activeTasks, HealthyBudget, releasingAny, releasingOn, type Scheduling } from './reconciler-work.js';

/** The instances that should run one task of the deployment. */
export function daemonTargets(input: ReconcileInput, primary: DeploymentState): PlacementInstance[] {
  if (input.service.status !== 'ACTIVE') return [];
  return input.instances.filter((i) => i.status === 'ACTIVE' && !isLostInstance(input, i.arn) && admits(i, input.service, primary, input.random));
}

export function scheduleDaemon(s: Scheduling, targets: PlacementInstance[]): void {
  const svc = s.input.service;
  const targetArns = new Set(targets.map((i) => i.arn));
  for (const t of activeTasks(s)) if (!targetArns.has(t.instanceArn)) s.plan.stop(t, s.reason);

  const active = activeTasks(s);
  const minHealthy = minHealthyTasks(s.desired, svc.deploymentConfiguration.minimumHealthyPercent);
  const budget = new HealthyBudget(active.filter(isHealthy).length - minHealthy);
  const surge = svc.deploymentConfiguration.maximumPercent > 100;
  const canLaunch = !s.frozen && !s.throttled;
  let toReplace = false;
  let waiting = false;

  for (const inst of targets) {
    const here = active.filter((t) => t.instanceArn === inst.arn);
    const mine = here.filter((t) => t.deploymentId === s.primary.id).sort((a, b) => Number(isHealthy(b)) - Number(isHealthy(a)));
    const older = here.filter((t) => t.deploymentId !== s.primary.id);
    // More than one copy of the PRIMARY deployment here: keep one (a healthy one).
    for (const t of mine.slice(1)) if (budget.take(t)) s.plan.stop(t, s.reason);
    const current = mine[0];
    if (current && !isHealthy(current)) waiting = true;
    if (older.length > 0) toReplace = true;
    if (older.length > 0 && !s.frozen && (!surge || (current !== undefined && isHealthy(current)))) {
      for (const t of older) if (budget.take(t)) s.plan.stop(t, s.reason);
    }
    const startHere = current === undefined && canLaunch && inst.agentConnected && (surge || older.length === 0) && !releasingOn(s, inst.arn);
    if (startHere) startOn(s, inst);
  }
  if (toReplace && s.plan.empty && canLaunch && !waiting) s.plan.blocked = true;
}

function startOn(s: Scheduling, inst: PlacementInstance): void {
  const placed = placeTasks([inst], s.input.service, s.primary, 1, s.input.random, []);
  for (const arn of placed.placements) s.plan.start(s.primary.id, arn);
  if (placed.why !== undefined && s.plan.unplaced === undefined && !releasingAny(s)) s.plan.unplaced = placed.why;
}

/** Every target runs exactly one healthy task of the PRIMARY deployment, and nothing else is left. */
export function daemonSettled(live: ServiceTask[], primary: DeploymentState, targets: PlacementInstance[]): boolean {
  if (live.length !== targets.length) return false;
  const seen = new Set<string>();
  for (const t of live) {
    if (t.deploymentId !== primary.id || !isHealthy(t) || seen.has(t.instanceArn)) return false;
    seen.add(t.instanceArn);
  }
  return targets.every((i) => seen.has(i.arn));
}
