// CreateService, UpdateService, DeleteService, DescribeServices, ListServices. The scheduler
// (scheduler/loop.ts) does the rest: these record what the user wants and wake it.
import type { CreateServiceRequest__Output } from '../../../proto/gen/ecs/v1/CreateServiceRequest.js';
import type { Deployment__Output } from '../../../proto/gen/ecs/v1/Deployment.js';
import type { DeploymentConfiguration__Output } from '../../../proto/gen/ecs/v1/DeploymentConfiguration.js';
import type { DescribeServicesResponse__Output } from '../../../proto/gen/ecs/v1/DescribeServicesResponse.js';
import type { ListServicesRequest__Output } from '../../../proto/gen/ecs/v1/ListServicesRequest.js';
import type { Service__Output } from '../../../proto/gen/ecs/v1/Service.js';
import type { UpdateServiceRequest__Output } from '../../../proto/gen/ecs/v1/UpdateServiceRequest.js';
import { isArn, parseArn } from '../domain/arn.js';
import { InvalidParameterException, ServiceNotActiveException, ServiceNotFoundException } from '../domain/errors.js';
import type { ClusterRecord, ServiceRecord, TaskDefinitionRecord } from '../domain/records.js';
import { isPendingStatus } from '../domain/task-lifecycle.js';
import { validatePlacement } from '../placement/engine.js';
import type { PlacementConstraintSpec, PlacementStrategySpec } from '../placement/types.js';
import type { DeploymentConfiguration, DeploymentState } from '../scheduler/types.js';
import { requireCluster } from './clusters.js';
import type { Context } from './context.js';
import { paginate } from './pagination.js';
import { activeTaskDefinition, needsOf, requiredAttributesOf } from './run-task.js';

const NAME_RE = /^[a-zA-Z0-9_-]{1,255}$/;
const MAX_EVENTS = 100;

export function serviceArn(ctx: Context, cluster: string, name: string): string {
  return `arn:aws:ecs:${ctx.scope.region}:${ctx.scope.account}:service/${cluster}/${name}`;
}

function serviceNameOf(ref: string): string {
  if (!isArn(ref)) return ref;
  const p = parseArn(ref);
  if (!p || p.type !== 'service') throw new InvalidParameterException(`Invalid service ARN: ${ref}`);
  return p.resource.split('/').pop()!;
}

export function findService(ctx: Context, cluster: ClusterRecord, ref: string): ServiceRecord | undefined {
  return ctx.store.getService(cluster.name, serviceNameOf(ref));
}

function requireService(ctx: Context, cluster: ClusterRecord, ref: string): ServiceRecord {
  const s = findService(ctx, cluster, ref);
  if (!s) throw new ServiceNotFoundException('Service not found.');
  return s;
}

/** ecs-svc/ followed by 19 digits, as ECS's deployment ids. */
function deploymentId(random: () => number): string {
  let d = String(1 + Math.floor(random() * 9));
  for (let i = 0; i < 18; i++) d += Math.floor(random() * 10);
  return `ecs-svc/${d}`;
}

function deploymentConfiguration(
  req: DeploymentConfiguration__Output | null | undefined,
  strategy: 'REPLICA' | 'DAEMON',
  current?: DeploymentConfiguration,
): DeploymentConfiguration {
  const dflt = current ?? { minimumHealthyPercent: strategy === 'DAEMON' ? 0 : 100, maximumPercent: strategy === 'DAEMON' ? 100 : 200, circuitBreaker: { enable: false, rollback: false } };
  const out: DeploymentConfiguration = {
    minimumHealthyPercent: req?.minimumHealthyPercent ?? dflt.minimumHealthyPercent,
    maximumPercent: req?.maximumPercent ?? dflt.maximumPercent,
    circuitBreaker: req?.deploymentCircuitBreaker
      ? { enable: req.deploymentCircuitBreaker.enable, rollback: req.deploymentCircuitBreaker.rollback }
      : dflt.circuitBreaker,
  };
  if (!Number.isInteger(out.minimumHealthyPercent) || out.minimumHealthyPercent < 0 || out.minimumHealthyPercent > 100) {
    throw new InvalidParameterException('deploymentConfiguration.minimumHealthyPercent must be between 0 and 100.');
  }
  if (!Number.isInteger(out.maximumPercent) || out.maximumPercent < 100 || out.maximumPercent > 1000) {
    if (!(strategy === 'DAEMON' && out.maximumPercent === 100)) {
      throw new InvalidParameterException('deploymentConfiguration.maximumPercent must be between 100 and 1000.');
    }
  }
  if (strategy === 'DAEMON' && out.maximumPercent !== 100) {
    throw new InvalidParameterException('deploymentConfiguration.maximumPercent must be 100 for the DAEMON scheduling strategy.');
  }
  return out;
}

