// RegisterTaskDefinition, DescribeTaskDefinition, DeregisterTaskDefinition, ListTaskDefinitions,
// ListTaskDefinitionFamilies (the services; validation itself is tested in domain/task-definition*.test.ts).
import t from 'tap';
import {
  deregisterTaskDefinition,
  describeTaskDefinition,
  listTaskDefinitionFamilies,
  listTaskDefinitions,
  registerTaskDefinition,
} from '../../../../control-plane/src/services/task-definitions.js';
import type { Context } from '../../../../control-plane/src/services/context.js';
import {
  containerDefinition,
  listTaskDefinitionFamiliesRequest,
  listTaskDefinitionsRequest,
  registerTaskDefinitionRequest,
  SCOPE,
  T0,
  testContext,
  throwsEcs,
} from '../fixtures.js';

const tdArn = (family: string, rev: number) => `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}:task-definition/${family}:${rev}`;

function register(ctx: Context, family: string) {
  return registerTaskDefinition(ctx, registerTaskDefinitionRequest({ family })).taskDefinition!;
}

t.test('RegisterTaskDefinition numbers revisions 1, 2, 3 per family', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const got = ['web', 'web', 'api', 'web', 'api'].map((f) => register(ctx, f));
  t.strictSame(
    got.map((td) => `${td.family}:${td.revision}`),
    ['web:1', 'web:2', 'api:1', 'web:3', 'api:2'],
  );
  t.strictSame(
    got.map((td) => td.taskDefinitionArn),
    [tdArn('web', 1), tdArn('web', 2), tdArn('api', 1), tdArn('web', 3), tdArn('api', 2)],
  );
  t.ok(got.every((td) => td.status === 'ACTIVE'));
});

t.test('RegisterTaskDefinition returns the whole definition, normalized, with registeredAt and tags', async (t) => {
  const { ctx, clock, close } = testContext();
  t.teardown(close);
  clock.advance(5);
  const res = registerTaskDefinition(
    ctx,
    registerTaskDefinitionRequest({
      family: 'web',
      cpu: '0.25 vCPU',
      memory: '0.5 GB',
      tags: [{ key: 'team', value: 'a' }],
      containerDefinitions: [containerDefinition({ name: 'web', memory: 256 })],
    }),
  );
  const td = res.taskDefinition!;
  t.equal(td.registeredAt, T0 + 5);
  t.equal(td.cpu, '256');
  t.equal(td.memory, '512');
  t.equal(td.networkMode, 'bridge');
  t.strictSame(td.compatibilities, ['EC2', 'EXTERNAL']);
  t.equal(td.containerDefinitions[0].essential, true);
  t.strictSame(res.tags, [{ key: 'team', value: 'a' }]);
});

t.test('RegisterTaskDefinition refuses an invalid definition with ClientException and registers nothing', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  throwsEcs(t, () => registerTaskDefinition(ctx, registerTaskDefinitionRequest({ family: 'bad family' })), 'ClientException', ['bad family']);
  throwsEcs(t, () => registerTaskDefinition(ctx, registerTaskDefinitionRequest({ family: 'web', containerDefinitions: [] })), 'ClientException');
  t.equal(ctx.store.maxRevision('web'), 0);
});

t.test('RegisterTaskDefinition refuses more than 50 tags', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const tags = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  throwsEcs(t, () => registerTaskDefinition(ctx, registerTaskDefinitionRequest({ tags })), 'InvalidParameterException', ['50']);
});

t.test('revision numbers keep counting after deregistration, even of every revision', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  register(ctx, 'web');
  register(ctx, 'web');
  deregisterTaskDefinition(ctx, 'web:2');
  t.equal(register(ctx, 'web').revision, 3);
  for (const r of [1, 2, 3]) deregisterTaskDefinition(ctx, `web:${r}`);
  t.equal(register(ctx, 'web').revision, 4);
});

t.test('DescribeTaskDefinition by family gives the latest ACTIVE revision', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  register(ctx, 'web');
  register(ctx, 'web');
  register(ctx, 'web');
  t.equal(describeTaskDefinition(ctx, 'web', []).taskDefinition!.revision, 3);
  deregisterTaskDefinition(ctx, 'web:3');
  t.equal(describeTaskDefinition(ctx, 'web', []).taskDefinition!.revision, 2, 'an INACTIVE latest revision is skipped');
  deregisterTaskDefinition(ctx, 'web:1');
  deregisterTaskDefinition(ctx, 'web:2');
  throwsEcs(t, () => describeTaskDefinition(ctx, 'web', []), 'ClientException');
});

