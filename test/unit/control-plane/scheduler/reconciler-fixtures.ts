// Builders for the reconciler's tests: a service with one COMPLETED deployment, tasks RUNNING and healthy,
// instances whose remaining resources and task groups are derived from the tasks given (as the store would
// report them), and small readers of a plan.
import type { PlacementInstance } from '../../../../control-plane/src/placement/types.js';
import type {
  DeploymentState,
  Plan,
  ReconcileInput,
  SchedulerOptions,
  ServiceState,
  ServiceTask,
} from '../../../../control-plane/src/scheduler/types.js';
import { needsOf, seededRandom, T0 } from '../fixtures.js';

export { T0 };
export const NAME = 'web';
export const GROUP = `service:${NAME}`;
const ARN = 'arn:aws:ecs:us-east-1:123456789012';

export const taskArn = (id: string) => `${ARN}:task/default/${id}`;
export const instArn = (id: string) => `${ARN}:container-instance/default/${id}`;
export const depId = (n: string | number) => `ecs-svc/${n}`;

/** Deployment ecs-svc/<n> (PRIMARY, IN_PROGRESS) of web:<n>, each task needing 128 CPU units and 128 MiB. */
export function deployment(n: string | number, over: Partial<DeploymentState> = {}): DeploymentState {
  return {
    id: depId(n),
    status: 'PRIMARY',
    taskDefinitionArn: `${ARN}:task-definition/web:${n}`,
    needs: needsOf({ cpu: 128, memory: 128 }),
    taskDefinitionConstraints: [],
    desiredCount: 0,
    failedTasks: 0,
    rolloutState: 'IN_PROGRESS',
    createdAt: T0 - 1000,
    updatedAt: T0 - 1000,
    ...over,
  };
}

export function service(over: Partial<ServiceState> = {}): ServiceState {
  return {
    arn: `${ARN}:service/default/${NAME}`,
    name: NAME,
    status: 'ACTIVE',
    desiredCount: 2,
    schedulingStrategy: 'REPLICA',
    deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, circuitBreaker: { enable: false, rollback: false } },
    placementConstraints: [],
    placementStrategy: [],
    healthCheckGracePeriodSeconds: 0,
    deployments: [deployment(1, { rolloutState: 'COMPLETED', desiredCount: 2 })],
    throttle: { consecutiveFailures: 0 },
    recentEventMessages: [],
    ...over,
  };
}

/** A task of the deployment on the instance, RUNNING and healthy (no health check), started 100 s ago. */
export function task(id: string, deployment: string | number, instance: string, over: Partial<ServiceTask> = {}): ServiceTask {
  return {
    arn: taskArn(id),
    deploymentId: depId(deployment),
    instanceArn: instArn(instance),
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    hasHealthCheck: false,
    createdAt: T0 - 200,
    startedAt: T0 - 100,
    ...over,
  };
}

/** `count` tasks t<k> of the deployment, spread round-robin over the instances. */
export function tasks(prefix: string, deployment: string | number, instances: string[], count: number, over: Partial<ServiceTask> = {}): ServiceTask[] {
  const out: ServiceTask[] = [];
  for (let k = 0; k < count; k++) out.push(task(`${prefix}${k}`, deployment, instances[k % instances.length], over));
  return out;
}

export const pending = { lastStatus: 'PENDING', startedAt: undefined } satisfies Partial<ServiceTask>;
export const unhealthy = { hasHealthCheck: true, healthStatus: 'UNHEALTHY' } satisfies Partial<ServiceTask>;
export const healthyChecked = { hasHealthCheck: true, healthStatus: 'HEALTHY' } satisfies Partial<ServiceTask>;
/** STOPPED since the last reconcile without ever reaching RUNNING. */
export const failedStart = {
  lastStatus: 'STOPPED',
  desiredStatus: 'STOPPED',
  startedAt: undefined,
  stoppedAt: T0 - 1,
  stopCode: 'TaskFailedToStart',
  stoppedReason: 'CannotPullContainerError',
} satisfies Partial<ServiceTask>;

export interface InstanceSpec {
  id: string;
  status?: string;
  connected?: boolean;
  cpu?: number;
  memory?: number;
  tcpPorts?: number[];
  attributes?: Record<string, string | null>;
}

