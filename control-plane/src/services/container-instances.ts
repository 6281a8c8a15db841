// ListContainerInstances, DescribeContainerInstances, UpdateContainerInstancesState,
// DeregisterContainerInstance.
import type { ContainerInstance__Output } from '../../../proto/gen/ecs/v1/ContainerInstance.js';
import type { Failure__Output } from '../../../proto/gen/ecs/v1/Failure.js';
import type { ListContainerInstancesRequest__Output } from '../../../proto/gen/ecs/v1/ListContainerInstancesRequest.js';
import { containerInstanceArn, isArn, resourceId } from '../domain/arn.js';
import { InvalidParameterException } from '../domain/errors.js';
import { remainingResources, taskCounts } from '../domain/instance-resources.js';
import type { ClusterRecord, InstanceRecord, InstanceStatus, TaskRecord } from '../domain/records.js';
import { evaluateQuery, parseQuery } from '../placement/query/index.js';
import { requireCluster } from './clusters.js';
import { placementInstances } from './placement-input.js';
import type { Context } from './context.js';
import { paginate } from './pagination.js';

const LISTABLE_STATUSES = ['ACTIVE', 'DRAINING', 'REGISTERING', 'DEREGISTERING', 'REGISTRATION_FAILED'];

export function instanceView(ctx: Context, i: InstanceRecord, include: string[] = []): ContainerInstance__Output {
  const tasks = ctx.store.listTasks({ cluster: i.cluster, containerInstanceArn: i.arn, notStopped: true });
  const counts = taskCounts(tasks);
  return {
    containerInstanceArn: i.arn,
    ec2InstanceId: i.instanceId,
    version: i.version,
    versionInfo: i.versionInfo,
    remainingResources: remainingResources(i, tasks),
    registeredResources: i.registeredResources,
    status: i.status,
    statusReason: i.statusReason,
    agentConnected: i.agentConnected,
    runningTasksCount: counts.running,
    pendingTasksCount: counts.pending,
    attributes: i.attributes,
    registeredAt: i.registeredAt,
    tags: include.includes('TAGS') ? i.tags : [],
  };
}

/** An instance of this cluster by ARN or id (any status), or undefined. */
export function findInstance(ctx: Context, cluster: ClusterRecord, ref: string): InstanceRecord | undefined {
  const arn = isArn(ref) ? ref : containerInstanceArn(ctx.scope, cluster.name, ref);
  const i = ctx.store.getInstance(arn);
  return i && i.cluster === cluster.name ? i : undefined;
}

function missing(ctx: Context, cluster: ClusterRecord, ref: string): Failure__Output {
  return { arn: isArn(ref) ? ref : containerInstanceArn(ctx.scope, cluster.name, resourceId(ref)), reason: 'MISSING' };
}

export function listContainerInstances(ctx: Context, req: ListContainerInstancesRequest__Output): { containerInstanceArns: string[]; nextToken?: string } {
  const c = requireCluster(ctx, req.cluster);
  if (req.status !== undefined && !LISTABLE_STATUSES.includes(req.status)) {
    throw new InvalidParameterException(`Invalid value for status: '${req.status}'. Valid values: ${LISTABLE_STATUSES.join(', ')}.`);
  }
  let all = ctx.store.listInstances(c.name, req.status).filter((i) => i.status !== 'INACTIVE');
  if (req.filter !== undefined && req.filter.trim() !== '') {
    // The cluster query language, as in placement constraints.
    const expr = parseQuery(req.filter);
    const facts = placementInstances(ctx, c.name, all);
    all = all.filter((_, k) => evaluateQuery(expr, facts[k]));
  }
  const page = paginate(
    all.map((i) => i.arn),
    req.nextToken,
    req.maxResults,
  );
  return { containerInstanceArns: page.items, nextToken: page.nextToken };
}