t.test('DescribeTaskDefinition by family:revision and by ARN, including INACTIVE revisions', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  register(ctx, 'web');
  register(ctx, 'web');
  deregisterTaskDefinition(ctx, 'web:1');
  const byRev = describeTaskDefinition(ctx, 'web:1', []).taskDefinition!;
  t.equal(byRev.revision, 1);
  t.equal(byRev.status, 'INACTIVE');
  const byArn = describeTaskDefinition(ctx, tdArn('web', 2), []).taskDefinition!;
  t.equal(byArn.revision, 2);
  t.equal(byArn.status, 'ACTIVE');
});

t.test('DescribeTaskDefinition of what does not exist, or of nothing, is ClientException', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  register(ctx, 'web');
  const table = ['ghost', 'web:2', tdArn('web', 9), ''];
  for (const ref of table) throwsEcs(t, () => describeTaskDefinition(ctx, ref, []), 'ClientException');
  // a malformed reference: its exception class is pinned down by domain/task-definition*.test.ts
  throwsEcs(t, () => describeTaskDefinition(ctx, 'web:0', []), ['ClientException', 'InvalidParameterException'], ['revision']);
});

t.test('DescribeTaskDefinition returns tags only when TAGS is included', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  registerTaskDefinition(ctx, registerTaskDefinitionRequest({ tags: [{ key: 'k', value: 'v' }] }));
  t.strictSame(describeTaskDefinition(ctx, 'web', []).tags, []);
  t.strictSame(describeTaskDefinition(ctx, 'web', ['TAGS']).tags, [{ key: 'k', value: 'v' }]);
});

t.test('DeregisterTaskDefinition needs a revision', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  register(ctx, 'web');
  throwsEcs(t, () => deregisterTaskDefinition(ctx, 'web'), 'ClientException', ['revision']);
  throwsEcs(t, () => deregisterTaskDefinition(ctx, ''), 'ClientException');
  t.equal(describeTaskDefinition(ctx, 'web:1', []).taskDefinition!.status, 'ACTIVE');
});

t.test('DeregisterTaskDefinition marks the revision INACTIVE with deregisteredAt; a second call is harmless', async (t) => {
  const { ctx, clock, close } = testContext();
  t.teardown(close);
  register(ctx, 'web');
  clock.advance(30);
  const first = deregisterTaskDefinition(ctx, tdArn('web', 1)).taskDefinition;
  t.equal(first.status, 'INACTIVE');
  t.equal(first.deregisteredAt, T0 + 30);
  clock.advance(30);
  const second = deregisterTaskDefinition(ctx, 'web:1').taskDefinition;
  t.strictSame(second, first, 'unchanged, deregisteredAt included');
});

t.test('DeregisterTaskDefinition of an unknown revision is ClientException', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  register(ctx, 'web');
  throwsEcs(t, () => deregisterTaskDefinition(ctx, 'web:2'), 'ClientException');
  throwsEcs(t, () => deregisterTaskDefinition(ctx, 'ghost:1'), 'ClientException');
});

// ---------------------------------------------------------------------------------------------------------
// ListTaskDefinitions

function world(ctx: Context): void {
  // web:1..3 (2 INACTIVE), web-api:1..2, api:1 (INACTIVE), worker:1
  for (const f of ['web', 'web', 'web', 'web-api', 'web-api', 'api', 'worker']) register(ctx, f);
  deregisterTaskDefinition(ctx, 'web:2');
  deregisterTaskDefinition(ctx, 'api:1');
}

t.test('ListTaskDefinitions lists ACTIVE revisions by family then revision, ASC by default, DESC reversed', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  world(ctx);
  const asc = [tdArn('web', 1), tdArn('web', 3), tdArn('web-api', 1), tdArn('web-api', 2), tdArn('worker', 1)];
  t.strictSame(listTaskDefinitions(ctx, listTaskDefinitionsRequest()).taskDefinitionArns, asc);
  t.strictSame(listTaskDefinitions(ctx, listTaskDefinitionsRequest({ sort: 'ASC', status: 'ACTIVE' })).taskDefinitionArns, asc);
  t.strictSame(listTaskDefinitions(ctx, listTaskDefinitionsRequest({ sort: 'DESC' })).taskDefinitionArns, [...asc].reverse());
});

t.test('ListTaskDefinitions status INACTIVE lists the deregistered revisions', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  world(ctx);
  t.strictSame(listTaskDefinitions(ctx, listTaskDefinitionsRequest({ status: 'INACTIVE' })).taskDefinitionArns, [tdArn('api', 1), tdArn('web', 2)]);
});

t.test('ListTaskDefinitions orders revisions numerically (10 after 9)', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  for (let i = 0; i < 11; i++) register(ctx, 'web');
  const arns = listTaskDefinitions(ctx, listTaskDefinitionsRequest()).taskDefinitionArns;
  t.strictSame(
    arns.map((a) => Number(a.split(':').pop())),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  );
});

