// requiresAttributes through the services: RunTask, StartTask and ExplainPlacement place only on instances
// with every attribute the task definition requires (RunTask's failure reason ATTRIBUTE, ExplainPlacement's
// ATTRIBUTE filter and ECS's sentence), and CreateService's deployment carries them to the scheduler.
import t from 'tap';
import { explainPlacement, runTask, startTask } from '../../../../control-plane/src/services/run-task.js';
import { createService } from '../../../../control-plane/src/services/service-api.js';
import { resourceId } from '../../../../control-plane/src/domain/arn.js';
import { addInstance, addTaskDefinition, runTaskRequest, testContext } from '../fixtures.js';

const SYSLOG = 'com.amazonaws.ecs.capability.logging-driver.syslog';
const JSON_FILE = 'com.amazonaws.ecs.capability.logging-driver.json-file';
const syslog = { logConfiguration: { logDriver: 'syslog', options: {} } };

t.test('RunTask: placed only where the log driver capability is; elsewhere ATTRIBUTE', async (t) => {
  const table: { name: string; attrs: string[]; placed: boolean }[] = [
    { name: 'instance with the capability', attrs: [JSON_FILE, SYSLOG], placed: true },
    { name: 'instance without it', attrs: [JSON_FILE], placed: false },
    { name: 'instance with no attributes', attrs: [], placed: false },
  ];
  for (const row of table) {
    const { ctx, close } = testContext();
    t.teardown(close);
    const inst = addInstance(ctx, { memory: 10_000, attributes: row.attrs.map((name) => ({ name })) });
    addTaskDefinition(ctx, 'web', { memory: 16, ...syslog });
    const res = runTask(ctx, runTaskRequest());
    if (row.placed) {
      t.equal(res.tasks.length, 1, `${row.name}: placed`);
      t.strictSame(res.failures, [], `${row.name}: no failures`);
    } else {
      t.equal(res.tasks.length, 0, `${row.name}: not placed`);
      t.strictSame(res.failures, [{ arn: inst, reason: 'ATTRIBUTE', detail: `missing attribute ${SYSLOG}` }], `${row.name}: ATTRIBUTE`);
    }
  }
});

t.test('RunTask: a task definition without logConfiguration requires nothing', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx, { memory: 10_000 });
  addTaskDefinition(ctx, 'web', { memory: 16 });
  t.equal(runTask(ctx, runTaskRequest()).tasks.length, 1);
});

t.test('RunTask chooses among instances with the attribute', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const without = addInstance(ctx, { memory: 10_000 });
  const withIt = addInstance(ctx, { memory: 10_000, attributes: [{ name: SYSLOG }] });
  addTaskDefinition(ctx, 'web', { memory: 16, ...syslog });
  const res = runTask(ctx, runTaskRequest({ count: 4 }));
  t.equal(res.tasks.length, 4);
  t.ok(res.tasks.every((x) => x.containerInstanceArn === withIt), 'every task on the instance with the attribute');
  t.notOk(res.tasks.some((x) => x.containerInstanceArn === without));
});

t.test('StartTask: the named instance must have the attributes', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const without = addInstance(ctx, { memory: 10_000 });
  const withIt = addInstance(ctx, { memory: 10_000, attributes: [{ name: SYSLOG }] });
  addTaskDefinition(ctx, 'web', { memory: 16, ...syslog });
  const res = startTask(ctx, { taskDefinition: 'web', containerInstances: [without, withIt], tags: [] });
  t.strictSame(res.tasks.map((x) => x.containerInstanceArn), [withIt]);
  t.strictSame(res.failures, [{ arn: without, reason: 'ATTRIBUTE', detail: `missing attribute ${SYSLOG}` }]);
});

t.test("ExplainPlacement shows the ATTRIBUTE filter and ECS's sentence", async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const inst = addInstance(ctx, { memory: 10_000, attributes: [{ name: JSON_FILE }] });
  addTaskDefinition(ctx, 'web', { memory: 16, ...syslog });
  const res = explainPlacement(ctx, { taskDefinition: 'web', placementConstraints: [], placementStrategy: [] });
  t.strictSame(res.placements, []);
  t.strictSame(res.filters.map((f) => f.filter).slice(0, 3), ['AGENT', 'ATTRIBUTE', 'RESOURCE:CPU']);
  t.strictSame(res.filters[1], { filter: 'ATTRIBUTE', rejectedCount: 1, rejected: [inst], explanation: `missing attribute ${SYSLOG} on 1 instance` });
  t.equal(
    res.message,
    `no container instance met all of its requirements. The closest matching (container-instance ${resourceId(inst)}) is missing an attribute required by your task.`,
  );
});

t.test("CreateService: the deployment carries the task definition's requiresAttributes", async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx, { memory: 10_000 });
  addTaskDefinition(ctx, 'web', { memory: 16, ...syslog });
  createService(ctx, { serviceName: 'web', taskDefinition: 'web', desiredCount: 1, placementConstraints: [], placementStrategy: [], tags: [] });
  const svc = ctx.store.listServices('default').find((s) => s.name === 'web')!;
  t.strictSame(svc.deployments[0].requiredAttributes, [SYSLOG]);
});
