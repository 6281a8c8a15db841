// What the control plane keeps. The ECS-visible parts are kept in ECS's own shapes (the generated
// proto types), so reads need no mapping; the rest is what the control plane needs internally.
import type { Attribute__Output } from '../../../proto/gen/ecs/v1/Attribute.js';
import type { ClusterConfiguration__Output } from '../../../proto/gen/ecs/v1/ClusterConfiguration.js';
import type { ClusterSetting__Output } from '../../../proto/gen/ecs/v1/ClusterSetting.js';
import type { ExecuteCommandSession__Output } from '../../../proto/gen/ecs/v1/ExecuteCommandSession.js';
import type { ContainerDefinition__Output } from '../../../proto/gen/ecs/v1/ContainerDefinition.js';
import type { Resource__Output } from '../../../proto/gen/ecs/v1/Resource.js';
import type { Tag__Output } from '../../../proto/gen/ecs/v1/Tag.js';
import type { Task__Output } from '../../../proto/gen/ecs/v1/Task.js';
import type { TaskDefinition__Output } from '../../../proto/gen/ecs/v1/TaskDefinition.js';
import type { Volume__Output } from '../../../proto/gen/ecs/v1/Volume.js';
import type { ServiceEvent__Output } from '../../../proto/gen/ecs/v1/ServiceEvent.js';
import type { PlacementConstraintSpec, PlacementStrategySpec } from '../placement/types.js';
import type { DeploymentConfiguration, DeploymentState } from '../scheduler/types.js';
import type { VersionInfo__Output } from '../../../proto/gen/ecs/v1/VersionInfo.js';

export type ClusterStatus = 'ACTIVE' | 'INACTIVE';

export interface ClusterRecord {
  name: string;
  arn: string;
  status: ClusterStatus;
  tags: Tag__Output[];
  settings: ClusterSetting__Output[];
  createdAt: number;
  /** ECS's cluster configuration (execute command logging); absent until set. */
  configuration?: ClusterConfiguration__Output;
}

export interface TaskDefinitionRecord {
  family: string;
  revision: number;
  /** ACTIVE | INACTIVE */
  status: string;
  /** The whole ECS TaskDefinition object, as DescribeTaskDefinition returns it. */
  taskDefinition: TaskDefinition__Output;
  tags: Tag__Output[];
}

/** REGISTERING | ACTIVE | DRAINING | DEREGISTERING | INACTIVE (ECS's container instance statuses). */
export type InstanceStatus = 'REGISTERING' | 'ACTIVE' | 'DRAINING' | 'DEREGISTERING' | 'INACTIVE';

export interface InstanceRecord {
  arn: string;
  id: string;
  cluster: string;
  /** The host's stable id, shown as ec2InstanceId. */
  instanceId: string;
  status: InstanceStatus;
  statusReason?: string;
  registeredAt: number;
  registeredResources: Resource__Output[];
  attributes: Attribute__Output[];
  versionInfo: VersionInfo__Output;
  tags: Tag__Output[];
  agentConnected: boolean;
  /** Epoch seconds since when the agent has been disconnected (absent while connected). */
  disconnectedAt?: number;
  /** Increases on every change, as ECS's `version`. */
  version: number;
}

/** Static resources a task holds on its instance while it is not STOPPED. */
export interface TaskResourceNeeds {
  cpu: number;
  memory: number;
  tcpPorts: number[];
  udpPorts: number[];
}

/** A service: its ECS configuration, its deployments (scheduler state), its events. */
export interface ServiceRecord {
  arn: string;
  name: string;
  cluster: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  schedulingStrategy: 'REPLICA' | 'DAEMON';
  deploymentConfiguration: DeploymentConfiguration;
  placementConstraints: PlacementConstraintSpec[];
  placementStrategy: PlacementStrategySpec[];
  healthCheckGracePeriodSeconds: number;
  enableExecuteCommand: boolean;
  launchType?: string;
  propagateTags?: string;
  tags: Tag__Output[];
  clientToken?: string;
  createdAt: number;
  /** Newest first; exactly one PRIMARY while ACTIVE. */
  deployments: DeploymentState[];
  /** Newest first, the newest 100. */
  events: ServiceEvent__Output[];
  throttle: { consecutiveFailures: number; nextAttemptAt?: number };
  /** When the scheduler last reconciled it (epoch seconds): tasks stopped since are news to it. */
  reconciledAt?: number;
}

export interface TaskRecord {
  arn: string;
  id: string;
  cluster: string;
  family: string;
  revision: number;
  /** The ECS Task object as DescribeTasks returns it. */
  task: Task__Output;
  /** The container definitions with RunTask overrides applied: what the agent runs. */
  containers: ContainerDefinition__Output[];
  networkMode: string;
  needs: TaskResourceNeeds;
  /** The task definition's volumes, which the agent needs alongside the containers. */
  volumes: Volume__Output[];
  /** The newest agent report applied (per-task sequence number from the agent). */
  reportSeq: number;
  /** For a service's task: the service name and the deployment that started it. */
  serviceName?: string;
  deploymentId?: string;
}

/** PENDING (ExecuteCommand answered, not attached yet) → RUNNING (the command started) → STOPPED. */
export type ExecSessionStatus = 'PENDING' | 'RUNNING' | 'STOPPED';

/** An execute-command session: its audit record (as ListExecuteCommandSessions shows it) and what StartSession needs. */
export interface ExecSessionRecord {
  id: string;
  /** The cluster's name. */
  cluster: string;
  taskArn: string;
  /** The audit record, in its ECS-like shape. session.status is an ExecSessionStatus. */
  session: ExecuteCommandSession__Output;
  /** The command, split into its argv. */
  argv: string[];
  /** sha256 (hex) of the one-time token; removed once StartSession used it. */
  tokenHash?: string;
}
