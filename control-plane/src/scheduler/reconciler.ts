// The service reconciler: a pure function from what the store says about one service (its deployments,
// tasks, the cluster's instances, the time) to a plan (tasks to start, already placed; tasks to stop; tasks
// lost with their host; the deployments, status and throttle after this step; new events). After nomad's
// scheduler/reconciler. No I/O; time is input.now, randomness input.random. The loop (loop.ts) reads the
// input in one store transaction, calls reconcile, writes the plan back in one transaction.
//
// One reconcile, in order:
//  1. tasks: lost with their host (disconnected longer than options.hostLossTimeoutSec, or no longer
//     registered), failed to start (STOPPED since the last reconcile without reaching RUNNING), UNHEALTHY
//     past the grace period (stopped and replaced: "(task …) failed container health checks.");
//  2. the launch throttle (reconciler-throttle.ts) and the circuit breaker with rollback
//     (reconciler-deployments.ts);
//  3. scheduling: REPLICA (reconciler-replica.ts) or DAEMON (reconciler-daemon.ts);
//  4. deployments settle (desired counts, INACTIVE when drained, COMPLETED), the service status (DRAINING →
//     INACTIVE once no task is left), and the events in ECS's wording (reconciler-events.ts), unchanged
//     condition messages suppressed.
//
// Plan.events, oldest first: health-check failures, deployment failed, rolling back, unable to consistently
// start, has stopped (the scheduler's stops and the lost tasks), has started (with `{task:<i>}` placeholders
// for the ids of the tasks the loop creates for Plan.start[i]: complete it with withStartedTaskIds), unable to
// place, blocked by the deployment configuration, deployment completed, steady state.
import type { DeploymentState, Plan, ReconcileInput, ServiceTask } from './types.js';
import { copyDeployments, primaryOf, runBreaker, settleDeployments, type BreakerOutcome } from './reconciler-deployments.js';
import { EventLog, messages, startedMessage, taskId } from './reconciler-events.js';
import { daemonSettled, daemonTargets, scheduleDaemon } from './reconciler-daemon.js';
import { scheduleReplica } from './reconciler-replica.js';
import { failedToStart, isHealthy, isUnhealthyPastGrace, onDrainingInstance, viewTasks, type TaskView } from './reconciler-tasks.js';
import { isThrottled, stepThrottle, type Throttle } from './reconciler-throttle.js';
import { PlanBuilder, scalingReason, type Scheduling } from './reconciler-work.js';
import type { PlacementInstance } from '../placement/types.js';

export { fillStartedTaskIds, withStartedTaskIds, startedTaskPlaceholder, startedMessage, messages, rolloutReasons, isConditionMessage } from './reconciler-events.js';
export { breakerThreshold } from './reconciler-deployments.js';
export { launchDelay, THROTTLE_AFTER_FAILURES, THROTTLE_BASE_DELAY_SEC } from './reconciler-throttle.js';
export { maxTasks, minHealthyTasks } from './reconciler-replica.js';

/** What one reconcile found and decided before scheduling. */
interface Step {
  input: ReconcileInput;
  view: TaskView;
  deployments: DeploymentState[];
  primary?: DeploymentState;
  /** DAEMON: the instances that should run a copy. */
  targets: PlacementInstance[];
  desired: number;
  unhealthy: ServiceTask[];
  breaker: BreakerOutcome;
  throttle: Throttle;
  throttleActivated: boolean;
  plan: PlanBuilder;
}

export function reconcile(input: ReconcileInput): Plan {
  const svc = input.service;
  if (svc.status === 'INACTIVE') {
    return { start: [], stop: [], lost: [], deployments: copyDeployments(svc), events: [], status: 'INACTIVE', throttle: { ...svc.throttle } };
  }
  const step = assess(input);
  if (step.primary) schedule(step, step.primary);
  else if (svc.status === 'DRAINING') {
    // No PRIMARY deployment (not expected): a service being deleted still stops its tasks.
    for (const t of step.view.live) if (t.desiredStatus === 'RUNNING') step.plan.stop(t, scalingReason(undefined));
  }
  return finish(step);
}

