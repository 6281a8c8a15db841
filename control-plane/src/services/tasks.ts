// RunTask, StopTask, DescribeTasks, ListTasks.
import type { Container__Output } from '../../../proto/gen/ecs/v1/Container.js';
import type { DescribeTasksResponse__Output } from '../../../proto/gen/ecs/v1/DescribeTasksResponse.js';
import type { ListTasksRequest__Output } from '../../../proto/gen/ecs/v1/ListTasksRequest.js';
import type { ListTasksResponse__Output } from '../../../proto/gen/ecs/v1/ListTasksResponse.js';
import type { RunTaskRequest__Output } from '../../../proto/gen/ecs/v1/RunTaskRequest.js';
import type { RunTaskResponse__Output } from '../../../proto/gen/ecs/v1/RunTaskResponse.js';
import type { StopTaskRequest__Output } from '../../../proto/gen/ecs/v1/StopTaskRequest.js';
import type { Task__Output } from '../../../proto/gen/ecs/v1/Task.js';
import { containerArn, isArn, resourceId, taskArn } from '../domain/arn.js';
import { ClientException, InvalidParameterException, ServiceNotFoundException } from '../domain/errors.js';
import { remaining } from '../domain/instance-resources.js';
import type { ClusterRecord, InstanceRecord, TaskDefinitionRecord, TaskRecord } from '../domain/records.js';
import { applyOverrides, parseTaskCpu, parseTaskMemory, taskResourceNeeds } from '../domain/task-definition.js';
import { requestStop } from '../domain/task-lifecycle.js';
import { placeTasks, type Candidate } from '../placement/place-tasks.js';
import { requireCluster } from './clusters.js';
import { newId, type Context } from './context.js';
import { paginate } from './pagination.js';
import { resolveTaskDefinition } from './task-definitions.js';

const MAX_COUNT = 10;

function checkRunTaskRequest(req: RunTaskRequest__Output): number {
  if (!req.taskDefinition) throw new InvalidParameterException('taskDefinition is required.');
  const count = req.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new InvalidParameterException(`count must be between 1 and ${MAX_COUNT}.`);
  }
  if (req.startedBy !== undefined && req.startedBy.length > 128) {
    throw new InvalidParameterException('startedBy can be up to 128 characters long.');
  }
  if (req.group !== undefined && (req.group.length === 0 || req.group.length > 255)) {
    throw new InvalidParameterException('group must be 1 to 255 characters long.');
  }
  if (req.launchType !== undefined && req.launchType !== 'EC2' && req.launchType !== 'EXTERNAL') {
    throw new InvalidParameterException(`launchType '${req.launchType}' is not supported by this cluster. Valid values: EC2, EXTERNAL.`);
  }
  if (req.placementConstraints.length > 0 || req.placementStrategy.length > 0) {
    throw new InvalidParameterException(
      'placementConstraints and placementStrategy are not supported by this control plane yet; tasks are placed at random among instances with room.',
    );
  }
  return count;
}

