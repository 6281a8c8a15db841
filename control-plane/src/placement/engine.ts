// The placement engine: where the tasks of one request go, and why instances were rejected. A pure
// function of (instances, the task's needs, constraints, strategies, random source).
//
// The ECS developer guide ("How Amazon ECS places tasks on container instances"):
//   1. identify the instances that satisfy the CPU, memory and port requirements;
//   2. identify the instances that satisfy the task placement constraints (binding);
//   3. identify the instances that satisfy the task placement strategies (best effort);
//   4. select the instances for task placement.
// Before 1, an instance must have every attribute the task definition requires (its requiresAttributes).
// Here that, 1 and 2 are a pipeline of filters that explain themselves (swarmkit's manager/scheduler/
// filter.go and pipeline.go), 3 is a chain of rankers, and 4 takes the best, ties broken by the random source. The
// chain is built in one function, buildPipeline, as nomad's scheduler/feasible/stack.go does.
//
// Callers: RunTask, StartTask (with the named instances), the service scheduler, ecsctl explain-placement.
import type { CompiledPlacement, CompiledConstraint } from './engine-spec.js';
import { compilePlacement } from './engine-spec.js';
import {
  agentFilter,
  attributeFilter,
  cpuFilter,
  distinctInstanceFilter,
  memberOfFilter,
  memoryFilter,
  tcpPortsFilter,
  udpPortsFilter,
  type Filter,
} from './engine-filters.js';
import { pick, pickScratch, rankersFor, type Ranker } from './engine-rank.js';
import { closest, failures, inactiveFailures, snapshot } from './engine-report.js';
import { PlacementState } from './engine-state.js';
import type { PlacementConstraintSpec, PlacementInstance, PlacementOutcome, PlacementRequest, PlacementStrategySpec } from './types.js';

export { chooseTasksToStop } from './engine-scale-in.js';
export { unplacedMessage } from './engine-report.js';
export { MAX_PLACEMENT_CONSTRAINTS, MAX_PLACEMENT_STRATEGIES } from './engine-spec.js';
export { DISTINCT_INSTANCE_UNSATISFIED, MEMBER_OF_UNSATISFIED } from './engine-filters.js';

/**
 * ECS's default for services: "For tasks running as part of an Amazon ECS service, the task placement
 * strategy is spread using the attribute:ecs.availability-zone", and within a zone the service scheduler
 * favours "container instances with the fewest number of running tasks for this service".
 */
export const DEFAULT_SERVICE_STRATEGY: PlacementStrategySpec[] = [
  { type: 'spread', field: 'attribute:ecs.availability-zone' },
  { type: 'spread', field: 'instanceId' },
];

/** Refuses (InvalidParameterException naming the field) what ECS would refuse; parses memberOf expressions. */
export function validatePlacement(constraints: PlacementConstraintSpec[], strategies: PlacementStrategySpec[]): void {
  compilePlacement(constraints, strategies);
}

interface Pipeline {
  filters: Filter[];
  rankers: Ranker[];
}