export interface World {
  service?: Partial<ServiceState>;
  tasks?: ServiceTask[];
  /** A number n: ACTIVE instances i0 … i<n-1> with 1024 CPU units and 2048 MiB. */
  instances?: number | InstanceSpec[];
  /** Other tasks' usage per instance id (not of this service). */
  used?: Record<string, { cpu?: number; memory?: number; tcpPorts?: number[] }>;
  disconnectedSince?: Record<string, number>;
  now?: number;
  options?: Partial<SchedulerOptions>;
  seed?: number;
}

export const OPTIONS: SchedulerOptions = { hostLossTimeoutSec: 60, maxLaunchBackoffSec: 900 };

export function instanceSpecs(n: number): InstanceSpec[] {
  return Array.from({ length: n }, (_, k) => ({ id: `i${k}` }));
}

/** Instances as placement sees them: registered resources minus the needs of the service's tasks not STOPPED. */
export function placementInstances(specs: InstanceSpec[], svc: ServiceState, all: ServiceTask[], used: World['used'] = {}): PlacementInstance[] {
  const needsOf = new Map(svc.deployments.map((d) => [d.id, d.needs]));
  return specs.map((s): PlacementInstance => {
    const arn = instArn(s.id);
    const mine = all.filter((t) => t.instanceArn === arn && t.lastStatus !== 'STOPPED');
    const u = used[s.id] ?? {};
    const remaining = {
      cpu: (s.cpu ?? 1024) - (u.cpu ?? 0),
      memory: (s.memory ?? 2048) - (u.memory ?? 0),
      tcpPorts: new Set([...(s.tcpPorts ?? []), ...(u.tcpPorts ?? [])]),
      udpPorts: new Set<number>(),
    };
    for (const t of mine) {
      const n = needsOf.get(t.deploymentId);
      if (!n) continue;
      remaining.cpu -= n.cpu;
      remaining.memory -= n.memory;
      for (const p of n.tcpPorts) remaining.tcpPorts.add(p);
    }
    return {
      arn,
      ec2InstanceId: `host-${s.id}`,
      status: s.status ?? 'ACTIVE',
      agentConnected: s.connected ?? true,
      agentVersion: '0.1.0',
      registeredAt: T0 - 10_000,
      runningTasksCount: mine.filter((t) => t.lastStatus === 'RUNNING').length,
      attributes: s.attributes ?? {},
      taskGroups: (mine.length > 0 ? { [GROUP]: mine.length } : {}) as Record<string, number>,
      remaining,
    };
  });
}

export function input(w: World = {}): ReconcileInput {
  const svc = service(w.service);
  const all = w.tasks ?? [];
  const specs = typeof w.instances === 'number' ? instanceSpecs(w.instances) : (w.instances ?? instanceSpecs(3));
  return {
    service: svc,
    tasks: all,
    instances: placementInstances(specs, svc, all, w.used),
    disconnectedSince: Object.fromEntries(Object.entries(w.disconnectedSince ?? {}).map(([id, t]) => [instArn(id), t])),
    now: w.now ?? T0,
    options: { ...OPTIONS, ...w.options },
    random: seededRandom(w.seed ?? 7),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Reading a plan

export const idOf = (arn: string) => arn.split('/').pop()!;

/** Ids of the tasks stopped, sorted. */
export function stoppedIds(plan: Plan): string[] {
  return plan.stop.map((s) => idOf(s.taskArn)).sort();
}

/** Instance ids the plan starts tasks on, sorted. */
export function startedOn(plan: Plan): string[] {
  return plan.start.map((s) => idOf(s.instanceArn)).sort();
}

export function dep(plan: Plan, n: string | number): DeploymentState {
  const d = plan.deployments.find((x) => x.id === depId(n));
  if (!d) throw new Error(`no deployment ${depId(n)} in the plan`);
  return d;
}

export function primaries(plan: Plan): string[] {
  return plan.deployments.filter((d) => d.status === 'PRIMARY').map((d) => d.id);
}

/** A rolling update from deployment 1 (ACTIVE, COMPLETED) to deployment 2 (PRIMARY, IN_PROGRESS). */
export function rolling(desired: number, min: number, max: number, over: Partial<ServiceState> = {}): Partial<ServiceState> {
  return {
    desiredCount: desired,
    deploymentConfiguration: { minimumHealthyPercent: min, maximumPercent: max, circuitBreaker: { enable: false, rollback: false } },
    deployments: [
      deployment(2, { createdAt: T0 - 10, updatedAt: T0 - 10, desiredCount: desired }),
      deployment(1, { status: 'ACTIVE', rolloutState: 'COMPLETED', desiredCount: 0 }),
    ],
    ...over,
  };
}