/** The task's size: RunTask's task-level overrides win over the task definition's. */
function taskSize(td: TaskDefinitionRecord, req: RunTaskRequest__Output): { cpu?: string; memory?: string; networkMode?: string } {
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

function activeTaskDefinition(ctx: Context, ref: string): TaskDefinitionRecord {
  const td = resolveTaskDefinition(ctx, ref);
  if (!td) throw new ClientException('TaskDefinition not found.');
  if (td.status !== 'ACTIVE') throw new ClientException(`TaskDefinition is inactive: ${td.taskDefinition.taskDefinitionArn}`);
  return td;
}

/** Placement candidates: the cluster's instances with what is left on each. */
function candidates(ctx: Context, cluster: string, instances: InstanceRecord[]): Candidate[] {
  const tasks = ctx.store.listTasks({ cluster, notStopped: true });
  return instances.map((i) => ({ arn: i.arn, status: i.status, agentConnected: i.agentConnected, remaining: remaining(i, tasks) }));
}

function newTask(
  ctx: Context,
  cluster: ClusterRecord,
  td: TaskDefinitionRecord,
  instance: InstanceRecord,
  req: RunTaskRequest__Output,
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

export function runTask(ctx: Context, req: RunTaskRequest__Output): RunTaskResponse__Output {
  const count = checkRunTaskRequest(req);
  const created = ctx.store.transaction(() => {
    const cluster = requireCluster(ctx, req.cluster);
    const td = activeTaskDefinition(ctx, req.taskDefinition);
    const instances = ctx.store.listInstances(cluster.name).filter((i) => i.status === 'ACTIVE' || i.status === 'DRAINING');
    if (instances.length === 0) throw new InvalidParameterException('No Container Instances were found in your cluster.');
    const containers = applyOverrides(td.taskDefinition.containerDefinitions, req.overrides);
    const needs = taskResourceNeeds(taskSize(td, req), containers);
    const result = placeTasks(candidates(ctx, cluster.name, instances), needs, count, ctx.random);
    const byArn = new Map(instances.map((i) => [i.arn, i]));
    const tasks = result.placements.map((arn) => newTask(ctx, cluster, td, byArn.get(arn)!, req));
    for (const t of tasks) ctx.store.putTask(t);
    return { tasks, failures: result.failures };
  });
  for (const t of created.tasks) {
    ctx.log.info({ taskArn: t.arn, containerInstanceArn: t.task.containerInstanceArn }, 'task placed');
    ctx.agents.taskChanged(t);
  }
  return { tasks: created.tasks.map((t) => t.task), failures: created.failures };
}

/** A task of this cluster by ARN or id, or undefined. */
export function findTask(ctx: Context, cluster: ClusterRecord, ref: string): TaskRecord | undefined {
  const arn = isArn(ref) ? ref : taskArn(ctx.scope, cluster.name, ref);
  const t = ctx.store.getTask(arn);
  return t && t.cluster === cluster.name ? t : undefined;
}

export function stopTask(ctx: Context, req: StopTaskRequest__Output): { task: Task__Output } {
  if (!req.task) throw new InvalidParameterException('task is required.');
  if (req.reason !== undefined && req.reason.length > 255) throw new InvalidParameterException('reason can be up to 255 characters long.');
  const rec = ctx.store.transaction(() => {
    const cluster = requireCluster(ctx, req.cluster);
    const t = findTask(ctx, cluster, req.task);
    if (!t) throw new InvalidParameterException('The referenced task was not found.');
    const next = requestStop(t, req.reason || 'Task stopped by user', 'UserInitiated', ctx.now());
    if (!next) return t;
    ctx.store.putTask(next);
    return next;
  });
  if (rec.task.lastStatus !== 'STOPPED') ctx.agents.taskChanged(rec);
  return { task: rec.task };
}

export function describeTasks(ctx: Context, cluster: string | undefined, refs: string[]): DescribeTasksResponse__Output {
  if (refs.length === 0) throw new InvalidParameterException('Tasks cannot be empty.');
  if (refs.length > 100) throw new InvalidParameterException('tasks can have at most 100 items.');
  const c = requireCluster(ctx, cluster);
  const out: DescribeTasksResponse__Output = { tasks: [], failures: [] };
  for (const ref of refs) {
    const t = findTask(ctx, c, ref);
    if (t) out.tasks.push(t.task);
    else out.failures.push({ arn: isArn(ref) ? ref : taskArn(ctx.scope, c.name, ref), reason: 'MISSING' });
  }
  return out;
}

export function listTasks(ctx: Context, req: ListTasksRequest__Output): ListTasksResponse__Output {
  const c = requireCluster(ctx, req.cluster);
  if (req.startedBy !== undefined && (req.family !== undefined || req.containerInstance !== undefined)) {
    throw new InvalidParameterException('startedBy cannot be combined with family or containerInstance: when you specify startedBy it must be the only filter.');
  }
  if (req.serviceName !== undefined) throw new ServiceNotFoundException('Service not found.');
  const desired = req.desiredStatus ?? 'RUNNING';
  if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desired)) {
    throw new InvalidParameterException(`Invalid value for desiredStatus: '${desired}'. Valid values: RUNNING, PENDING, STOPPED.`);
  }
  if (req.launchType !== undefined && !['EC2', 'EXTERNAL', 'FARGATE'].includes(req.launchType)) {
    throw new InvalidParameterException(`Invalid value for launchType: '${req.launchType}'.`);
  }
  let instanceArn: string | undefined;
  if (req.containerInstance !== undefined) {
    const id = resourceId(req.containerInstance);
    const inst = ctx.store.listInstances(c.name).find((i) => i.id === id || i.arn === req.containerInstance);
    if (!inst) throw new InvalidParameterException('The referenced container instance was not found.');
    instanceArn = inst.arn;
  }
  const tasks =
    desired === 'PENDING' || req.launchType === 'FARGATE'
      ? []
      : ctx.store.listTasks({
          cluster: c.name,
          containerInstanceArn: instanceArn,
          family: req.family,
          startedBy: req.startedBy,
          desiredStatus: desired,
        });
  const page = paginate(
    tasks.map((t) => t.arn),
    req.nextToken,
    req.maxResults,
  );
  return { taskArns: page.items, nextToken: page.nextToken };
}
