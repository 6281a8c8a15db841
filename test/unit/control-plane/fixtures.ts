// Test fixtures for the control plane: an in-process Context (in-memory SQLite store, fake clock, seeded
// random, recording AgentNotifier, silent logger), one factory per decoded request type, record builders for
// the pure domain functions, and a few "world" helpers (register an instance, a task definition).
//
// Request factories build objects the way @grpc/proto-loader decodes them with {defaults: true, arrays: true}:
// repeated fields are arrays, maps are {}, non-optional scalars have their zero value, proto3 `optional`
// fields are absent (the key is missing, not `undefined`), and non-optional message fields are null when
// absent. Passing `undefined` for a key in `over` removes it. fixtures.test.ts checks every factory against
// the real decoder.
import fc from 'fast-check';
import pino from 'pino';
import type { Attribute__Output } from '../../../proto/gen/ecs/v1/Attribute.js';
import type { Container__Output } from '../../../proto/gen/ecs/v1/Container.js';
import type { ContainerDefinition__Output } from '../../../proto/gen/ecs/v1/ContainerDefinition.js';
import type { ContainerOverride__Output } from '../../../proto/gen/ecs/v1/ContainerOverride.js';
import type { ContainerStateChange__Output } from '../../../proto/gen/ecs/v1/ContainerStateChange.js';
import type { CreateClusterRequest__Output } from '../../../proto/gen/ecs/v1/CreateClusterRequest.js';
import type { ListClustersRequest__Output } from '../../../proto/gen/ecs/v1/ListClustersRequest.js';
import type { ListContainerInstancesRequest__Output } from '../../../proto/gen/ecs/v1/ListContainerInstancesRequest.js';
import type { ListTaskDefinitionFamiliesRequest__Output } from '../../../proto/gen/ecs/v1/ListTaskDefinitionFamiliesRequest.js';
import type { ListTaskDefinitionsRequest__Output } from '../../../proto/gen/ecs/v1/ListTaskDefinitionsRequest.js';
import type { ListTasksRequest__Output } from '../../../proto/gen/ecs/v1/ListTasksRequest.js';
import type { PortMapping__Output } from '../../../proto/gen/ecs/v1/PortMapping.js';
import type { RegisterContainerInstanceRequest__Output } from '../../../proto/gen/ecs/v1/RegisterContainerInstanceRequest.js';
import type { RegisterTaskDefinitionRequest__Output } from '../../../proto/gen/ecs/v1/RegisterTaskDefinitionRequest.js';
import type { RunTaskRequest__Output } from '../../../proto/gen/ecs/v1/RunTaskRequest.js';
import type { StopTaskRequest__Output } from '../../../proto/gen/ecs/v1/StopTaskRequest.js';
import type { Task__Output } from '../../../proto/gen/ecs/v1/Task.js';
import type { TaskOverride__Output } from '../../../proto/gen/ecs/v1/TaskOverride.js';
import type { TaskStateChange__Output } from '../../../proto/gen/ecs/v1/TaskStateChange.js';
import type { ArnScope } from '../../../control-plane/src/domain/arn.js';
import { EcsError } from '../../../control-plane/src/domain/errors.js';
import { integerResource, stringSetResource, type Remaining } from '../../../control-plane/src/domain/instance-resources.js';
import type { InstanceRecord, TaskRecord, TaskResourceNeeds } from '../../../control-plane/src/domain/records.js';
import { registerContainerInstance, setAgentConnected } from '../../../control-plane/src/services/agents.js';
import { NO_SCHEDULER, type AgentNotifier, type Context } from '../../../control-plane/src/services/context.js';
import { registerTaskDefinition } from '../../../control-plane/src/services/task-definitions.js';
import { SqliteStore } from '../../../control-plane/src/store/sqlite-store.js';
export { seededRandom } from '../../helpers/random.js';
import { seededRandom } from '../../helpers/random.js';

