// The baseline for bench/placement: the control plane's first placement (resource filters, then a random
// choice among the instances that pass), kept only so the engine is measured against it in the same run.
import type { Remaining } from '../../control-plane/src/domain/instance-resources.js';
import type { TaskResourceNeeds } from '../../control-plane/src/domain/records.js';

export interface Candidate {
  arn: string;
  status: string;
  agentConnected: boolean;
  remaining: Remaining;
}

export interface PlacementFailure {
  arn?: string;
  /** ECS's failure reasons: AGENT, RESOURCE:CPU, RESOURCE:MEMORY, RESOURCE:PORTS, RESOURCE:PORTS_UDP; or the
   * instance's status (DRAINING) when no instance is ACTIVE. */
  reason: string;
}

export interface PlacementResult {
  /** One instance ARN per placed task, in order; shorter than count when not all fit. */
  placements: string[];
  /** Why the rest could not be placed: one entry per instance, its first failing filter. */
  failures: PlacementFailure[];
}

export interface Filter {
  reason: string;
  pass(c: Candidate, needs: TaskResourceNeeds): boolean;
  /** The sentence ECS users know, for "The closest matching (container-instance X) <explain>." */
  explain: string;
}

/** In the order ECS checks them. */
export const FILTERS: Filter[] = [
  { reason: 'AGENT', pass: (c) => c.agentConnected, explain: 'is not connected (agent disconnected)' },
  { reason: 'RESOURCE:CPU', pass: (c, n) => c.remaining.cpu >= n.cpu, explain: 'has insufficient CPU units available' },
  { reason: 'RESOURCE:MEMORY', pass: (c, n) => c.remaining.memory >= n.memory, explain: 'has insufficient memory available' },
  {
    reason: 'RESOURCE:PORTS',
    pass: (c, n) => n.tcpPorts.every((p) => !c.remaining.tcpPorts.has(p)),
    explain: 'is already using a port required by your task',
  },
  {
    reason: 'RESOURCE:PORTS_UDP',
    pass: (c, n) => n.udpPorts.every((p) => !c.remaining.udpPorts.has(p)),
    explain: 'is already using a port required by your task',
  },
];

export function firstFailingFilter(c: Candidate, needs: TaskResourceNeeds): Filter | undefined {
  return FILTERS.find((f) => !f.pass(c, needs));
}

function take(c: Candidate, needs: TaskResourceNeeds): void {
  c.remaining.cpu -= needs.cpu;
  c.remaining.memory -= needs.memory;
  for (const p of needs.tcpPorts) c.remaining.tcpPorts.add(p);
  for (const p of needs.udpPorts) c.remaining.udpPorts.add(p);
}

/**
 * Places `count` copies of a task. Only ACTIVE instances are candidates at all (DRAINING ones never
 * are). Candidates' `remaining` is consumed as tasks are placed (pass copies if you need them).
 */
export function placeTasks(
  candidates: Candidate[],
  needs: TaskResourceNeeds,
  count: number,
  random: () => number,
): PlacementResult {
  const active = candidates.filter((c) => c.status === 'ACTIVE');
  if (active.length === 0) return { placements: [], failures: candidates.map((c) => ({ arn: c.arn, reason: c.status })) };
  const placements: string[] = [];
  for (let i = 0; i < count; i++) {
    const feasible = active.filter((c) => !firstFailingFilter(c, needs));
    if (feasible.length === 0) {
      const failures = active.map((c) => ({ arn: c.arn, reason: firstFailingFilter(c, needs)!.reason }));
      return { placements, failures };
    }
    const chosen = feasible[Math.min(feasible.length - 1, Math.floor(random() * feasible.length))];
    take(chosen, needs);
    placements.push(chosen.arn);
  }
  return { placements, failures: [] };
}