/** Steps 1 and 2: tasks, desired count, throttle, circuit breaker. */
function assess(input: ReconcileInput): Step {
  const svc = input.service;
  const view = viewTasks(input);
  const deployments = copyDeployments(svc);
  const before = primaryOf(deployments);
  const targets = before && svc.schedulingStrategy === 'DAEMON' ? daemonTargets(input, before) : [];
  const desired = svc.status !== 'ACTIVE' ? 0 : svc.schedulingStrategy === 'DAEMON' ? targets.length : Math.max(0, svc.desiredCount);
  const unhealthy = view.live.filter((t) => isUnhealthyPastGrace(t, input.now, svc.healthCheckGracePeriodSeconds));
  const failed = view.newlyStopped.filter(failedToStart);

  const ts = stepThrottle(svc.throttle, {
    now: input.now,
    maxSec: input.options.maxLaunchBackoffSec,
    newFailures: failed.length,
    live: view.live,
    primaryCreatedAt: before?.createdAt,
  });
  const breaker = runBreaker(deployments, {
    enabled: svc.deploymentConfiguration.circuitBreaker.enable,
    rollback: svc.deploymentConfiguration.circuitBreaker.rollback,
    desiredCount: desired,
    now: input.now,
    failures: before ? [...failed, ...unhealthy].filter((t) => t.deploymentId === before.id).length : 0,
    healthySince: (id, since) => view.live.some((t) => t.deploymentId === id && isHealthy(t) && (t.startedAt ?? -Infinity) >= since),
  });
  const throttle = breaker.rolledBackTo ? { consecutiveFailures: 0 } : ts.throttle;
  const primary = primaryOf(deployments);
  // A DAEMON rollback places the deployment rolled back to, with its own constraints.
  const daemonTargetsNow = primary && primary !== before && svc.schedulingStrategy === 'DAEMON' ? daemonTargets(input, primary) : targets;
  const desiredNow = svc.schedulingStrategy === 'DAEMON' && svc.status === 'ACTIVE' ? daemonTargetsNow.length : desired;
  return {
    input,
    view,
    deployments,
    primary,
    targets: daemonTargetsNow,
    desired: desiredNow,
    unhealthy,
    breaker,
    throttle,
    throttleActivated: ts.activated && !breaker.rolledBackTo,
    plan: new PlanBuilder(),
  };
}

/** Step 3. */
function schedule(step: Step, primary: DeploymentState): void {
  const { input, plan } = step;
  for (const t of step.unhealthy) plan.stop(t, 'Task failed container health checks');
  const s: Scheduling = {
    input,
    view: step.view,
    primary,
    desired: step.desired,
    frozen: primary.rolloutState === 'FAILED',
    throttled: isThrottled(step.throttle, input.now),
    plan,
    reason: scalingReason(primary),
  };
  if (input.service.schedulingStrategy === 'DAEMON') scheduleDaemon(s, step.targets);
  else scheduleReplica(s);
}

/** Has the service settled on the PRIMARY deployment, with this plan changing nothing? */
function settled(step: Step): boolean {
  const { primary, plan, view } = step;
  if (step.input.service.status !== 'ACTIVE') return false;
  if (!primary || !plan.empty || view.lost.length > 0 || primary.rolloutState === 'FAILED') return false;
  if (step.input.service.schedulingStrategy === 'DAEMON') return daemonSettled(view.live, primary, step.targets);
  if (view.live.length !== step.desired) return false;
  return view.live.every((t) => t.deploymentId === primary.id && isHealthy(t) && !onDrainingInstance(view, t));
}

/** Step 4. */
function finish(step: Step): Plan {
  const { input, view, plan, deployments } = step;
  const svc = input.service;
  const name = svc.name;
  const isSettled = settled(step);
  const tasksLeft = new Map<string, number>();
  for (const t of view.live) tasksLeft.set(t.deploymentId, (tasksLeft.get(t.deploymentId) ?? 0) + 1);
  const completed = settleDeployments(deployments, { now: input.now, desiredCount: step.desired, settled: isSettled, tasksLeft });

  const log = new EventLog(svc.recentEventMessages);
  for (const t of step.unhealthy) log.add(messages.healthCheckFailed(name, taskId(t.arn)));
  if (step.breaker.failed) log.add(messages.deploymentFailed(name, step.breaker.failed.id));
  if (step.breaker.rolledBackTo) log.add(messages.rollingBack(name, step.breaker.rolledBackTo.id));
  if (step.throttleActivated) log.add(messages.throttled(name));
  const stoppedIds = [...plan.stops, ...view.lost].map((s) => taskId(s.taskArn));
  if (stoppedIds.length > 0) log.add(messages.stopped(name, stoppedIds));
  if (plan.starts.length > 0) log.add(startedMessage(name, plan.starts.length));
  if (plan.unplaced !== undefined) log.add(messages.unableToPlace(name, plan.unplaced));
  if (plan.blocked) log.add(messages.blocked(name));
  if (completed) log.add(messages.deploymentCompleted(name, completed.id));
  const primary = primaryOf(deployments);
  if (isSettled && svc.status === 'ACTIVE' && primary?.rolloutState === 'COMPLETED') log.add(messages.steadyState(name));

  const status = svc.status === 'DRAINING' && view.live.length === 0 ? 'INACTIVE' : svc.status;
  return { start: plan.starts, stop: plan.stops, lost: view.lost, deployments, events: log.events, status, throttle: step.throttle };
}
