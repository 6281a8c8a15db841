// The working state of one place() call: what is left on each ACTIVE instance, kept in typed arrays and
// updated as each task is placed, so later tasks see earlier ones. The caller's instances are never
// mutated: numbers are copied into the arrays, and an instance's facts are copied the first time a task
// lands on it (its taskGroups and runningTasksCount change, and memberOf may ask about them).
//
// What can change during a call, and for which instance: placing a task on instance i changes i's CPU,
// memory, ports in use, task-group count and facts, and the task-group count of i's spread buckets. So
// only i's feasibility can change; the filters re-check i alone (see Engine in engine.ts).
import type { TaskResourceNeeds } from '../domain/records.js';
import { evaluateQuery } from './query/index.js';
import type { CompiledConstraint, CompiledStrategy } from './engine-spec.js';
import type { InstanceFacts, PlacementInstance } from './types.js';

/** The bucket of instances that have no value for a spread attribute (absent, or present without value). */
export const NO_VALUE_BUCKET = '';

/** One spread-over-attribute strategy's buckets: which bucket each instance is in, and the group's tasks per bucket. */
export interface SpreadBuckets {
  attribute: string;
  /** Bucket index per instance. */
  bucketOf: Int32Array;
  /** Tasks of the group per bucket (over every ACTIVE instance, feasible or not). */
  count: Float64Array;
  /** Bucket index → attribute value (NO_VALUE_BUCKET for instances without one). */
  values: string[];
}

export class PlacementState {
  readonly n: number;
  readonly cpu: Float64Array;
  readonly memory: Float64Array;
  readonly agentConnected: Uint8Array;
  /** 1 when the instance already uses one of the task's static TCP (resp. UDP) host ports. */
  readonly tcpBusy: Uint8Array;
  readonly udpBusy: Uint8Array;
  /** The index in `required` of the first required attribute the instance lacks, or -1 when it has them
   *  all. Attributes do not change during a call, so this is computed once. */
  readonly missingAttribute: Int32Array;
  /** Tasks of the request's group on each instance. */
  readonly groupCount: Float64Array;
  /** memberOf results, constraint-major: memberOk[k * n + i] is 1 when instance i satisfies memberOf #k. */
  readonly memberOk: Uint8Array;
  /** The facts memberOf expressions are evaluated on: the caller's object until a task lands there. */
  readonly facts: InstanceFacts[];
  /** One entry per spread-over-attribute strategy, in strategy order. */
  readonly buckets: SpreadBuckets[];
  private readonly copied: Uint8Array;

  constructor(
    readonly instances: PlacementInstance[],
    readonly needs: TaskResourceNeeds,
    readonly group: string,
    readonly memberOf: Extract<CompiledConstraint, { kind: 'memberOf' }>[],
    strategies: CompiledStrategy[],
    /** Attribute names every instance must have (the task definition's requiresAttributes). */
    readonly required: readonly string[] = [],
  ) {
    const n = instances.length;
    this.n = n;
    this.cpu = new Float64Array(n);
    this.memory = new Float64Array(n);
    this.agentConnected = new Uint8Array(n);
    this.tcpBusy = new Uint8Array(n);
    this.udpBusy = new Uint8Array(n);
    this.groupCount = new Float64Array(n);
    this.missingAttribute = new Int32Array(n).fill(-1);
    this.memberOk = new Uint8Array(n * memberOf.length);
    this.facts = instances.slice();
    this.copied = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const inst = instances[i];
      this.cpu[i] = inst.remaining.cpu;
      this.memory[i] = inst.remaining.memory;
      this.agentConnected[i] = inst.agentConnected ? 1 : 0;
      this.tcpBusy[i] = anyIn(needs.tcpPorts, inst.remaining.tcpPorts) ? 1 : 0;
      this.udpBusy[i] = anyIn(needs.udpPorts, inst.remaining.udpPorts) ? 1 : 0;
      this.groupCount[i] = inst.taskGroups[group] ?? 0;
      for (let a = 0; a < required.length; a++) {
        if (!Object.hasOwn(inst.attributes, required[a])) {
          this.missingAttribute[i] = a;
          break;
        }
      }
    }
    // memberOf: every expression evaluated once per instance for the whole call.
    for (let k = 0; k < memberOf.length; k++) {
      const expr = memberOf[k].expr;
      for (let i = 0; i < n; i++) this.memberOk[k * n + i] = evaluateQuery(expr, instances[i]) ? 1 : 0;
    }
    this.buckets = [];
    for (const s of strategies) {
      if (s.kind === 'spreadAttribute') this.buckets.push(this.bucketsFor(s.attribute));
    }
  }

  private bucketsFor(attribute: string): SpreadBuckets {
    const index = new Map<string, number>();
    const values: string[] = [];
    const bucketOf = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) {
      const value = this.instances[i].attributes[attribute] ?? NO_VALUE_BUCKET;
      let b = index.get(value);
      if (b === undefined) {
        b = values.length;
        index.set(value, b);
        values.push(value);
      }
      bucketOf[i] = b;
    }
    const count = new Float64Array(values.length);
    for (let i = 0; i < this.n; i++) count[bucketOf[i]] += this.groupCount[i];
    return { attribute, bucketOf, count, values };
  }

  /** Records one task of the request on instance i. */
  take(i: number): void {
    const needs = this.needs;
    this.cpu[i] -= needs.cpu;
    this.memory[i] -= needs.memory;
    // The task's own static ports are now in use on i: another copy cannot bind them there.
    if (needs.tcpPorts.length > 0) this.tcpBusy[i] = 1;
    if (needs.udpPorts.length > 0) this.udpBusy[i] = 1;
    this.groupCount[i] += 1;
    for (const b of this.buckets) b.count[b.bucketOf[i]] += 1;
    if (this.memberOf.length === 0) return;
    // The facts that change: taskGroups (task:group) and runningTasksCount. Copy on first write.
    let f = this.facts[i];
    if (this.copied[i] === 0) {
      f = { ...f, taskGroups: { ...f.taskGroups } };
      this.facts[i] = f;
      this.copied[i] = 1;
    }
    f.taskGroups[this.group] = (f.taskGroups[this.group] ?? 0) + 1;
    f.runningTasksCount += 1;
    for (let k = 0; k < this.memberOf.length; k++) {
      this.memberOk[k * this.n + i] = evaluateQuery(this.memberOf[k].expr, f) ? 1 : 0;
    }
  }
}

function anyIn(ports: number[], used: Set<number>): boolean {
  for (const p of ports) if (used.has(p)) return true;
  return false;
}