function newDeployment(ctx: Context, td: TaskDefinitionRecord, desiredCount: number): DeploymentState {
  const now = ctx.now();
  return {
    id: deploymentId(ctx.random),
    status: 'PRIMARY',
    taskDefinitionArn: td.taskDefinition.taskDefinitionArn,
    needs: needsOf(td, { overrides: null }),
    taskDefinitionConstraints: td.taskDefinition.placementConstraints.map((c) => ({ type: c.type, expression: c.expression })),
    requiredAttributes: requiredAttributesOf(td),
    desiredCount,
    failedTasks: 0,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment ecs-svc in progress.',
    createdAt: now,
    updatedAt: now,
  };
}

function placementOf(
  constraints: { type: string; expression?: string }[],
  strategies: { type: string; field?: string }[],
  scheduling: 'REPLICA' | 'DAEMON',
): { constraints: PlacementConstraintSpec[]; strategies: PlacementStrategySpec[] } {
  const c = constraints.map((x) => ({ type: x.type, expression: x.expression }));
  const s = strategies.map((x) => ({ type: x.type, field: x.field }));
  if (scheduling === 'DAEMON' && s.length > 0) {
    throw new InvalidParameterException('Placement strategies are not supported with the DAEMON scheduling strategy.');
  }
  validatePlacement(c, s);
  return { constraints: c, strategies: s };
}

export function createService(ctx: Context, req: CreateServiceRequest__Output): { service: Service__Output } {
  if (!req.serviceName || !NAME_RE.test(req.serviceName)) {
    throw new InvalidParameterException('serviceName: up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.');
  }
  const scheduling = (req.schedulingStrategy ?? 'REPLICA') as 'REPLICA' | 'DAEMON';
  if (scheduling !== 'REPLICA' && scheduling !== 'DAEMON') {
    throw new InvalidParameterException(`Invalid schedulingStrategy '${req.schedulingStrategy}'. Valid values: REPLICA, DAEMON.`);
  }
  if (!req.taskDefinition) throw new InvalidParameterException('taskDefinition is required.');
  if (req.deploymentController && req.deploymentController.type !== 'ECS') {
    throw new InvalidParameterException(`deploymentController type '${req.deploymentController.type}' is not supported. Valid value: ECS.`);
  }
  if (scheduling === 'REPLICA' && req.desiredCount === undefined) {
    throw new InvalidParameterException('desiredCount is required for the REPLICA scheduling strategy.');
  }
  if (scheduling === 'DAEMON' && req.desiredCount !== undefined) {
    throw new InvalidParameterException('desiredCount cannot be specified with the DAEMON scheduling strategy.');
  }
  const desiredCount = req.desiredCount ?? 0;
  if (!Number.isInteger(desiredCount) || desiredCount < 0) throw new InvalidParameterException('desiredCount must be 0 or more.');
  if (req.launchType !== undefined && req.launchType !== 'EC2' && req.launchType !== 'EXTERNAL') {
    throw new InvalidParameterException(`launchType '${req.launchType}' is not supported by this cluster. Valid values: EC2, EXTERNAL.`);
  }
  const grace = req.healthCheckGracePeriodSeconds ?? 0;
  if (!Number.isInteger(grace) || grace < 0 || grace > 2147483647) throw new InvalidParameterException('healthCheckGracePeriodSeconds must be 0 or more.');
  const placement = placementOf(req.placementConstraints, req.placementStrategy, scheduling);
  const config = deploymentConfiguration(req.deploymentConfiguration, scheduling);
  const rec = ctx.store.transaction(() => {
    const cluster = requireCluster(ctx, req.cluster);
    const td = activeTaskDefinition(ctx, req.taskDefinition!);
    const existing = ctx.store.getService(cluster.name, req.serviceName);
    if (existing && existing.status !== 'INACTIVE') {
      if (req.clientToken && existing.clientToken === req.clientToken) return existing;
      throw new InvalidParameterException('Creation of service was not idempotent.');
    }
    const s: ServiceRecord = {
      arn: serviceArn(ctx, cluster.name, req.serviceName),
      name: req.serviceName,
      cluster: cluster.name,
      status: 'ACTIVE',
      desiredCount,
      schedulingStrategy: scheduling,
      deploymentConfiguration: config,
      placementConstraints: placement.constraints,
      placementStrategy: placement.strategies,
      healthCheckGracePeriodSeconds: grace,
      enableExecuteCommand: req.enableExecuteCommand ?? false,
      launchType: req.launchType ?? 'EC2',
      propagateTags: req.propagateTags,
      tags: req.tags,
      clientToken: req.clientToken,
      createdAt: ctx.now(),
      deployments: [newDeployment(ctx, td, desiredCount)],
      events: [],
      throttle: { consecutiveFailures: 0 },
    };
    ctx.store.putService(s);
    return s;
  });
  ctx.scheduler.kick(rec.cluster, rec.name);
  return { service: serviceView(ctx, rec) };
}

