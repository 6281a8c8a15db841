// The placement engine's contract: what it knows about instances, what it is asked, what it answers.
// Pure data; the engine (engine.ts) and the cluster query language (query/) work on these.
import type { Remaining } from '../domain/instance-resources.js';
import type { TaskResourceNeeds } from '../domain/records.js';

/** What constraints and the cluster query language can ask about an instance. */
export interface InstanceFacts {
  arn: string;
  /** The host id, shown as ec2InstanceId. */
  ec2InstanceId: string;
  /** ACTIVE | DRAINING | ... */
  status: string;
  agentConnected: boolean;
  /** versionInfo.agentVersion, e.g. "0.1.0". */
  agentVersion: string;
  /** Epoch seconds. */
  registeredAt: number;
  runningTasksCount: number;
  /** Attribute name → value; null for an attribute that has no value (e.g. capabilities). */
  attributes: Record<string, string | null>;
  /** Task group → how many of the instance's tasks not yet STOPPED are in it. */
  taskGroups: Record<string, number>;
}

export interface PlacementInstance extends InstanceFacts {
  /** What is left: CPU, memory, and the TCP/UDP ports in use (reserved + static). */
  remaining: Remaining;
}

export interface PlacementConstraintSpec {
  /** distinctInstance | memberOf */
  type: string;
  expression?: string;
}

export interface PlacementStrategySpec {
  /** random | spread | binpack */
  type: string;
  field?: string;
}

export interface PlacementRequest {
  needs: TaskResourceNeeds;
  /** The task group the placed tasks join (family:<f>, service:<s>, or RunTask's group). */
  group: string;
  count: number;
  /** Task definition constraints followed by the request's (validated by validatePlacement). */
  constraints: PlacementConstraintSpec[];
  /** In order of precedence; empty means random. */
  strategies: PlacementStrategySpec[];
  /** Attribute names the task definition requires (its requiresAttributes, e.g.
   *  com.amazonaws.ecs.capability.logging-driver.syslog): an instance lacking any is rejected (ATTRIBUTE). */
  requiredAttributes?: string[];
}

/** One filter of the pipeline and the instances it rejected. */
export interface FilterReport {
  /** e.g. "ATTRIBUTE", "RESOURCE:MEMORY", "memberOf(attribute:ecs.availability-zone == us-east-1a)", "distinctInstance" */
  filter: string;
  rejected: string[];
  /** e.g. "insufficient memory available on 3 instances" */
  explanation: string;
}

export interface PlacementFailure {
  arn?: string;
  /** ECS's RunTask failure reasons (RESOURCE:CPU, RESOURCE:MEMORY, RESOURCE:PORTS, RESOURCE:PORTS_UDP, AGENT, ATTRIBUTE, ...). */
  reason: string;
  detail?: string;
}

export interface PlacementOutcome {
  /** One instance ARN per placed task, in order; shorter than count when not all fit. */
  placements: string[];
  /** What RunTask answers for what could not be placed (empty when all were placed). */
  failures: PlacementFailure[];
  /** Every filter, in pipeline order, with what it rejected for the first task that could not be placed
   *  (or for the first task, when all were placed). */
  filters: FilterReport[];
  /** ACTIVE instances considered. */
  candidateCount: number;
  /** The instance that came closest when a task could not be placed, and why it failed, in ECS's words:
   *  "has insufficient memory available", "is already using a port required by your task", ... */
  closest?: { arn: string; explanation: string };
}
