// RunTask, StartTask and ExplainPlacement: resolving what to run, placing it, and creating the tasks.
import type { Container__Output } from '../../../proto/gen/ecs/v1/Container.js';
import type { ExplainPlacementRequest__Output } from '../../../proto/gen/ecs/v1/ExplainPlacementRequest.js';
import type { ExplainPlacementResponse__Output } from '../../../proto/gen/ecs/v1/ExplainPlacementResponse.js';
import type { PlacementConstraint__Output } from '../../../proto/gen/ecs/v1/PlacementConstraint.js';
import type { PlacementStrategy__Output } from '../../../proto/gen/ecs/v1/PlacementStrategy.js';
import type { RunTaskRequest__Output } from '../../../proto/gen/ecs/v1/RunTaskRequest.js';
import type { RunTaskResponse__Output } from '../../../proto/gen/ecs/v1/RunTaskResponse.js';
import type { StartTaskRequest__Output } from '../../../proto/gen/ecs/v1/StartTaskRequest.js';
import type { Task__Output } from '../../../proto/gen/ecs/v1/Task.js';
import type { TaskOverride__Output } from '../../../proto/gen/ecs/v1/TaskOverride.js';
import type { Tag__Output } from '../../../proto/gen/ecs/v1/Tag.js';
import { containerArn, taskArn } from '../domain/arn.js';
import { ClientException, InvalidParameterException } from '../domain/errors.js';
import type { Remaining } from '../domain/instance-resources.js';
import { taskView } from '../domain/managed-agents.js';
import type { ClusterRecord, InstanceRecord, TaskDefinitionRecord, TaskRecord, TaskResourceNeeds } from '../domain/records.js';
import { applyOverrides, parseTaskCpu, parseTaskMemory, taskResourceNeeds } from '../domain/task-definition.js';
import { place, unplacedMessage, validatePlacement } from '../placement/engine.js';
import type { PlacementOutcome } from '../placement/types.js';
import { requireCluster } from './clusters.js';
import { findInstance } from './container-instances.js';
import { newId, type Context } from './context.js';
import { placementInstances } from './placement-input.js';
import { resolveTaskDefinition } from './task-definitions.js';

/** What RunTask and StartTask have in common: what to run and how to label it. */
export interface TaskLaunch {
  taskDefinition: string;
  overrides?: TaskOverride__Output | null;
  group?: string;
  startedBy?: string;
  tags: Tag__Output[];
  enableExecuteCommand?: boolean;
}

const MAX_COUNT = 10;

function checkLaunch(req: TaskLaunch): void {
  if (!req.taskDefinition) throw new InvalidParameterException('taskDefinition is required.');
  if (req.startedBy !== undefined && req.startedBy.length > 128) {
    throw new InvalidParameterException('startedBy can be up to 128 characters long.');
  }
  if (req.group !== undefined && (req.group.length === 0 || req.group.length > 255)) {
    throw new InvalidParameterException('group must be 1 to 255 characters long.');
  }
}

function checkRunTaskRequest(req: RunTaskRequest__Output): number {
  checkLaunch(req);
  const count = req.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new InvalidParameterException(`count must be between 1 and ${MAX_COUNT}.`);
  }
  if (req.launchType !== undefined && req.launchType !== 'EC2' && req.launchType !== 'EXTERNAL') {
    throw new InvalidParameterException(`launchType '${req.launchType}' is not supported by this cluster. Valid values: EC2, EXTERNAL.`);
  }
  return count;
}

/** The task's size: RunTask's task-level overrides win over the task definition's. */
function taskSize(td: TaskDefinitionRecord, req: Pick<TaskLaunch, 'overrides'>): { cpu?: string; memory?: string; networkMode?: string } {
  const parse = (what: string, value: string | undefined, fn: (v: string) => string) => {
    if (value === undefined) return undefined;
    try {
      return fn(value);
    } catch (err) {
      throw new InvalidParameterException(`Invalid 'overrides.${what}' value '${value}': ${(err as Error).message}`);
    }
  };
  return {
    cpu: parse('cpu', req.overrides?.cpu, parseTaskCpu) ?? td.taskDefinition.cpu,
    memory: parse('memory', req.overrides?.memory, parseTaskMemory) ?? td.taskDefinition.memory,
    networkMode: td.taskDefinition.networkMode,
  };
}

