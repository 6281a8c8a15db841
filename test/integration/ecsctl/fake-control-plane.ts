// A real in-process grpc-js server implementing a few EcsControlPlane RPCs with canned, ECS-shaped
// answers: enough for ecsctl to be driven end to end (errors with x-ecs-exception, a list paginating
// over two pages, timestamps, doubles, echo of the request it received), and services that move:
// a created service reaches runningCount == desiredCount on its 3rd DescribeServices poll (so
// `ecsctl wait services-stable` has something to wait for), and the service "draining" is DRAINING.
// Run it alone with `node --import tsx test/integration/ecsctl/fake-control-plane.ts [port]`.
import * as grpc from '@grpc/grpc-js';
import { EXCEPTION_METADATA_KEY, loadProtos } from '../../../proto/index.js';

export const ACCOUNT_ARN = 'arn:aws:ecs:us-east-1:123456789012';
export const CLUSTER_ARNS = ['default', 'web', 'batch'].map((n) => `${ACCOUNT_ARN}:cluster/${n}`);
export const TASK_ARN = `${ACCOUNT_ARN}:task/default/0123456789abcdef0123456789abcdef`;
export const CREATED_AT = 1795312408.123; // 2026-11-22T01:53:28.123000+00:00

export interface FakeControlPlane {
  readonly port: number;
  readonly endpoint: string;
  /** Every request received, by RPC name, in order. */
  readonly requests: { rpc: string; request: Record<string, unknown> }[];
  close(): Promise<void>;
}

/** A handler returning HANG never answers (to exercise --cli-read-timeout). */
const HANG = Symbol('hang');
type Handler = (request: Record<string, unknown>) => Record<string, unknown> | typeof HANG;

class EcsFault extends Error {
  constructor(readonly exception: string, message: string, readonly code: grpc.status) {
    super(message);
  }
}

export function task(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    taskArn: TASK_ARN,
    clusterArn: CLUSTER_ARNS[0],
    taskDefinitionArn: `${ACCOUNT_ARN}:task-definition/web:3`,
    containerInstanceArn: `${ACCOUNT_ARN}:container-instance/default/9f8e7d6c`,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    cpu: '256',
    memory: '512',
    containers: [
      {
        containerArn: `${ACCOUNT_ARN}:container/default/0123/abcd`,
        taskArn: TASK_ARN,
        name: 'web',
        image: 'busybox:latest',
        lastStatus: 'RUNNING',
        networkBindings: [{ bindIp: '0.0.0.0', containerPort: 80, hostPort: 32768, protocol: 'tcp' }],
      },
    ],
    version: 3,
    createdAt: CREATED_AT,
    startedAt: CREATED_AT + 2,
    group: 'family:web',
    launchType: 'EC2',
    enableExecuteCommand: false,
    ...overrides,
  };
}

