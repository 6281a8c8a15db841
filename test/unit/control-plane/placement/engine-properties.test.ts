// Properties of the placement engine, over random clusters, needs, constraints, required attributes and
// strategies: never overcommitting CPU, memory or ports; constraints and required attributes always
// holding; failing only when no instance could take the next task; spread keeping the group balanced; the
// same seed giving the same answer; scale-in keeping the spread balanced.
import t from 'tap';
import fc from 'fast-check';
import { chooseTasksToStop, place } from '../../../../control-plane/src/placement/engine.js';
import { evaluateQuery, parseQuery } from '../../../../control-plane/src/placement/query/index.js';
import type { PlacementInstance, PlacementRequest } from '../../../../control-plane/src/placement/types.js';
import { holds, seededRandom } from '../fixtures.js';
import {
  applyPlacements,
  AZ,
  clusterArb,
  constraintsArb,
  countsBy,
  deepSnapshot,
  GROUP,
  inst,
  needsArb,
  req,
  spreadOf,
  strategiesArb,
  TYPE,
  ZONES,
} from './engine-fixtures.js';

const requestArb: fc.Arbitrary<PlacementRequest> = fc
  .record({
    needs: needsArb,
    count: fc.integer({ min: 1, max: 12 }),
    constraints: constraintsArb,
    strategies: strategiesArb,
    // requiresAttributes: the zone (which some instances lack) and the instance type (which all have).
    requiredAttributes: fc.subarray([AZ, TYPE]),
  })
  .map((r) => req(r));

/** Could instance i take one more task of the request, given the facts as they are? (Independent of the engine.) */
function canTake(i: PlacementInstance, r: PlacementRequest): boolean {
  if (i.status !== 'ACTIVE' || !i.agentConnected) return false;
  if ((r.requiredAttributes ?? []).some((a) => !(a in i.attributes))) return false;
  if (i.remaining.cpu < r.needs.cpu || i.remaining.memory < r.needs.memory) return false;
  if (r.needs.tcpPorts.some((p) => i.remaining.tcpPorts.has(p)) || r.needs.udpPorts.some((p) => i.remaining.udpPorts.has(p))) return false;
  for (const c of r.constraints) {
    if (c.type === 'distinctInstance' && (i.taskGroups[r.group] ?? 0) > 0) return false;
    if (c.type === 'memberOf' && !evaluateQuery(parseQuery(c.expression!), i)) return false;
  }
  return true;
}

t.test('every placement was feasible when it was made: no overcommit of CPU, memory or ports, constraints hold', async (t) => {
  holds(
    t,
    fc.property(clusterArb(), requestArb, fc.integer(), (cluster, r, seed) => {
      const out = place(cluster, r, seededRandom(seed));
      let now = cluster;
      for (const arn of out.placements) {
        const target = now.find((i) => i.arn === arn)!;
        if (!canTake(target, r)) return false;
        now = applyPlacements(now, r, [arn]);
      }
      return true;
    }),
    { numRuns: 300 },
  );
});

t.test('a task fails only when no instance could take it; the outcome then says why', async (t) => {
  holds(
    t,
    fc.property(clusterArb(), requestArb, fc.integer(), (cluster, r, seed) => {
      const out = place(cluster, r, seededRandom(seed));
      const after = applyPlacements(cluster, r, out.placements);
      if (out.placements.length === r.count) return out.failures.length === 0 && out.closest === undefined;
      const active = cluster.filter((i) => i.status === 'ACTIVE');
      return (
        after.every((i) => !canTake(i, r)) &&
        out.failures.length > 0 &&
        out.candidateCount === active.length &&
        (active.length === 0 || (out.closest !== undefined && active.some((i) => i.arn === out.closest!.arn))) &&
        // Each ACTIVE instance is rejected by exactly one filter.
        out.filters.flatMap((f) => f.rejected).sort().join() === active.map((i) => i.arn).sort().join()
      );
    }),
    { numRuns: 300 },
  );
});

t.test("the caller's instances are never modified", async (t) => {
  holds(
    t,
    fc.property(clusterArb(), requestArb, fc.integer(), (cluster, r, seed) => {
      const before = JSON.stringify(deepSnapshot(cluster));
      place(cluster, r, seededRandom(seed));
      return JSON.stringify(deepSnapshot(cluster)) === before;
    }),
    { numRuns: 200 },
  );
});

t.test('the same seed gives the same answer', async (t) => {
  holds(
    t,
    fc.property(clusterArb(), requestArb, fc.integer(), (cluster, r, seed) => {
      return JSON.stringify(place(cluster, r, seededRandom(seed))) === JSON.stringify(place(cluster, r, seededRandom(seed)));
    }),
    { numRuns: 200 },
  );
});

/** A cluster where every instance can take every task: big, connected, no ports, none of the group yet. */
const roomyClusterArb = fc
  .array(fc.record({ zone: fc.option(fc.constantFrom(...ZONES), { nil: undefined, freq: 5 }), memory: fc.integer({ min: 100_000, max: 200_000 }) }), {
    minLength: 1,
    maxLength: 10,
  })
  .map((xs) => xs.map((x, k) => inst(`i-${k}`, { attributes: x.zone ? { [AZ]: x.zone } : {}, remaining: { cpu: 1e9, memory: x.memory } })));