export function activeTaskDefinition(ctx: Context, ref: string): TaskDefinitionRecord {
  const td = resolveTaskDefinition(ctx, ref);
  if (!td) throw new ClientException('TaskDefinition not found.');
  if (td.status !== 'ACTIVE') throw new ClientException(`TaskDefinition is inactive: ${td.taskDefinition.taskDefinitionArn}`);
  return td;
}

export function newTask(
  ctx: Context,
  cluster: ClusterRecord,
  td: TaskDefinitionRecord,
  instance: InstanceRecord,
  req: TaskLaunch,
): TaskRecord {
  const id = newId(ctx.random);
  const arn = taskArn(ctx.scope, cluster.name, id);
  const containers = applyOverrides(td.taskDefinition.containerDefinitions, req.overrides);
  const size = taskSize(td, req);
  const needs = taskResourceNeeds(size, containers);
  const now = ctx.now();
  const az = instance.attributes.find((a) => a.name === 'ecs.availability-zone')?.value;
  const containerViews: Container__Output[] = containers.map((c) => ({
    containerArn: containerArn(ctx.scope, cluster.name, id, newId(ctx.random).slice(0, 32)),
    taskArn: arn,
    name: c.name ?? '',
    image: c.image,
    lastStatus: 'PENDING',
    networkBindings: [],
    healthStatus: 'UNKNOWN',
    cpu: String(c.cpu ?? 0),
    memory: c.memory !== undefined ? String(c.memory) : undefined,
    memoryReservation: c.memoryReservation !== undefined ? String(c.memoryReservation) : undefined,
    managedAgents: [], // shown by taskView
  }));
  const task: Task__Output = {
    taskArn: arn,
    clusterArn: cluster.arn,
    taskDefinitionArn: td.taskDefinition.taskDefinitionArn,
    containerInstanceArn: instance.arn,
    overrides: {
      containerOverrides: req.overrides?.containerOverrides.length
        ? req.overrides.containerOverrides
        : containers.map((c) => ({ name: c.name, command: [], environment: [] })),
      cpu: req.overrides?.cpu,
      memory: req.overrides?.memory,
      taskRoleArn: req.overrides?.taskRoleArn,
      executionRoleArn: req.overrides?.executionRoleArn,
    },
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    cpu: size.cpu,
    memory: size.memory,
    containers: containerViews,
    startedBy: req.startedBy,
    version: 1,
    connectivity: undefined,
    createdAt: now,
    group: req.group ?? `family:${td.family}`,
    launchType: 'EC2',
    attributes: [],
    availabilityZone: az,
    healthStatus: 'UNKNOWN',
    tags: req.tags,
    enableExecuteCommand: req.enableExecuteCommand ?? false,
  };
  return {
    arn,
    id,
    cluster: cluster.name,
    family: td.family,
    revision: td.revision,
    task,
    containers,
    networkMode: td.taskDefinition.networkMode ?? 'bridge',
    needs,
    volumes: td.taskDefinition.volumes,
    reportSeq: 0,
  };
}

/** Everything a placement needs, resolved from a request: the task definition, what each task
 *  needs, its group, and the constraints (the task definition's, then the request's). */
interface PlacementPlan {
  cluster: ClusterRecord;
  td: TaskDefinitionRecord;
  instances: InstanceRecord[];
  outcome: PlacementOutcome;
}

function planPlacement(
  ctx: Context,
  req: TaskLaunch & { cluster?: string; placementConstraints: PlacementConstraint__Output[]; placementStrategy: PlacementStrategy__Output[] },
  count: number,
): PlacementPlan {
  const cluster = requireCluster(ctx, req.cluster);
  const td = activeTaskDefinition(ctx, req.taskDefinition);
  const constraints = [...td.taskDefinition.placementConstraints, ...req.placementConstraints].map((c) => ({ type: c.type, expression: c.expression }));
  const strategies = req.placementStrategy.map((s) => ({ type: s.type, field: s.field }));
  validatePlacement(constraints, strategies);
  const instances = ctx.store.listInstances(cluster.name).filter((i) => i.status === 'ACTIVE' || i.status === 'DRAINING');
  if (instances.length === 0) throw new InvalidParameterException('No Container Instances were found in your cluster.');
  const outcome = place(
    placementInstances(ctx, cluster.name, instances),
    { needs: needsOf(td, req), group: req.group ?? `family:${td.family}`, count, constraints, strategies, requiredAttributes: requiredAttributesOf(td) },
    ctx.random,
  );
  return { cluster, td, instances, outcome };
}

