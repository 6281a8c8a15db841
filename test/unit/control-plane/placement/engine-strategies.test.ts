// place(): the strategies rank the instances that passed every filter. binpack takes the fullest that
// still fits, spread balances the group's tasks over instances or attribute values, random picks any;
// chained, the first ranks and the next breaks ties; remaining ties go to the random source.
import t from 'tap';
import { place } from '../../../../control-plane/src/placement/engine.js';
import type { PlacementInstance, PlacementStrategySpec } from '../../../../control-plane/src/placement/types.js';
import { seededRandom } from '../fixtures.js';
import { AZ, GROUP, inst, req, TYPE } from './engine-fixtures.js';

const zero = () => 0;
const last = () => 0.999999;
const binpack = (field: string): PlacementStrategySpec => ({ type: 'binpack', field });
const spread = (field: string): PlacementStrategySpec => ({ type: 'spread', field });

function tally(placements: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of placements) out[p] = (out[p] ?? 0) + 1;
  return out;
}

t.test('binpack: the instance with the least of the field left that still fits', async (t) => {
  const instances = [
    inst('roomy', { remaining: { cpu: 300, memory: 4000 } }),
    inst('tight', { remaining: { cpu: 2000, memory: 600 } }),
    inst('too-small', { remaining: { cpu: 100, memory: 400 } }),
    inst('middle', { remaining: { cpu: 1000, memory: 1000 } }),
  ];
  const table: { name: string; strategies: PlacementStrategySpec[]; needs: { cpu?: number; memory?: number }; first: string }[] = [
    { name: 'binpack memory', strategies: [binpack('memory')], needs: { cpu: 50, memory: 500 }, first: 'tight' },
    { name: 'binpack MEMORY (any case)', strategies: [binpack('MEMORY')], needs: { cpu: 50, memory: 500 }, first: 'tight' },
    { name: 'binpack cpu', strategies: [binpack('cpu')], needs: { cpu: 200, memory: 100 }, first: 'roomy' },
    { name: 'binpack cpu skips an instance whose CPU is too small', strategies: [binpack('cpu')], needs: { cpu: 350, memory: 100 }, first: 'middle' },
    { name: 'binpack memory skips an instance whose memory is too small', strategies: [binpack('memory')], needs: { cpu: 50, memory: 700 }, first: 'middle' },
  ];
  for (const row of table) t.equal(place(instances, req({ needs: row.needs, strategies: row.strategies }), zero).placements[0], row.first, row.name);
});

t.test('binpack fills an instance before using the next one', async (t) => {
  const instances = [inst('a', { remaining: { memory: 1000 } }), inst('b', { remaining: { memory: 900 } }), inst('c', { remaining: { memory: 2000 } })];
  const out = place(instances, req({ needs: { memory: 300 }, count: 8, strategies: [binpack('memory')] }), zero);
  // b: 900 → 600 → 300 → 0; then a (1000) 700 400 100; then c.
  t.strictSame(out.placements, ['b', 'b', 'b', 'a', 'a', 'a', 'c', 'c']);
});

t.test('spread over instanceId (or host): the instance with the fewest tasks of the group, counting those already there', async (t) => {
  for (const field of ['instanceId', 'host']) {
    const instances = [inst('a', { taskGroups: { [GROUP]: 2, 'family:other': 5 } }), inst('b'), inst('c', { taskGroups: { 'family:other': 9 } })];
    const out = place(instances, req({ count: 7, strategies: [spread(field)] }), seededRandom(5));
    t.strictSame(tally(out.placements), { a: 1, b: 3, c: 3 }, `${field}: 3 / 3 / 3 in the end; other groups do not count`);
    t.strictSame(out.placements.slice(0, 4).includes('a'), false, `${field}: a gets nothing until the others caught up`);
  }
});

t.test('spread over an attribute balances over its values, not over instances', async (t) => {
  const instances = [
    inst('a1', { attributes: { [AZ]: 'us-east-1a' } }),
    inst('a2', { attributes: { [AZ]: 'us-east-1a' } }),
    inst('a3', { attributes: { [AZ]: 'us-east-1a' } }),
    inst('b1', { attributes: { [AZ]: 'us-east-1b' } }),
    inst('c1', { attributes: { [AZ]: 'us-east-1c' }, taskGroups: { [GROUP]: 2 } }),
  ];
  const out = place(instances, req({ count: 7, strategies: [spread(`attribute:${AZ}`)] }), seededRandom(2));
  const byZone: Record<string, number> = {};
  for (const p of out.placements) byZone[p[0]] = (byZone[p[0]] ?? 0) + 1;
  t.strictSame(byZone, { a: 3, b: 3, c: 1 }, 'with the 2 already in c: 3 / 3 / 3 per zone');
});

t.test('spread over an attribute: the instances without the attribute share one bucket', async (t) => {
  const instances = [
    inst('a', { attributes: { [AZ]: 'us-east-1a' } }),
    inst('none1'),
    inst('none2'),
    inst('none3', { attributes: { [AZ]: null as unknown as string } }),
  ];
  const out = place(instances, req({ count: 4, strategies: [spread(`attribute:${AZ}`)] }), seededRandom(9));
  const a = out.placements.filter((p) => p === 'a').length;
  t.equal(a, 2, 'half go to the one instance with a zone, half to the three without (absent or no value)');
});

