// What the REPLICA and DAEMON schedulers share: the plan being built (stops and starts), the healthy-task
// budget that minimumHealthyPercent leaves, and the facts of one reconcile.
import type { DeploymentState, ReconcileInput, ServiceTask, TaskStart, TaskStop } from './types.js';
import { countsTowardMax, isHealthy, isStopping, SCHEDULER_STOP_CODE, type TaskView } from './reconciler-tasks.js';

/** The stops and starts of one reconcile, in the order decided. */
export class PlanBuilder {
  readonly stops: TaskStop[] = [];
  readonly stopped = new Set<string>();
  readonly starts: TaskStart[] = [];
  /** Instances where a task of the service is being stopped by this plan. */
  readonly stoppingOn = new Set<string>();
  /** Why tasks could not be placed (the first reason met). */
  unplaced?: string;
  /** The deployment configuration leaves no room to make progress. */
  blocked = false;

  stop(t: ServiceTask, reason: string): void {
    if (this.stopped.has(t.arn)) return;
    this.stopped.add(t.arn);
    this.stoppingOn.add(t.instanceArn);
    this.stops.push({ taskArn: t.arn, reason, stopCode: SCHEDULER_STOP_CODE });
  }

  start(deploymentId: string, instanceArn: string): void {
    this.starts.push({ deploymentId, instanceArn });
  }

  get empty(): boolean {
    return this.stops.length === 0 && this.starts.length === 0;
  }
}

/**
 * How many healthy tasks the scheduler may still stop: healthy now minus the minimum
 * (ceil(desired × minimumHealthyPercent / 100)). Stopping a task that is not healthy costs nothing.
 */
export class HealthyBudget {
  constructor(private left: number) {}

  /** May t be stopped? Takes one from the budget when t is healthy. */
  take(t: ServiceTask): boolean {
    if (!isHealthy(t)) return true;
    if (this.left <= 0) return false;
    this.left--;
    return true;
  }

  get remaining(): number {
    return Math.max(0, this.left);
  }
}

/** The facts one scheduling pass works from. */
export interface Scheduling {
  input: ReconcileInput;
  view: TaskView;
  primary: DeploymentState;
  /** The PRIMARY deployment's desired count (REPLICA: the service's, 0 while DRAINING; DAEMON: derived). */
  desired: number;
  /** The PRIMARY deployment FAILED and was not rolled back: no new launches ("stop launching new tasks"). */
  frozen: boolean;
  /** Launches held back by the throttle. */
  throttled: boolean;
  plan: PlanBuilder;
  /** stoppedReason of the scheduler's stops: "Scaling activity initiated by (deployment ecs-svc/…)". */
  reason: string;
}

export function scalingReason(primary: DeploymentState | undefined): string {
  return primary ? `Scaling activity initiated by (deployment ${primary.id})` : 'Scaling activity initiated by the service scheduler';
}

/** RUNNING or PENDING tasks meant to keep running, not stopped by this plan: what maximumPercent counts. */
export function activeTasks(s: Scheduling): ServiceTask[] {
  return s.view.live.filter((t) => countsTowardMax(t) && !s.plan.stopped.has(t.arn));
}

/** Is a task of the service releasing resources on the instance (being stopped, or stopping on its own)? */
export function releasingOn(s: Scheduling, instanceArn: string): boolean {
  return s.plan.stoppingOn.has(instanceArn) || s.view.live.some((t) => t.instanceArn === instanceArn && isStopping(t));
}

/** Is any task of the service releasing resources (so a placement failure may be momentary)? */
export function releasingAny(s: Scheduling): boolean {
  return s.plan.stops.length > 0 || s.view.live.some(isStopping);
}
