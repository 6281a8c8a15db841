// place(): the filter pipeline (agent, resources, then constraints), the failures RunTask answers, the
// per-filter explanations and the closest matching instance, bookkeeping across the tasks of one request,
// and the caller's instances left untouched.
import t from 'tap';
import { DISTINCT_INSTANCE_UNSATISFIED, MEMBER_OF_UNSATISFIED, place, unplacedMessage } from '../../../../control-plane/src/placement/engine.js';
import { evaluateQuery, parseQuery } from '../../../../control-plane/src/placement/query/index.js';
import type { PlacementConstraintSpec, PlacementInstance } from '../../../../control-plane/src/placement/types.js';
import { seededRandom } from '../fixtures.js';
import { AZ, deepSnapshot, GROUP, inst, req, TYPE } from './engine-fixtures.js';

const zero = () => 0;
const memberOf = (expression: string): PlacementConstraintSpec => ({ type: 'memberOf', expression });
const distinct: PlacementConstraintSpec = { type: 'distinctInstance' };

t.test('the pipeline: AGENT, ATTRIBUTE, the resources in ECS order, then the constraints in the order given', async (t) => {
  const out = place([inst('a')], req({ constraints: [distinct, memberOf('attribute:stack == prod'), memberOf('runningTasksCount < 5')] }), zero);
  t.strictSame(
    out.filters.map((f) => f.filter),
    [
      'AGENT',
      'ATTRIBUTE',
      'RESOURCE:CPU',
      'RESOURCE:MEMORY',
      'RESOURCE:PORTS',
      'RESOURCE:PORTS_UDP',
      'distinctInstance',
      'memberOf(attribute:stack == prod)',
      'memberOf(runningTasksCount < 5)',
    ],
  );
});

