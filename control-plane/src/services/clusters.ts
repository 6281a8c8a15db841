// CreateCluster, UpdateCluster, DeleteCluster, DescribeClusters, ListClusters.
import type { Cluster__Output } from '../../../proto/gen/ecs/v1/Cluster.js';
import type { ClusterSetting__Output } from '../../../proto/gen/ecs/v1/ClusterSetting.js';
import type { CreateClusterRequest__Output } from '../../../proto/gen/ecs/v1/CreateClusterRequest.js';
import type { DescribeClustersResponse__Output } from '../../../proto/gen/ecs/v1/DescribeClustersResponse.js';
import type { ListClustersRequest__Output } from '../../../proto/gen/ecs/v1/ListClustersRequest.js';
import type { ListClustersResponse__Output } from '../../../proto/gen/ecs/v1/ListClustersResponse.js';
import type { UpdateClusterRequest__Output } from '../../../proto/gen/ecs/v1/UpdateClusterRequest.js';
import { clusterArn, clusterNameOf } from '../domain/arn.js';
import { validateClusterConfiguration } from '../domain/cluster-configuration.js';
import {
  ClusterContainsContainerInstancesException,
  ClusterContainsServicesException,
  ClusterContainsTasksException,
  ClusterNotFoundException,
  InvalidParameterException,
} from '../domain/errors.js';
import type { ClusterRecord } from '../domain/records.js';
import { isPendingStatus } from '../domain/task-lifecycle.js';
import type { Context } from './context.js';
import { paginate } from './pagination.js';

export const DEFAULT_CLUSTER = 'default';
const NAME_RE = /^[a-zA-Z0-9_-]{1,255}$/;

export function validateClusterName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new InvalidParameterException(
      `Cluster name '${name}' is not valid. Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.`,
    );
  }
}

/** The ACTIVE cluster a request names (name or ARN; absent means `default`), or ClusterNotFoundException. */
export function requireCluster(ctx: Context, nameOrArn: string | undefined): ClusterRecord {
  const name = clusterNameOf(nameOrArn || DEFAULT_CLUSTER);
  const c = ctx.store.getCluster(name);
  if (!c) throw new ClusterNotFoundException('Cluster not found.');
  if (c.status !== 'ACTIVE') throw new ClusterNotFoundException('The referenced cluster was inactive.');
  return c;
}

/** Creates the cluster or returns it as it is when it already exists and is ACTIVE (ECS's idempotency). */
export function ensureCluster(ctx: Context, name: string, req?: Partial<CreateClusterRequest__Output>): ClusterRecord {
  validateClusterName(name);
  const existing = ctx.store.getCluster(name);
  if (existing && existing.status === 'ACTIVE') return existing;
  const rec: ClusterRecord = {
    name,
    arn: clusterArn(ctx.scope, name),
    status: 'ACTIVE',
    tags: req?.tags ?? [],
    settings: req?.settings?.length ? req.settings : [{ name: 'containerInsights', value: 'disabled' }],
    createdAt: ctx.now(),
  };
  const configuration = validateClusterConfiguration(req?.configuration);
  if (configuration) rec.configuration = configuration;
  ctx.store.putCluster(rec);
  return rec;
}

export function clusterView(ctx: Context, c: ClusterRecord, include: string[] = []): Cluster__Output {
  const instances = ctx.store.listInstances(c.name).filter((i) => i.status === 'ACTIVE' || i.status === 'DRAINING');
  const tasks = ctx.store.listTasks({ cluster: c.name, notStopped: true });
  const view: Cluster__Output = {
    clusterArn: c.arn,
    clusterName: c.name,
    status: c.status,
    registeredContainerInstancesCount: c.status === 'ACTIVE' ? instances.length : 0,
    runningTasksCount: tasks.filter((t) => t.task.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => isPendingStatus(t.task.lastStatus)).length,
    activeServicesCount: ctx.store.listServices(c.name, 'ACTIVE').length,
    statistics: [],
    tags: include.includes('TAGS') ? c.tags : [],
    settings: include.includes('SETTINGS') ? c.settings : [],
    capacityProviders: [],
  };
  if (c.configuration) view.configuration = c.configuration;
  return view;
}

