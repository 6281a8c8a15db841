// The service scheduler's contract: the pure reconciler (reconciler.ts) takes a ReconcileInput and
// returns a Plan; the loop driver (loop.ts) reads the input from the store in one transaction, and
// writes the plan back in one transaction. Times are epoch seconds.
import type { PlacementInstance, PlacementConstraintSpec, PlacementStrategySpec } from '../placement/types.js';
import type { TaskResourceNeeds } from '../domain/records.js';

export type DeploymentStatus = 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** ECS's Deployment, plus what the scheduler needs to run it. */
export interface DeploymentState {
  /** ecs-svc/<digits> */
  id: string;
  status: DeploymentStatus;
  taskDefinitionArn: string;
  /** What one task of this deployment needs (from its task definition). */
  needs: TaskResourceNeeds;
  /** The task definition's placement constraints (the service's are in ServiceState). */
  taskDefinitionConstraints: PlacementConstraintSpec[];
  /** The task definition's requiresAttributes (names); absent in deployments stored before they existed. */
  requiredAttributes?: string[];
  desiredCount: number;
  failedTasks: number;
  rolloutState: RolloutState;
  rolloutStateReason?: string;
  createdAt: number;
  updatedAt: number;
}

export interface DeploymentConfiguration {
  minimumHealthyPercent: number;
  maximumPercent: number;
  circuitBreaker: { enable: boolean; rollback: boolean };
}

export interface ServiceState {
  arn: string;
  name: string;
  /** ACTIVE | DRAINING (being deleted: scale to 0, then INACTIVE) | INACTIVE */
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  schedulingStrategy: 'REPLICA' | 'DAEMON';
  deploymentConfiguration: DeploymentConfiguration;
  placementConstraints: PlacementConstraintSpec[];
  placementStrategy: PlacementStrategySpec[];
  healthCheckGracePeriodSeconds: number;
  /** Newest first; exactly one PRIMARY while ACTIVE. */
  deployments: DeploymentState[];
  /** Launch throttling ("is unable to consistently start tasks successfully"). */
  throttle: { consecutiveFailures: number; nextAttemptAt?: number };
  /** Messages of the newest events, to suppress a repeat of an unchanged message (newest first). */
  recentEventMessages: string[];
}

/** One task of the service, as the reconciler sees it. */
export interface ServiceTask {
  arn: string;
  deploymentId: string;
  instanceArn: string;
  /** ECS task lastStatus / desiredStatus. */
  lastStatus: string;
  desiredStatus: string;
  /** HEALTHY | UNHEALTHY | UNKNOWN (task health from essential containers with health checks). */
  healthStatus: string;
  /** Whether any essential container has a health check (then RUNNING alone is not healthy). */
  hasHealthCheck: boolean;
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
}

export interface SchedulerOptions {
  /** Seconds an agent may be disconnected before its service tasks count as lost (default 60). */
  hostLossTimeoutSec: number;
  /** Upper bound of the launch-failure backoff (default 900 = 15 minutes). */
  maxLaunchBackoffSec: number;
}

export interface ReconcileInput {
  service: ServiceState;
  /** Every task of the service not yet STOPPED, and those that STOPPED since the last reconcile. */
  tasks: ServiceTask[];
  /** The cluster's ACTIVE and DRAINING instances, with what is left on each (placement input). */
  instances: PlacementInstance[];
  /** instance ARN → epoch seconds since when its agent has been disconnected (absent: connected). */
  disconnectedSince: Record<string, number>;
  now: number;
  options: SchedulerOptions;
  random: () => number;
}

export interface TaskStart {
  deploymentId: string;
  instanceArn: string;
}

export interface TaskStop {
  taskArn: string;
  /** e.g. "Scaling activity initiated by (deployment ecs-svc/123)" */
  reason: string;
  /** ServiceSchedulerInitiated */
  stopCode: string;
}

export interface Plan {
  /** Tasks to create, already placed (the reconciler calls the pure placement engine). */
  start: TaskStart[];
  stop: TaskStop[];
  /** The service's deployments after this step (status, rolloutState, counts, failedTasks). */
  deployments: DeploymentState[];
  /** New event messages in ECS's wording, oldest first, duplicates of unchanged causes suppressed. */
  events: string[];
  /** Service status after this step (DRAINING → INACTIVE once no task is left). */
  status: ServiceState['status'];
  throttle: ServiceState['throttle'];
  /** Tasks lost with their host (to be marked STOPPED by the loop, with this reason). */
  lost: TaskStop[];
}
