// A container instance's remaining resources and task counters, derived from the tasks it holds.
import t from 'tap';
import fc from 'fast-check';
import {
  integerResource,
  remaining,
  remainingResources,
  resource,
  stringSetResource,
  taskCounts,
} from '../../../../control-plane/src/domain/instance-resources.js';
import { TASK_STATUSES } from '../../../../control-plane/src/domain/task-lifecycle.js';
import { holds, instanceRecord, INSTANCE_ARN, taskRecord } from '../fixtures.js';

const OTHER_INSTANCE = INSTANCE_ARN.replace(/[0-9a-f]{32}$/, 'ffffffffffffffffffffffffffffffff');

function task(n: number, lastStatus: string, needs: { cpu?: number; memory?: number; tcpPorts?: number[]; udpPorts?: number[] }, on = INSTANCE_ARN) {
  return taskRecord({
    arn: `arn:aws:ecs:us-east-1:123456789012:task/default/${String(n).padStart(32, '0')}`,
    task: { lastStatus, containerInstanceArn: on },
    needs,
  });
}

t.test('remaining subtracts the needs of every live task on the instance from what it registered', async (t) => {
  const inst = instanceRecord({ resources: { cpu: 2048, memory: 4096, ports: [22], udpPorts: [53] } });
  const r = remaining(inst, [
    task(1, 'RUNNING', { cpu: 256, memory: 512, tcpPorts: [8080] }),
    task(2, 'PROVISIONING', { cpu: 128, memory: 256, udpPorts: [5353] }),
    task(3, 'DEPROVISIONING', { cpu: 100, memory: 100 }),
  ]);
  t.equal(r.cpu, 2048 - 256 - 128 - 100);
  t.equal(r.memory, 4096 - 512 - 256 - 100);
  t.strictSame([...r.tcpPorts].sort((a, b) => a - b), [22, 8080]);
  t.strictSame([...r.udpPorts].sort((a, b) => a - b), [53, 5353]);
});

t.test('STOPPED tasks and tasks of other instances hold nothing', async (t) => {
  const inst = instanceRecord({ resources: { cpu: 1024, memory: 2048, ports: [] } });
  const r = remaining(inst, [
    task(1, 'STOPPED', { cpu: 512, memory: 512, tcpPorts: [80] }),
    task(2, 'RUNNING', { cpu: 512, memory: 512, tcpPorts: [81] }, OTHER_INSTANCE),
  ]);
  t.equal(r.cpu, 1024);
  t.equal(r.memory, 2048);
  t.equal(r.tcpPorts.size, 0);
});

t.test('remainingResources reports CPU and MEMORY left and the ports in use, sorted numerically', async (t) => {
  const inst = instanceRecord({ resources: { cpu: 1024, memory: 2048, ports: [2376, 22, 51678], udpPorts: [] } });
  const res = remainingResources(inst, [task(1, 'RUNNING', { cpu: 24, memory: 48, tcpPorts: [8080, 443], udpPorts: [53] })]);
  t.strictSame(
    res.map((r) => r.name),
    ['CPU', 'MEMORY', 'PORTS', 'PORTS_UDP'],
  );
  t.equal(resource(res, 'CPU')!.integerValue, 1000);
  t.equal(resource(res, 'CPU')!.type, 'INTEGER');
  t.equal(resource(res, 'MEMORY')!.integerValue, 2000);
  t.strictSame(resource(res, 'PORTS')!.stringSetValue, ['22', '443', '2376', '8080', '51678']);
  t.equal(resource(res, 'PORTS')!.type, 'STRINGSET');
  t.strictSame(resource(res, 'PORTS_UDP')!.stringSetValue, ['53']);
});

t.test('an instance that registered no PORTS_UDP or CPU resource counts them as empty / zero', async (t) => {
  const inst = instanceRecord({ registeredResources: [integerResource('MEMORY', 512), stringSetResource('PORTS', ['22', 'not-a-port'])] });
  const r = remaining(inst, []);
  t.equal(r.cpu, 0);
  t.equal(r.memory, 512);
  t.strictSame([...r.tcpPorts], [22], 'non-numeric port strings are ignored');
  t.equal(r.udpPorts.size, 0);
});

t.test('taskCounts counts RUNNING tasks as running and PROVISIONING/PENDING/ACTIVATING as pending', async (t) => {
  const table: [string, { running: number; pending: number }][] = [
    ['PROVISIONING', { running: 0, pending: 1 }],
    ['PENDING', { running: 0, pending: 1 }],
    ['ACTIVATING', { running: 0, pending: 1 }],
    ['RUNNING', { running: 1, pending: 0 }],
    ['DEACTIVATING', { running: 0, pending: 0 }],
    ['STOPPING', { running: 0, pending: 0 }],
    ['DEPROVISIONING', { running: 0, pending: 0 }],
    ['STOPPED', { running: 0, pending: 0 }],
  ];
  for (const [status, want] of table) t.strictSame(taskCounts([task(1, status, {})]), want, status);
  t.strictSame(taskCounts([task(1, 'RUNNING', {}), task(2, 'RUNNING', {}), task(3, 'PENDING', {})]), { running: 2, pending: 1 });
});

t.test('remaining CPU and memory are always registered minus the sum over live tasks on the instance', async (t) => {
  const taskArb = fc.record({
    status: fc.constantFrom(...TASK_STATUSES),
    cpu: fc.integer({ min: 0, max: 1024 }),
    memory: fc.integer({ min: 0, max: 1024 }),
    here: fc.boolean(),
  });
  holds(
    t,
    fc.property(fc.integer({ min: 0, max: 8192 }), fc.integer({ min: 0, max: 16384 }), fc.array(taskArb, { maxLength: 20 }), (cpu, memory, specs) => {
      const inst = instanceRecord({ resources: { cpu, memory } });
      const tasks = specs.map((s, i) => task(i, s.status, { cpu: s.cpu, memory: s.memory }, s.here ? INSTANCE_ARN : OTHER_INSTANCE));
      const live = specs.filter((s) => s.here && s.status !== 'STOPPED');
      const r = remaining(inst, tasks);
      return (
        r.cpu === cpu - live.reduce((a, s) => a + s.cpu, 0) && r.memory === memory - live.reduce((a, s) => a + s.memory, 0)
      );
    }),
  );
});
