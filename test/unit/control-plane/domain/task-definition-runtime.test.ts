// applyOverrides (RunTask container overrides) and taskResourceNeeds (what placement must find for one task).
import t from 'tap';
import type { ContainerDefinition__Output } from '../../../../proto/gen/ecs/v1/ContainerDefinition.js';
import type { ContainerOverride__Output } from '../../../../proto/gen/ecs/v1/ContainerOverride.js';
import type { TaskOverride__Output } from '../../../../proto/gen/ecs/v1/TaskOverride.js';
import { ClientException, InvalidParameterException } from '../../../../control-plane/src/domain/errors.js';
import {
  applyOverrides,
  taskResourceNeeds,
  validateTaskDefinition,
} from '../../../../control-plane/src/domain/task-definition.js';

type Container = ContainerDefinition__Output;

function container(over: Partial<Container> = {}): Container {
  const c: Container = {
    name: 'web', image: 'nginx', cpu: 0, memory: 128, links: [], portMappings: [], entryPoint: [], command: [],
    environment: [], mountPoints: [], dockerLabels: {}, ulimits: [], dependsOn: [], dnsServers: [], ...over,
  };
  for (const k of Object.keys(c) as (keyof Container)[]) if (c[k] === undefined) delete c[k];
  return c;
}

function override(o: Partial<ContainerOverride__Output>): ContainerOverride__Output {
  return { command: [], environment: [], ...o };
}

function taskOverride(...containerOverrides: ContainerOverride__Output[]): TaskOverride__Output {
  return { containerOverrides };
}

interface Asserts { ok(value: unknown, message: string): unknown }

function rejects(t: Asserts, fn: () => unknown, cls: typeof InvalidParameterException | typeof ClientException, fragments: string[]): void {
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

const base = (): Container[] => [
  container({ name: 'app', command: ['serve'], environment: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], cpu: 256, memory: 512, memoryReservation: 256 }),
  container({ name: 'sidecar', command: ['tail'], cpu: 128, memory: 64 }),
];

t.test('applyOverrides', async (t) => {
  t.test('no overrides (null, undefined, empty) returns equal copies', async (t) => {
    for (const o of [null, undefined, taskOverride()]) {
      const containers = base();
      const out = applyOverrides(containers, o);
      t.strictSame(out, containers);
      t.not(out[0], containers[0]);
      t.not(out[0].environment, containers[0].environment);
    }
  });

  t.test('command replaces the command of the named container only', async (t) => {
    const out = applyOverrides(base(), taskOverride(override({ name: 'app', command: ['migrate', '--yes'] })));
    t.strictSame(out[0].command, ['migrate', '--yes']);
    t.strictSame(out[1].command, ['tail']);
  });

  t.test('an empty command override keeps the definition\'s command', async (t) => {
    t.strictSame(applyOverrides(base(), taskOverride(override({ name: 'app' })))[0].command, ['serve']);
  });

  t.test('environment merges by name: the override wins and new names are appended', async (t) => {
    const out = applyOverrides(base(), taskOverride(override({ name: 'app', environment: [{ name: 'C', value: '3' }, { name: 'A', value: 'one' }] })));
    t.strictSame(out[0].environment, [{ name: 'A', value: 'one' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }]);
  });

  t.test('cpu, memory and memoryReservation replace', async (t) => {
    const out = applyOverrides(base(), taskOverride(override({ name: 'sidecar', cpu: 0, memory: 1024, memoryReservation: 512 })));
    t.equal(out[1].cpu, 0);
    t.equal(out[1].memory, 1024);
    t.equal(out[1].memoryReservation, 512);
    t.equal(out[0].memory, 512);
  });

  t.test('several overrides apply to their containers', async (t) => {
    const out = applyOverrides(base(), taskOverride(override({ name: 'app', cpu: 1 }), override({ name: 'sidecar', cpu: 2 })));
    t.strictSame(out.map((c) => c.cpu), [1, 2]);
  });

  t.test('the input containers are not mutated', async (t) => {
    const containers = base();
    const before = structuredClone(containers);
    applyOverrides(containers, taskOverride(override({ name: 'app', command: ['x'], environment: [{ name: 'A', value: 'z' }], memory: 600 })));
    t.strictSame(containers, before);
  });

  const rejected: { name: string; o: ContainerOverride__Output; fragments: string[] }[] = [
    { name: 'an override of a container not in the definition', o: override({ name: 'db', command: ['x'] }), fragments: ['Override for container named db is not a container in the TaskDefinition.'] },
    { name: 'an override without a name', o: override({ command: ['x'] }), fragments: ["'containerOverrides'", "'name'"] },
    { name: 'an environment override without a name', o: override({ name: 'app', environment: [{ name: '', value: 'x' }] }), fragments: ["'containerOverrides'", "'environment'"] },
    { name: 'a negative cpu', o: override({ name: 'app', cpu: -1 }), fragments: ["Invalid 'cpu' override for container 'app'."] },
    { name: 'memory of 4 MiB', o: override({ name: 'app', memory: 4 }), fragments: ["Invalid 'memory' override for container 'app'.", '6 MiB'] },
    { name: 'a memoryReservation of 0', o: override({ name: 'app', memoryReservation: 0 }), fragments: ["Invalid 'memoryReservation' override for container 'app'."] },
    { name: 'memory below the definition\'s memoryReservation', o: override({ name: 'app', memory: 200 }), fragments: ["'memory'", "'memoryReservation'", "'app'"] },
  ];
  for (const tc of rejected) {
    t.test(`rejects ${tc.name} with InvalidParameterException`, async (t) =>
      rejects(t, () => applyOverrides(base(), taskOverride(tc.o)), InvalidParameterException, tc.fragments));
  }
});