t.test('each failure reason and closest sentence, for an instance that fails exactly that filter first', async (t) => {
  const needs = { cpu: 256, memory: 512, tcpPorts: [8080], udpPorts: [53] };
  const table: {
    name: string;
    i: PlacementInstance;
    constraints?: PlacementConstraintSpec[];
    failure: { arn?: string; reason: string } | undefined;
    closest?: string;
  }[] = [
    { name: 'fits', i: inst('i'), failure: undefined },
    { name: 'exactly enough fits', i: inst('i', { remaining: { cpu: 256, memory: 512 } }), failure: undefined },
    { name: 'agent disconnected', i: inst('i', { agentConnected: false }), failure: { arn: 'i', reason: 'AGENT' }, closest: 'encountered error "AGENT"' },
    { name: 'not enough CPU', i: inst('i', { remaining: { cpu: 255 } }), failure: { arn: 'i', reason: 'RESOURCE:CPU' }, closest: 'has insufficient CPU units available' },
    { name: 'not enough memory', i: inst('i', { remaining: { memory: 511 } }), failure: { arn: 'i', reason: 'RESOURCE:MEMORY' }, closest: 'has insufficient memory available' },
    {
      name: 'TCP port in use',
      i: inst('i', { remaining: { tcpPorts: [22, 8080] } }),
      failure: { arn: 'i', reason: 'RESOURCE:PORTS' },
      closest: 'is already using a port required by your task',
    },
    {
      name: 'UDP port in use',
      i: inst('i', { remaining: { udpPorts: [53] } }),
      failure: { arn: 'i', reason: 'RESOURCE:PORTS_UDP' },
      closest: 'is already using a port required by your task',
    },
    { name: 'the same number in use for the other protocol is no conflict', i: inst('i', { remaining: { tcpPorts: [53], udpPorts: [8080] } }), failure: undefined },
    {
      name: 'memberOf not matched',
      i: inst('i', { attributes: { stack: 'dev' } }),
      constraints: [memberOf('attribute:stack == prod')],
      failure: { reason: MEMBER_OF_UNSATISFIED },
      closest: 'encountered error "MemberOf placement constraint unsatisfied."',
    },
    {
      name: 'distinctInstance: a task of the group already there',
      i: inst('i', { taskGroups: { [GROUP]: 1 } }),
      constraints: [distinct],
      failure: { reason: DISTINCT_INSTANCE_UNSATISFIED },
      closest: 'encountered error "DistinctInstance placement constraint unsatisfied."',
    },
    { name: 'distinctInstance: tasks of other groups do not count', i: inst('i', { taskGroups: { 'family:db': 2 } }), constraints: [distinct], failure: undefined },
    // The first failing filter wins.
    { name: 'disconnected and full: AGENT', i: inst('i', { agentConnected: false, remaining: { cpu: 0, memory: 0, tcpPorts: [8080] } }), failure: { arn: 'i', reason: 'AGENT' } },
    { name: 'no CPU and no memory: CPU', i: inst('i', { remaining: { cpu: 0, memory: 0 } }), failure: { arn: 'i', reason: 'RESOURCE:CPU' } },
    { name: 'no memory and a port in use: MEMORY', i: inst('i', { remaining: { memory: 0, tcpPorts: [8080] } }), failure: { arn: 'i', reason: 'RESOURCE:MEMORY' } },
    { name: 'both port kinds in use: PORTS', i: inst('i', { remaining: { tcpPorts: [8080], udpPorts: [53] } }), failure: { arn: 'i', reason: 'RESOURCE:PORTS' } },
    {
      name: 'resources before constraints',
      i: inst('i', { remaining: { memory: 0 }, taskGroups: { [GROUP]: 1 } }),
      constraints: [distinct, memberOf('attribute:stack == prod')],
      failure: { arn: 'i', reason: 'RESOURCE:MEMORY' },
    },
    {
      name: 'constraints in the order given',
      i: inst('i', { taskGroups: { [GROUP]: 1 } }),
      constraints: [memberOf('attribute:stack == prod'), distinct],
      failure: { reason: MEMBER_OF_UNSATISFIED },
    },
  ];
  for (const row of table) {
    const out = place([row.i], req({ needs, constraints: row.constraints ?? [] }), zero);
    if (row.failure === undefined) {
      t.strictSame(out.placements, ['i'], `${row.name}: placed`);
      t.strictSame(out.failures, [], `${row.name}: no failures`);
      t.equal(out.closest, undefined, `${row.name}: no closest`);
      continue;
    }
    t.strictSame(out.placements, [], `${row.name}: not placed`);
    t.equal(out.failures.length, 1, `${row.name}: one failure`);
    t.match(out.failures[0], row.failure, `${row.name}: ${JSON.stringify(out.failures)}`);
    if (row.failure.arn === undefined) t.equal(out.failures[0].arn, 'i', `${row.name}: a constraint failure names the closest matching instance`);
    t.equal(out.closest?.arn, 'i', `${row.name}: the closest is the only instance`);
    if (row.closest) t.equal(out.closest?.explanation, row.closest, `${row.name}: closest explanation`);
  }
});

t.test('failures: one per instance for AGENT and resources (in the caller order), then one per constraint that rejected instances', async (t) => {
  const instances = [
    inst('a', { agentConnected: false }),
    inst('b', { status: 'DRAINING', remaining: { cpu: 0 } }),
    inst('c', { remaining: { cpu: 100 } }),
    inst('d', { attributes: { stack: 'dev' } }),
    inst('e', { remaining: { memory: 100 } }),
    inst('f', { attributes: { stack: 'prod' }, taskGroups: { [GROUP]: 1 } }),
    inst('g', { attributes: { stack: 'qa' } }),
    inst('h', { status: 'INACTIVE' }),
  ];
  const out = place(instances, req({ needs: { cpu: 512, memory: 512 }, constraints: [memberOf('attribute:stack == prod'), distinct] }), zero);
  t.strictSame(out.placements, []);
  t.equal(out.candidateCount, 6, 'ACTIVE instances only');
  t.strictSame(
    out.failures.map((f) => [f.arn, f.reason]),
    [
      ['a', 'AGENT'],
      ['c', 'RESOURCE:CPU'],
      ['e', 'RESOURCE:MEMORY'],
      [out.closest?.arn, MEMBER_OF_UNSATISFIED],
      [out.closest?.arn, DISTINCT_INSTANCE_UNSATISFIED],
    ],
  );
  t.equal(out.failures[3].detail, 'memberOf(attribute:stack == prod): expression not matched on 2 instances');
  t.equal(out.failures[4].detail, 'distinctInstance: already running a task of group family:web on 1 instance');
});

