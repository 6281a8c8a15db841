// The control plane's side of the agent protocol, minus the stream: registration, delivery of
// assignments, state reports, and connection status. The dispatcher calls these.
import type { RegisterContainerInstanceRequest__Output } from '../../../proto/gen/ecs/v1/RegisterContainerInstanceRequest.js';
import type { TaskStateChange__Output } from '../../../proto/gen/ecs/v1/TaskStateChange.js';
import { containerInstanceArn } from '../domain/arn.js';
import { ClientException, ClusterNotFoundException, InvalidParameterException } from '../domain/errors.js';
import type { InstanceRecord, TaskRecord } from '../domain/records.js';
import { applyStateChange, markDelivered } from '../domain/task-lifecycle.js';
import { DEFAULT_CLUSTER, ensureCluster, requireCluster } from './clusters.js';
import { instanceView } from './container-instances.js';
import { newId, type Context } from './context.js';
import { clusterNameOf } from '../domain/arn.js';

const REQUIRED_RESOURCES = ['CPU', 'MEMORY', 'PORTS', 'PORTS_UDP'];

/** Registers a host, or re-registers the same container instance when the agent sends its ARN back. */
export function registerContainerInstance(ctx: Context, req: RegisterContainerInstanceRequest__Output) {
  const clusterName = clusterNameOf(req.cluster || DEFAULT_CLUSTER);
  if (!req.instanceId) throw new InvalidParameterException('instanceId is required.');
  for (const name of REQUIRED_RESOURCES) {
    if (!req.totalResources.some((r) => r.name === name)) throw new InvalidParameterException(`totalResources must include ${name}.`);
  }
  const rec = ctx.store.transaction(() => {
    // ECS creates the `default` cluster for an agent; any other cluster must exist.
    if (!ctx.store.getCluster(clusterName) && clusterName !== DEFAULT_CLUSTER) {
      throw new ClusterNotFoundException(`Cluster not found: ${clusterName}. Create it first (ecsctl create-cluster --cluster-name ${clusterName}).`);
    }
    const cluster = clusterName === DEFAULT_CLUSTER ? ensureCluster(ctx, clusterName) : requireCluster(ctx, clusterName);
    const known = req.containerInstanceArn ? ctx.store.getInstance(req.containerInstanceArn) : undefined;
    if (known && known.status === 'INACTIVE') {
      // As ECS: a deregistered container instance does not come back. The agent must start afresh.
      throw new ClientException(
        `Container instance ${known.arn} was deregistered. Remove the agent's data dir (ECS_DATADIR) to register this host as a new container instance.`,
      );
    }
    const existing = known && known.cluster === cluster.name ? known : undefined;
    const custom = existing ? existing.attributes.filter((a) => !req.attributes.some((b) => b.name === a.name) && !isAgentAttribute(a.name)) : [];
    const id = existing?.id ?? newId(ctx.random);
    const next: InstanceRecord = {
      arn: existing?.arn ?? containerInstanceArn(ctx.scope, cluster.name, id),
      id,
      cluster: cluster.name,
      instanceId: req.instanceId,
      status: existing?.status ?? 'ACTIVE',
      registeredAt: existing?.registeredAt ?? ctx.now(),
      registeredResources: req.totalResources,
      attributes: [...req.attributes, ...custom],
      versionInfo: req.versionInfo ?? {},
      tags: existing?.tags ?? req.tags,
      agentConnected: existing?.agentConnected ?? false,
      version: (existing?.version ?? 0) + 1,
    };
    ctx.store.putInstance(next);
    return { instance: next, clusterArn: cluster.arn };
  });
  ctx.log.info({ containerInstanceArn: rec.instance.arn, cluster: rec.instance.cluster }, 'container instance registered');
  return { containerInstance: instanceView(ctx, rec.instance), clusterArn: rec.clusterArn };
}

function isAgentAttribute(name: string): boolean {
  return name.startsWith('ecs.') || name.startsWith('com.amazonaws.ecs.');
}

export function setAgentConnected(ctx: Context, arn: string, connected: boolean): InstanceRecord | undefined {
  return ctx.store.transaction(() => {
    const i = ctx.store.getInstance(arn);
    if (!i || i.agentConnected === connected || (connected && i.status === 'INACTIVE')) return i;
    const next = { ...i, agentConnected: connected, disconnectedAt: connected ? undefined : ctx.now(), version: i.version + 1 };
    ctx.store.putInstance(next);
    return next;
  });
}

/** Every task the instance should know about: all of its tasks not yet STOPPED. */
export function tasksForInstance(ctx: Context, arn: string): TaskRecord[] {
  const i = ctx.store.getInstance(arn);
  if (!i) return [];
  return ctx.store.listTasks({ cluster: i.cluster, containerInstanceArn: arn, notStopped: true });
}

export function markTaskDelivered(ctx: Context, taskArn: string): void {
  ctx.store.transaction(() => {
    const t = ctx.store.getTask(taskArn);
    const next = t && markDelivered(t, ctx.now());
    if (next) ctx.store.putTask(next);
  });
}

/** Applies an agent's task report. Reports about tasks not on this instance are ignored. */
export function applyTaskReport(ctx: Context, instanceArn: string, change: TaskStateChange__Output): TaskRecord | undefined {
  return ctx.store.transaction(() => {
    const t = ctx.store.getTask(change.taskArn);
    if (!t || t.task.containerInstanceArn !== instanceArn) return undefined;
    const next = applyStateChange(t, change, ctx.now());
    if (next) ctx.store.putTask(next);
    return next;
  });
}
