// validateTaskDefinition: task-level rules and the rules that relate containers to each other.
// Requests are built the way @grpc/proto-loader decodes them (repeated fields always arrays, optional scalars
// absent, maps {}); the ECS "hello-server" example goes through the real proto-loader decoder.
import t from 'tap';
import type { RegisterTaskDefinitionRequest__Output } from '../../../../proto/gen/ecs/v1/RegisterTaskDefinitionRequest.js';
import type { ContainerDefinition__Output } from '../../../../proto/gen/ecs/v1/ContainerDefinition.js';
import type { RegisterTaskDefinitionRequest } from '../../../../proto/gen/ecs/v1/RegisterTaskDefinitionRequest.js';
import { loadProtos } from '../../../../proto/index.js';
import { ClientException, EcsError } from '../../../../control-plane/src/domain/errors.js';
import {
  COMPATIBILITIES,
  taskResourceNeeds,
  validateTaskDefinition,
} from '../../../../control-plane/src/domain/task-definition.js';

type Req = RegisterTaskDefinitionRequest__Output;
type Container = ContainerDefinition__Output;

/** A container as proto-loader decodes it; `undefined` in `over` means "absent" (the key is removed). */
function container(over: Partial<Container> = {}): Container {
  const c: Container = {
    name: 'web', image: 'nginx', cpu: 0, memory: 128, links: [], portMappings: [], entryPoint: [], command: [],
    environment: [], mountPoints: [], dockerLabels: {}, ulimits: [], dependsOn: [], dnsServers: [], ...over,
  };
  for (const k of Object.keys(c) as (keyof Container)[]) if (c[k] === undefined) delete c[k];
  return c;
}

function request(over: Partial<Req> = {}): Req {
  const r: Req = {
    family: 'web', containerDefinitions: [container()], volumes: [], placementConstraints: [],
    requiresCompatibilities: [], tags: [], ...over,
  };
  for (const k of Object.keys(r) as (keyof Req)[]) if (r[k] === undefined) delete r[k];
  return r;
}

/** Decodes a request object through the real proto-loader serializer/deserializer. */
function decode(msg: RegisterTaskDefinitionRequest): Req {
  const { packageDefinition } = loadProtos();
  const svc = packageDefinition['ecs.v1.EcsControlPlane'] as unknown as Record<
    string, { requestSerialize(m: unknown): Buffer; requestDeserialize(b: Buffer): unknown }
  >;
  const m = svc.RegisterTaskDefinition;
  return m.requestDeserialize(m.requestSerialize(msg)) as Req;
}

/** The part of a tap test that `rejects` uses. */
interface Asserts { ok(value: unknown, message: string): unknown }

function rejects(t: Asserts, fn: () => unknown, cls: new (m: string) => EcsError, fragments: string[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof cls, `throws ${cls.name}, got ${String(err)}`);
  const message = err instanceof Error ? err.message : '';
  for (const f of fragments) t.ok(message.includes(f), `message names ${f}: ${message}`);
}

t.test('the ECS hello-server example is accepted and needs 384 cpu, 384 MiB and no static ports', async (t) => {
  const req = decode({
    family: 'hello-server',
    containerDefinitions: [{
      name: 'hello-server', image: 'nginx', cpu: 384, memory: 384, essential: true,
      portMappings: [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }],
    }],
  });
  const td = validateTaskDefinition(req);
  t.equal(td.family, 'hello-server');
  t.equal(td.networkMode, 'bridge');
  t.strictSame(td.compatibilities, ['EC2', 'EXTERNAL']);
  t.strictSame(td.requiresCompatibilities, []);
  t.equal(td.containerDefinitions[0].essential, true);
  t.strictSame(td.containerDefinitions[0].portMappings, [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }]);
  t.strictSame(taskResourceNeeds(td, td.containerDefinitions), { cpu: 384, memory: 384, tcpPorts: [], udpPorts: [] });
});

