// The service's deployments through one reconcile: which one is PRIMARY, the circuit breaker (failedTasks,
// FAILED, rollback), completion, and older deployments going INACTIVE once drained.
//
// ECS's rules used here:
//  - Deployment.failedTasks: "The number of consecutively failed tasks in the deployment. A task is
//    considered a failure if ... the task doesn't transition to a RUNNING state, or if it fails any of its
//    defined health checks and is stopped." Counted for the PRIMARY deployment while its rollout is
//    IN_PROGRESS (after COMPLETED the breaker stops monitoring), whether or not the breaker is enabled (ECS
//    shows failedTasks either way). "Consecutively" and resetOnHealthyTask (default true: "a task that
//    reaches a healthy state resets the failure count to 0"): the count goes back to 0 when a task of the
//    deployment that started at or after the last count (the deployment's updatedAt) is healthy.
//  - Threshold ("How the Amazon ECS deployment circuit breaker detects failures"): 0.5 × desired task count,
//    rounded up, at least 3 and at most 200. At the threshold the deployment is FAILED with
//    rolloutStateReason "ECS deployment circuit breaker: tasks failed to start." and the event
//    "(deployment ecs-svc/…) deployment failed: tasks failed to start.", and "a service deployment will
//    transition to a failed state and stop launching new tasks".
//  - Rollback: "it looks for the most recent deployment that is in a COMPLETED state ... When the rollback
//    starts, the deployment changes from a COMPLETED to IN_PROGRESS ... When the deployment circuit breaker
//    does not find a deployment that is in a COMPLETED state, the circuit breaker does not launch new tasks
//    and the deployment is stalled." So the last COMPLETED deployment (ACTIVE or INACTIVE: the loop must keep
//    INACTIVE deployments for this) becomes PRIMARY again, IN_PROGRESS, rolloutStateReason
//    "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/…." (ECS's words; ECS creates a
//    new deployment for it, here the old one comes back with its id), failedTasks 0; the failed one becomes
//    ACTIVE and drains. Event "(service X) rolling back to deployment ecs-svc/….". The launch throttle is
//    reset (the rollback is a new deployment for ECS).
//  - Completion: the PRIMARY deployment is COMPLETED ("ECS deployment ecs-svc/… completed.", event
//    "(deployment ecs-svc/…) deployment completed.") when the service has settled: exactly desiredCount tasks,
//    all of the PRIMARY deployment, all healthy, none on a DRAINING instance, nothing else left (not even a
//    task still stopping), and this plan changes nothing.
//  - Older deployments: desiredCount 0 (as DescribeServices shows an ACTIVE deployment being replaced), and
//    INACTIVE once none of their tasks is left.
import type { DeploymentState, ServiceState } from './types.js';
import { rolloutReasons } from './reconciler-events.js';

export const BREAKER_MIN_THRESHOLD = 3;
export const BREAKER_MAX_THRESHOLD = 200;

export function breakerThreshold(desiredCount: number): number {
  return Math.min(BREAKER_MAX_THRESHOLD, Math.max(BREAKER_MIN_THRESHOLD, Math.ceil(0.5 * desiredCount)));
}

/** Copies of the deployments (the input is never modified), with exactly one PRIMARY when there is any. */
export function copyDeployments(service: ServiceState): DeploymentState[] {
  let primarySeen = false;
  return service.deployments.map((d) => {
    const c = { ...d };
    if (c.status === 'PRIMARY') {
      // Newest first: a second PRIMARY (which the contract rules out) is demoted.
      if (primarySeen) c.status = 'ACTIVE';
      primarySeen = true;
    }
    return c;
  });
}

export function primaryOf(deployments: DeploymentState[]): DeploymentState | undefined {
  return deployments.find((d) => d.status === 'PRIMARY');
}

export interface BreakerFacts {
  enabled: boolean;
  rollback: boolean;
  desiredCount: number;
  now: number;
  /** Failures of the PRIMARY deployment seen in this reconcile (failed to start, or failed health checks). */
  failures: number;
  /** A healthy task of the PRIMARY deployment started at or after this time resets the count. */
  healthySince: (deploymentId: string, since: number) => boolean;
}

export interface BreakerOutcome {
  /** The deployment that failed in this reconcile. */
  failed?: DeploymentState;
  /** The deployment rolled back to (now PRIMARY). */
  rolledBackTo?: DeploymentState;
}

/** Counts the PRIMARY deployment's failures and trips the breaker. Updates the copies in place. */
export function runBreaker(deployments: DeploymentState[], f: BreakerFacts): BreakerOutcome {
  const primary = primaryOf(deployments);
  if (!primary || primary.rolloutState !== 'IN_PROGRESS') return {};
  if (primary.failedTasks > 0 && f.healthySince(primary.id, primary.updatedAt)) {
    primary.failedTasks = 0;
    primary.updatedAt = f.now;
  }
  if (f.failures === 0) return {};
  primary.failedTasks += f.failures;
  primary.updatedAt = f.now;
  if (!f.enabled || primary.failedTasks < breakerThreshold(f.desiredCount)) return {};

  primary.rolloutState = 'FAILED';
  primary.rolloutStateReason = rolloutReasons.failed;
  if (!f.rollback) return { failed: primary };
  const target = deployments
    .filter((d) => d !== primary && d.rolloutState === 'COMPLETED')
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!target) return { failed: primary };
  primary.status = 'ACTIVE';
  target.status = 'PRIMARY';
  target.rolloutState = 'IN_PROGRESS';
  target.rolloutStateReason = rolloutReasons.rollingBack(target.id);
  target.failedTasks = 0;
  target.updatedAt = f.now;
  return { failed: primary, rolledBackTo: target };
}

export interface SettleFacts {
  now: number;
  /** The PRIMARY deployment's desired count after this step. */
  desiredCount: number;
  /** The service has settled (see above). */
  settled: boolean;
  /** Deployment id → tasks of it left after this step (not STOPPED, not lost, including those being stopped). */
  tasksLeft: Map<string, number>;
}

function set<K extends keyof DeploymentState>(d: DeploymentState, key: K, value: DeploymentState[K], now: number): void {
  if (d[key] === value) return;
  d[key] = value;
  d.updatedAt = now;
}

/** Desired counts, INACTIVE for drained older deployments, completion. Returns the deployment that completed. */
export function settleDeployments(deployments: DeploymentState[], f: SettleFacts): DeploymentState | undefined {
  let completed: DeploymentState | undefined;
  for (const d of deployments) {
    if (d.status === 'PRIMARY') {
      set(d, 'desiredCount', f.desiredCount, f.now);
      if (f.settled && d.rolloutState === 'IN_PROGRESS') {
        set(d, 'rolloutState', 'COMPLETED', f.now);
        set(d, 'rolloutStateReason', rolloutReasons.completed(d.id), f.now);
        completed = d;
      }
    } else if (d.status === 'ACTIVE') {
      set(d, 'desiredCount', 0, f.now);
      if ((f.tasksLeft.get(d.id) ?? 0) === 0) set(d, 'status', 'INACTIVE', f.now);
    }
  }
  return completed;
}