t.test('each filter explains how many and which instances it rejected; an instance is rejected by its first failing filter only', async (t) => {
  const instances = [
    inst('a', { remaining: { memory: 100 } }),
    inst('b', { remaining: { memory: 100, cpu: 0 } }),
    inst('c', { remaining: { memory: 100 } }),
    inst('d', { remaining: { memory: 100 } }),
    inst('e', { agentConnected: false, remaining: { memory: 100 } }),
    inst('f', { remaining: { tcpPorts: [80, 443] } }),
    inst('g', { remaining: { udpPorts: [53] }, attributes: { [TYPE]: 'c5.large' } }),
    inst('h', { attributes: { [TYPE]: 'c5.large' } }),
  ];
  const out = place(
    instances,
    req({ needs: { cpu: 10, memory: 200, tcpPorts: [80, 443], udpPorts: [53] }, constraints: [memberOf(`attribute:${TYPE} =~ m5.*`)] }),
    zero,
  );
  t.strictSame(out.filters, [
    { filter: 'AGENT', rejected: ['e'], explanation: 'agent not connected on 1 instance' },
    { filter: 'ATTRIBUTE', rejected: [], explanation: 'no instances rejected' },
    { filter: 'RESOURCE:CPU', rejected: ['b'], explanation: 'insufficient CPU units available on 1 instance' },
    { filter: 'RESOURCE:MEMORY', rejected: ['a', 'c', 'd'], explanation: 'insufficient memory available on 3 instances' },
    { filter: 'RESOURCE:PORTS', rejected: ['f'], explanation: 'TCP one of ports 80, 443 already in use on 1 instance' },
    { filter: 'RESOURCE:PORTS_UDP', rejected: ['g'], explanation: 'UDP port 53 already in use on 1 instance' },
    { filter: `memberOf(attribute:${TYPE} =~ m5.*)`, rejected: ['h'], explanation: 'expression not matched on 1 instance' },
  ]);
  t.strictSame(out.closest, { arn: 'h', explanation: `encountered error "${MEMBER_OF_UNSATISFIED}"` }, 'h got furthest');
});

t.test('a filter that rejects nothing says so', async (t) => {
  const out = place([inst('a'), inst('b')], req({ needs: { memory: 10 } }), zero);
  t.ok(out.filters.every((f) => f.rejected.length === 0 && f.explanation === 'no instances rejected'), JSON.stringify(out.filters));
});

t.test('closest: the instance that got furthest down the pipeline, then the one passing the most filters, then the first', async (t) => {
  const needs = { cpu: 100, memory: 100, tcpPorts: [80] };
  const table: { name: string; instances: PlacementInstance[]; closest: string }[] = [
    {
      name: 'a later first failure wins',
      instances: [inst('cpu', { remaining: { cpu: 0 } }), inst('ports', { remaining: { tcpPorts: [80] } }), inst('memory', { remaining: { memory: 0 } })],
      closest: 'ports',
    },
    {
      name: 'the same first failure: the one failing fewer filters in all',
      instances: [inst('cpu-and-ports', { remaining: { cpu: 0, tcpPorts: [80] } }), inst('cpu-only', { remaining: { cpu: 0 } })],
      closest: 'cpu-only',
    },
    { name: 'a full tie: the first in the caller order', instances: [inst('x', { remaining: { cpu: 0 } }), inst('y', { remaining: { cpu: 0 } })], closest: 'x' },
  ];
  for (const row of table) t.equal(place(row.instances, req({ needs }), zero).closest?.arn, row.closest, row.name);
});

