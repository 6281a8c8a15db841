// The filters of the placement pipeline, each able to explain itself (after swarmkit's
// manager/scheduler/filter.go: a filter checks one node and explains how many it rejected).
//
// ECS's words, used as they are:
//  - RunTask failure reasons ("Amazon ECS API failure reasons"): AGENT, ATTRIBUTE, RESOURCE:CPU,
//    RESOURCE:MEMORY, RESOURCE:PORTS, RESOURCE:PORTS_UDP name an instance; the constraints fail with
//    "MemberOf placement constraint unsatisfied." / "DistinctInstance placement constraint unsatisfied."
//  - service event messages: "The closest matching (container-instance <id>) has insufficient CPU units
//    available." / "has insufficient memory available." / "is already using a port required by your
//    task." / "is missing an attribute required by your task." / "encountered error "AGENT"." /
//    "encountered error "DistinctInstance placement constraint unsatisfied."." — `closest` below is the part
//    after the instance.
import type { PlacementState } from './engine-state.js';

export interface Filter {
  /** How reports name it: the reason for resources and AGENT, memberOf(<expression>), distinctInstance. */
  readonly name: string;
  /** The RunTask failure reason. */
  readonly reason: string;
  /** true: the failure names the instance (AGENT, RESOURCE:*); false: it names the constraint. */
  readonly perInstance: boolean;
  /** Does instance i fail this filter, in the current state? */
  fails(s: PlacementState, i: number): boolean;
  /** "insufficient memory available on 3 instances" */
  explain(rejected: number): string;
  /** ECS's sentence fragment for "The closest matching (container-instance <id>) <closest>." */
  readonly closest: string;
  /** For an instance-level failure: what, on instance i, made it fail (RunTask's failures[].detail). */
  detail?(s: PlacementState, i: number): string;
}

export const MEMBER_OF_UNSATISFIED = 'MemberOf placement constraint unsatisfied.';
export const DISTINCT_INSTANCE_UNSATISFIED = 'DistinctInstance placement constraint unsatisfied.';

/** "1 instance", "3 instances" */
export function instances(n: number): string {
  return n === 1 ? '1 instance' : `${n} instances`;
}

function onInstances(what: string): (n: number) => string {
  return (n) => (n === 0 ? 'no instances rejected' : `${what} on ${instances(n)}`);
}

function portList(ports: number[]): string {
  return ports.length === 1 ? `port ${ports[0]}` : `one of ports ${ports.join(', ')}`;
}

export const agentFilter: Filter = {
  name: 'AGENT',
  reason: 'AGENT',
  perInstance: true,
  fails: (s, i) => s.agentConnected[i] === 0,
  explain: onInstances('agent not connected'),
  closest: 'encountered error "AGENT"',
};

/**
 * The task definition's requiresAttributes (ECS fills them at RegisterTaskDefinition, e.g. one
 * com.amazonaws.ecs.capability.logging-driver.<driver> per log driver used): an instance that lacks any of
 * them cannot run the task. RunTask's reason ATTRIBUTE; the service event's "The closest matching
 * (container-instance <id>) is missing an attribute required by your task." The detail names the attribute.
 */
export function attributeFilter(required: readonly string[]): Filter {
  const what = required.length === 1 ? `attribute ${required[0]}` : `one of the attributes ${required.join(', ')}`;
  return {
    name: 'ATTRIBUTE',
    reason: 'ATTRIBUTE',
    perInstance: true,
    fails: (s, i) => s.missingAttribute[i] >= 0,
    explain: (n) => (n === 0 ? 'no instances rejected' : `missing ${what} on ${instances(n)}`),
    closest: 'is missing an attribute required by your task',
    detail: (s, i) => `missing attribute ${s.required[s.missingAttribute[i]]}`,
  };
}

export const cpuFilter: Filter = {
  name: 'RESOURCE:CPU',
  reason: 'RESOURCE:CPU',
  perInstance: true,
  fails: (s, i) => s.cpu[i] < s.needs.cpu,
  explain: onInstances('insufficient CPU units available'),
  closest: 'has insufficient CPU units available',
};

export const memoryFilter: Filter = {
  name: 'RESOURCE:MEMORY',
  reason: 'RESOURCE:MEMORY',
  perInstance: true,
  fails: (s, i) => s.memory[i] < s.needs.memory,
  explain: onInstances('insufficient memory available'),
  closest: 'has insufficient memory available',
};

export function tcpPortsFilter(ports: number[]): Filter {
  return {
    name: 'RESOURCE:PORTS',
    reason: 'RESOURCE:PORTS',
    perInstance: true,
    fails: (s, i) => s.tcpBusy[i] === 1,
    explain: onInstances(`TCP ${portList(ports)} already in use`),
    closest: 'is already using a port required by your task',
  };
}

export function udpPortsFilter(ports: number[]): Filter {
  return {
    name: 'RESOURCE:PORTS_UDP',
    reason: 'RESOURCE:PORTS_UDP',
    perInstance: true,
    fails: (s, i) => s.udpBusy[i] === 1,
    explain: onInstances(`UDP ${portList(ports)} already in use`),
    closest: 'is already using a port required by your task',
  };
}

/** memberOf #k of the state's memberOf constraints (the expression was evaluated once per instance). */
export function memberOfFilter(k: number, text: string): Filter {
  return {
    name: `memberOf(${text})`,
    reason: MEMBER_OF_UNSATISFIED,
    perInstance: false,
    fails: (s, i) => s.memberOk[k * s.n + i] === 0,
    explain: onInstances('expression not matched'),
    closest: `encountered error "${MEMBER_OF_UNSATISFIED}"`,
  };
}

/** ECS: "Place each task in the group on a different container instance" — tasks already there count. */
export function distinctInstanceFilter(group: string): Filter {
  return {
    name: 'distinctInstance',
    reason: DISTINCT_INSTANCE_UNSATISFIED,
    perInstance: false,
    fails: (s, i) => s.groupCount[i] > 0,
    explain: onInstances(`already running a task of group ${group}`),
    closest: `encountered error "${DISTINCT_INSTANCE_UNSATISFIED}"`,
  };
}