function validateSettings(settings: ClusterSetting__Output[]): void {
  for (const s of settings) {
    if (s.name !== 'containerInsights') throw new InvalidParameterException(`Invalid setting name: '${s.name}'. Valid names: containerInsights.`);
    if (!['enabled', 'disabled', 'enhanced'].includes(s.value)) {
      throw new InvalidParameterException(`Invalid value for setting 'containerInsights': '${s.value}'. Valid values: enabled, disabled, enhanced.`);
    }
  }
}

export function createCluster(ctx: Context, req: CreateClusterRequest__Output): { cluster: Cluster__Output } {
  const name = req.clusterName ?? DEFAULT_CLUSTER;
  validateSettings(req.settings);
  validateClusterConfiguration(req.configuration);
  const c = ctx.store.transaction(() => ensureCluster(ctx, name, req));
  return { cluster: clusterView(ctx, c, ['TAGS', 'SETTINGS']) };
}

/**
 * UpdateCluster: settings given replace those of the same name; a configuration given replaces the
 * cluster's configuration (as in ECS). Either may be omitted.
 */
export function updateCluster(ctx: Context, req: UpdateClusterRequest__Output): { cluster: Cluster__Output } {
  if (!req.cluster) throw new InvalidParameterException('cluster is required.');
  validateSettings(req.settings);
  const configuration = validateClusterConfiguration(req.configuration);
  const c = ctx.store.transaction(() => {
    const rec = requireCluster(ctx, req.cluster);
    const settings = rec.settings.filter((s) => !req.settings.some((n) => n.name === s.name)).concat(req.settings);
    const next: ClusterRecord = { ...rec, settings };
    if (configuration) next.configuration = configuration;
    ctx.store.putCluster(next);
    return next;
  });
  return { cluster: clusterView(ctx, c, ['TAGS', 'SETTINGS']) };
}

export function deleteCluster(ctx: Context, cluster: string): { cluster: Cluster__Output } {
  const c = ctx.store.transaction(() => {
    const rec = requireCluster(ctx, cluster);
    const live = ctx.store.listInstances(rec.name).filter((i) => i.status !== 'INACTIVE');
    if (live.length > 0) throw new ClusterContainsContainerInstancesException();
    if (ctx.store.listServices(rec.name).some((s) => s.status !== 'INACTIVE')) throw new ClusterContainsServicesException();
    if (ctx.store.listTasks({ cluster: rec.name, notStopped: true }).length > 0) throw new ClusterContainsTasksException();
    const next: ClusterRecord = { ...rec, status: 'INACTIVE' };
    ctx.store.putCluster(next);
    return next;
  });
  return { cluster: clusterView(ctx, c) };
}

export function describeClusters(ctx: Context, names: string[], include: string[]): DescribeClustersResponse__Output {
  const wanted = names.length ? names : [DEFAULT_CLUSTER];
  if (wanted.length > 100) throw new InvalidParameterException('clusters can have at most 100 items.');
  const out: DescribeClustersResponse__Output = { clusters: [], failures: [] };
  for (const n of wanted) {
    const name = clusterNameOf(n);
    const c = ctx.store.getCluster(name);
    if (!c) out.failures.push({ arn: clusterArn(ctx.scope, name), reason: 'MISSING' });
    else out.clusters.push(clusterView(ctx, c, include));
  }
  return out;
}

export function listClusters(ctx: Context, req: ListClustersRequest__Output): ListClustersResponse__Output {
  const arns = ctx.store.listClusters('ACTIVE').map((c) => c.arn);
  const page = paginate(arns, req.nextToken, req.maxResults);
  return { clusterArns: page.items, nextToken: page.nextToken };
}