// ---------------------------------------------------------------------------------------------------------
// Context

export const SCOPE: ArnScope = { region: 'us-east-1', account: '123456789012' };
export const T0 = 1_700_000_000;

/** A clock that only moves when told to. Epoch seconds, like Context.now. */
export class FakeClock {
  constructor(public t = T0) {}
  readonly now = (): number => this.t;
  advance(seconds: number): void {
    this.t += seconds;
  }
}


/** An AgentNotifier that remembers every call. */
export class RecordingNotifier implements AgentNotifier {
  readonly changed: TaskRecord[] = [];
  readonly deregistered: string[] = [];
  taskChanged(task: TaskRecord): void {
    this.changed.push(task);
  }
  instanceDeregistered(instanceArn: string): void {
    this.deregistered.push(instanceArn);
  }
}

export interface TestContext {
  ctx: Context;
  store: SqliteStore;
  clock: FakeClock;
  notifier: RecordingNotifier;
  close(): void;
}

export function testContext(opts: { seed?: number; now?: number; store?: SqliteStore } = {}): TestContext {
  const store = opts.store ?? new SqliteStore(':memory:');
  const clock = new FakeClock(opts.now ?? T0);
  const notifier = new RecordingNotifier();
  const ctx: Context = {
    store,
    scope: SCOPE,
    now: clock.now,
    random: seededRandom(opts.seed ?? 42),
    agents: notifier,
    scheduler: NO_SCHEDULER,
    log: pino({ level: 'silent' }),
  };
  return { ctx, store, clock, notifier, close: () => store.close() };
}

// ---------------------------------------------------------------------------------------------------------
// Errors

/** The part of a tap test that the helpers below use. */
export interface Asserts {
  ok(value: unknown, message: string): unknown;
}

/** Calls fn and returns what it threw (undefined when it did not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/**
 * Asserts fn throws the ECS exception `code` (or one of several, where the choice belongs to code another
 * suite pins down), and that the message contains every fragment.
 */
export function throwsEcs(t: Asserts, fn: () => unknown, code: string | string[], fragments: string[] = []): EcsError | undefined {
  const err = thrown(fn);
  const isEcs = err instanceof EcsError;
  t.ok(isEcs, `throws an ECS exception, got ${String(err)}`);
  if (!isEcs) return undefined;
  const codes = Array.isArray(code) ? code : [code];
  t.ok(codes.includes(err.code), `exception is ${codes.join(' or ')}: got ${err.code} (message: ${err.message})`);
  for (const f of fragments) t.ok(err.message.includes(f), `message names ${JSON.stringify(f)}: ${err.message}`);
  return err;
}

// ---------------------------------------------------------------------------------------------------------
// Request factories (decoded shapes)

/** Drops keys whose value is undefined, as proto-loader leaves unset optional fields absent. */
export function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function createClusterRequest(over: Partial<CreateClusterRequest__Output> = {}): CreateClusterRequest__Output {
  return compact({ tags: [], settings: [], ...over });
}

export function portMapping(over: Partial<PortMapping__Output> = {}): PortMapping__Output {
  return compact({ containerPort: 80, ...over });
}

export function containerDefinition(over: Partial<ContainerDefinition__Output> = {}): ContainerDefinition__Output {
  return compact({
    name: 'web',
    image: 'busybox',
    cpu: 0,
    memory: 128,
    links: [],
    portMappings: [],
    entryPoint: [],
    command: [],
    environment: [],
    mountPoints: [],
    dockerLabels: {},
    ulimits: [],
    dependsOn: [],
    dnsServers: [],
    ...over,
  });
}

export function registerTaskDefinitionRequest(
  over: Partial<RegisterTaskDefinitionRequest__Output> = {},
): RegisterTaskDefinitionRequest__Output {
  return compact({
    family: 'web',
    containerDefinitions: [containerDefinition()],
    volumes: [],
    placementConstraints: [],
    requiresCompatibilities: [],
    tags: [],
    ...over,
  });
}

