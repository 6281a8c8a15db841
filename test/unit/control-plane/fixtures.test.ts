// The request factories in fixtures.ts build exactly what @grpc/proto-loader decodes: each one's output
// survives a round trip through the real serializer and deserializer unchanged.
import t from 'tap';
import { loadProtos } from '../../../proto/index.js';
import {
  containerDefinition,
  containerOverride,
  containerStateChange,
  createClusterRequest,
  hostResources,
  listClustersRequest,
  listContainerInstancesRequest,
  listTaskDefinitionFamiliesRequest,
  listTaskDefinitionsRequest,
  listTasksRequest,
  portMapping,
  registerContainerInstanceRequest,
  registerTaskDefinitionRequest,
  runTaskRequest,
  seededRandom,
  stopTaskRequest,
  taskOverride,
  taskStateChange,
} from './fixtures.js';

interface Codec {
  requestSerialize(m: unknown): Buffer;
  requestDeserialize(b: Buffer): unknown;
}

function method(service: string, name: string): Codec {
  const { packageDefinition } = loadProtos();
  return (packageDefinition[service] as unknown as Record<string, Codec>)[name];
}

function roundTrip(service: string, name: string, msg: unknown): unknown {
  const m = method(service, name);
  return m.requestDeserialize(m.requestSerialize(msg));
}

const CP = 'ecs.v1.EcsControlPlane';

const cases: { name: string; method: string; service?: string; msg: unknown }[] = [
  { name: 'CreateClusterRequest, empty', method: 'CreateCluster', msg: createClusterRequest() },
  {
    name: 'CreateClusterRequest, named with settings',
    method: 'CreateCluster',
    msg: createClusterRequest({ clusterName: 'prod', settings: [{ name: 'containerInsights', value: 'enabled' }], tags: [{ key: 'k', value: 'v' }] }),
  },
  { name: 'RegisterTaskDefinitionRequest, minimal', method: 'RegisterTaskDefinition', msg: registerTaskDefinitionRequest() },
  {
    name: 'RegisterTaskDefinitionRequest, with ports and task sizes',
    method: 'RegisterTaskDefinition',
    msg: registerTaskDefinitionRequest({
      cpu: '256',
      memory: '512',
      networkMode: 'bridge',
      containerDefinitions: [
        containerDefinition({ portMappings: [portMapping({ hostPort: 8080, protocol: 'tcp' })], essential: true }),
        containerDefinition({ name: 'side', memory: undefined, memoryReservation: 64 }),
      ],
    }),
  },
  { name: 'RunTaskRequest, minimal', method: 'RunTask', msg: runTaskRequest() },
  {
    name: 'RunTaskRequest, with overrides',
    method: 'RunTask',
    msg: runTaskRequest({
      cluster: 'prod',
      count: 3,
      startedBy: 'me',
      group: 'g',
      overrides: taskOverride({ memory: '1024', containerOverrides: [containerOverride({ command: ['sleep', '1'], memory: 64 })] }),
    }),
  },
  { name: 'StopTaskRequest', method: 'StopTask', msg: stopTaskRequest({ task: 'abc', reason: 'because' }) },
  { name: 'ListTasksRequest, empty', method: 'ListTasks', msg: listTasksRequest() },
  { name: 'ListTasksRequest, filters', method: 'ListTasks', msg: listTasksRequest({ family: 'web', desiredStatus: 'STOPPED', maxResults: 0 }) },
  { name: 'ListClustersRequest', method: 'ListClusters', msg: listClustersRequest({ maxResults: 5 }) },
  { name: 'ListContainerInstancesRequest', method: 'ListContainerInstances', msg: listContainerInstancesRequest({ status: 'DRAINING' }) },
  { name: 'ListTaskDefinitionsRequest', method: 'ListTaskDefinitions', msg: listTaskDefinitionsRequest({ sort: 'DESC', familyPrefix: 'w' }) },
  {
    name: 'ListTaskDefinitionFamiliesRequest',
    method: 'ListTaskDefinitionFamilies',
    msg: listTaskDefinitionFamiliesRequest({ status: 'ALL', nextToken: 'x' }),
  },
  {
    name: 'RegisterContainerInstanceRequest',
    service: 'ecs.v1.AgentService',
    method: 'RegisterContainerInstance',
    msg: registerContainerInstanceRequest({ totalResources: hostResources({ udpPorts: [53] }) }),
  },
  {
    name: 'RegisterContainerInstanceRequest, re-registering',
    service: 'ecs.v1.AgentService',
    method: 'RegisterContainerInstance',
    msg: registerContainerInstanceRequest({
      containerInstanceArn: 'arn:aws:ecs:us-east-1:123456789012:container-instance/default/abc',
      versionInfo: { agentVersion: '1.0.0' },
      attributes: [{ name: 'stack', value: 'blue' }],
    }),
  },
];

t.test('request factories build what proto-loader decodes', async (t) => {
  for (const c of cases) {
    t.strictSame(roundTrip(c.service ?? CP, c.method, c.msg), c.msg, c.name);
  }
});

t.test('task state changes (inside an AgentMessage) decode as the factory builds them', async (t) => {
  const change = taskStateChange({
    taskArn: 'arn:x',
    status: 'STOPPED',
    reason: 'Essential container in task exited',
    stopCode: 'EssentialContainerExited',
    executionStoppedAt: 12.5,
    seq: 7,
    containers: [
      containerStateChange({ status: 'STOPPED', exitCode: 0, networkBindings: [{ bindIp: '0.0.0.0', containerPort: 80, hostPort: 32768, protocol: 'tcp' }] }),
    ],
  });
  const decoded = roundTrip('ecs.v1.AgentService', 'Session', { taskStateChange: change }) as { taskStateChange: unknown };
  t.strictSame(decoded.taskStateChange, change);
});

t.test('the seeded random source is deterministic and uniform in [0, 1)', async (t) => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const xs = Array.from({ length: 1000 }, () => a());
  t.strictSame(
    Array.from({ length: 1000 }, () => b()),
    xs,
  );
  t.ok(xs.every((x) => x >= 0 && x < 1));
  t.notSame(seededRandom(8)(), xs[0]);
});