t.test('ListTaskDefinitions familyPrefix selects the family', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  world(ctx);
  t.strictSame(listTaskDefinitions(ctx, listTaskDefinitionsRequest({ familyPrefix: 'worker' })).taskDefinitionArns, [tdArn('worker', 1)]);
  t.strictSame(listTaskDefinitions(ctx, listTaskDefinitionsRequest({ familyPrefix: 'nothing' })).taskDefinitionArns, []);
});

t.test(
  'ListTaskDefinitions familyPrefix is the full family name: `web` does not list `web-api`',
  async (t) => {
    const { ctx, close } = testContext();
    t.teardown(close);
    world(ctx);
    t.strictSame(listTaskDefinitions(ctx, listTaskDefinitionsRequest({ familyPrefix: 'web' })).taskDefinitionArns, [tdArn('web', 1), tdArn('web', 3)]);
  },
);

t.test('ListTaskDefinitions pages with maxResults and nextToken', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  world(ctx);
  const all = listTaskDefinitions(ctx, listTaskDefinitionsRequest()).taskDefinitionArns;
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = listTaskDefinitions(ctx, listTaskDefinitionsRequest({ maxResults: 2, nextToken: token }));
    t.ok(page.taskDefinitionArns.length <= 2);
    seen.push(...page.taskDefinitionArns);
    token = page.nextToken;
    pages++;
  } while (token);
  t.equal(pages, 3);
  t.strictSame(seen, all);
  const desc = listTaskDefinitions(ctx, listTaskDefinitionsRequest({ sort: 'DESC', maxResults: 1 }));
  t.strictSame(desc.taskDefinitionArns, [tdArn('worker', 1)]);
});

t.test('ListTaskDefinitions refuses bad parameters with InvalidParameterException', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  world(ctx);
  const table: [string, Parameters<typeof listTaskDefinitionsRequest>[0], string[]][] = [
    ['maxResults 0', { maxResults: 0 }, ['maxResults']],
    ['maxResults 101', { maxResults: 101 }, ['maxResults']],
    ['a token it never gave', { nextToken: 'garbage' }, ['nextToken']],
    ['status ALL', { status: 'ALL' }, ["'ALL'", 'ACTIVE, INACTIVE']],
    ['lowercase status', { status: 'active' }, ["'active'"]],
    ['sort sideways', { sort: 'UP' }, ["'UP'", 'ASC, DESC']],
  ];
  for (const [name, req, fragments] of table) {
    t.comment(name);
    throwsEcs(t, () => listTaskDefinitions(ctx, listTaskDefinitionsRequest(req)), 'InvalidParameterException', fragments);
  }
});

// ---------------------------------------------------------------------------------------------------------
// ListTaskDefinitionFamilies

t.test('ListTaskDefinitionFamilies status filters: ACTIVE has an ACTIVE revision, INACTIVE has none, ALL is both', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  world(ctx);
  deregisterTaskDefinition(ctx, 'worker:1');
  const list = (status?: string) => listTaskDefinitionFamilies(ctx, listTaskDefinitionFamiliesRequest({ status })).families;
  t.strictSame(list('ACTIVE'), ['web', 'web-api'], 'web has one INACTIVE revision but is still ACTIVE');
  t.strictSame(list('INACTIVE'), ['api', 'worker']);
  t.strictSame(list('ALL'), ['api', 'web', 'web-api', 'worker']);
});

t.test(
  'ListTaskDefinitionFamilies without a status lists ACTIVE and INACTIVE families',
  async (t) => {
    const { ctx, close } = testContext();
    t.teardown(close);
    world(ctx);
    t.strictSame(listTaskDefinitionFamilies(ctx, listTaskDefinitionFamiliesRequest()).families, ['api', 'web', 'web-api', 'worker']);
  },
);

t.test('a family comes back to ACTIVE when a new revision is registered', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  register(ctx, 'web');
  deregisterTaskDefinition(ctx, 'web:1');
  t.strictSame(listTaskDefinitionFamilies(ctx, listTaskDefinitionFamiliesRequest({ status: 'ACTIVE' })).families, []);
  register(ctx, 'web');
  t.strictSame(listTaskDefinitionFamilies(ctx, listTaskDefinitionFamiliesRequest({ status: 'ACTIVE' })).families, ['web']);
});

t.test('ListTaskDefinitionFamilies familyPrefix matches the start of the family name', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  world(ctx);
  t.strictSame(listTaskDefinitionFamilies(ctx, listTaskDefinitionFamiliesRequest({ familyPrefix: 'web', status: 'ALL' })).families, ['web', 'web-api']);
  t.strictSame(listTaskDefinitionFamilies(ctx, listTaskDefinitionFamiliesRequest({ familyPrefix: 'eb', status: 'ALL' })).families, []);
});