t.test('taskResourceNeeds', async (t) => {
  const cases: { name: string; td: { cpu?: string; memory?: string; networkMode?: string }; containers: Container[]; want: { cpu: number; memory: number; tcpPorts: number[]; udpPorts: number[] } }[] = [
    {
      name: 'the hello-server example: 384 cpu, 384 MiB, a dynamic port',
      td: {},
      containers: [container({ name: 'hello-server', cpu: 384, memory: 384, portMappings: [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }] })],
      want: { cpu: 384, memory: 384, tcpPorts: [], udpPorts: [] },
    },
    {
      name: 'task cpu and memory win over container sums',
      td: { cpu: '1024', memory: '2048' },
      containers: [container({ cpu: 10, memory: 100 })],
      want: { cpu: 1024, memory: 2048, tcpPorts: [], udpPorts: [] },
    },
    {
      name: 'task cpu and memory in ECS unit forms',
      td: { cpu: '0.5 vCPU', memory: '1 GB' },
      containers: [container()],
      want: { cpu: 512, memory: 1024, tcpPorts: [], udpPorts: [] },
    },
    {
      name: 'without task values: cpu sums, memory sums memoryReservation else memory',
      td: {},
      containers: [container({ name: 'a', cpu: 100, memory: 512, memoryReservation: 128 }), container({ name: 'b', cpu: 50, memory: 256 }), container({ name: 'c', memory: undefined, memoryReservation: 64 })],
      want: { cpu: 150, memory: 448, tcpPorts: [], udpPorts: [] },
    },
    {
      name: 'bridge: static host ports by protocol, sorted; dynamic ones and ranges left out',
      td: { networkMode: 'bridge' },
      containers: [
        container({ name: 'a', portMappings: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }, { containerPort: 82, hostPort: 0 }, { containerPort: 53, hostPort: 53, protocol: 'udp' }] }),
        container({ name: 'b', portMappings: [{ containerPort: 443, hostPort: 443, protocol: 'tcp' }, { containerPortRange: '9000-9010' }] }),
      ],
      want: { cpu: 0, memory: 256, tcpPorts: [443, 8080], udpPorts: [53] },
    },
    {
      name: 'no network mode means bridge',
      td: {},
      containers: [container({ portMappings: [{ containerPort: 80 }, { containerPort: 22, hostPort: 2222 }] })],
      want: { cpu: 0, memory: 128, tcpPorts: [2222], udpPorts: [] },
    },
    {
      name: 'host: containerPort is the host port, even when hostPort is absent',
      td: { networkMode: 'host' },
      containers: [container({ portMappings: [{ containerPort: 8080 }, { containerPort: 9090, hostPort: 9090, protocol: 'udp' }] })],
      want: { cpu: 0, memory: 128, tcpPorts: [8080], udpPorts: [9090] },
    },
    {
      name: 'none: no ports',
      td: { networkMode: 'none' },
      containers: [container()],
      want: { cpu: 0, memory: 128, tcpPorts: [], udpPorts: [] },
    },
  ];
  for (const tc of cases) t.test(tc.name, async (t) => t.strictSame(taskResourceNeeds(tc.td, tc.containers), tc.want));

  t.test('needs of a registered host-mode definition after overrides', async (t) => {
    const td = validateTaskDefinition({
      family: 'api', networkMode: 'host', cpu: '1 vCPU', volumes: [], placementConstraints: [], requiresCompatibilities: [], tags: [],
      containerDefinitions: [container({ name: 'api', cpu: 512, memory: 256, portMappings: [{ containerPort: 8080 }] })],
    });
    const containers = applyOverrides(td.containerDefinitions, taskOverride(override({ name: 'api', memory: 1024 })));
    t.strictSame(taskResourceNeeds(td, containers), { cpu: 1024, memory: 1024, tcpPorts: [8080], udpPorts: [] });
  });

  t.test('an invalid task cpu string is refused', async (t) =>
    rejects(t, () => taskResourceNeeds({ cpu: 'much' }, [container()]), ClientException, ["Invalid 'cpu' setting for task."]));
});