t.test('a minimal decoded request defaults essential to true, protocol to tcp and leaves bridge hostPort absent', async (t) => {
  const td = validateTaskDefinition(decode({
    family: 'min', containerDefinitions: [{ name: 'a', image: 'busybox', memoryReservation: 64, portMappings: [{ containerPort: 8080 }] }],
  }));
  const c = td.containerDefinitions[0];
  t.equal(c.essential, true);
  t.strictSame(c.portMappings, [{ containerPort: 8080, protocol: 'tcp' }]);
  t.equal(td.cpu, undefined);
  t.equal(td.memory, undefined);
  t.equal('taskRoleArn' in td, false);
});

t.test('validation does not mutate the request', async (t) => {
  const req = request({ containerDefinitions: [container({ portMappings: [{ containerPort: 80 }] })], networkMode: 'host' });
  const before = structuredClone(req);
  validateTaskDefinition(req);
  t.strictSame(req, before);
});

t.test('compatibilities are always EC2 and EXTERNAL', async (t) => {
  t.strictSame(COMPATIBILITIES, ['EC2', 'EXTERNAL']);
  t.strictSame(validateTaskDefinition(request({ requiresCompatibilities: ['EXTERNAL'] })).compatibilities, ['EC2', 'EXTERNAL']);
});

