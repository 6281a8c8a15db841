// Placement: filters in ECS's order (AGENT, RESOURCE:CPU, RESOURCE:MEMORY, RESOURCE:PORTS, RESOURCE:PORTS_UDP),
// one failure per ACTIVE instance naming its first failing filter, DRAINING instances never used, no
// overcommit, and a deterministic answer for a given random source.
import t from 'tap';
import fc from 'fast-check';
import { FILTERS, firstFailingFilter, placeTasks, type Candidate } from '../../../../control-plane/src/placement/place-tasks.js';
import { holds, needsOf, remainingOf, seededRandom } from '../fixtures.js';

function candidate(arn: string, over: Partial<Omit<Candidate, 'remaining'>> & { remaining?: Parameters<typeof remainingOf>[0] } = {}): Candidate {
  return { arn, status: over.status ?? 'ACTIVE', agentConnected: over.agentConnected ?? true, remaining: remainingOf(over.remaining) };
}

function cloneCandidates(cs: Candidate[]): Candidate[] {
  return cs.map((c) => ({ ...c, remaining: { ...c.remaining, tcpPorts: new Set(c.remaining.tcpPorts), udpPorts: new Set(c.remaining.udpPorts) } }));
}

const zero = () => 0;

t.test('the filters run in ECS order', async (t) => {
  t.strictSame(
    FILTERS.map((f) => f.reason),
    ['AGENT', 'RESOURCE:CPU', 'RESOURCE:MEMORY', 'RESOURCE:PORTS', 'RESOURCE:PORTS_UDP'],
  );
  for (const f of FILTERS) t.ok(f.explain.length > 0, `${f.reason} explains itself`);
});

t.test('each failure reason, for an instance that fails exactly that filter first', async (t) => {
  const needs = needsOf({ cpu: 256, memory: 512, tcpPorts: [8080], udpPorts: [53] });
  const table: { name: string; c: Candidate; reason: string | undefined }[] = [
    { name: 'fits', c: candidate('i'), reason: undefined },
    { name: 'agent disconnected', c: candidate('i', { agentConnected: false }), reason: 'AGENT' },
    { name: 'not enough CPU', c: candidate('i', { remaining: { cpu: 255 } }), reason: 'RESOURCE:CPU' },
    { name: 'not enough memory', c: candidate('i', { remaining: { memory: 511 } }), reason: 'RESOURCE:MEMORY' },
    { name: 'tcp port in use', c: candidate('i', { remaining: { tcpPorts: [22, 8080] } }), reason: 'RESOURCE:PORTS' },
    { name: 'udp port in use', c: candidate('i', { remaining: { udpPorts: [53] } }), reason: 'RESOURCE:PORTS_UDP' },
    { name: 'the same number in use for the other protocol is no conflict', c: candidate('i', { remaining: { tcpPorts: [53], udpPorts: [8080] } }), reason: undefined },
    // first failing filter wins when several fail
    { name: 'disconnected and full: AGENT first', c: candidate('i', { agentConnected: false, remaining: { cpu: 0, memory: 0, tcpPorts: [8080] } }), reason: 'AGENT' },
    { name: 'no CPU and no memory: CPU first', c: candidate('i', { remaining: { cpu: 0, memory: 0 } }), reason: 'RESOURCE:CPU' },
    { name: 'no memory and port in use: MEMORY first', c: candidate('i', { remaining: { memory: 0, tcpPorts: [8080] } }), reason: 'RESOURCE:MEMORY' },
    { name: 'both port kinds in use: PORTS first', c: candidate('i', { remaining: { tcpPorts: [8080], udpPorts: [53] } }), reason: 'RESOURCE:PORTS' },
    { name: 'exactly enough fits', c: candidate('i', { remaining: { cpu: 256, memory: 512 } }), reason: undefined },
  ];
  for (const row of table) {
    t.equal(firstFailingFilter(row.c, needs)?.reason, row.reason, `firstFailingFilter: ${row.name}`);
    const result = placeTasks([row.c], needs, 1, zero);
    if (row.reason === undefined) {
      t.strictSame(result, { placements: ['i'], failures: [] }, `placeTasks: ${row.name}`);
    } else {
      t.strictSame(result, { placements: [], failures: [{ arn: 'i', reason: row.reason }] }, `placeTasks: ${row.name}`);
    }
  }
});

t.test('a task that needs nothing fits an instance with nothing left', async (t) => {
  t.strictSame(placeTasks([candidate('i', { remaining: { cpu: 0, memory: 0 } })], needsOf(), 1, zero).placements, ['i']);
});