t.test('filters describe the first task that could not be placed, or the first task when all were placed', async (t) => {
  const instances = [inst('a', { remaining: { memory: 1000 } }), inst('b', { remaining: { memory: 300 } })];
  const all = place(instances, req({ needs: { memory: 400 }, count: 2 }), zero);
  t.strictSame(all.placements.length, 2);
  t.strictSame(all.filters.find((f) => f.filter === 'RESOURCE:MEMORY')?.rejected, ['b'], 'as the first task saw it');
  t.equal(all.closest, undefined, 'no closest when everything was placed');

  const some = place(instances, req({ needs: { memory: 400 }, count: 5 }), zero);
  t.strictSame(some.placements, ['a', 'a']);
  t.strictSame(some.filters.find((f) => f.filter === 'RESOURCE:MEMORY')?.rejected, ['a', 'b'], 'as the third task saw it');
  t.strictSame(some.failures, [
    { arn: 'a', reason: 'RESOURCE:MEMORY' },
    { arn: 'b', reason: 'RESOURCE:MEMORY' },
  ]);
  t.equal(some.closest?.explanation, 'has insufficient memory available');
});

t.test('DRAINING and other non-ACTIVE instances are never candidates', async (t) => {
  const out = place([inst('draining', { status: 'DRAINING' }), inst('full', { remaining: { memory: 0 } })], req({ needs: { memory: 10 }, count: 3 }), zero);
  t.strictSame(out.placements, []);
  t.strictSame(out.failures, [{ arn: 'full', reason: 'RESOURCE:MEMORY' }], 'the DRAINING one is not listed when an ACTIVE one exists');
  t.equal(out.candidateCount, 1);
  t.ok(out.filters.every((f) => !f.rejected.includes('draining')));

  const none = place([inst('a', { status: 'DRAINING' }), inst('b', { status: 'INACTIVE' })], req({ count: 2 }), zero);
  t.strictSame(none.placements, []);
  t.strictSame(none.failures, [
    { arn: 'a', reason: 'DRAINING' },
    { arn: 'b', reason: 'INACTIVE' },
  ], 'with no ACTIVE instance, each instance status is the reason');
  t.equal(none.candidateCount, 0);
  t.equal(none.closest, undefined);

  t.strictSame(place([], req(), zero), { placements: [], failures: [], filters: place([], req(), zero).filters, candidateCount: 0 }, 'no instances at all');
});

t.test('later tasks see earlier ones: CPU, memory and ports are consumed as tasks are placed', async (t) => {
  const table: { name: string; i: PlacementInstance; needs: NonNullable<Parameters<typeof req>[0]>['needs']; placed: number; reason: string }[] = [
    { name: 'memory', i: inst('i', { remaining: { memory: 1000 } }), needs: { memory: 400 }, placed: 2, reason: 'RESOURCE:MEMORY' },
    { name: 'CPU', i: inst('i', { remaining: { cpu: 1000 } }), needs: { cpu: 250 }, placed: 4, reason: 'RESOURCE:CPU' },
    { name: 'a static TCP host port: once per instance', i: inst('i'), needs: { tcpPorts: [8080] }, placed: 1, reason: 'RESOURCE:PORTS' },
    { name: 'a static UDP host port: once per instance', i: inst('i'), needs: { udpPorts: [53] }, placed: 1, reason: 'RESOURCE:PORTS_UDP' },
  ];
  for (const row of table) {
    const out = place([row.i], req({ needs: row.needs, count: 10 }), zero);
    t.equal(out.placements.length, row.placed, `${row.name}: ${row.placed} placed`);
    t.strictSame(out.failures, [{ arn: 'i', reason: row.reason }], `${row.name}: then ${row.reason}`);
  }
  t.equal(place([inst('i')], req({ needs: {}, count: 10 }), zero).placements.length, 10, 'dynamic ports only: no limit from ports');
  t.strictSame(place([inst('i', { remaining: { cpu: 0, memory: 0 } })], req(), zero).placements, ['i'], 'a task that needs nothing fits an instance with nothing left');
});

