// Builders and checks shared by the placement engine's tests: instances and requests with defaults,
// a deep snapshot to prove the caller's instances are untouched, the state after a placement (to check
// that nothing is overcommitted), and fast-check arbitraries for clusters.
import fc from 'fast-check';
import type { TaskResourceNeeds } from '../../../../control-plane/src/domain/records.js';
import type { PlacementInstance, PlacementRequest } from '../../../../control-plane/src/placement/types.js';
import { needsOf, remainingOf, T0 } from '../fixtures.js';

export const AZ = 'ecs.availability-zone';
export const TYPE = 'ecs.instance-type';

export interface InstanceOver extends Partial<Omit<PlacementInstance, 'remaining'>> {
  remaining?: Parameters<typeof remainingOf>[0];
}

/** An ACTIVE, connected instance with 1024 CPU units and 2048 MiB free, no ports in use, no tasks. */
export function inst(arn: string, over: InstanceOver = {}): PlacementInstance {
  const { remaining, ...rest } = over;
  return {
    arn,
    ec2InstanceId: `host-${arn}`,
    status: 'ACTIVE',
    agentConnected: true,
    agentVersion: '0.1.0',
    registeredAt: T0,
    runningTasksCount: 0,
    attributes: {},
    taskGroups: {},
    ...rest,
    remaining: remainingOf(remaining),
  };
}

export const GROUP = 'family:web';

export function req(over: Partial<Omit<PlacementRequest, 'needs'>> & { needs?: Partial<TaskResourceNeeds> } = {}): PlacementRequest {
  const { needs, ...rest } = over;
  return { group: GROUP, count: 1, constraints: [], strategies: [], ...rest, needs: needsOf(needs) };
}

/** Everything about the instances, as plain data (sets as sorted arrays), to compare before and after. */
export function deepSnapshot(instances: PlacementInstance[]): unknown {
  return instances.map((i) => ({
    ...i,
    attributes: { ...i.attributes },
    taskGroups: { ...i.taskGroups },
    remaining: {
      cpu: i.remaining.cpu,
      memory: i.remaining.memory,
      tcpPorts: [...i.remaining.tcpPorts].sort((a, b) => a - b),
      udpPorts: [...i.remaining.udpPorts].sort((a, b) => a - b),
    },
  }));
}

/**
 * The instances after the placements, as a store would record them: resources taken, ports in use, task
 * counts up. Independent of the engine's own bookkeeping. Returns copies.
 */
export function applyPlacements(instances: PlacementInstance[], r: PlacementRequest, placements: string[]): PlacementInstance[] {
  const byArn = new Map(instances.map((i) => [i.arn, i]));
  const out = new Map<string, PlacementInstance>();
  const copy = (arn: string) => {
    let c = out.get(arn);
    if (!c) {
      const i = byArn.get(arn)!;
      c = {
        ...i,
        taskGroups: { ...i.taskGroups },
        remaining: { ...i.remaining, tcpPorts: new Set(i.remaining.tcpPorts), udpPorts: new Set(i.remaining.udpPorts) },
      };
      out.set(arn, c);
    }
    return c;
  };
  for (const arn of placements) {
    const c = copy(arn);
    c.remaining.cpu -= r.needs.cpu;
    c.remaining.memory -= r.needs.memory;
    for (const p of r.needs.tcpPorts) c.remaining.tcpPorts.add(p);
    for (const p of r.needs.udpPorts) c.remaining.udpPorts.add(p);
    c.taskGroups[r.group] = (c.taskGroups[r.group] ?? 0) + 1;
    c.runningTasksCount += 1;
  }
  return instances.map((i) => out.get(i.arn) ?? i);
}

/** Tasks of the group per value of a key (instance ARN, attribute value...). */
export function countsBy(instances: PlacementInstance[], key: (i: PlacementInstance) => string, group = GROUP): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of instances) m.set(key(i), (m.get(key(i)) ?? 0) + (i.taskGroups[group] ?? 0));
  return m;
}

export function spreadOf(counts: Map<string, number>): number {
  const v = [...counts.values()];
  return v.length === 0 ? 0 : Math.max(...v) - Math.min(...v);
}

// ---------------------------------------------------------------------------------------------------------
// Arbitraries

export const PORTS = [80, 443, 8080];
export const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/** A cluster of 1..8 instances of various sizes, states, zones and ports in use. */
export function clusterArb(opts: { activeOnly?: boolean } = {}): fc.Arbitrary<PlacementInstance[]> {
  const one = fc.record({
    status: opts.activeOnly ? fc.constant('ACTIVE') : fc.constantFrom('ACTIVE', 'ACTIVE', 'ACTIVE', 'DRAINING'),
    agentConnected: opts.activeOnly ? fc.constant(true) : fc.constantFrom(true, true, true, false),
    cpu: fc.integer({ min: 0, max: 2048 }),
    memory: fc.integer({ min: 0, max: 4096 }),
    tcpPorts: fc.subarray(PORTS),
    udpPorts: fc.subarray([53]),
    zone: fc.option(fc.constantFrom(...ZONES), { nil: undefined, freq: 6 }),
    type: fc.constantFrom('m5.large', 'm5.xlarge', 'c5.large'),
    tasks: fc.integer({ min: 0, max: 3 }),
  });
  return fc.array(one, { minLength: 1, maxLength: 8 }).map((xs) =>
    xs.map((x, k) =>
      inst(`i-${k}`, {
        status: x.status,
        agentConnected: x.agentConnected,
        attributes: { ...(x.zone ? { [AZ]: x.zone } : {}), [TYPE]: x.type },
        taskGroups: x.tasks > 0 ? { [GROUP]: x.tasks } : {},
        runningTasksCount: x.tasks,
        remaining: { cpu: x.cpu, memory: x.memory, tcpPorts: x.tcpPorts, udpPorts: x.udpPorts },
      }),
    ),
  );
}

export const needsArb: fc.Arbitrary<TaskResourceNeeds> = fc.record({
  cpu: fc.integer({ min: 0, max: 1024 }),
  memory: fc.integer({ min: 0, max: 2048 }),
  tcpPorts: fc.subarray(PORTS, { maxLength: 2 }),
  udpPorts: fc.subarray([53]),
});

export const strategiesArb = fc.array(
  fc.constantFrom(
    { type: 'random' },
    { type: 'binpack', field: 'cpu' },
    { type: 'binpack', field: 'memory' },
    { type: 'spread', field: 'instanceId' },
    { type: 'spread', field: 'host' },
    { type: 'spread', field: `attribute:${AZ}` },
    { type: 'spread', field: `attribute:${TYPE}` },
  ),
  { maxLength: 3 },
);

export const constraintsArb = fc.array(
  fc.constantFrom(
    { type: 'distinctInstance' },
    { type: 'memberOf', expression: `attribute:${TYPE} =~ m5.*` },
    { type: 'memberOf', expression: `attribute:${AZ} exists` },
    { type: 'memberOf', expression: `not(task:group == ${GROUP})` },
    { type: 'memberOf', expression: 'runningTasksCount < 3' },
  ),
  { maxLength: 2 },
);
