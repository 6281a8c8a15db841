// place() and the task definition's requiresAttributes: an instance lacking any required attribute is
// rejected by the ATTRIBUTE filter (after AGENT, before the resources), RunTask's failure reason is
// ATTRIBUTE with a detail naming the attribute, and the service event sentence says the closest matching
// instance "is missing an attribute required by your task".
import t from 'tap';
import { place, unplacedMessage } from '../../../../control-plane/src/placement/engine.js';
import type { PlacementInstance } from '../../../../control-plane/src/placement/types.js';
import { inst, req } from './engine-fixtures.js';

const zero = () => 0;
const SYSLOG = 'com.amazonaws.ecs.capability.logging-driver.syslog';
const FIRELENS = 'com.amazonaws.ecs.capability.logging-driver.awsfirelens';
const ID = '0123456789abcdef0123456789abcdef';
const ARN = `arn:aws:ecs:us-east-1:123456789012:container-instance/default/${ID}`;

t.test('ATTRIBUTE: each case, for one instance', async (t) => {
  const table: {
    name: string;
    i: PlacementInstance;
    required: string[] | undefined;
    failure?: { reason: string; detail?: string };
  }[] = [
    { name: 'nothing required', i: inst('i'), required: undefined },
    { name: 'nothing required (empty)', i: inst('i'), required: [] },
    { name: 'the attribute present, without a value (a capability)', i: inst('i', { attributes: { [SYSLOG]: null } }), required: [SYSLOG] },
    { name: 'the attribute present, with a value', i: inst('i', { attributes: { [SYSLOG]: 'x' } }), required: [SYSLOG] },
    { name: 'two required, both present', i: inst('i', { attributes: { [SYSLOG]: null, [FIRELENS]: null } }), required: [FIRELENS, SYSLOG] },
    { name: 'required twice', i: inst('i', { attributes: { [SYSLOG]: null } }), required: [SYSLOG, SYSLOG] },
    { name: 'the attribute missing', i: inst('i'), required: [SYSLOG], failure: { reason: 'ATTRIBUTE', detail: `missing attribute ${SYSLOG}` } },
    {
      name: 'one of two missing: the detail names the missing one',
      i: inst('i', { attributes: { [FIRELENS]: null } }),
      required: [FIRELENS, SYSLOG],
      failure: { reason: 'ATTRIBUTE', detail: `missing attribute ${SYSLOG}` },
    },
    {
      name: 'attribute names are exact',
      i: inst('i', { attributes: { 'com.amazonaws.ecs.capability.logging-driver.SYSLOG': null } }),
      required: [SYSLOG],
      failure: { reason: 'ATTRIBUTE' },
    },
    // The first failing filter wins: AGENT before ATTRIBUTE before the resources.
    { name: 'disconnected and missing: AGENT', i: inst('i', { agentConnected: false }), required: [SYSLOG], failure: { reason: 'AGENT' } },
    { name: 'missing and full: ATTRIBUTE', i: inst('i', { remaining: { cpu: 0, memory: 0 } }), required: [SYSLOG], failure: { reason: 'ATTRIBUTE' } },
    { name: 'present and full: RESOURCE:CPU', i: inst('i', { attributes: { [SYSLOG]: null }, remaining: { cpu: 0 } }), required: [SYSLOG], failure: { reason: 'RESOURCE:CPU' } },
  ];
  for (const row of table) {
    const out = place([row.i], req({ needs: { cpu: 100, memory: 100 }, requiredAttributes: row.required }), zero);
    if (!row.failure) {
      t.strictSame(out.placements, ['i'], `${row.name}: placed`);
      t.strictSame(out.failures, [], `${row.name}: no failures`);
      continue;
    }
    t.strictSame(out.placements, [], `${row.name}: not placed`);
    t.equal(out.failures.length, 1, `${row.name}: one failure`);
    t.match(out.failures[0], { arn: 'i', ...row.failure }, `${row.name}: ${JSON.stringify(out.failures)}`);
    if (row.failure.reason !== 'ATTRIBUTE') t.equal(out.failures[0].detail, undefined, `${row.name}: no detail`);
  }
});

t.test('the ATTRIBUTE filter report and failures over several instances', async (t) => {
  const instances = [
    inst('a', { agentConnected: false }),
    inst('b'),
    inst('c', { attributes: { [SYSLOG]: null }, remaining: { memory: 0 } }),
    inst('d', { attributes: { [FIRELENS]: null } }),
    inst('e', { status: 'DRAINING' }),
  ];
  const out = place(instances, req({ needs: { memory: 100 }, requiredAttributes: [SYSLOG, FIRELENS] }), zero);
  t.strictSame(out.placements, []);
  t.strictSame(
    out.filters.filter((f) => f.rejected.length > 0),
    [
      { filter: 'AGENT', rejected: ['a'], explanation: 'agent not connected on 1 instance' },
      { filter: 'ATTRIBUTE', rejected: ['b', 'c', 'd'], explanation: `missing one of the attributes ${SYSLOG}, ${FIRELENS} on 3 instances` },
    ],
  );
  t.strictSame(out.failures, [
    { arn: 'a', reason: 'AGENT' },
    { arn: 'b', reason: 'ATTRIBUTE', detail: `missing attribute ${SYSLOG}` },
    { arn: 'c', reason: 'ATTRIBUTE', detail: `missing attribute ${FIRELENS}` },
    { arn: 'd', reason: 'ATTRIBUTE', detail: `missing attribute ${SYSLOG}` },
  ]);
});

t.test('one required attribute: the explanation names it', async (t) => {
  const out = place([inst('a'), inst('b', { attributes: { [SYSLOG]: null } })], req({ requiredAttributes: [SYSLOG] }), zero);
  t.strictSame(out.placements, ['b']);
  t.strictSame(out.filters.find((f) => f.filter === 'ATTRIBUTE'), { filter: 'ATTRIBUTE', rejected: ['a'], explanation: `missing attribute ${SYSLOG} on 1 instance` });
});

t.test("unplacedMessage: ECS's sentence for an instance missing an attribute", async (t) => {
  const out = place([inst(ARN)], req({ requiredAttributes: [SYSLOG] }), zero);
  t.equal(out.closest?.explanation, 'is missing an attribute required by your task');
  t.equal(
    unplacedMessage(out),
    `no container instance met all of its requirements. The closest matching (container-instance ${ID}) is missing an attribute required by your task.`,
  );
});

t.test('the closest instance: one that has the attributes but is full beats one that lacks them', async (t) => {
  const out = place(
    [inst('lacks'), inst('full', { attributes: { [SYSLOG]: null }, remaining: { memory: 0 } })],
    req({ needs: { memory: 100 }, requiredAttributes: [SYSLOG] }),
    zero,
  );
  t.equal(out.closest?.arn, 'full');
  t.equal(out.closest?.explanation, 'has insufficient memory available');
});

t.test('required attributes hold for every task of a request', async (t) => {
  const instances = [inst('a'), inst('b', { attributes: { [SYSLOG]: null } }), inst('c'), inst('d', { attributes: { [SYSLOG]: 'v' } })];
  const out = place(instances, req({ count: 6, requiredAttributes: [SYSLOG], strategies: [{ type: 'spread', field: 'instanceId' }] }), zero);
  t.equal(out.placements.length, 6);
  t.ok(out.placements.every((arn) => arn === 'b' || arn === 'd'), out.placements.join());
});