t.test('distinctInstance: each task of the group on a different instance, those already running included', async (t) => {
  const three = [inst('a'), inst('b'), inst('c')];
  const out = place(three, req({ count: 4, constraints: [distinct] }), seededRandom(7));
  t.equal(out.placements.length, 3, '3 placed');
  t.strictSame([...out.placements].sort(), ['a', 'b', 'c'], 'one per instance');
  t.strictSame(
    out.failures,
    [{ arn: out.closest?.arn, reason: DISTINCT_INSTANCE_UNSATISFIED, detail: 'distinctInstance: already running a task of group family:web on 3 instances' }],
    '1 failure, naming the closest matching instance',
  );
  t.ok(out.closest?.arn);

  const busy = [inst('a', { taskGroups: { [GROUP]: 1 } }), inst('b', { taskGroups: { 'family:other': 3 } }), inst('c')];
  t.strictSame([...place(busy, req({ count: 2, constraints: [distinct] }), zero).placements].sort(), ['b', 'c']);
});

t.test('memberOf: the expression on the instance facts', async (t) => {
  const instances = [
    inst('m5-a', { attributes: { [TYPE]: 'm5.large', [AZ]: 'us-east-1a' } }),
    inst('c5-a', { attributes: { [TYPE]: 'c5.large', [AZ]: 'us-east-1a' } }),
    inst('m5-b', { attributes: { [TYPE]: 'm5.xlarge', [AZ]: 'us-east-1b' }, taskGroups: { 'service:db': 1 } }),
  ];
  const table: { expression: string; allowed: string[] }[] = [
    { expression: `attribute:${TYPE} =~ m5.*`, allowed: ['m5-a', 'm5-b'] },
    { expression: `attribute:${AZ} == us-east-1a and attribute:${TYPE} =~ m5.*`, allowed: ['m5-a'] },
    { expression: `attribute:${AZ} in [us-east-1b, us-east-1c]`, allowed: ['m5-b'] },
    { expression: 'task:group == service:db', allowed: ['m5-b'] },
    { expression: 'not(task:group == service:db)', allowed: ['m5-a', 'c5-a'] },
    { expression: 'ec2InstanceId == host-c5-a', allowed: ['c5-a'] },
  ];
  for (const row of table) {
    const seen = new Set<string>();
    const rnd = seededRandom(1);
    for (let k = 0; k < 30; k++) for (const arn of place(instances, req({ constraints: [memberOf(row.expression)] }), rnd).placements) seen.add(arn);
    t.strictSame([...seen].sort(), [...row.allowed].sort(), row.expression);
  }
});

t.test('memberOf sees the tasks placed earlier in the same request (task:group, runningTasksCount)', async (t) => {
  const three = () => [inst('a'), inst('b'), inst('c')];
  const antiAffinity = place(three(), req({ count: 4, constraints: [memberOf(`not(task:group == ${GROUP})`)] }), zero);
  t.strictSame([...antiAffinity.placements].sort(), ['a', 'b', 'c'], 'not(task:group == own group) spreads like distinctInstance');
  t.strictSame(antiAffinity.failures.map((f) => f.reason), [MEMBER_OF_UNSATISFIED]);

  const empty = place(three(), req({ count: 4, constraints: [memberOf('runningTasksCount == 0')], strategies: [{ type: 'binpack', field: 'memory' }] }), zero);
  t.strictSame([...empty.placements].sort(), ['a', 'b', 'c'], 'runningTasksCount counts the tasks placed by this request');

  const affinity = place([inst('a'), inst('b', { taskGroups: { [GROUP]: 1 } })], req({ count: 3, constraints: [memberOf(`task:group == ${GROUP}`)] }), zero);
  t.strictSame(affinity.placements, ['b', 'b', 'b'], 'affinity to the own group stays where the group is');
});

