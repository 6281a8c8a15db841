// Placement strategies as rankers after the filters: each gives an instance a score, lower is better.
// Chained in order: the first strategy ranks, the next breaks its ties, and so on; ties left after the
// last one are broken by the injected random source. `random` ends the chain (everything still tied is
// equally good), and so does an empty chain (ECS: RunTask without strategies places at random).
//
//   binpack(cpu|memory)      score = what is left of that resource: the fullest instance that still fits
//   spread(instanceId|host)  score = tasks of the group on the instance
//   spread(attribute:<name>) score = tasks of the group in the instance's bucket (instances with the same
//                            value; those without a value share one bucket)
//
// The selection is one pass over the feasible instances, no sorting and no allocation: the scores are
// read from the state's typed arrays, which the state keeps up to date as tasks are placed.
import type { CompiledStrategy } from './engine-spec.js';
import type { PlacementState } from './engine-state.js';

const SPREAD_INSTANCE = 0;
const SPREAD_ATTRIBUTE = 1;
const BINPACK_CPU = 2;
const BINPACK_MEMORY = 3;

/** All rankers have the same shape (monomorphic hot loop); bucketOf/count are empty unless spreading over an attribute. */
export interface Ranker {
  readonly name: string;
  readonly kind: number;
  readonly bucketOf: Int32Array;
  readonly count: Float64Array;
}

const NONE_I = new Int32Array(0);
const NONE_F = new Float64Array(0);

/** The rankers for the strategies, in order, up to the first random one. */
export function rankersFor(strategies: CompiledStrategy[], s: PlacementState): Ranker[] {
  const out: Ranker[] = [];
  let bucket = 0;
  for (const st of strategies) {
    if (st.kind === 'random') break;
    if (st.kind === 'spreadInstance') out.push({ name: 'spread(instanceId)', kind: SPREAD_INSTANCE, bucketOf: NONE_I, count: NONE_F });
    else if (st.kind === 'binpack') {
      out.push({ name: `binpack(${st.field})`, kind: st.field === 'cpu' ? BINPACK_CPU : BINPACK_MEMORY, bucketOf: NONE_I, count: NONE_F });
    } else {
      const b = s.buckets[bucket++];
      out.push({ name: `spread(attribute:${st.attribute})`, kind: SPREAD_ATTRIBUTE, bucketOf: b.bucketOf, count: b.count });
    }
  }
  return out;
}

function score(s: PlacementState, r: Ranker, i: number): number {
  switch (r.kind) {
    case SPREAD_INSTANCE:
      return s.groupCount[i];
    case SPREAD_ATTRIBUTE:
      return r.count[r.bucketOf[i]];
    case BINPACK_CPU:
      return s.cpu[i];
    default:
      return s.memory[i];
  }
}

/** Scratch space for pick(), allocated once per place() call. */
export interface PickScratch {
  ties: Int32Array;
  best: Float64Array;
}

export function pickScratch(n: number, rankers: Ranker[]): PickScratch {
  return { ties: new Int32Array(Math.max(1, n)), best: new Float64Array(Math.max(1, rankers.length)) };
}

/** Index into a list of `n` things from a random source in [0, 1) (1, negatives or NaN still give a valid index). */
export function randomIndex(random: () => number, n: number): number {
  const k = Math.floor(random() * n);
  return k >= 0 && k < n ? k : k >= n ? n - 1 : 0;
}

/**
 * The best of the feasible instances feasible[0..nf) by the rankers, ties broken by `random`
 * (called only when there is a tie). Returns -1 when nothing is feasible.
 */
export function pick(
  s: PlacementState,
  feasible: Int32Array,
  nf: number,
  rankers: Ranker[],
  random: () => number,
  scratch: PickScratch,
): number {
  const { ties, best } = scratch;
  const nr = rankers.length;
  let nTies = 0;
  for (let f = 0; f < nf; f++) {
    const i = feasible[f];
    let r = 0;
    let cmp = -1; // the first candidate is the best so far
    if (nTies > 0) {
      cmp = 0;
      for (; r < nr; r++) {
        const v = score(s, rankers[r], i);
        const b = best[r];
        if (v !== b) {
          cmp = v < b ? -1 : 1;
          break;
        }
      }
    }
    if (cmp > 0) continue;
    if (cmp === 0) {
      ties[nTies++] = i;
      continue;
    }
    // Better: equal to the best on the rankers before r, better at r. Record its scores from r on.
    for (let q = r; q < nr; q++) best[q] = score(s, rankers[q], i);
    ties[0] = i;
    nTies = 1;
  }
  if (nTies === 0) return -1;
  if (nTies === 1) return ties[0];
  return ties[randomIndex(random, nTies)];
}
