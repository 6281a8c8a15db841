// The REPLICA scheduler: the PRIMARY deployment converges to desiredCount, older deployments drain, tasks on
// DRAINING instances move elsewhere, all within ECS's rolling-update arithmetic:
//   at most  floor(desired × maximumPercent / 100)        tasks RUNNING or PENDING (all deployments),
//   at least ceil(desired × minimumHealthyPercent / 100)  healthy tasks, as far as the scheduler's own stops go
// (botocore DeploymentConfiguration; the developer guide, "Deploy Amazon ECS services by replacing tasks":
// "a minimum of 50% allows the scheduler to stop two existing tasks before starting two new tasks";
// "a maximum of 200% starts four new tasks before stopping the four older tasks").
//
// One pass, in this order:
//  1. PENDING tasks on DRAINING instances stop at once (ECS: "Service tasks on the container instance that are
//     in the PENDING state are stopped immediately").
//  2. Older deployments: their tasks that are not healthy stop at once (they serve nothing); their healthy
//     tasks stop down to the minimum, oldest deployment first, each in the order the placement strategies
//     give (chooseTasksToStop). While the PRIMARY deployment is FAILED without rollback, older tasks are
//     left alone (the deployment is stalled; the older tasks keep the service up), except those beyond
//     desiredCount on a scale-in.
//  3. Scale-in: the PRIMARY deployment's tasks beyond desiredCount (on ACTIVE instances) stop, in strategy
//     order, within the minimum.
//  4. The PRIMARY deployment's RUNNING tasks on DRAINING instances (ECS: "stopped and replaced according to
//     the service's deployment configuration parameters"): the replacement starts first when
//     maximumPercent allows, and the task on the draining instance stops once its replacement is healthy;
//     when maximumPercent leaves no room for the replacement, it stops first, within the minimum.
//  5. Starts: desiredCount minus the PRIMARY deployment's tasks on ACTIVE instances, within maximumPercent,
//     none while throttled or FAILED; placed in one engine call.
//  6. When there is something to replace but nothing can be stopped or started and nothing is pending that
//     could change this, the configuration blocks the deployment (ECS's event for it).
// A service being deleted (DRAINING) has desiredCount 0 and ignores minimumHealthyPercent.
import type { ServiceTask } from './types.js';
import { isHealthy, isPending, onDrainingInstance } from './reconciler-tasks.js';
import { placeTasks, stopOrder } from './reconciler-placement.js';
import { activeTasks, HealthyBudget, releasingAny, type Scheduling } from './reconciler-work.js';

export function maxTasks(desired: number, maximumPercent: number): number {
  return Math.floor((desired * maximumPercent) / 100);
}

export function minHealthyTasks(desired: number, minimumHealthyPercent: number): number {
  return Math.ceil((desired * minimumHealthyPercent) / 100);
}

export function scheduleReplica(s: Scheduling): void {
  const svc = s.input.service;
  const deleting = svc.status === 'DRAINING';
  const cfg = svc.deploymentConfiguration;
  const maxTotal = maxTasks(s.desired, cfg.maximumPercent);
  const minHealthy = deleting ? 0 : minHealthyTasks(s.desired, cfg.minimumHealthyPercent);

  for (const t of activeTasks(s)) if (isPending(t) && onDrainingInstance(s.view, t)) s.plan.stop(t, s.reason);

  const active = activeTasks(s);
  const budget = new HealthyBudget(active.filter(isHealthy).length - minHealthy);
  const mine = (t: ServiceTask) => t.deploymentId === s.primary.id;
  const older = active.filter((t) => !mine(t));
  const onActive = active.filter((t) => mine(t) && !onDrainingInstance(s.view, t));
  const onDraining = active.filter((t) => mine(t) && onDrainingInstance(s.view, t));

  // A stalled (FAILED) deployment keeps the older tasks up, beyond desiredCount only on a scale-in.
  const hold = s.frozen && !deleting;
  stopOlder(s, older, budget, hold ? Math.max(0, active.length - s.desired) : Infinity);
  const kept = stopExcess(s, onActive, budget);
  stopDrained(s, onDraining, kept, maxTotal, budget);

  const room = maxTotal - activeTasks(s).length;
  const launch = s.frozen || s.throttled ? 0 : Math.max(0, Math.min(s.desired - kept.length, room));
  startTasks(s, launch);

  const toReplace = older.length > 0 || onDraining.length > 0;
  const waiting = kept.some((t) => !isHealthy(t));
  if (toReplace && s.plan.empty && !s.frozen && !s.throttled && !deleting && !waiting && room <= 0) s.plan.blocked = true;
}