/** The whole chain for one request, in the order instances go through it. */
function buildPipeline(req: PlacementRequest, placement: CompiledPlacement, state: PlacementState): Pipeline {
  const filters: Filter[] = [];

  // Only ACTIVE instances reach the pipeline at all (place() leaves DRAINING and INACTIVE ones out);
  // an ACTIVE instance whose agent is disconnected cannot be given a task: RunTask's reason AGENT.
  filters.push(agentFilter);

  // The task definition's requiresAttributes (e.g. the logging-driver capability of each log driver it
  // uses): an instance without one of them cannot run the task at all, whatever it has free — RunTask's
  // reason ATTRIBUTE. Checked after AGENT and before the resources: ECS's documentation gives no order for
  // this check, and an instance that can never run the task is worth reporting before one that is full now.
  filters.push(attributeFilter(state.required));

  // Step 1, resources, in ECS's order: CPU units, memory (MiB), then the static host ports the task binds,
  // TCP then UDP. Dynamic host ports (hostPort 0) need nothing here. Each filter compares against the
  // state, which is updated as tasks are placed, so no instance is ever overcommitted.
  filters.push(cpuFilter, memoryFilter, tcpPortsFilter(req.needs.tcpPorts), udpPortsFilter(req.needs.udpPorts));

  // Step 2, constraints, binding, in the order given (the task definition's, then the request's):
  //  - memberOf: the cluster query expression on the instance's facts (evaluated once per instance per
  //    call, and again only for an instance that receives a task, whose task groups change);
  //  - distinctInstance: no other task of the same group on the instance, including those placed by
  //    this request ("Place each task in the group on a different container instance").
  let k = 0;
  for (const c of placement.constraints) {
    filters.push(c.kind === 'memberOf' ? memberOfFilter(k++, c.text) : distinctInstanceFilter(req.group));
  }

  // Step 3, strategies, best effort: rankers over the instances that passed every filter. The first
  // strategy decides, later ones break its ties, random (or the end of the chain) leaves the rest tied.
  const rankers = rankersFor(placement.strategies, state);

  // Step 4, select: the best instance; ties broken by the injected random source (pick in engine-rank).
  return { filters, rankers };
}

function passes(filters: Filter[], s: PlacementState, i: number): boolean {
  for (const f of filters) if (f.fails(s, i)) return false;
  return true;
}

/**
 * Places req.count copies of a task. Tasks are placed one after the other, each seeing the resources,
 * ports and task groups the earlier ones took; when one cannot be placed, the rest are not tried (nothing
 * changed) and the outcome says why. The caller's instances are not modified.
 * Throws InvalidParameterException for invalid constraints or strategies (see validatePlacement).
 */
export function place(instances: PlacementInstance[], req: PlacementRequest, random: () => number): PlacementOutcome {
  const placement = compilePlacement(req.constraints, req.strategies);
  const active = instances.filter((i) => i.status === 'ACTIVE');
  const memberOf = placement.constraints.filter((c): c is Extract<CompiledConstraint, { kind: 'memberOf' }> => c.kind === 'memberOf');
  const required = [...new Set(req.requiredAttributes ?? [])];
  const state = new PlacementState(active, req.needs, req.group, memberOf, placement.strategies, required);
  const { filters, rankers } = buildPipeline(req, placement, state);

  // What the filters say before the first task (reported when every task is placed), and from it the
  // instances that pass every filter, in the caller's order. Placing a task on i can only change whether
  // i passes, so after each placement i alone is checked again.
  const n = active.length;
  const first = snapshot(state, filters);
  const feasible = new Int32Array(n);
  let nf = 0;
  for (let i = 0; i < n; i++) if (first.firstFailing[i] < 0) feasible[nf++] = i;
  const scratch = pickScratch(n, rankers);
  const placements: string[] = [];
  for (let t = 0; t < req.count; t++) {
    const i = pick(state, feasible, nf, rankers, random, scratch);
    if (i < 0) {
      const now = t === 0 ? first : snapshot(state, filters);
      const outcome: PlacementOutcome = {
        placements,
        failures: n === 0 ? inactiveFailures(instances) : failures(state, filters, now),
        filters: now.filters,
        candidateCount: n,
      };
      const near = closest(state, filters, now);
      if (near) {
        outcome.closest = near;
        // A constraint failure is about no instance in particular: ECS names the closest matching one.
        for (const f of outcome.failures) if (f.arn === undefined) f.arn = near.arn;
      }
      return outcome;
    }
    state.take(i);
    placements.push(active[i].arn);
    if (!passes(filters, state, i)) {
      let at = 0;
      while (feasible[at] !== i) at++;
      feasible.copyWithin(at, at + 1, nf);
      nf--;
    }
  }
  return { placements, failures: [], filters: first.filters, candidateCount: n };
}
