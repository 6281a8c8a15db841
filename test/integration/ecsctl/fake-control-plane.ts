// A real in-process grpc-js server implementing a few EcsControlPlane RPCs with canned, ECS-shaped
// answers: enough for ecsctl to be driven end to end (errors with x-ecs-exception, a list paginating
// over two pages, timestamps, doubles, echo of the request it received).
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

export async function startFakeControlPlane(port = 0): Promise<FakeControlPlane> {
  const service = loadProtos().cp.ecs.v1.EcsControlPlane.service;
  const requests: FakeControlPlane['requests'] = [];
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [rpc, handler] of Object.entries(HANDLERS)) {
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