t.test('spread with every instance feasible: the per-bucket counts of the group never differ by more than 1', async (t) => {
  const fields = ['instanceId', 'host', `attribute:${AZ}`];
  holds(
    t,
    fc.property(
      roomyClusterArb,
      fc.constantFrom(...fields),
      fc.constantFrom(undefined, { type: 'binpack', field: 'memory' }, { type: 'spread', field: 'instanceId' }, { type: 'random' }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer(),
      (cluster, field, next, count, seed) => {
        const r = req({ needs: { memory: 10 }, count, strategies: [{ type: 'spread', field }, ...(next ? [next] : [])] });
        // Check after every task, not only at the end: place one more each time from the start.
        for (let k = 1; k <= count; k++) {
          const out = place(cluster, { ...r, count: k }, seededRandom(seed));
          if (out.placements.length !== k) return false;
          const after = applyPlacements(cluster, r, out.placements);
          const key = field.startsWith('attribute:') ? (i: PlacementInstance) => i.attributes[AZ] ?? '' : (i: PlacementInstance) => i.arn;
          if (spreadOf(countsBy(after, key)) > 1) return false;
        }
        return true;
      },
    ),
    { numRuns: 100 },
  );
});

t.test('chooseTasksToStop keeps spread balanced: never widens the spread, and a balanced group stays balanced', async (t) => {
  const layoutArb = fc.tuple(roomyClusterArb, fc.array(fc.nat(), { maxLength: 30 })).map(([cluster, picks]) => {
    // Tasks of the group on random instances.
    const tasks = picks.map((p, k) => ({ arn: `t${k}`, instanceArn: cluster[p % cluster.length].arn }));
    const counts = new Map<string, number>();
    for (const task of tasks) counts.set(task.instanceArn, (counts.get(task.instanceArn) ?? 0) + 1);
    const instances = cluster.map((i): PlacementInstance => ({ ...i, taskGroups: counts.has(i.arn) ? { [GROUP]: counts.get(i.arn)! } : {} }));
    return { instances, tasks };
  });
  holds(
    t,
    fc.property(
      layoutArb,
      fc.constantFrom('instanceId', `attribute:${AZ}`),
      fc.integer({ min: 0, max: 35 }),
      fc.integer(),
      ({ instances, tasks }, field, count, seed) => {
        const strategies = field === 'instanceId' ? [{ type: 'spread', field }] : [{ type: 'spread', field }, { type: 'spread', field: 'instanceId' }];
        const stopped = chooseTasksToStop(instances, tasks, strategies, GROUP, count, seededRandom(seed));
        if (stopped.length !== Math.min(count, tasks.length) || new Set(stopped).size !== stopped.length) return false;
        const key = field === 'instanceId' ? (arn: string) => arn : (arn: string) => instances.find((i) => i.arn === arn)!.attributes[AZ] ?? '';
        const spread = (ts: typeof tasks) => {
          const m = new Map<string, number>(instances.map((i) => [key(i.arn), 0]));
          for (const task of ts) m.set(key(task.instanceArn), m.get(key(task.instanceArn))! + 1);
          return spreadOf(m);
        };
        const before = spread(tasks);
        const after = spread(tasks.filter((x) => !stopped.includes(x.arn)));
        return after <= Math.max(before, 1);
      },
    ),
    { numRuns: 300 },
  );
});

t.test('a service placed with spread and scaled in with the same strategy stays balanced at every size', async (t) => {
  holds(
    t,
    fc.property(roomyClusterArb, fc.integer({ min: 1, max: 30 }), fc.integer(), (cluster, count, seed) => {
      const strategies = [{ type: 'spread', field: `attribute:${AZ}` }, { type: 'spread', field: 'instanceId' }];
      const r = req({ needs: { memory: 1 }, count, strategies });
      const placed = place(cluster, r, seededRandom(seed)).placements;
      const instances = applyPlacements(cluster, r, placed);
      const tasks = placed.map((arn, k) => ({ arn: `t${k}`, instanceArn: arn }));
      const zone = (arn: string) => cluster.find((i) => i.arn === arn)!.attributes[AZ] ?? '';
      for (let k = 0; k <= count; k++) {
        const stopped = new Set(chooseTasksToStop(instances, tasks, strategies, GROUP, k, seededRandom(seed)));
        const m = new Map<string, number>(cluster.map((i) => [zone(i.arn), 0]));
        for (const task of tasks) if (!stopped.has(task.arn)) m.set(zone(task.instanceArn), m.get(zone(task.instanceArn))! + 1);
        if (spreadOf(m) > 1) return false;
      }
      return true;
    }),
    { numRuns: 100 },
  );
});

t.test('binpack never leaves a fuller feasible instance unused when it fits', async (t) => {
  holds(
    t,
    fc.property(clusterArb({ activeOnly: true }), fc.integer({ min: 1, max: 512 }), fc.integer(), (cluster, memory, seed) => {
      const r = req({ needs: { memory }, strategies: [{ type: 'binpack', field: 'memory' }] });
      const out = place(cluster, r, seededRandom(seed));
      if (out.placements.length === 0) return true;
      const chosen = cluster.find((i) => i.arn === out.placements[0])!;
      return cluster.every((i) => !canTake(i, r) || i.remaining.memory >= chosen.remaining.memory);
    }),
    { numRuns: 200 },
  );
});