t.test('accepted task-level settings', async (t) => {
  const cases: { name: string; req: Req; check: (td: ReturnType<typeof validateTaskDefinition>) => void }[] = [
    { name: 'family of 255 letters, digits, hyphens and underscores', req: request({ family: `a-_9${'x'.repeat(251)}` }), check: (td) => t.equal(td.family.length, 255) },
    { name: 'networkMode absent means bridge', req: request(), check: (td) => t.equal(td.networkMode, 'bridge') },
    { name: 'networkMode empty means bridge', req: request({ networkMode: '' }), check: (td) => t.equal(td.networkMode, 'bridge') },
    { name: 'networkMode host', req: request({ networkMode: 'host' }), check: (td) => t.equal(td.networkMode, 'host') },
    { name: 'networkMode none', req: request({ networkMode: 'none' }), check: (td) => t.equal(td.networkMode, 'none') },
    { name: 'requiresCompatibilities EC2 and EXTERNAL, deduplicated', req: request({ requiresCompatibilities: ['EC2', 'EXTERNAL', 'EC2'] }), check: (td) => t.strictSame(td.requiresCompatibilities, ['EC2', 'EXTERNAL']) },
    { name: 'cpu "1024" stays 1024', req: request({ cpu: '1024' }), check: (td) => t.equal(td.cpu, '1024') },
    { name: 'cpu "1 vCPU" becomes 1024', req: request({ cpu: '1 vCPU' }), check: (td) => t.equal(td.cpu, '1024') },
    { name: 'cpu "0.5 vcpu" becomes 512', req: request({ cpu: '0.5 vcpu' }), check: (td) => t.equal(td.cpu, '512') },
    { name: 'cpu "2vCPU" becomes 2048', req: request({ cpu: '2vCPU' }), check: (td) => t.equal(td.cpu, '2048') },
    { name: 'cpu "0.125 vCPU" (the minimum) becomes 128', req: request({ cpu: '0.125 vCPU' }), check: (td) => t.equal(td.cpu, '128') },
    { name: 'cpu "196608" (the maximum) stays', req: request({ cpu: '196608' }), check: (td) => t.equal(td.cpu, '196608') },
    { name: 'memory "512" stays 512', req: request({ memory: '512' }), check: (td) => t.equal(td.memory, '512') },
    { name: 'memory "2 GB" becomes 2048', req: request({ memory: '2 GB' }), check: (td) => t.equal(td.memory, '2048') },
    { name: 'memory "1GB" becomes 1024', req: request({ memory: '1GB' }), check: (td) => t.equal(td.memory, '1024') },
    { name: 'memory "0.5 gb" becomes 512', req: request({ memory: '0.5 gb' }), check: (td) => t.equal(td.memory, '512') },
    { name: 'task roles are kept', req: request({ taskRoleArn: 'arn:aws:iam::1:role/t', executionRoleArn: 'arn:aws:iam::1:role/e' }), check: (td) => { t.equal(td.taskRoleArn, 'arn:aws:iam::1:role/t'); t.equal(td.executionRoleArn, 'arn:aws:iam::1:role/e'); } },
    { name: 'pidMode task and ipcMode none', req: request({ pidMode: 'task', ipcMode: 'none' }), check: (td) => { t.equal(td.pidMode, 'task'); t.equal(td.ipcMode, 'none'); } },
    { name: 'pidMode host and ipcMode host', req: request({ pidMode: 'host', ipcMode: 'host' }), check: (td) => { t.equal(td.pidMode, 'host'); t.equal(td.ipcMode, 'host'); } },
    { name: 'volumes with and without a host sourcePath', req: request({ volumes: [{ name: 'data', host: { sourcePath: '/srv' } }, { name: 'scratch' }] }), check: (td) => t.equal(td.volumes.length, 2) },
    { name: 'a memberOf placement constraint', req: request({ placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.os-type == linux' }] }), check: (td) => t.equal(td.placementConstraints[0].type, 'memberOf') },
    { name: 'ten containers', req: request({ containerDefinitions: Array.from({ length: 10 }, (_, i) => container({ name: `c${i}` })) }), check: (td) => t.equal(td.containerDefinitions.length, 10) },
    { name: 'task memory alone, without container memory', req: request({ memory: '256', containerDefinitions: [container({ memory: undefined })] }), check: (td) => t.equal(td.containerDefinitions[0].memory, undefined) },
    { name: 'container memory equal to task memory', req: request({ memory: '128' }), check: (td) => t.equal(td.memory, '128') },
    { name: 'container cpu sum equal to task cpu', req: request({ cpu: '256', containerDefinitions: [container({ name: 'a', cpu: 128 }), container({ name: 'b', cpu: 128 })] }), check: (td) => t.equal(td.cpu, '256') },
    { name: 'reservation sum within task memory though hard limits exceed it', req: request({ memory: '256', containerDefinitions: [container({ name: 'a', memory: 200, memoryReservation: 128 }), container({ name: 'b', memory: 200, memoryReservation: 128 })] }), check: (td) => t.equal(td.memory, '256') },
  ];
  for (const tc of cases) {
    t.test(tc.name, async () => tc.check(validateTaskDefinition(tc.req)));
  }
});

t.test('rejected task-level settings are ClientExceptions naming the field', async (t) => {
  const cases: { name: string; req: Req; fragments: string[] }[] = [
    { name: 'family absent', req: request({ family: undefined }), fragments: ['Family can not be blank', "'family'"] },
    { name: 'family empty', req: request({ family: '' }), fragments: ['Family can not be blank'] },
    { name: 'family with a space', req: request({ family: 'my app' }), fragments: ['Family contains invalid characters', "'family'"] },
    { name: 'family with a colon', req: request({ family: 'web:1' }), fragments: ['Family contains invalid characters'] },
    { name: 'family of 256 characters', req: request({ family: 'x'.repeat(256) }), fragments: ["'family'", '255'] },
    { name: 'no containerDefinitions', req: request({ containerDefinitions: [] }), fragments: ['Container list cannot be empty', "'containerDefinitions'"] },
    { name: 'eleven containers', req: request({ containerDefinitions: Array.from({ length: 11 }, (_, i) => container({ name: `c${i}` })) }), fragments: ['Too many containers', "'containerDefinitions'"] },
    { name: 'networkMode awsvpc', req: request({ networkMode: 'awsvpc' }), fragments: ["'networkMode'", 'awsvpc', 'not supported'] },
    { name: 'networkMode unknown', req: request({ networkMode: 'overlay' }), fragments: ["'networkMode'", 'overlay'] },
    { name: 'networkMode in capitals', req: request({ networkMode: 'BRIDGE' }), fragments: ["'networkMode'"] },
    { name: 'requiresCompatibilities FARGATE', req: request({ requiresCompatibilities: ['EC2', 'FARGATE'] }), fragments: ["'requiresCompatibilities'", 'FARGATE', 'not supported'] },
    { name: 'requiresCompatibilities MANAGED_INSTANCES', req: request({ requiresCompatibilities: ['MANAGED_INSTANCES'] }), fragments: ["'requiresCompatibilities'", 'MANAGED_INSTANCES'] },
    { name: 'requiresCompatibilities unknown', req: request({ requiresCompatibilities: ['ec2'] }), fragments: ["'requiresCompatibilities'", "'ec2'"] },
    { name: 'cpu not a number', req: request({ cpu: 'lots' }), fragments: ["Invalid 'cpu' setting for task."] },
    { name: 'cpu below 128 units', req: request({ cpu: '127' }), fragments: ["Invalid 'cpu' setting for task.", '128'] },
    { name: 'cpu above 192 vCPU', req: request({ cpu: '193 vCPU' }), fragments: ["Invalid 'cpu' setting for task.", '196608'] },
    { name: 'cpu in fractional units', req: request({ cpu: '0.3 vCPU' }), fragments: ["Invalid 'cpu' setting for task."] },
    { name: 'cpu negative', req: request({ cpu: '-1024' }), fragments: ["Invalid 'cpu' setting for task."] },
    { name: 'cpu empty', req: request({ cpu: '' }), fragments: ["Invalid 'cpu' setting for task."] },
    { name: 'memory in MiB units (ECS takes an integer or GB)', req: request({ memory: '512 MiB' }), fragments: ["Invalid 'memory' setting for task."] },
    { name: 'memory zero', req: request({ memory: '0' }), fragments: ["Invalid 'memory' setting for task."] },
    { name: 'memory not a number', req: request({ memory: 'big' }), fragments: ["Invalid 'memory' setting for task."] },
    { name: 'pidMode unknown', req: request({ pidMode: 'container' }), fragments: ["'pidMode'"] },
    { name: 'ipcMode unknown', req: request({ ipcMode: 'shareable' }), fragments: ["'ipcMode'"] },
    { name: 'volume without a name', req: request({ volumes: [{ host: { sourcePath: '/srv' } }] }), fragments: ["'volumes'", "'name'"] },
    { name: 'volume name with a slash', req: request({ volumes: [{ name: 'a/b' }] }), fragments: ["'volumes'", 'a/b'] },
    { name: 'duplicate volume names', req: request({ volumes: [{ name: 'data' }, { name: 'data' }] }), fragments: ["'volumes'", "'data'"] },
    { name: 'placement constraint of type distinctInstance', req: request({ placementConstraints: [{ type: 'distinctInstance' }] }), fragments: ["'placementConstraints'", 'memberOf'] },
    { name: 'memberOf without an expression', req: request({ placementConstraints: [{ type: 'memberOf' }] }), fragments: ["'placementConstraints'", "'expression'"] },
    { name: 'eleven placement constraints', req: request({ placementConstraints: Array.from({ length: 11 }, () => ({ type: 'memberOf', expression: 'attribute:a == b' })) }), fragments: ["'placementConstraints'"] },
    { name: 'container cpu sum above task cpu', req: request({ cpu: '256', containerDefinitions: [container({ name: 'a', cpu: 200 }), container({ name: 'b', cpu: 100 })] }), fragments: ["The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'."] },
    { name: 'container hard memory above task memory', req: request({ memory: '256', containerDefinitions: [container({ memory: 512 })] }), fragments: ["The 'memory' setting for container 'web' is greater than for the task."] },
    { name: 'container reservation sum above task memory', req: request({ memory: '256', containerDefinitions: [container({ name: 'a', memory: undefined, memoryReservation: 200 }), container({ name: 'b', memory: undefined, memoryReservation: 100 })] }), fragments: ["The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'."] },
    { name: 'container hard memory sum above task memory', req: request({ memory: '256', containerDefinitions: [container({ name: 'a', memory: 200 }), container({ name: 'b', memory: 100 })] }), fragments: ["The sum of all container 'memory' values cannot be greater than the value of the task 'memory'."] },
  ];
  for (const tc of cases) {
    t.test(tc.name, async (t) => rejects(t, () => validateTaskDefinition(tc.req), ClientException, tc.fragments));
  }
});

t.test('container names', async (t) => {
  t.test('accepts names of letters, digits, hyphens and underscores up to 255', async (t) => {
    const td = validateTaskDefinition(request({ containerDefinitions: [container({ name: `A-b_9${'z'.repeat(250)}` })] }));
    t.equal(td.containerDefinitions[0].name?.length, 255);
  });
  const cases: { name: string; containers: Container[]; fragments: string[] }[] = [
    { name: 'absent', containers: [container({ name: undefined })], fragments: ['Container.name should not be null or empty', "'name'"] },
    { name: 'empty', containers: [container({ name: '' })], fragments: ['Container.name should not be null or empty'] },
    { name: 'with a space', containers: [container({ name: 'my web' })], fragments: ['Container.name contains invalid characters', "'my web'"] },
    { name: 'with a dot', containers: [container({ name: 'web.1' })], fragments: ['Container.name contains invalid characters'] },
    { name: 'longer than 255', containers: [container({ name: 'x'.repeat(256) })], fragments: ['Container.name contains invalid characters'] },
    { name: 'duplicated', containers: [container(), container()], fragments: ['Container names must be unique within a Task Definition.', "'web'"] },
  ];
  for (const tc of cases) {
    t.test(`rejects a name ${tc.name}`, async (t) =>
      rejects(t, () => validateTaskDefinition(request({ containerDefinitions: tc.containers })), ClientException, tc.fragments));
  }
});

t.test('essential containers', async (t) => {
  t.test('essential defaults to true', async (t) => {
    const td = validateTaskDefinition(request({ containerDefinitions: [container({ name: 'a', essential: false }), container({ name: 'b' })] }));
    t.strictSame(td.containerDefinitions.map((c) => c.essential), [false, true]);
  });
  t.test('rejects a task definition whose containers are all essential=false', async (t) =>
    rejects(t, () => validateTaskDefinition(request({ containerDefinitions: [container({ name: 'a', essential: false }), container({ name: 'b', essential: false })] })),
      ClientException, ["Task definition doesn't have any essential container.", "'essential'"]));
});

t.test('links', async (t) => {
  t.test('accepts links and aliases to containers of the task definition in bridge mode', async (t) => {
    const td = validateTaskDefinition(request({
      containerDefinitions: [container({ name: 'app', links: ['db', 'cache:redis'] }), container({ name: 'db' }), container({ name: 'cache' })],
    }));
    t.strictSame(td.containerDefinitions[0].links, ['db', 'cache:redis']);
  });
  const cases: { name: string; req: Req; fragments: string[] }[] = [
    { name: 'links in host mode', req: request({ networkMode: 'host', containerDefinitions: [container({ name: 'app', links: ['db'] }), container({ name: 'db' })] }), fragments: ['Links are not supported when networkMode=host.', "'links'"] },
    { name: 'links in none mode', req: request({ networkMode: 'none', containerDefinitions: [container({ name: 'app', links: ['db'] }), container({ name: 'db' })] }), fragments: ['Links are not supported when networkMode=none.'] },
    { name: 'a link to an unknown container', req: request({ containerDefinitions: [container({ name: 'app', links: ['db'] })] }), fragments: ["'links'", "'db'", 'same task definition'] },
    { name: 'a link to itself', req: request({ containerDefinitions: [container({ name: 'app', links: ['app'] })] }), fragments: ["'links'", 'itself'] },
    { name: 'a malformed link', req: request({ containerDefinitions: [container({ name: 'app', links: ['db:a:b'] }), container({ name: 'db' })] }), fragments: ["'links'", 'db:a:b'] },
    { name: 'a cycle of links', req: request({ containerDefinitions: [container({ name: 'a', links: ['b'] }), container({ name: 'b', links: ['a'] })] }), fragments: ['Container links should not have a cycle', "'links'"] },
  ];
  for (const tc of cases) t.test(`rejects ${tc.name}`, async (t) => rejects(t, () => validateTaskDefinition(tc.req), ClientException, tc.fragments));
});

t.test('dependsOn', async (t) => {
  t.test('accepts START, COMPLETE, SUCCESS and HEALTHY dependencies that exist', async (t) => {
    const td = validateTaskDefinition(request({
      containerDefinitions: [
        container({ name: 'app', dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }, { containerName: 'db', condition: 'HEALTHY' }, { containerName: 'log', condition: 'START' }, { containerName: 'mig', condition: 'COMPLETE' }] }),
        container({ name: 'init', essential: false }),
        container({ name: 'mig', essential: false }),
        container({ name: 'log' }),
        container({ name: 'db', healthCheck: { command: ['CMD', 'true'] } }),
      ],
    }));
    t.equal(td.containerDefinitions[0].dependsOn.length, 4);
  });
  const cases: { name: string; containers: Container[]; fragments: string[] }[] = [
    { name: 'an unknown container', containers: [container({ name: 'app', dependsOn: [{ containerName: 'db', condition: 'START' }] })], fragments: ["Cannot depend on container 'db' because it does not exist", "'dependsOn'"] },
    { name: 'itself', containers: [container({ name: 'app', dependsOn: [{ containerName: 'app', condition: 'START' }] })], fragments: ["'dependsOn'", 'itself'] },
    { name: 'an unknown condition', containers: [container({ name: 'app', dependsOn: [{ containerName: 'db', condition: 'READY' }] }), container({ name: 'db' })], fragments: ["'dependsOn'", "'condition'", 'READY'] },
    { name: 'SUCCESS of an essential container', containers: [container({ name: 'app', dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }] }), container({ name: 'init' })], fragments: ['A dependency container with SUCCESS or COMPLETE condition cannot be an essential container', "'dependsOn'"] },
    { name: 'COMPLETE of an essential container', containers: [container({ name: 'app', dependsOn: [{ containerName: 'init', condition: 'COMPLETE' }] }), container({ name: 'init', essential: true })], fragments: ['cannot be an essential container'] },
    { name: 'HEALTHY of a container without a health check', containers: [container({ name: 'app', dependsOn: [{ containerName: 'db', condition: 'HEALTHY' }] }), container({ name: 'db' })], fragments: ['HEALTHY', "'healthCheck'"] },
    { name: 'a cycle', containers: [container({ name: 'a', dependsOn: [{ containerName: 'b', condition: 'START' }] }), container({ name: 'b', dependsOn: [{ containerName: 'a', condition: 'START' }] })], fragments: ["'dependsOn'", 'cycle', 'a -> b -> a'] },
  ];
  for (const tc of cases) {
    t.test(`rejects a dependency on ${tc.name}`, async (t) =>
      rejects(t, () => validateTaskDefinition(request({ containerDefinitions: tc.containers })), ClientException, tc.fragments));
  }
});