t.test('one failure per ACTIVE instance, in candidate order, each with its first failing filter; DRAINING ones are not listed', async (t) => {
  const needs = needsOf({ cpu: 512, memory: 512, tcpPorts: [80] });
  const cs = [
    candidate('a', { agentConnected: false }),
    candidate('b', { status: 'DRAINING', remaining: { cpu: 0 } }),
    candidate('c', { remaining: { cpu: 100 } }),
    candidate('d', { remaining: { memory: 100 } }),
    candidate('e', { remaining: { tcpPorts: [80] } }),
    candidate('f', { status: 'DRAINING' }),
    candidate('g', { status: 'INACTIVE' }),
  ];
  t.strictSame(placeTasks(cs, needs, 1, zero), {
    placements: [],
    failures: [
      { arn: 'a', reason: 'AGENT' },
      { arn: 'c', reason: 'RESOURCE:CPU' },
      { arn: 'd', reason: 'RESOURCE:MEMORY' },
      { arn: 'e', reason: 'RESOURCE:PORTS' },
    ],
  });
});

t.test('a DRAINING instance with room is never chosen', async (t) => {
  const cs = [candidate('draining', { status: 'DRAINING' }), candidate('full', { remaining: { memory: 0 } })];
  t.strictSame(placeTasks(cs, needsOf({ memory: 10 }), 3, zero), { placements: [], failures: [{ arn: 'full', reason: 'RESOURCE:MEMORY' }] });
});

t.test(
  'when every instance is DRAINING, nothing is placed and the result still says why',
  async (t) => {
    const result = placeTasks([candidate('a', { status: 'DRAINING' })], needsOf(), 2, zero);
    t.strictSame(result.placements, []);
    t.ok(result.failures.length > 0, `failures explain the empty placement: ${JSON.stringify(result.failures)}`);
  },
);

t.test('placing several copies consumes the candidates and stops with failures when room runs out', async (t) => {
  const cs = [candidate('a', { remaining: { cpu: 1024, memory: 1000 } }), candidate('b', { remaining: { cpu: 1024, memory: 600 } })];
  const result = placeTasks(cs, needsOf({ memory: 400 }), 5, zero);
  t.equal(result.placements.length, 3, '2 fit on a, 1 on b');
  t.strictSame([...result.placements].sort(), ['a', 'a', 'b']);
  t.strictSame(result.failures, [
    { arn: 'a', reason: 'RESOURCE:MEMORY' },
    { arn: 'b', reason: 'RESOURCE:MEMORY' },
  ]);
  t.equal(cs[0].remaining.memory, 200, 'the candidate passed in is consumed');
  t.equal(cs[1].remaining.memory, 200);
});

t.test('a task with a static host port goes at most once on each instance', async (t) => {
  const cs = [candidate('a'), candidate('b')];
  const result = placeTasks(cs, needsOf({ tcpPorts: [8080] }), 3, seededRandom(1));
  t.strictSame([...result.placements].sort(), ['a', 'b']);
  t.strictSame(result.failures, [
    { arn: 'a', reason: 'RESOURCE:PORTS' },
    { arn: 'b', reason: 'RESOURCE:PORTS' },
  ]);
});

t.test('the random source picks among the feasible instances only', async (t) => {
  const cs = () => [candidate('full', { remaining: { cpu: 0 } }), candidate('x'), candidate('y'), candidate('z')];
  const needs = needsOf({ cpu: 1 });
  t.strictSame(placeTasks(cs(), needs, 1, () => 0).placements, ['x']);
  t.strictSame(placeTasks(cs(), needs, 1, () => 0.5).placements, ['y']);
  t.strictSame(placeTasks(cs(), needs, 1, () => 0.999999).placements, ['z']);
  t.strictSame(placeTasks(cs(), needs, 1, () => 1).placements, ['z'], 'a source returning 1 still picks a feasible instance');
  const seen = new Set<string>();
  const rnd = seededRandom(3);
  for (let i = 0; i < 200; i++) seen.add(placeTasks(cs(), needs, 1, rnd).placements[0]);
  t.strictSame([...seen].sort(), ['x', 'y', 'z'], 'every feasible instance gets chosen sometimes');
});

t.test('no candidates at all: nothing placed, nothing to explain', async (t) => {
  t.strictSame(placeTasks([], needsOf(), 1, zero), { placements: [], failures: [] });
});

// ---------------------------------------------------------------------------------------------------------
// Properties

