// What the pipeline says about one moment of a place() call: which filter rejected which instances (each
// instance is rejected by its first failing filter, as in swarmkit's pipeline), the RunTask failures, and
// the instance that came closest.
//
// Failures (what RunTask answers for a task it could not place):
//  - one per instance rejected by an instance-level filter (AGENT, ATTRIBUTE, RESOURCE:*), with the
//    instance's ARN and that filter's reason (and, for ATTRIBUTE, a detail naming the missing attribute): the
//    ECS guide's "API failure reasons" describe these as properties of "the container instance that you
//    attempted to launch a task onto";
//  - one per constraint that rejected instances, without an ARN (a constraint is not a property of one
//    instance), reason "MemberOf placement constraint unsatisfied." / "DistinctInstance placement
//    constraint unsatisfied.", and a detail naming the constraint and how many instances it rejected
//    ("distinctInstance: already running a task of group family:web on 3 instances").
//  - when no instance is ACTIVE at all: one per instance, the reason being its status (e.g. DRAINING).
import type { Filter } from './engine-filters.js';
import type { PlacementState } from './engine-state.js';
import type { FilterReport, PlacementFailure, PlacementInstance, PlacementOutcome } from './types.js';

export interface PipelineSnapshot {
  filters: FilterReport[];
  /** Per instance, the index of its first failing filter, or -1 when it passes them all. */
  firstFailing: Int32Array;
}

export function snapshot(s: PlacementState, filters: Filter[]): PipelineSnapshot {
  const firstFailing = new Int32Array(s.n).fill(-1);
  const rejected: string[][] = filters.map(() => []);
  for (let i = 0; i < s.n; i++) {
    for (let f = 0; f < filters.length; f++) {
      if (filters[f].fails(s, i)) {
        firstFailing[i] = f;
        rejected[f].push(s.instances[i].arn);
        break;
      }
    }
  }
  return {
    firstFailing,
    filters: filters.map((f, k) => ({ filter: f.name, rejected: rejected[k], explanation: f.explain(rejected[k].length) })),
  };
}

export function failures(s: PlacementState, filters: Filter[], snap: PipelineSnapshot): PlacementFailure[] {
  const out: PlacementFailure[] = [];
  for (let i = 0; i < s.n; i++) {
    const f = snap.firstFailing[i];
    if (f < 0 || !filters[f].perInstance) continue;
    const failure: PlacementFailure = { arn: s.instances[i].arn, reason: filters[f].reason };
    const detail = filters[f].detail?.(s, i);
    if (detail !== undefined) failure.detail = detail;
    out.push(failure);
  }
  for (let f = 0; f < filters.length; f++) {
    const n = snap.filters[f].rejected.length;
    if (!filters[f].perInstance && n > 0) {
      out.push({ reason: filters[f].reason, detail: `${filters[f].name}: ${snap.filters[f].explanation}` });
    }
  }
  return out;
}

/**
 * The sentence ECS users know from service events, for a task that could not be placed:
 * "no container instance met all of its requirements. The closest matching (container-instance <id>)
 * has insufficient memory available."
 */
export function unplacedMessage(outcome: PlacementOutcome): string | undefined {
  if (outcome.failures.length === 0) return undefined;
  if (!outcome.closest) return 'no container instance met all of its requirements: there is no ACTIVE container instance in the cluster.';
  const id = outcome.closest.arn.split('/').pop();
  return `no container instance met all of its requirements. The closest matching (container-instance ${id}) ${outcome.closest.explanation}.`;
}

/** When no instance is ACTIVE: each instance's status is why it was not used. */
export function inactiveFailures(all: PlacementInstance[]): PlacementFailure[] {
  return all.map((i) => ({ arn: i.arn, reason: i.status }));
}

/**
 * The instance that got furthest down the pipeline (its first failing filter is the latest); among
 * those, the one that passes the most filters overall; then the first in the caller's order.
 */
export function closest(s: PlacementState, filters: Filter[], snap: PipelineSnapshot): { arn: string; explanation: string } | undefined {
  let best = -1;
  let bestStage = -1;
  let bestPassed = -1;
  for (let i = 0; i < s.n; i++) {
    const stage = snap.firstFailing[i];
    if (stage < 0 || stage < bestStage) continue;
    let passed = 0;
    for (const f of filters) if (!f.fails(s, i)) passed++;
    if (stage > bestStage || passed > bestPassed) {
      best = i;
      bestStage = stage;
      bestPassed = passed;
    }
  }
  return best < 0 ? undefined : { arn: s.instances[best].arn, explanation: filters[bestStage].closest };
}
