// Which tasks to stop when a service shrinks: the placement strategies, mirrored.
//
// The ECS guide ("Amazon ECS task placement strategies"): "When the spread strategy is used and a scale-in
// action is taken, Amazon ECS selects tasks to terminate that maintain a balance across Availability
// Zones. Within an Availability Zone, tasks are selected at random." and, for binpack, "The container
// instance that has the most available resources left after task termination has that task terminated."
// The service scheduler ("Update Amazon ECS service parameters"): "Sort the container instances by the
// largest number of running tasks for this service in the same Availability Zone as the instance ...
// favoring container instances with the largest number of running tasks for this service."
//
// So, one task at a time, by the strategies in order (ties broken by the next one, then at random):
//   spread(attribute:<name>)  the bucket (attribute value) with the most tasks of the group
//   spread(instanceId|host)   the instance with the most tasks of the group
//   binpack(cpu|memory)       the instance with the most of that resource left (then the one where this
//                             call already stopped the most: stopping a task there frees even more)
//   random / end of chain     any of the tied instances
// then a task chosen at random among the tasks of the tied instances. Counts are updated after each
// choice, so the spread stays balanced.
//
// Where ECS is silent: tasks on instances that are not ACTIVE (DRAINING, or unknown to the caller) are
// stopped first, in the order given; they are leaving anyway. The group's count on an instance is the
// larger of its taskGroups[group] and the tasks listed on it, so balance also counts the group's tasks the
// caller did not offer for stopping.
import { compilePlacement, type CompiledStrategy } from './engine-spec.js';
import { NO_VALUE_BUCKET } from './engine-state.js';
import { randomIndex } from './engine-rank.js';
import type { PlacementInstance, PlacementStrategySpec } from './types.js';

/** A scale-in key: lower is stopped first. */
type Key = (i: number) => number;

/** Which of the tasks to stop (ARNs, in the order chosen) when a service shrinks by `count`. */
export function chooseTasksToStop(
  instances: PlacementInstance[],
  tasks: { arn: string; instanceArn: string }[],
  strategies: PlacementStrategySpec[],
  group: string,
  count: number,
  random: () => number,
): string[] {
  const { strategies: compiled } = compilePlacement([], strategies);
  const out: string[] = [];
  if (count <= 0) return out;

  const active = instances.filter((i) => i.status === 'ACTIVE');
  const index = new Map(active.map((inst, i) => [inst.arn, i]));
  const listed: string[][] = active.map(() => []);
  for (const t of tasks) {
    const i = index.get(t.instanceArn);
    if (i === undefined) {
      if (out.length < count) out.push(t.arn);
    } else listed[i].push(t.arn);
  }

  const n = active.length;
  const groupCount = new Float64Array(n);
  const stopped = new Float64Array(n);
  for (let i = 0; i < n; i++) groupCount[i] = Math.max(active[i].taskGroups[group] ?? 0, listed[i].length);
  const buckets: { bucketOf: Int32Array; count: Float64Array }[] = [];
  const keys = keysFor(compiled, active, groupCount, stopped, buckets);

  const ties = new Int32Array(Math.max(1, n));
  const best = new Float64Array(Math.max(1, keys.length));
  while (out.length < count) {
    let nTies = 0;
    for (let i = 0; i < n; i++) {
      if (listed[i].length === 0) continue;
      let r = 0;
      let cmp = nTies === 0 ? -1 : 0;
      if (cmp === 0) {
        for (; r < keys.length; r++) {
          const v = keys[r](i);
          if (v !== best[r]) {
            cmp = v < best[r] ? -1 : 1;
            break;
          }
        }
      }
      if (cmp > 0) continue;
      if (cmp === 0) {
        ties[nTies++] = i;
        continue;
      }
      for (let q = r; q < keys.length; q++) best[q] = keys[q](i);
      ties[0] = i;
      nTies = 1;
    }
    if (nTies === 0) break; // every listed task is chosen
    // A task chosen uniformly among the tasks of the tied instances.
    let total = 0;
    for (let k = 0; k < nTies; k++) total += listed[ties[k]].length;
    let pickAt = total === 1 ? 0 : randomIndex(random, total);
    let k = 0;
    while (pickAt >= listed[ties[k]].length) pickAt -= listed[ties[k++]].length;
    const i = ties[k];
    const [arn] = listed[i].splice(pickAt, 1);
    out.push(arn);
    groupCount[i] -= 1;
    stopped[i] += 1;
    for (const b of buckets) b.count[b.bucketOf[i]] -= 1;
  }
  return out;
}

/** The keys for the strategies, up to the first random one (lower is stopped first). */
function keysFor(
  strategies: CompiledStrategy[],
  active: PlacementInstance[],
  groupCount: Float64Array,
  stopped: Float64Array,
  buckets: { bucketOf: Int32Array; count: Float64Array }[],
): Key[] {
  const keys: Key[] = [];
  for (const s of strategies) {
    if (s.kind === 'random') break;
    if (s.kind === 'spreadInstance') keys.push((i) => -groupCount[i]);
    else if (s.kind === 'binpack') {
      const field = s.field;
      keys.push((i) => -active[i].remaining[field], (i) => -stopped[i]);
    } else {
      const b = spreadBuckets(active, s.attribute, groupCount);
      buckets.push(b);
      keys.push((i) => -b.count[b.bucketOf[i]]);
    }
  }
  return keys;
}

function spreadBuckets(active: PlacementInstance[], attribute: string, groupCount: Float64Array) {
  const index = new Map<string, number>();
  const bucketOf = new Int32Array(active.length);
  for (let i = 0; i < active.length; i++) {
    const value = active[i].attributes[attribute] ?? NO_VALUE_BUCKET;
    let b = index.get(value);
    if (b === undefined) index.set(value, (b = index.size));
    bucketOf[i] = b;
  }
  const count = new Float64Array(index.size);
  for (let i = 0; i < active.length; i++) count[bucketOf[i]] += groupCount[i];
  return { bucketOf, count };
}