t.test('memberOf is evaluated once per instance per call, plus once for an instance each time it receives a task', async (t) => {
  const expression = `attribute:${TYPE} =~ m5.*`;
  let perEvaluation = 0;
  const probe = counting(inst('probe', { attributes: { [TYPE]: 'm5.large' } }), () => perEvaluation++);
  evaluateQuery(parseQuery(expression), probe);
  t.ok(perEvaluation > 0, 'the expression reads the attributes');

  let reads = 0;
  const instances = Array.from({ length: 20 }, (_, k) =>
    counting(inst(`i${k}`, { attributes: { [TYPE]: k % 2 ? 'm5.large' : 'c5.large' }, remaining: { memory: 1000 + k } }), () => reads++),
  );
  const out = place(instances, req({ needs: { memory: 10 }, count: 5, constraints: [memberOf(expression)], strategies: [{ type: 'binpack', field: 'memory' }] }), zero);
  t.strictSame(out.placements, ['i1', 'i1', 'i1', 'i1', 'i1']);
  // 20 evaluations at the start; i1's facts are copied once (one read) when it gets its first task, and
  // the later evaluations for i1 read the copy.
  t.equal(reads, 20 * perEvaluation + 1);
});

/** The instance, with its attributes behind a getter that counts reads. */
function counting(i: PlacementInstance, onRead: () => void): PlacementInstance {
  const attributes = i.attributes;
  const out = { ...i } as PlacementInstance;
  Object.defineProperty(out, 'attributes', {
    enumerable: true,
    get: () => {
      onRead();
      return attributes;
    },
  });
  return out;
}

t.test("the caller's instances are not modified", async (t) => {
  const instances = [
    inst('a', { attributes: { [TYPE]: 'm5.large', [AZ]: 'us-east-1a' }, taskGroups: { [GROUP]: 1 }, runningTasksCount: 1, remaining: { tcpPorts: [22] } }),
    inst('b', { attributes: { [TYPE]: 'm5.large', [AZ]: 'us-east-1b' } }),
    inst('c', { status: 'DRAINING' }),
  ];
  const before = deepSnapshot(instances);
  const out = place(
    instances,
    req({
      needs: { cpu: 10, memory: 10, tcpPorts: [80], udpPorts: [53] },
      count: 3,
      constraints: [memberOf(`attribute:${TYPE} =~ m5.*`)],
      strategies: [{ type: 'spread', field: `attribute:${AZ}` }, { type: 'binpack', field: 'cpu' }],
    }),
    zero,
  );
  t.equal(out.placements.length, 2);
  t.strictSame(deepSnapshot(instances), before);
});

t.test('count 0 places nothing and fails nothing; filters describe a first task', async (t) => {
  const out = place([inst('a', { remaining: { memory: 0 } })], req({ needs: { memory: 1 }, count: 0 }), zero);
  t.strictSame(out.placements, []);
  t.strictSame(out.failures, []);
  t.strictSame(out.filters.find((f) => f.filter === 'RESOURCE:MEMORY')?.rejected, ['a']);
});

t.test("an unplaced task is explained with ECS's sentence naming the closest matching instance", async (t) => {
  const out = place([inst('0123456789abcdef0123456789abcdef', { remaining: { memory: 100 } })], req({ needs: { memory: 512 } }), zero);
  t.equal(
    unplacedMessage(out),
    'no container instance met all of its requirements. The closest matching (container-instance 0123456789abcdef0123456789abcdef) has insufficient memory available.',
  );
  t.equal(unplacedMessage(place([inst('a')], req({ needs: { memory: 1 } }), zero)), undefined, 'nothing to explain when all fit');
});