export function containerOverride(over: Partial<ContainerOverride__Output> = {}): ContainerOverride__Output {
  return compact({ name: 'web', command: [], environment: [], ...over });
}

export function taskOverride(over: Partial<TaskOverride__Output> = {}): TaskOverride__Output {
  return compact({ containerOverrides: [], ...over });
}

export function runTaskRequest(over: Partial<RunTaskRequest__Output> = {}): RunTaskRequest__Output {
  return compact({ taskDefinition: 'web', placementConstraints: [], placementStrategy: [], tags: [], ...over });
}

export function stopTaskRequest(over: Partial<StopTaskRequest__Output> = {}): StopTaskRequest__Output {
  return compact({ task: '', ...over });
}

export function listTasksRequest(over: Partial<ListTasksRequest__Output> = {}): ListTasksRequest__Output {
  return compact({ ...over });
}

export function listClustersRequest(over: Partial<ListClustersRequest__Output> = {}): ListClustersRequest__Output {
  return compact({ ...over });
}

export function listContainerInstancesRequest(
  over: Partial<ListContainerInstancesRequest__Output> = {},
): ListContainerInstancesRequest__Output {
  return compact({ ...over });
}

export function listTaskDefinitionsRequest(over: Partial<ListTaskDefinitionsRequest__Output> = {}): ListTaskDefinitionsRequest__Output {
  return compact({ ...over });
}

export function listTaskDefinitionFamiliesRequest(
  over: Partial<ListTaskDefinitionFamiliesRequest__Output> = {},
): ListTaskDefinitionFamiliesRequest__Output {
  return compact({ ...over });
}

export interface HostResources {
  cpu?: number;
  memory?: number;
  /** Reserved TCP ports (ECS's registered PORTS). */
  ports?: number[];
  udpPorts?: number[];
}

export function hostResources(r: HostResources = {}) {
  return [
    integerResource('CPU', r.cpu ?? 1024),
    integerResource('MEMORY', r.memory ?? 2048),
    stringSetResource('PORTS', (r.ports ?? [22, 2375, 2376, 51678, 51679]).map(String)),
    stringSetResource('PORTS_UDP', (r.udpPorts ?? []).map(String)),
  ];
}

export function registerContainerInstanceRequest(
  over: Partial<RegisterContainerInstanceRequest__Output> = {},
): RegisterContainerInstanceRequest__Output {
  return compact({
    cluster: '',
    instanceId: 'host-1',
    totalResources: hostResources(),
    versionInfo: null,
    attributes: [],
    tags: [],
    ...over,
  });
}

export function containerStateChange(over: Partial<ContainerStateChange__Output> = {}): ContainerStateChange__Output {
  return compact({ name: 'web', status: 'RUNNING', networkBindings: [], ...over });
}

export function taskStateChange(over: Partial<TaskStateChange__Output> = {}): TaskStateChange__Output {
  return compact({ messageId: '', taskArn: '', status: 'RUNNING', containers: [], reportedAt: 0, seq: 1, ...over });
}

// ---------------------------------------------------------------------------------------------------------
// Record builders for the pure domain functions

export const INSTANCE_ARN = `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}:container-instance/default/0123456789abcdef0123456789abcdef`;
export const TASK_ARN = `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}:task/default/fedcba9876543210fedcba9876543210`;

export function container(over: Partial<Container__Output> = {}): Container__Output {
  return compact({
    containerArn: `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}:container/default/fedcba9876543210fedcba9876543210/c1`,
    taskArn: TASK_ARN,
    name: 'web',
    lastStatus: 'PENDING',
    networkBindings: [],
    managedAgents: [],
    ...over,
  });
}

