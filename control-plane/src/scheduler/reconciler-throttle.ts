// Launch throttling (ECS developer guide, "Amazon ECS service throttle logic"): "If tasks for a service
// repeatedly fail to enter the RUNNING state (progressing directly from a PENDING to a STOPPED status), then
// the time between subsequent restart attempts is incrementally increased up to a maximum of 15 minutes"
// (the newer guide says 27; here options.maxLaunchBackoffSec, default 900), with the event "(service X) is
// unable to consistently start tasks successfully."; "Tasks that are stopped after they reach the RUNNING
// state don't start the throttle logic"; "If you update your service to use a new task definition, your
// service returns to a normal, non-throttled state immediately."
//
// Where ECS is silent, chosen here:
//  - the first THROTTLE_AFTER_FAILURES - 1 consecutive failures are retried at once; from the
//    THROTTLE_AFTER_FAILURES-th on, the delay is THROTTLE_BASE_DELAY_SEC doubling per further failure, capped
//    at options.maxLaunchBackoffSec; the event is added when the delay first applies;
//  - placement failures are not launch failures (they have their own event and are retried every reconcile);
//  - the state is ServiceState.throttle: consecutiveFailures, and nextAttemptAt (set whenever
//    consecutiveFailures > 0: the time of the last failure plus the delay). The time of the last failure is
//    nextAttemptAt - delay(consecutiveFailures), so no further field is needed;
//  - reset (back to { consecutiveFailures: 0 }) when a task of the service reached RUNNING at or after the
//    last failure, when the PRIMARY deployment was created after the last failure (a new deployment: the
//    loop may also simply write { consecutiveFailures: 0 } when it creates one), and on a circuit-breaker
//    rollback (reconciler-deployments.ts).
import type { ServiceState, ServiceTask } from './types.js';

export const THROTTLE_AFTER_FAILURES = 3;
export const THROTTLE_BASE_DELAY_SEC = 10;

export type Throttle = ServiceState['throttle'];

/** Seconds to wait before the next launch after `failures` consecutive failures to start. */
export function launchDelay(failures: number, maxSec: number): number {
  if (failures < THROTTLE_AFTER_FAILURES) return 0;
  return Math.min(maxSec, THROTTLE_BASE_DELAY_SEC * 2 ** (failures - THROTTLE_AFTER_FAILURES));
}

function lastFailureAt(throttle: Throttle, maxSec: number): number | undefined {
  if (throttle.consecutiveFailures <= 0 || throttle.nextAttemptAt === undefined) return undefined;
  return throttle.nextAttemptAt - launchDelay(throttle.consecutiveFailures, maxSec);
}

export interface ThrottleStep {
  throttle: Throttle;
  /** The delay applies from this step on: add the "unable to consistently start" event. */
  activated: boolean;
}

export interface ThrottleFacts {
  now: number;
  maxSec: number;
  /** Tasks STOPPED since the last reconcile that never reached RUNNING (any deployment). */
  newFailures: number;
  /** Tasks not STOPPED. */
  live: ServiceTask[];
  primaryCreatedAt: number | undefined;
}

/** The throttle after this reconcile's news. */
export function stepThrottle(before: Throttle, f: ThrottleFacts): ThrottleStep {
  let n = Math.max(0, before.consecutiveFailures);
  const last = lastFailureAt(before, f.maxSec);
  if (n > 0) {
    const started = last !== undefined && f.live.some((t) => t.startedAt !== undefined && t.startedAt >= last);
    const newDeployment = last !== undefined && f.primaryCreatedAt !== undefined && f.primaryCreatedAt > last;
    if (last === undefined || started || newDeployment) n = 0;
  }
  if (f.newFailures === 0) {
    return { throttle: n === 0 ? { consecutiveFailures: 0 } : { ...before }, activated: false };
  }
  const after = n + f.newFailures;
  return {
    throttle: { consecutiveFailures: after, nextAttemptAt: f.now + launchDelay(after, f.maxSec) },
    activated: n < THROTTLE_AFTER_FAILURES && after >= THROTTLE_AFTER_FAILURES,
  };
}

/** Are launches held back at `now`? */
export function isThrottled(throttle: Throttle, now: number): boolean {
  return throttle.consecutiveFailures > 0 && throttle.nextAttemptAt !== undefined && now < throttle.nextAttemptAt;
}