export function describeContainerInstances(
  ctx: Context,
  cluster: string | undefined,
  refs: string[],
  include: string[],
): { containerInstances: ContainerInstance__Output[]; failures: Failure__Output[] } {
  if (refs.length === 0) throw new InvalidParameterException('containerInstances cannot be empty.');
  if (refs.length > 100) throw new InvalidParameterException('containerInstances can have at most 100 items.');
  const c = requireCluster(ctx, cluster);
  const out = { containerInstances: [] as ContainerInstance__Output[], failures: [] as Failure__Output[] };
  for (const ref of refs) {
    const i = findInstance(ctx, c, ref);
    if (i) out.containerInstances.push(instanceView(ctx, i, include));
    else out.failures.push(missing(ctx, c, ref));
  }
  return out;
}

export function updateContainerInstancesState(
  ctx: Context,
  cluster: string | undefined,
  refs: string[],
  status: string,
): { containerInstances: ContainerInstance__Output[]; failures: Failure__Output[] } {
  if (status !== 'ACTIVE' && status !== 'DRAINING') {
    throw new InvalidParameterException(`Container instances status should be one of [ACTIVE,DRAINING]; got '${status}'.`);
  }
  if (refs.length === 0) throw new InvalidParameterException('containerInstances cannot be empty.');
  if (refs.length > 10) throw new InvalidParameterException('containerInstances can have at most 10 items.');
  const c = requireCluster(ctx, cluster);
  const updated = ctx.store.transaction(() => {
    const out = { instances: [] as InstanceRecord[], failures: [] as Failure__Output[] };
    for (const ref of refs) {
      const i = findInstance(ctx, c, ref);
      if (!i || i.status === 'INACTIVE') {
        out.failures.push(missing(ctx, c, ref));
        continue;
      }
      const next = i.status === status ? i : { ...i, status: status as InstanceStatus, version: i.version + 1 };
      if (next !== i) ctx.store.putInstance(next);
      out.instances.push(next);
    }
    return out;
  });
  ctx.scheduler.kickCluster(c.name);
  return { containerInstances: updated.instances.map((i) => instanceView(ctx, i)), failures: updated.failures };
}

function orphaned(t: TaskRecord, now: number): TaskRecord {
  const reason = 'Task orphaned: its container instance was deregistered with force; its containers were left as they were.';
  return {
    ...t,
    task: {
      ...t.task,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stoppedReason: t.task.stoppedReason ?? reason,
      stoppingAt: t.task.stoppingAt ?? now,
      stoppedAt: now,
      connectivity: 'DISCONNECTED',
      version: (t.task.version ?? 0) + 1,
    },
  };
}

export function deregisterContainerInstance(
  ctx: Context,
  cluster: string | undefined,
  ref: string,
  force: boolean,
): { containerInstance: ContainerInstance__Output } {
  if (!ref) throw new InvalidParameterException('containerInstance is required.');
  const c = requireCluster(ctx, cluster);
  const rec = ctx.store.transaction(() => {
    const i = findInstance(ctx, c, ref);
    if (!i || i.status === 'INACTIVE') throw new InvalidParameterException('The referenced container instance was not found.');
    const live = ctx.store.listTasks({ cluster: c.name, containerInstanceArn: i.arn, notStopped: true });
    if (live.length > 0 && !force) {
      throw new InvalidParameterException(
        `Found ${live.length} running or pending task(s) on the container instance. Stop them first, or deregister with force.`,
      );
    }
    const next: InstanceRecord = { ...i, status: 'INACTIVE', agentConnected: false, version: i.version + 1 };
    ctx.store.putInstance(next);
    // As in ECS, tasks left on a force-deregistered instance are orphaned: no longer monitored or
    // accounted for. They are recorded as STOPPED so that nothing counts them any more.
    for (const t of live) ctx.store.putTask(orphaned(t, ctx.now()));
    return next;
  });
  ctx.agents.instanceDeregistered(rec.arn);
  ctx.scheduler.kickCluster(c.name);
  return { containerInstance: instanceView(ctx, rec) };
}