/** Step 2: older deployments' tasks (at most `limit`), those not healthy first, the healthy ones down to the minimum. */
function stopOlder(s: Scheduling, older: ServiceTask[], budget: HealthyBudget, limit: number): void {
  let left = limit;
  for (const t of older) {
    if (left === 0) return;
    if (isHealthy(t)) continue;
    s.plan.stop(t, s.reason);
    left--;
  }
  const created = new Map(s.input.service.deployments.map((d) => [d.id, d.createdAt]));
  const ids = [...new Set(older.map((t) => t.deploymentId))].sort((a, b) => (created.get(a) ?? -Infinity) - (created.get(b) ?? -Infinity));
  for (const id of ids) {
    const healthy = older.filter((t) => t.deploymentId === id && isHealthy(t));
    for (const t of stopOrder(s.input.instances, s.input.service, healthy, s.input.random)) {
      if (left === 0 || budget.remaining === 0) return;
      if (!budget.take(t)) return;
      s.plan.stop(t, s.reason);
      left--;
    }
  }
}

/** Step 3: the PRIMARY deployment's tasks beyond desiredCount. Returns those kept. */
function stopExcess(s: Scheduling, onActive: ServiceTask[], budget: HealthyBudget): ServiceTask[] {
  let excess = onActive.length - s.desired;
  if (excess <= 0) return onActive;
  for (const t of stopOrder(s.input.instances, s.input.service, onActive, s.input.random)) {
    if (excess === 0) break;
    if (!budget.take(t)) continue;
    s.plan.stop(t, s.reason);
    excess--;
  }
  return onActive.filter((t) => !s.plan.stopped.has(t.arn));
}

/** Step 4: the PRIMARY deployment's RUNNING tasks on DRAINING instances. */
function stopDrained(s: Scheduling, onDraining: ServiceTask[], kept: ServiceTask[], maxTotal: number, budget: HealthyBudget): void {
  if (onDraining.length === 0) return;
  // Replaced: healthy tasks on ACTIVE instances beyond what desiredCount still needs from the draining ones.
  const healthyKept = kept.filter(isHealthy).length;
  let count = Math.min(onDraining.length, Math.max(0, healthyKept + onDraining.length - s.desired));
  // No room for the replacements: make room, within the minimum.
  if (!s.frozen && !s.throttled) {
    const room = maxTotal - activeTasks(s).length;
    const needed = Math.max(0, s.desired - kept.length);
    if (room < needed) count = Math.min(onDraining.length, count + needed - Math.max(0, room));
  }
  const order = [...onDraining.filter((t) => !isHealthy(t)), ...onDraining.filter(isHealthy)];
  for (const t of order) {
    if (count === 0) return;
    if (!budget.take(t)) return;
    s.plan.stop(t, s.reason);
    count--;
  }
}

/** Step 5: places and starts `count` tasks of the PRIMARY deployment. */
function startTasks(s: Scheduling, count: number): void {
  if (count <= 0) return;
  const placed = placeTasks(s.input.instances, s.input.service, s.primary, count, s.input.random);
  for (const arn of placed.placements) s.plan.start(s.primary.id, arn);
  // While tasks of the service are releasing resources, a placement failure may be momentary: say nothing yet.
  if (placed.why !== undefined && !releasingAny(s)) s.plan.unplaced = placed.why;
}