const HANDLERS: Record<string, Handler> = {
  ListClusters(req) {
    const size = Number(req.maxResults) || 2;
    const start = req.nextToken ? Number(req.nextToken) : 0;
    const end = Math.min(start + size, CLUSTER_ARNS.length);
    return { clusterArns: CLUSTER_ARNS.slice(start, end), ...(end < CLUSTER_ARNS.length ? { nextToken: String(end) } : {}) };
  },
  RunTask(req) {
    if (req.cluster === 'missing') {
      throw new EcsFault('ClusterNotFoundException', 'Cluster not found.', grpc.status.NOT_FOUND);
    }
    return { tasks: [task({ lastStatus: 'PROVISIONING', startedAt: undefined, overrides: req.overrides })], failures: [] };
  },
  DescribeTasks(req) {
    const tasks = (req.tasks as string[]).filter((t) => !t.startsWith('gone'));
    const failures = (req.tasks as string[]).filter((t) => t.startsWith('gone')).map((arn) => ({ arn, reason: 'MISSING' }));
    return { tasks: tasks.map(() => task()), failures };
  },
  DescribeContainerInstances() {
    return {
      containerInstances: [
        {
          containerInstanceArn: `${ACCOUNT_ARN}:container-instance/default/9f8e7d6c`,
          ec2InstanceId: 'host-1',
          version: 7,
          remainingResources: [{ name: 'CPU', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: 1792 }],
          registeredResources: [{ name: 'CPU', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: 2048 }],
          status: 'ACTIVE',
          agentConnected: true,
          runningTasksCount: 1,
          pendingTasksCount: 0,
          registeredAt: 1795312400,
        },
      ],
      failures: [],
    };
  },
  StopTask(req) {
    if (req.reason === 'hang') return HANG;
    return { task: task({ desiredStatus: 'STOPPED', stoppedReason: req.reason, stoppingAt: CREATED_AT + 60 }) };
  },
  RegisterTaskDefinition(req) {
    // Echo: the task definition is what the CLI sent, so tests see the request it built.
    return { taskDefinition: { ...req, taskDefinitionArn: `${ACCOUNT_ARN}:task-definition/${String(req.family)}:1`, revision: 1, status: 'ACTIVE' } };
  },
};

/** The poll of DescribeServices on which a new service's tasks are all running. */
export const STABLE_ON_POLL = 3;

export function serviceArn(cluster: string, name: string): string {
  return `${ACCOUNT_ARN}:service/${cluster}/${name}`;
}

interface FakeService {
  service: Record<string, unknown>;
  polls: number;
}

