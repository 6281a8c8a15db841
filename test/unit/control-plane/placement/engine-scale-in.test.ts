// chooseTasksToStop: when a service shrinks, which tasks go. It mirrors the strategies: spread stops from
// the most loaded bucket (keeping the spread balanced), binpack from the instance left with the most of
// the field, random from anywhere; tasks on instances that are not ACTIVE go first.
import t from 'tap';
import { chooseTasksToStop, DEFAULT_SERVICE_STRATEGY } from '../../../../control-plane/src/placement/engine.js';
import type { PlacementInstance, PlacementStrategySpec } from '../../../../control-plane/src/placement/types.js';
import { seededRandom } from '../fixtures.js';
import { AZ, GROUP, inst } from './engine-fixtures.js';

const zero = () => 0;

/** Instances and the group's tasks on them: `layout` maps an instance ARN to its number of tasks. */
function world(layout: Record<string, number>, over: Record<string, Parameters<typeof inst>[1]> = {}) {
  const instances: PlacementInstance[] = [];
  const tasks: { arn: string; instanceArn: string }[] = [];
  for (const [arn, n] of Object.entries(layout)) {
    instances.push(inst(arn, { taskGroups: n > 0 ? { [GROUP]: n } : {}, ...over[arn] }));
    for (let k = 0; k < n; k++) tasks.push({ arn: `${arn}/t${k}`, instanceArn: arn });
  }
  return { instances, tasks };
}

const onInstance = (arn: string) => arn.split('/')[0];

t.test('spread over instances: stop from the instance with the most tasks of the group', async (t) => {
  const { instances, tasks } = world({ a: 3, b: 1, c: 2 });
  const stopped = chooseTasksToStop(instances, tasks, [{ type: 'spread', field: 'instanceId' }], GROUP, 3, seededRandom(1));
  t.strictSame(stopped.map(onInstance).sort(), ['a', 'a', 'c'], 'a: 3 → 1, c: 2 → 1');
});

t.test('spread over zones (the default service strategy): keep the zones balanced, then the instances within', async (t) => {
  const zones = { a1: 'us-east-1a', a2: 'us-east-1a', b1: 'us-east-1b', c1: 'us-east-1c' } as Record<string, string>;
  const attrs = Object.fromEntries(Object.entries(zones).map(([arn, z]) => [arn, { attributes: { [AZ]: z } }]));
  const { instances, tasks } = world({ a1: 3, a2: 1, b1: 2, c1: 2 }, attrs);
  // Zone a has 4 (a1: 3, a2: 1), b and c 2 each. The first two come from a1 (zone a, then its busiest
  // instance); after five, one task is left per zone, and the last one taken from zone a was a tie
  // between a1 and a2 (one each), broken at random.
  const table: { count: number; expected: Record<string, number>[] }[] = [
    { count: 1, expected: [{ a1: 1 }] },
    { count: 2, expected: [{ a1: 2 }] },
    { count: 5, expected: [{ a1: 2, a2: 1, b1: 1, c1: 1 }, { a1: 3, b1: 1, c1: 1 }] },
  ];
  for (const row of table) {
    const stopped = chooseTasksToStop(instances, tasks, DEFAULT_SERVICE_STRATEGY, GROUP, row.count, seededRandom(row.count));
    const byInstance: Record<string, number> = {};
    for (const s of stopped) byInstance[onInstance(s)] = (byInstance[onInstance(s)] ?? 0) + 1;
    const zone: Record<string, number> = {};
    for (const task of tasks) if (!stopped.includes(task.arn)) zone[zones[onInstance(task.arn)]] = (zone[zones[onInstance(task.arn)]] ?? 0) + 1;
    if (row.count === 5) t.strictSame(zone, { 'us-east-1a': 1, 'us-east-1b': 1, 'us-east-1c': 1 }, 'one task left per zone');
    t.ok(row.expected.some((e) => JSON.stringify(e) === JSON.stringify(Object.fromEntries(Object.entries(byInstance).sort()))), `stop ${row.count}: ${JSON.stringify(byInstance)}`);
  }
});

t.test('binpack: stop on the instance left with the most of the field, and keep emptying it', async (t) => {
  const over = { a: { remaining: { memory: 500, cpu: 3000 } }, b: { remaining: { memory: 2000, cpu: 100 } }, c: { remaining: { memory: 2000, cpu: 100 } } };
  const { instances, tasks } = world({ a: 2, b: 2, c: 2 }, over);
  const memory = chooseTasksToStop(instances, tasks, [{ type: 'binpack', field: 'memory' }], GROUP, 2, seededRandom(4));
  t.equal(new Set(memory.map(onInstance)).size, 1, `both from the same instance: ${memory}`);
  t.ok(['b', 'c'].includes(onInstance(memory[0])), 'one of the two with the most memory left');
  const cpu = chooseTasksToStop(instances, tasks, [{ type: 'binpack', field: 'cpu' }], GROUP, 3, zero);
  t.strictSame(cpu.map(onInstance), ['a', 'a', 'b'], 'a has the most CPU left; when empty, the next');
});