t.test('ListTaskDefinitionFamilies pages, and refuses bad status, token and maxResults', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  world(ctx);
  const p1 = listTaskDefinitionFamilies(ctx, listTaskDefinitionFamiliesRequest({ status: 'ALL', maxResults: 3 }));
  t.strictSame(p1.families, ['api', 'web', 'web-api']);
  const p2 = listTaskDefinitionFamilies(ctx, listTaskDefinitionFamiliesRequest({ status: 'ALL', maxResults: 3, nextToken: p1.nextToken }));
  t.strictSame(p2.families, ['worker']);
  t.equal(p2.nextToken, undefined);
  throwsEcs(t, () => listTaskDefinitionFamilies(ctx, listTaskDefinitionFamiliesRequest({ status: 'DELETED' })), 'InvalidParameterException', ["'DELETED'"]);
  throwsEcs(t, () => listTaskDefinitionFamilies(ctx, listTaskDefinitionFamiliesRequest({ maxResults: 0 })), 'InvalidParameterException');
  throwsEcs(t, () => listTaskDefinitionFamilies(ctx, listTaskDefinitionFamiliesRequest({ nextToken: 'nope' })), 'InvalidParameterException');
});

// requiresAttributes (issue 5): one com.amazonaws.ecs.capability.logging-driver.<driver> per distinct log
// driver, as ECS fills them; stored with the revision and returned by DescribeTaskDefinition.
t.test('RegisterTaskDefinition fills requiresAttributes with each distinct log driver; Describe returns them', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const cap = (d: string) => ({ name: `com.amazonaws.ecs.capability.logging-driver.${d}` });
  const cases: { name: string; drivers: (string | undefined)[]; want: { name: string }[] }[] = [
    { name: 'no logConfiguration', drivers: [undefined], want: [] },
    { name: 'one json-file', drivers: ['json-file'], want: [cap('json-file')] },
    { name: 'awsfirelens and a container without logConfiguration', drivers: ['awsfirelens', undefined], want: [cap('awsfirelens')] },
    { name: 'distinct, in first-use order', drivers: ['syslog', 'json-file', 'syslog', undefined, 'none'], want: [cap('syslog'), cap('json-file'), cap('none')] },
  ];
  for (const [i, tc] of cases.entries()) {
    const family = `f${i}`;
    const containerDefinitions = tc.drivers.map((d, k) =>
      containerDefinition({
        name: `c${k}`,
        ...(d === undefined ? {} : { logConfiguration: { logDriver: d, options: d === 'awsfirelens' ? { Name: 'file' } : {} } }),
      }),
    );
    const registered = registerTaskDefinition(ctx, registerTaskDefinitionRequest({ family, containerDefinitions })).taskDefinition!;
    t.strictSame(registered.requiresAttributes, tc.want, `${tc.name}: RegisterTaskDefinition`);
    t.strictSame(describeTaskDefinition(ctx, `${family}:1`, []).taskDefinition!.requiresAttributes, tc.want, `${tc.name}: DescribeTaskDefinition`);
    t.strictSame(ctx.store.getTaskDefinition(family, 1)!.taskDefinition.requiresAttributes, tc.want, `${tc.name}: stored with the revision`);
  }
});

t.test('a revision stored before requiresAttributes existed gets them when read', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const td = registerTaskDefinition(
    ctx,
    registerTaskDefinitionRequest({ family: 'old', containerDefinitions: [containerDefinition({ logConfiguration: { logDriver: 'syslog', options: {} } })] }),
  ).taskDefinition!;
  const rec = ctx.store.getTaskDefinition('old', 1)!;
  ctx.store.putTaskDefinition({ ...rec, taskDefinition: { ...td, requiresAttributes: [] } });
  const want = [{ name: 'com.amazonaws.ecs.capability.logging-driver.syslog' }];
  t.strictSame(describeTaskDefinition(ctx, 'old', []).taskDefinition!.requiresAttributes, want);
  t.strictSame(deregisterTaskDefinition(ctx, 'old:1').taskDefinition.requiresAttributes, want);
});

t.test('RegisterTaskDefinition refuses a bad awsfirelens option with InvalidParameterException and registers nothing', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const req = registerTaskDefinitionRequest({
    family: 'web',
    containerDefinitions: [containerDefinition({ name: 'app', logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'file', 'include-pattern': '(' } } })],
  });
  throwsEcs(t, () => registerTaskDefinition(ctx, req), 'InvalidParameterException', [
    "Invalid 'logConfiguration' setting for container 'app'. options.include-pattern: Invalid regular expression: /(/: Unterminated group",
  ]);
  t.equal(ctx.store.maxRevision('web'), 0);
});