export function taskRecord(
  over: { task?: Partial<Task__Output>; needs?: Partial<TaskResourceNeeds>; reportSeq?: number; arn?: string } = {},
): TaskRecord {
  const arn = over.arn ?? TASK_ARN;
  const task: Task__Output = compact({
    taskArn: arn,
    clusterArn: `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}:cluster/default`,
    taskDefinitionArn: `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}:task-definition/web:1`,
    containerInstanceArn: INSTANCE_ARN,
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    containers: [container({ taskArn: arn })],
    version: 1,
    createdAt: T0,
    attributes: [],
    tags: [],
    enableExecuteCommand: false,
    ...over.task,
  });
  return {
    arn,
    id: arn.split('/').pop()!,
    cluster: 'default',
    family: 'web',
    revision: 1,
    task,
    containers: [containerDefinition()],
    networkMode: 'bridge',
    needs: { cpu: 0, memory: 128, tcpPorts: [], udpPorts: [], ...over.needs },
    volumes: [],
    reportSeq: over.reportSeq ?? 0,
  };
}

export function instanceRecord(over: Partial<InstanceRecord> & { resources?: HostResources } = {}): InstanceRecord {
  const { resources, ...rest } = over;
  return {
    arn: INSTANCE_ARN,
    id: INSTANCE_ARN.split('/').pop()!,
    cluster: 'default',
    instanceId: 'host-1',
    status: 'ACTIVE',
    registeredAt: T0,
    registeredResources: hostResources(resources),
    attributes: [],
    versionInfo: {},
    tags: [],
    agentConnected: true,
    version: 1,
    ...rest,
  };
}

export function remainingOf(r: Partial<{ cpu: number; memory: number; tcpPorts: number[]; udpPorts: number[] }> = {}): Remaining {
  return {
    cpu: r.cpu ?? 1024,
    memory: r.memory ?? 2048,
    tcpPorts: new Set(r.tcpPorts ?? []),
    udpPorts: new Set(r.udpPorts ?? []),
  };
}

export function needsOf(n: Partial<TaskResourceNeeds> = {}): TaskResourceNeeds {
  return { cpu: n.cpu ?? 0, memory: n.memory ?? 0, tcpPorts: n.tcpPorts ?? [], udpPorts: n.udpPorts ?? [] };
}

// ---------------------------------------------------------------------------------------------------------
// World helpers (through the real services)

export interface InstanceSpec extends HostResources {
  cluster?: string;
  instanceId?: string;
  connected?: boolean;
  attributes?: Attribute__Output[];
}

/** Registers a container instance through the agent service and marks its agent connected. Returns its ARN. */
export function addInstance(ctx: Context, spec: InstanceSpec = {}): string {
  const res = registerContainerInstance(
    ctx,
    registerContainerInstanceRequest({
      cluster: spec.cluster ?? '',
      instanceId: spec.instanceId ?? `host-${Math.floor(ctx.random() * 1e9)}`,
      totalResources: hostResources(spec),
      attributes: spec.attributes ?? [],
    }),
  );
  const arn = res.containerInstance.containerInstanceArn;
  if (spec.connected ?? true) setAgentConnected(ctx, arn, true);
  return arn;
}

/** Registers a one-container task definition. Returns its ARN. */
export function addTaskDefinition(
  ctx: Context,
  family = 'web',
  c: Partial<ContainerDefinition__Output> = {},
  over: Partial<RegisterTaskDefinitionRequest__Output> = {},
): string {
  const res = registerTaskDefinition(
    ctx,
    registerTaskDefinitionRequest({ family, containerDefinitions: [containerDefinition(c)], ...over }),
  );
  return res.taskDefinition!.taskDefinitionArn;
}

// ---------------------------------------------------------------------------------------------------------
// Property tests

/** Runs a fast-check property inside a tap test: a counterexample fails the test, success is one assertion. */
export function holds<Ts>(t: { pass(message: string): unknown }, property: fc.IProperty<Ts>, params: fc.Parameters<Ts> = {}): void {
  fc.assert(property, params);
  t.pass(`holds for ${params.numRuns ?? 100} runs`);
}