export function updateService(ctx: Context, req: UpdateServiceRequest__Output): { service: Service__Output } {
  if (!req.service) throw new InvalidParameterException('service is required.');
  const rec = ctx.store.transaction(() => {
    const cluster = requireCluster(ctx, req.cluster);
    const s = requireService(ctx, cluster, req.service);
    if (s.status !== 'ACTIVE') throw new ServiceNotActiveException('Service was not ACTIVE.');
    const next: ServiceRecord = { ...s };
    if (req.desiredCount !== undefined) {
      if (s.schedulingStrategy === 'DAEMON') throw new InvalidParameterException('desiredCount cannot be specified with the DAEMON scheduling strategy.');
      if (!Number.isInteger(req.desiredCount) || req.desiredCount < 0) throw new InvalidParameterException('desiredCount must be 0 or more.');
      next.desiredCount = req.desiredCount;
    }
    if (req.deploymentConfiguration) next.deploymentConfiguration = deploymentConfiguration(req.deploymentConfiguration, s.schedulingStrategy, s.deploymentConfiguration);
    if (req.healthCheckGracePeriodSeconds !== undefined) next.healthCheckGracePeriodSeconds = req.healthCheckGracePeriodSeconds;
    if (req.enableExecuteCommand !== undefined) next.enableExecuteCommand = req.enableExecuteCommand;
    // A new deployment only for a new task definition, new placement, or when forced (ECS).
    let redeploy = req.forceNewDeployment === true;
    const primary = s.deployments.find((d) => d.status === 'PRIMARY')!;
    let td: TaskDefinitionRecord | undefined;
    if (req.taskDefinition !== undefined) {
      td = activeTaskDefinition(ctx, req.taskDefinition);
      if (td.taskDefinition.taskDefinitionArn !== primary.taskDefinitionArn) redeploy = true;
    }
    if (req.placementConstraints.length > 0 || req.placementStrategy.length > 0) {
      const p = placementOf(
        req.placementConstraints.length ? req.placementConstraints : s.placementConstraints,
        req.placementStrategy.length ? req.placementStrategy : s.placementStrategy,
        s.schedulingStrategy,
      );
      if (JSON.stringify(p) !== JSON.stringify({ constraints: s.placementConstraints, strategies: s.placementStrategy })) redeploy = true;
      next.placementConstraints = p.constraints;
      next.placementStrategy = p.strategies;
    }
    if (redeploy) {
      const tdNext = td ?? activeTaskDefinition(ctx, primary.taskDefinitionArn);
      const others = s.deployments.filter((d) => d.status !== 'INACTIVE').map((d) => (d.status === 'PRIMARY' ? { ...d, status: 'ACTIVE' as const } : d));
      next.deployments = [newDeployment(ctx, tdNext, next.desiredCount), ...others];
      next.throttle = { consecutiveFailures: 0 };
    } else {
      next.deployments = s.deployments.map((d) => (d.status === 'PRIMARY' ? { ...d, desiredCount: next.desiredCount, updatedAt: ctx.now() } : d));
    }
    ctx.store.putService(next);
    return next;
  });
  ctx.scheduler.kick(rec.cluster, rec.name);
  return { service: serviceView(ctx, rec) };
}