t.test("spread counts the group's tasks on instances that cannot take this task", async (t) => {
  const instances = [
    inst('full-a', { attributes: { [AZ]: 'us-east-1a' }, taskGroups: { [GROUP]: 3 }, remaining: { memory: 0 } }),
    inst('a', { attributes: { [AZ]: 'us-east-1a' } }),
    inst('b', { attributes: { [AZ]: 'us-east-1b' } }),
  ];
  const out = place(instances, req({ needs: { memory: 10 }, count: 3, strategies: [spread(`attribute:${AZ}`)] }), zero);
  t.strictSame(out.placements, ['b', 'b', 'b'], 'zone a already has 3');
});

t.test('chained: spread over zones, then binpack memory within the zone', async (t) => {
  const instances = [
    inst('a-big', { attributes: { [AZ]: 'us-east-1a' }, remaining: { memory: 4000 } }),
    inst('a-small', { attributes: { [AZ]: 'us-east-1a' }, remaining: { memory: 1000 } }),
    inst('b-big', { attributes: { [AZ]: 'us-east-1b' }, remaining: { memory: 4000 } }),
    inst('b-small', { attributes: { [AZ]: 'us-east-1b' }, remaining: { memory: 900 }, taskGroups: { [GROUP]: 1 } }),
  ];
  const out = place(instances, req({ needs: { memory: 500 }, count: 5, strategies: [spread(`attribute:${AZ}`), binpack('memory')] }), zero);
  // zones a:0 b:1 → zone a, least memory: a-small (1000 → 500)
  // a:1 b:1 → tie; least memory overall: a-small (500 → 0)
  // a:2 b:1 → zone b: b-small (900 → 400)
  // a:2 b:2 → tie; a-big and b-big both 4000 (b-small no longer fits): random source 0 → a-big
  // a:3 b:2 → zone b: b-big
  t.strictSame(out.placements, ['a-small', 'a-small', 'b-small', 'a-big', 'b-big']);
});

t.test('random: any instance that passed the filters; a random strategy ends the chain', async (t) => {
  const instances = () => [inst('full', { remaining: { cpu: 0 } }), inst('x', { remaining: { memory: 100 } }), inst('y'), inst('z', { remaining: { memory: 5000 } })];
  for (const strategies of [[], [{ type: 'random' }], [{ type: 'random' }, binpack('memory')]] as PlacementStrategySpec[][]) {
    const name = JSON.stringify(strategies);
    const r = req({ needs: { cpu: 1 }, strategies });
    t.strictSame(place(instances(), r, zero).placements, ['x'], `${name}: 0 picks the first feasible`);
    t.strictSame(place(instances(), r, () => 0.5).placements, ['y'], `${name}: 0.5 the middle one`);
    t.strictSame(place(instances(), r, last).placements, ['z'], `${name}: almost 1 the last`);
    t.strictSame(place(instances(), r, () => 1).placements, ['z'], `${name}: a source returning 1 still picks a feasible instance`);
    const seen = new Set<string>();
    const rnd = seededRandom(3);
    for (let i = 0; i < 100; i++) seen.add(place(instances(), r, rnd).placements[0]);
    t.strictSame([...seen].sort(), ['x', 'y', 'z'], `${name}: every feasible instance is chosen sometimes`);
  }
});

t.test('ties left after every strategy are broken by the random source, among the tied only', async (t) => {
  const instances = [
    inst('a', { remaining: { memory: 1000 } }),
    inst('b', { remaining: { memory: 500 } }),
    inst('c', { remaining: { memory: 700 } }),
    inst('d', { remaining: { memory: 500 } }),
  ];
  const r = req({ needs: { memory: 100 }, strategies: [binpack('memory')] });
  t.strictSame(place(instances, r, zero).placements, ['b']);
  t.strictSame(place(instances, r, last).placements, ['d']);
  let calls = 0;
  place([inst('a', { remaining: { memory: 1 } }), inst('b')], req({ strategies: [binpack('memory')] }), () => (calls++, 0));
  t.equal(calls, 0, 'no tie, no call to the random source');
});

t.test('strategies are best effort, constraints are binding', async (t) => {
  const instances = [
    inst('tight-c5', { attributes: { [TYPE]: 'c5.large', [AZ]: 'us-east-1a' }, remaining: { memory: 200 } }),
    inst('m5-b', { attributes: { [TYPE]: 'm5.large', [AZ]: 'us-east-1b' }, remaining: { memory: 3000 }, taskGroups: { [GROUP]: 4 } }),
  ];
  const out = place(
    instances,
    req({
      needs: { memory: 100 },
      count: 2,
      constraints: [{ type: 'memberOf', expression: `attribute:${TYPE} =~ m5.*` }],
      strategies: [spread(`attribute:${AZ}`), binpack('memory')],
    }),
    zero,
  );
  t.strictSame(out.placements, ['m5-b', 'm5-b'], 'the best ranked instance fails the constraint: the next one is used');
});

t.test('the same seed gives the same answer', async (t) => {
  const cluster = (): PlacementInstance[] =>
    Array.from({ length: 12 }, (_, k) => inst(`i${k}`, { attributes: { [AZ]: `zone-${k % 3}` }, remaining: { memory: 1000 + 100 * (k % 4) } }));
  const r = req({ needs: { memory: 100 }, count: 20, strategies: [spread(`attribute:${AZ}`), spread('instanceId')] });
  const a = place(cluster(), r, seededRandom(42));
  const b = place(cluster(), r, seededRandom(42));
  t.strictSame(a, b);
  const others = new Set([1, 2, 3, 4, 5].map((s) => place(cluster(), r, seededRandom(s)).placements.join()));
  t.ok(others.size > 1, 'and other seeds give other answers');
});