const PORTS = [80, 443, 8080, 9000];
const candidateArb = fc.record({
  status: fc.constantFrom('ACTIVE', 'ACTIVE', 'ACTIVE', 'DRAINING', 'INACTIVE'),
  agentConnected: fc.constantFrom(true, true, true, false),
  cpu: fc.integer({ min: 0, max: 4096 }),
  memory: fc.integer({ min: 0, max: 8192 }),
  tcp: fc.subarray(PORTS),
  udp: fc.subarray(PORTS),
});
const needsArb = fc.record({
  cpu: fc.integer({ min: 0, max: 1024 }),
  memory: fc.integer({ min: 0, max: 2048 }),
  tcpPorts: fc.subarray(PORTS, { maxLength: 2 }),
  udpPorts: fc.subarray(PORTS, { maxLength: 1 }),
});
const worldArb = fc.record({
  candidates: fc.array(candidateArb, { maxLength: 8 }),
  needs: needsArb,
  count: fc.integer({ min: 1, max: 10 }),
  seed: fc.integer(),
});

type World = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

function build(w: World): Candidate[] {
  return w.candidates.map((c, i) => ({
    arn: `i-${i}`,
    status: c.status,
    agentConnected: c.agentConnected,
    remaining: remainingOf({ cpu: c.cpu, memory: c.memory, tcpPorts: c.tcp, udpPorts: c.udp }),
  }));
}

t.test('placement never overcommits CPU, memory or static ports, across all count placements', async (t) => {
  holds(
    t,
    fc.property(worldArb, (w) => {
      const before = build(w);
      const result = placeTasks(cloneCandidates(before), w.needs, w.count, seededRandom(w.seed));
      for (const c of before) {
        const n = result.placements.filter((p) => p === c.arn).length;
        if (n === 0) continue;
        if (n * w.needs.cpu > c.remaining.cpu) return false;
        if (n * w.needs.memory > c.remaining.memory) return false;
        if (w.needs.tcpPorts.some((p) => c.remaining.tcpPorts.has(p))) return false;
        if (w.needs.udpPorts.some((p) => c.remaining.udpPorts.has(p))) return false;
        // a static port can be bound by one task only
        if ((w.needs.tcpPorts.length > 0 || w.needs.udpPorts.length > 0) && n > 1) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
});

t.test('only ACTIVE instances with a connected agent are chosen, and only ACTIVE ones are listed in failures while there are any', async (t) => {
  holds(
    t,
    fc.property(worldArb, (w) => {
      const cs = build(w);
      const byArn = new Map(cs.map((c) => [c.arn, c]));
      const result = placeTasks(cloneCandidates(cs), w.needs, w.count, seededRandom(w.seed));
      const active = cs.filter((c) => c.status === 'ACTIVE');
      return (
        result.placements.every((a) => byArn.get(a)!.status === 'ACTIVE' && byArn.get(a)!.agentConnected) &&
        // with no ACTIVE instance at all, each instance's status is the failure reason
        (active.length === 0
          ? result.failures.length === cs.length && result.failures.every((f) => f.reason === byArn.get(f.arn!)!.status)
          : result.failures.every((f) => byArn.get(f.arn!)!.status === 'ACTIVE')) &&
        // all placed, or one failure per ACTIVE instance
        (active.length === 0 ||
          (result.placements.length === w.count
            ? result.failures.length === 0
            : result.failures.length === active.length && new Set(result.failures.map((f) => f.arn)).size === active.length))
      );
    }),
    { numRuns: 500 },
  );
});

t.test('placement stops short only when no ACTIVE instance could take one more copy', async (t) => {
  holds(
    t,
    fc.property(worldArb, (w) => {
      const cs = build(w);
      const result = placeTasks(cs, w.needs, w.count, seededRandom(w.seed));
      if (result.placements.length === w.count) return true;
      // cs was consumed by placeTasks: it now shows what was left when placement gave up.
      return cs.filter((c) => c.status === 'ACTIVE').every((c) => {
        const f = firstFailingFilter(c, w.needs);
        return f !== undefined && result.failures.find((x) => x.arn === c.arn)?.reason === f.reason;
      });
    }),
    { numRuns: 500 },
  );
});

t.test('the same seed gives the same answer', async (t) => {
  holds(
    t,
    fc.property(worldArb, (w) => {
      const a = placeTasks(build(w), w.needs, w.count, seededRandom(w.seed));
      const b = placeTasks(build(w), w.needs, w.count, seededRandom(w.seed));
      return JSON.stringify(a) === JSON.stringify(b);
    }),
  );
});
