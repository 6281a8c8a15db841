// StopTask, DescribeTasks, ListTasks. (RunTask and StartTask: run-task.ts.)
import type { DescribeTasksResponse__Output } from '../../../proto/gen/ecs/v1/DescribeTasksResponse.js';
import type { ListTasksRequest__Output } from '../../../proto/gen/ecs/v1/ListTasksRequest.js';
import type { ListTasksResponse__Output } from '../../../proto/gen/ecs/v1/ListTasksResponse.js';
import type { StopTaskRequest__Output } from '../../../proto/gen/ecs/v1/StopTaskRequest.js';
import type { Task__Output } from '../../../proto/gen/ecs/v1/Task.js';
import { isArn, resourceId, taskArn } from '../domain/arn.js';
import { InvalidParameterException, ServiceNotFoundException } from '../domain/errors.js';
import type { ClusterRecord, TaskRecord } from '../domain/records.js';
import { taskView } from '../domain/managed-agents.js';
import { requestStop } from '../domain/task-lifecycle.js';
import { requireCluster } from './clusters.js';
import type { Context } from './context.js';
import { paginate } from './pagination.js';

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
  ctx.scheduler.taskChanged(rec);
  return { task: taskView(rec.task) };
}

export function describeTasks(ctx: Context, cluster: string | undefined, refs: string[]): DescribeTasksResponse__Output {
  if (refs.length === 0) throw new InvalidParameterException('Tasks cannot be empty.');
  if (refs.length > 100) throw new InvalidParameterException('tasks can have at most 100 items.');
  const c = requireCluster(ctx, cluster);
  const out: DescribeTasksResponse__Output = { tasks: [], failures: [] };
  for (const ref of refs) {
    const t = findTask(ctx, c, ref);
    if (t) out.tasks.push(taskView(t.task));
    else out.failures.push({ arn: isArn(ref) ? ref : taskArn(ctx.scope, c.name, ref), reason: 'MISSING' });
  }
  return out;
}

export function listTasks(ctx: Context, req: ListTasksRequest__Output): ListTasksResponse__Output {
  const c = requireCluster(ctx, req.cluster);
  if (req.startedBy !== undefined && (req.family !== undefined || req.containerInstance !== undefined)) {
    throw new InvalidParameterException('startedBy cannot be combined with family or containerInstance: when you specify startedBy it must be the only filter.');
  }
  if (req.serviceName !== undefined && !ctx.store.getService(c.name, req.serviceName.split('/').pop()!)) {
    throw new ServiceNotFoundException('Service not found.');
  }
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
          group: req.serviceName !== undefined ? `service:${req.serviceName.split('/').pop()}` : undefined,
        });
  const page = paginate(
    tasks.map((t) => t.arn),
    req.nextToken,
    req.maxResults,
  );
  return { taskArns: page.items, nextToken: page.nextToken };
}