/** The attribute names an instance must have to run the task definition (its requiresAttributes). */
export function requiredAttributesOf(td: TaskDefinitionRecord): string[] {
  return td.taskDefinition.requiresAttributes.map((a) => a.name);
}

export function needsOf(td: TaskDefinitionRecord, req: Pick<TaskLaunch, 'overrides'>): TaskResourceNeeds {
  return taskResourceNeeds(taskSize(td, req), applyOverrides(td.taskDefinition.containerDefinitions, req.overrides));
}

/** Stores the new tasks, then tells their agents (after the transaction, so they read what was stored). */
function launch(ctx: Context, make: () => { tasks: TaskRecord[]; failures: RunTaskResponse__Output['failures'] }): RunTaskResponse__Output {
  const created = ctx.store.transaction(() => {
    const r = make();
    for (const t of r.tasks) ctx.store.putTask(t);
    return r;
  });
  for (const t of created.tasks) {
    ctx.log.info({ taskArn: t.arn, containerInstanceArn: t.task.containerInstanceArn }, 'task placed');
    ctx.agents.taskChanged(t);
  }
  return { tasks: created.tasks.map((t) => taskView(t.task)), failures: created.failures };
}

export function runTask(ctx: Context, req: RunTaskRequest__Output): RunTaskResponse__Output {
  const count = checkRunTaskRequest(req);
  return launch(ctx, () => {
    const plan = planPlacement(ctx, req, count);
    const byArn = new Map(plan.instances.map((i) => [i.arn, i]));
    const tasks = plan.outcome.placements.map((arn) => newTask(ctx, plan.cluster, plan.td, byArn.get(arn)!, req));
    return { tasks, failures: plan.outcome.failures };
  });
}

/** StartTask: one task on each named instance, with the attribute and resource checks but no strategies or constraints. */
export function startTask(ctx: Context, req: StartTaskRequest__Output): RunTaskResponse__Output {
  checkLaunch(req);
  if (req.containerInstances.length === 0) throw new InvalidParameterException('containerInstances cannot be empty.');
  if (req.containerInstances.length > 10) throw new InvalidParameterException('containerInstances can have at most 10 items.');
  return launch(ctx, () => {
    const cluster = requireCluster(ctx, req.cluster);
    const td = activeTaskDefinition(ctx, req.taskDefinition);
    const needs = needsOf(td, req);
    const requiredAttributes = requiredAttributesOf(td);
    const group = req.group ?? `family:${td.family}`;
    const tasks: TaskRecord[] = [];
    const failures: RunTaskResponse__Output['failures'] = [];
    for (const ref of req.containerInstances) {
      const i = findInstance(ctx, cluster, ref);
      if (!i || i.status === 'INACTIVE') {
        failures.push({ arn: ref, reason: 'MISSING' });
        continue;
      }
      // The tasks placed so far in this call hold resources too: count them in.
      const [pi] = placementInstances(ctx, cluster.name, [i]);
      for (const t of tasks) if (t.task.containerInstanceArn === i.arn) take(pi.remaining, t.needs);
      const outcome = place([pi], { needs, group, count: 1, constraints: [], strategies: [], requiredAttributes }, ctx.random);
      if (outcome.placements.length === 1) tasks.push(newTask(ctx, cluster, td, i, req));
      else failures.push(...outcome.failures);
    }
    return { tasks, failures };
  });
}

function take(r: Remaining, n: TaskResourceNeeds): void {
  r.cpu -= n.cpu;
  r.memory -= n.memory;
  for (const p of n.tcpPorts) r.tcpPorts.add(p);
  for (const p of n.udpPorts) r.udpPorts.add(p);
}

/** Where RunTask would put `count` tasks, and what each filter rejected: nothing is started. */
export function explainPlacement(ctx: Context, req: ExplainPlacementRequest__Output): ExplainPlacementResponse__Output {
  const count = req.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new InvalidParameterException('count must be between 1 and 1000.');
  checkLaunch({ ...req, tags: [] });
  const plan = planPlacement(ctx, { ...req, tags: [] }, count);
  return {
    candidateCount: plan.outcome.candidateCount,
    filters: plan.outcome.filters.map((f) => ({ filter: f.filter, rejectedCount: f.rejected.length, rejected: f.rejected, explanation: f.explanation })),
    placements: plan.outcome.placements,
    failures: plan.outcome.failures,
    message: unplacedMessage(plan.outcome),
  };
}