t.test('host ports across the task', async (t) => {
  t.test('accepts the same host port for tcp and udp, and repeated dynamic ports', async (t) => {
    const td = validateTaskDefinition(request({
      containerDefinitions: [
        container({ name: 'a', portMappings: [{ containerPort: 53, hostPort: 53, protocol: 'tcp' }, { containerPort: 53, hostPort: 53, protocol: 'udp' }, { containerPort: 80 }] }),
        container({ name: 'b', portMappings: [{ containerPort: 80, hostPort: 0 }, { containerPort: 80 }] }),
      ],
    }));
    t.equal(td.containerDefinitions.length, 2);
  });
  const cases: { name: string; req: Req; fragments: string[] }[] = [
    { name: 'two containers on TCP host port 3000', req: request({ containerDefinitions: [container({ name: 'a', portMappings: [{ containerPort: 3000, hostPort: 3000 }] }), container({ name: 'b', portMappings: [{ containerPort: 80, hostPort: 3000, protocol: 'tcp' }] })] }), fragments: ["TCP host port '3000' is mapped multiple times in task.", "'hostPort'", "'b'"] },
    { name: 'one container twice on UDP host port 53', req: request({ containerDefinitions: [container({ portMappings: [{ containerPort: 53, hostPort: 53, protocol: 'udp' }, { containerPort: 54, hostPort: 53, protocol: 'udp' }] })] }), fragments: ["UDP host port '53' is mapped multiple times in task."] },
    { name: 'host mode: two containers on the same containerPort', req: request({ networkMode: 'host', containerDefinitions: [container({ name: 'a', portMappings: [{ containerPort: 80 }] }), container({ name: 'b', portMappings: [{ containerPort: 80 }] })] }), fragments: ["TCP host port '80' is mapped multiple times in task."] },
  ];
  for (const tc of cases) t.test(`rejects ${tc.name}`, async (t) => rejects(t, () => validateTaskDefinition(tc.req), ClientException, tc.fragments));
});