export function deleteService(ctx: Context, cluster: string | undefined, ref: string, force: boolean): { service: Service__Output } {
  if (!ref) throw new InvalidParameterException('service is required.');
  const rec = ctx.store.transaction(() => {
    const c = requireCluster(ctx, cluster);
    const s = requireService(ctx, c, ref);
    if (s.status !== 'ACTIVE') throw new ServiceNotActiveException('Service was not ACTIVE.');
    if (s.schedulingStrategy === 'REPLICA' && s.desiredCount > 0 && !force) {
      throw new InvalidParameterException('The service cannot be stopped while it is scaled above 0.');
    }
    const next: ServiceRecord = { ...s, status: 'DRAINING', desiredCount: 0 };
    ctx.store.putService(next);
    return next;
  });
  ctx.scheduler.kick(rec.cluster, rec.name);
  return { service: serviceView(ctx, rec) };
}

export function serviceView(ctx: Context, s: ServiceRecord): Service__Output {
  const tasks = ctx.store.listTasks({ cluster: s.cluster, group: `service:${s.name}`, notStopped: true }).filter((t) => t.task.desiredStatus === 'RUNNING');
  const count = (pred: (status: string) => boolean, deployment?: string) =>
    tasks.filter((t) => pred(t.task.lastStatus) && (deployment === undefined || t.deploymentId === deployment)).length;
  const running = (st: string) => st === 'RUNNING';
  const deployments: Deployment__Output[] = s.deployments
    .filter((d) => d.status !== 'INACTIVE')
    .map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinitionArn,
      desiredCount: d.desiredCount,
      pendingCount: count(isPendingStatus, d.id),
      runningCount: count(running, d.id),
      failedTasks: d.failedTasks,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      launchType: s.launchType,
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
    }));
  const primary = s.deployments.find((d) => d.status === 'PRIMARY') ?? s.deployments[0];
  return {
    serviceArn: s.arn,
    serviceName: s.name,
    clusterArn: `arn:aws:ecs:${ctx.scope.region}:${ctx.scope.account}:cluster/${s.cluster}`,
    status: s.status,
    desiredCount: s.desiredCount,
    runningCount: count(running),
    pendingCount: count(isPendingStatus),
    launchType: s.launchType,
    taskDefinition: primary?.taskDefinitionArn ?? '',
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: s.deploymentConfiguration.circuitBreaker.enable, rollback: s.deploymentConfiguration.circuitBreaker.rollback },
      maximumPercent: s.deploymentConfiguration.maximumPercent,
      minimumHealthyPercent: s.deploymentConfiguration.minimumHealthyPercent,
    },
    deployments,
    events: s.events.slice(0, MAX_EVENTS),
    createdAt: s.createdAt,
    placementConstraints: s.placementConstraints.map((c) => ({ type: c.type, expression: c.expression })),
    placementStrategy: s.placementStrategy.map((x) => ({ type: x.type, field: x.field })),
    healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds,
    schedulingStrategy: s.schedulingStrategy,
    deploymentController: { type: 'ECS' },
    tags: s.tags,
    enableExecuteCommand: s.enableExecuteCommand,
    propagateTags: s.propagateTags,
  };
}

export function describeServices(ctx: Context, cluster: string | undefined, refs: string[], include: string[]): DescribeServicesResponse__Output {
  if (refs.length === 0) throw new InvalidParameterException('Services cannot be empty.');
  if (refs.length > 10) throw new InvalidParameterException('services can have at most 10 items.');
  const c = requireCluster(ctx, cluster);
  const out: DescribeServicesResponse__Output = { services: [], failures: [] };
  for (const ref of refs) {
    const s = findService(ctx, c, ref);
    if (s) {
      const v = serviceView(ctx, s);
      out.services.push(include.includes('TAGS') ? v : { ...v, tags: [] });
    } else out.failures.push({ arn: isArn(ref) ? ref : serviceArn(ctx, c.name, ref), reason: 'MISSING' });
  }
  return out;
}

export function listServices(ctx: Context, req: ListServicesRequest__Output): { serviceArns: string[]; nextToken?: string } {
  const c = requireCluster(ctx, req.cluster);
  const all = ctx.store
    .listServices(c.name)
    .filter((s) => s.status !== 'INACTIVE')
    .filter((s) => req.schedulingStrategy === undefined || s.schedulingStrategy === req.schedulingStrategy)
    .filter((s) => req.launchType === undefined || s.launchType === req.launchType);
  const page = paginate(
    all.map((s) => s.arn),
    req.nextToken,
    req.maxResults,
  );
  return { serviceArns: page.items, nextToken: page.nextToken };
}