/** The services RPCs over one server's state (each fake control plane has its own services). */
function serviceHandlers(): Record<string, Handler> {
  const services = new Map<string, FakeService>();
  const clusterOf = (req: Record<string, unknown>) => (typeof req.cluster === 'string' && req.cluster ? req.cluster : 'default');
  const nameOf = (ref: string) => ref.split('/').pop()!;
  const key = (cluster: string, name: string) => `${cluster}/${nameOf(name)}`;
  const create = (cluster: string, req: Record<string, unknown>): Record<string, unknown> => {
    const desired = typeof req.desiredCount === 'number' ? req.desiredCount : 0;
    const td = String(req.taskDefinition || 'web');
    const taskDefinition = td.startsWith('arn:') ? td : `${ACCOUNT_ARN}:task-definition/${td.includes(':') ? td : `${td}:1`}`;
    return {
      serviceArn: serviceArn(cluster, String(req.serviceName)),
      serviceName: req.serviceName,
      clusterArn: `${ACCOUNT_ARN}:cluster/${cluster}`,
      status: 'ACTIVE',
      desiredCount: desired,
      runningCount: 0,
      pendingCount: desired,
      launchType: req.launchType || 'EC2',
      taskDefinition,
      deploymentConfiguration: req.deploymentConfiguration ?? { maximumPercent: 200, minimumHealthyPercent: 100 },
      deployments: [
        {
          id: 'ecs-svc/1234567890123456789',
          status: 'PRIMARY',
          taskDefinition,
          desiredCount: desired,
          pendingCount: desired,
          runningCount: 0,
          failedTasks: 0,
          createdAt: CREATED_AT,
          updatedAt: CREATED_AT,
          launchType: req.launchType || 'EC2',
          rolloutState: 'IN_PROGRESS',
          rolloutStateReason: 'ECS deployment ecs-svc/1234567890123456789 in progress.',
        },
      ],
      events: [],
      createdAt: CREATED_AT,
      placementConstraints: req.placementConstraints ?? [],
      placementStrategy: req.placementStrategy ?? [],
      schedulingStrategy: req.schedulingStrategy || 'REPLICA',
      deploymentController: req.deploymentController ?? { type: 'ECS' },
      tags: req.tags ?? [],
      createdBy: `arn:aws:iam::123456789012:user/ecsctl`,
      enableExecuteCommand: req.enableExecuteCommand ?? false,
      ...(req.propagateTags ? { propagateTags: req.propagateTags } : {}),
    };
  };
  const steady = (s: Record<string, unknown>) => {
    const [d] = s.deployments as Record<string, unknown>[];
    s.runningCount = s.desiredCount;
    s.pendingCount = 0;
    Object.assign(d!, { runningCount: s.desiredCount, pendingCount: 0, rolloutState: 'COMPLETED', rolloutStateReason: 'ECS deployment ecs-svc/1234567890123456789 completed.' });
    (s.events as unknown[]).unshift({ id: 'e1', createdAt: CREATED_AT + 30, message: `(service ${String(s.serviceName)}) has reached a steady state.` });
  };
  const draining = create('default', { serviceName: 'draining', desiredCount: 0 });
  draining.status = 'DRAINING';
  services.set(key('default', 'draining'), { service: draining, polls: 0 });

  return {
    CreateService(req) {
      const cluster = clusterOf(req);
      if (cluster === 'missing') throw new EcsFault('ClusterNotFoundException', 'Cluster not found.', grpc.status.NOT_FOUND);
      const service = create(cluster, req);
      services.set(key(cluster, String(req.serviceName)), { service, polls: 0 });
      return { service };
    },
    DescribeServices(req) {
      const cluster = clusterOf(req);
      if (cluster === 'missing') throw new EcsFault('ClusterNotFoundException', 'Cluster not found.', grpc.status.NOT_FOUND);
      const found: Record<string, unknown>[] = [];
      const failures: Record<string, unknown>[] = [];
      for (const ref of req.services as string[]) {
        const s = services.get(key(cluster, ref));
        if (!s) {
          failures.push({ arn: serviceArn(cluster, nameOf(ref)), reason: 'MISSING' });
          continue;
        }
        s.polls++;
        if (s.polls === STABLE_ON_POLL && s.service.status === 'ACTIVE') steady(s.service);
        found.push(s.service);
      }
      return { services: found, failures };
    },
    UpdateService(req) {
      const s = services.get(key(clusterOf(req), String(req.service)));
      if (!s) throw new EcsFault('ServiceNotFoundException', 'Service not found.', grpc.status.NOT_FOUND);
      if (typeof req.desiredCount === 'number') s.service.desiredCount = req.desiredCount;
      return { service: s.service };
    },
    DeleteService(req) {
      const s = services.get(key(clusterOf(req), String(req.service)));
      if (!s) throw new EcsFault('ServiceNotFoundException', 'Service not found.', grpc.status.NOT_FOUND);
      s.service.status = 'DRAINING';
      return { service: s.service };
    },
    ListServices(req) {
      const cluster = clusterOf(req);
      return { serviceArns: [...services.values()].map((s) => s.service.serviceArn).filter((a) => String(a).includes(`:service/${cluster}/`)) };
    },
  };
}

export async function startFakeControlPlane(port = 0): Promise<FakeControlPlane> {
  const service = loadProtos().cp.ecs.v1.EcsControlPlane.service;
  const requests: FakeControlPlane['requests'] = [];
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [rpc, handler] of Object.entries({ ...HANDLERS, ...serviceHandlers() })) {
    impl[rpc] = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      requests.push({ rpc, request: call.request });
      try {
        const response = handler(call.request);
        if (response !== HANG) callback(null, response);
      } catch (e) {
        if (!(e instanceof EcsFault)) throw e;
        const metadata = new grpc.Metadata();
        metadata.set(EXCEPTION_METADATA_KEY, e.exception);
        callback({ code: e.code, details: e.message, metadata });
      }
    };
  }
  const server = new grpc.Server();
  server.addService(service, impl);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port: bound,
    endpoint: `127.0.0.1:${bound}`,
    requests,
    close: async () => server.forceShutdown(),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cp = await startFakeControlPlane(Number(process.argv[2] ?? 0));
  console.log(`fake control plane on ${cp.endpoint}`);
}