t.test('random or no strategy: any task; the same seed gives the same answer', async (t) => {
  const { instances, tasks } = world({ a: 2, b: 2, c: 2 });
  for (const strategies of [[], [{ type: 'random' }], [{ type: 'random' }, { type: 'binpack', field: 'cpu' }]] as PlacementStrategySpec[][]) {
    const name = JSON.stringify(strategies);
    t.strictSame(
      chooseTasksToStop(instances, tasks, strategies, GROUP, 3, seededRandom(8)),
      chooseTasksToStop(instances, tasks, strategies, GROUP, 3, seededRandom(8)),
      `${name}: deterministic`,
    );
    const seen = new Set<string>();
    for (let s = 0; s < 60; s++) seen.add(chooseTasksToStop(instances, tasks, strategies, GROUP, 1, seededRandom(s))[0]);
    t.equal(seen.size, tasks.length, `${name}: every task can be chosen`);
  }
});

t.test('tasks on instances that are not ACTIVE (DRAINING, or unknown) are stopped first', async (t) => {
  const { instances, tasks } = world({ a: 3, d: 1 }, { d: { status: 'DRAINING' } });
  tasks.push({ arn: 'gone/t0', instanceArn: 'gone' });
  const stopped = chooseTasksToStop(instances, tasks, DEFAULT_SERVICE_STRATEGY, GROUP, 3, zero);
  t.strictSame(stopped.slice(0, 2), ['d/t0', 'gone/t0']);
  t.equal(onInstance(stopped[2]), 'a');
  t.strictSame(chooseTasksToStop(instances, tasks, DEFAULT_SERVICE_STRATEGY, GROUP, 1, zero), ['d/t0'], 'no more than count');
});

t.test("the group's tasks not offered for stopping still count for the balance", async (t) => {
  // a runs 3 of the group but offers 1 (say, the others are of the new deployment); b runs and offers 2.
  const instances = [inst('a', { taskGroups: { [GROUP]: 3 } }), inst('b', { taskGroups: { [GROUP]: 2 } })];
  const tasks = [{ arn: 'a/t0', instanceArn: 'a' }, { arn: 'b/t0', instanceArn: 'b' }, { arn: 'b/t1', instanceArn: 'b' }];
  t.strictSame(chooseTasksToStop(instances, tasks, [{ type: 'spread', field: 'instanceId' }], GROUP, 1, zero), ['a/t0']);
});

t.test('count 0 stops nothing; a count beyond the tasks stops them all', async (t) => {
  const { instances, tasks } = world({ a: 2, b: 1 });
  t.strictSame(chooseTasksToStop(instances, tasks, DEFAULT_SERVICE_STRATEGY, GROUP, 0, zero), []);
  t.strictSame(chooseTasksToStop(instances, tasks, DEFAULT_SERVICE_STRATEGY, GROUP, 10, zero).sort(), tasks.map((x) => x.arn).sort());
});

t.test("the caller's instances and tasks are not modified", async (t) => {
  const { instances, tasks } = world({ a: 2, b: 1 }, { a: { attributes: { [AZ]: 'x' } } });
  const before = JSON.stringify({ instances: instances.map((i) => ({ ...i, remaining: { ...i.remaining, tcpPorts: [...i.remaining.tcpPorts] } })), tasks });
  chooseTasksToStop(instances, tasks, DEFAULT_SERVICE_STRATEGY, GROUP, 2, zero);
  t.equal(JSON.stringify({ instances: instances.map((i) => ({ ...i, remaining: { ...i.remaining, tcpPorts: [...i.remaining.tcpPorts] } })), tasks }), before);
});

t.test('random picks among tasks, not among instances: a task on a busy instance is as likely as one alone', async (t) => {
  const { instances, tasks } = world({ busy: 3, alone: 1 });
  let fromBusy = 0;
  const rnd = seededRandom(11);
  for (let k = 0; k < 400; k++) if (onInstance(chooseTasksToStop(instances, tasks, [{ type: 'random' }], GROUP, 1, rnd)[0]) === 'busy') fromBusy++;
  t.ok(fromBusy > 250 && fromBusy < 350, `about 3 in 4 from the busy instance: ${fromBusy} / 400`);
});
