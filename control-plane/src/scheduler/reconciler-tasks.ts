// How the reconciler sees a service's tasks: which count toward maximumPercent, which are healthy, which
// failed to start, which are lost with their host. Pure predicates over ServiceTask and the instances.
//
// ECS's definitions used here:
//  - maximumPercent bounds "the number of tasks in a service that are allowed in the RUNNING or PENDING
//    state" (botocore DeploymentConfiguration.maximumPercent): tasks whose desiredStatus is RUNNING and whose
//    lastStatus is RUNNING or one of the pending ones (PROVISIONING, PENDING, ACTIVATING).
//  - a task is healthy when RUNNING and, if an essential container has a health check, HEALTHY
//    (ECS: "tasks ... are considered healthy if ... all essential containers ... are passing their health
//    checks"); healthCheckGracePeriodSeconds: "the period of time ... that the Amazon ECS service scheduler
//    ignores unhealthy ... container health checks after a task has first started". So an UNHEALTHY task is
//    replaced only after the grace period; before it, it is neither healthy nor replaced.
//  - the throttle logic and the circuit breaker's first stage are about tasks that "fail to enter the
//    RUNNING state (progressing directly from a PENDING to a STOPPED status)": a STOPPED task that never
//    started (no startedAt) and was not stopped on purpose (by the scheduler, a user, a spot interruption).
import type { PlacementInstance } from '../placement/types.js';
import type { ReconcileInput, ServiceTask, TaskStop } from './types.js';

export const SCHEDULER_STOP_CODE = 'ServiceSchedulerInitiated';

/** Stop codes of tasks stopped on purpose: such a task did not fail to start. */
const INTENDED_STOP_CODES = new Set(['ServiceSchedulerInitiated', 'UserInitiated', 'SpotInterruption', 'TerminationNotice']);

const PENDING_STATUSES = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

export function isPending(t: ServiceTask): boolean {
  return PENDING_STATUSES.has(t.lastStatus);
}

/** RUNNING or PENDING and meant to keep running: what maximumPercent counts. */
export function countsTowardMax(t: ServiceTask): boolean {
  return t.desiredStatus === 'RUNNING' && (t.lastStatus === 'RUNNING' || isPending(t));
}

export function isHealthy(t: ServiceTask): boolean {
  return t.desiredStatus === 'RUNNING' && t.lastStatus === 'RUNNING' && (!t.hasHealthCheck || t.healthStatus === 'HEALTHY');
}

/** UNHEALTHY past the grace period: to be stopped and replaced. */
export function isUnhealthyPastGrace(t: ServiceTask, now: number, graceSec: number): boolean {
  if (t.desiredStatus !== 'RUNNING' || t.lastStatus !== 'RUNNING' || !t.hasHealthCheck || t.healthStatus !== 'UNHEALTHY') return false;
  return t.startedAt === undefined || now - t.startedAt >= graceSec;
}

/** A STOPPED task that never reached RUNNING and was not stopped on purpose. */
export function failedToStart(t: ServiceTask): boolean {
  return t.lastStatus === 'STOPPED' && t.startedAt === undefined && !INTENDED_STOP_CODES.has(t.stopCode ?? '');
}

/** Still holding resources while on its way out (resources about to be freed). */
export function isStopping(t: ServiceTask): boolean {
  return t.lastStatus !== 'STOPPED' && !(t.desiredStatus === 'RUNNING' && (t.lastStatus === 'RUNNING' || isPending(t)));
}

function instanceId(arn: string): string {
  return arn.split('/').pop() ?? arn;
}

/** Is the instance's agent gone for longer than the host-loss timeout? */
export function isLostInstance(input: ReconcileInput, instanceArn: string): boolean {
  const since = input.disconnectedSince[instanceArn];
  return since !== undefined && input.now - since > input.options.hostLossTimeoutSec;
}

/** Why a task not yet STOPPED is lost, or undefined when its host is fine. */
function lostReason(input: ReconcileInput, byArn: Map<string, PlacementInstance>, t: ServiceTask): string | undefined {
  if (!byArn.has(t.instanceArn)) return `Container instance ${instanceId(t.instanceArn)} is no longer registered in the cluster`;
  if (isLostInstance(input, t.instanceArn)) {
    return `Container instance ${instanceId(t.instanceArn)} lost: its agent has been disconnected for more than ${input.options.hostLossTimeoutSec} seconds`;
  }
  return undefined;
}

/** The tasks of one reconcile, sorted by what the reconciler does with them. */
export interface TaskView {
  /** Instance ARN → instance (ACTIVE and DRAINING ones, as given). */
  instances: Map<string, PlacementInstance>;
  /** Not STOPPED and not lost. */
  live: ServiceTask[];
  /** STOPPED since the last reconcile. */
  newlyStopped: ServiceTask[];
  /** Lost with their host: the loop marks them STOPPED. */
  lost: TaskStop[];
}

export function viewTasks(input: ReconcileInput): TaskView {
  const instances = new Map(input.instances.map((i) => [i.arn, i]));
  const view: TaskView = { instances, live: [], newlyStopped: [], lost: [] };
  for (const t of input.tasks) {
    if (t.lastStatus === 'STOPPED') {
      view.newlyStopped.push(t);
      continue;
    }
    const reason = lostReason(input, instances, t);
    if (reason === undefined) view.live.push(t);
    else view.lost.push({ taskArn: t.arn, reason, stopCode: SCHEDULER_STOP_CODE });
  }
  return view;
}

/** Is the task on an instance that is DRAINING (its tasks are to be replaced elsewhere)? */
export function onDrainingInstance(view: TaskView, t: ServiceTask): boolean {
  return view.instances.get(t.instanceArn)?.status === 'DRAINING';
}
