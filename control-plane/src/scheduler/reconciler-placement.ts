// The reconciler's use of the placement engine: where new tasks of a deployment go, which tasks go first on
// scale-in, and (DAEMON) which instances a deployment's constraints admit.
//
// The request (ECS): the task group is `service:<name>`; the constraints are the task definition's followed
// by the service's; the strategies are the service's, or, when it has none, the service default
// (DEFAULT_SERVICE_STRATEGY: spread over availability zones, then over instances).
import { chooseTasksToStop, DEFAULT_SERVICE_STRATEGY, place, unplacedMessage } from '../placement/engine.js';
import type { PlacementConstraintSpec, PlacementInstance, PlacementStrategySpec } from '../placement/types.js';
import type { DeploymentState, ServiceState, ServiceTask } from './types.js';

export function serviceGroup(service: ServiceState): string {
  return `service:${service.name}`;
}

export function constraintsFor(service: ServiceState, d: DeploymentState): PlacementConstraintSpec[] {
  return [...d.taskDefinitionConstraints, ...service.placementConstraints];
}

export function strategiesFor(service: ServiceState): PlacementStrategySpec[] {
  return service.placementStrategy.length > 0 ? service.placementStrategy : DEFAULT_SERVICE_STRATEGY;
}

export interface Placed {
  /** One instance ARN per placed task. */
  placements: string[];
  /** Why the rest could not be placed (the engine's sentence, for "was unable to place a task because …"). */
  why?: string;
}

/**
 * Places `count` tasks of the deployment in one engine call, so every task sees the resources, ports and
 * task groups the earlier ones took. Invalid constraints (refused at CreateService/UpdateService, so not
 * expected here) are reported as the reason nothing was placed.
 */
export function placeTasks(
  instances: PlacementInstance[],
  service: ServiceState,
  d: DeploymentState,
  count: number,
  random: () => number,
  strategies: PlacementStrategySpec[] = strategiesFor(service),
): Placed {
  if (count <= 0) return { placements: [] };
  try {
    const outcome = place(
      instances,
      { needs: d.needs, group: serviceGroup(service), count, constraints: constraintsFor(service, d), strategies, requiredAttributes: d.requiredAttributes },
      random,
    );
    const why = outcome.placements.length < count ? unplacedMessage(outcome) : undefined;
    return why === undefined ? { placements: outcome.placements } : { placements: outcome.placements, why };
  } catch (e) {
    return { placements: [], why: `its placement is invalid: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * Does the instance satisfy the deployment's constraints and have the attributes its task definition
 * requires (DAEMON: should it run a copy)? Resources are not part of the question, nor is the service's own
 * task already there (for distinctInstance).
 */
export function admits(instance: PlacementInstance, service: ServiceState, d: DeploymentState, random: () => number): boolean {
  const constraints = constraintsFor(service, d);
  const requiredAttributes = d.requiredAttributes ?? [];
  if (constraints.length === 0 && requiredAttributes.length === 0) return true;
  const group = serviceGroup(service);
  const taskGroups = { ...instance.taskGroups };
  delete taskGroups[group];
  const probe: PlacementInstance = {
    ...instance,
    status: 'ACTIVE',
    agentConnected: true,
    taskGroups,
    remaining: { cpu: 0, memory: 0, tcpPorts: new Set(), udpPorts: new Set() },
  };
  try {
    const needs = { cpu: 0, memory: 0, tcpPorts: [], udpPorts: [] };
    return place([probe], { needs, group, count: 1, constraints, strategies: [], requiredAttributes }, random).placements.length === 1;
  } catch {
    return false;
  }
}

/** The tasks in the order the service's strategies would stop them (all of them, best first). */
export function stopOrder(instances: PlacementInstance[], service: ServiceState, tasks: ServiceTask[], random: () => number): ServiceTask[] {
  if (tasks.length <= 1) return tasks.slice();
  const byArn = new Map(tasks.map((t) => [t.arn, t]));
  const arns = chooseTasksToStop(instances, tasks, strategiesFor(service), serviceGroup(service), tasks.length, random);
  return arns.map((a) => byArn.get(a)!);
}
