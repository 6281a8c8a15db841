// RunTask, StopTask, DescribeTasks, ListTasks, in process against an in-memory store.
import t from 'tap';
import { createCluster, deleteCluster } from '../../../../control-plane/src/services/clusters.js';
import { applyTaskReport } from '../../../../control-plane/src/services/agents.js';
import { deregisterContainerInstance, updateContainerInstancesState } from '../../../../control-plane/src/services/container-instances.js';
import { deregisterTaskDefinition } from '../../../../control-plane/src/services/task-definitions.js';
import { runTask } from '../../../../control-plane/src/services/run-task.js';
import { describeTasks, listTasks, stopTask } from '../../../../control-plane/src/services/tasks.js';
import type { Context } from '../../../../control-plane/src/services/context.js';
import { resourceId } from '../../../../control-plane/src/domain/arn.js';
import {
  addInstance,
  addTaskDefinition,
  containerOverride,
  createClusterRequest,
  listTasksRequest,
  portMapping,
  runTaskRequest,
  SCOPE,
  stopTaskRequest,
  T0,
  taskOverride,
  taskStateChange,
  testContext,
  throwsEcs,
} from '../fixtures.js';

const ARN_PREFIX = `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}`;

const byArn = <T extends { arn?: string }>(xs: T[]) => [...xs].sort((x, y) => (x.arn ?? '').localeCompare(y.arn ?? ''));
const sorted = (xs: string[]) => [...xs].sort();

/** Reports the task's state as its agent would, with the next seq. */
let seq = 0;
function report(ctx: Context, task: { taskArn: string; containerInstanceArn?: string }, status: string) {
  return applyTaskReport(ctx, task.containerInstanceArn!, taskStateChange({ taskArn: task.taskArn, status, seq: ++seq }));
}

// ---------------------------------------------------------------------------------------------------------
// RunTask: request checks

t.test('RunTask refuses count 0 and 11, and takes 1 and 10', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx, { cpu: 10_000, memory: 10_000 });
  addTaskDefinition(ctx, 'web', { memory: 16 });
  for (const count of [0, 11, -1]) {
    throwsEcs(t, () => runTask(ctx, runTaskRequest({ count })), 'InvalidParameterException', ['count', '1', '10']);
  }
  t.equal(runTask(ctx, runTaskRequest({ count: 1 })).tasks.length, 1);
  t.equal(runTask(ctx, runTaskRequest({ count: 10 })).tasks.length, 10);
  t.equal(runTask(ctx, runTaskRequest()).tasks.length, 1, 'count defaults to 1');
});

t.test('RunTask refuses requests this control plane cannot honour', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  const table: [string, Parameters<typeof runTaskRequest>[0], string[]][] = [
    ['no task definition', { taskDefinition: '' }, ['taskDefinition']],
    ['startedBy over 128 characters', { startedBy: 'x'.repeat(129) }, ['startedBy', '128']],
    ['an empty group', { group: '' }, ['group']],
    ['a group over 255 characters', { group: 'g'.repeat(256) }, ['group']],
    ['FARGATE', { launchType: 'FARGATE' }, ["'FARGATE'"]],
    ['an unknown placement constraint type', { placementConstraints: [{ type: 'sameInstance' }] }, ['placementConstraints']],
    ['a malformed memberOf expression', { placementConstraints: [{ type: 'memberOf', expression: 'attribute:a ==' }] }, ['expression']],
    ['an unknown placement strategy field', { placementStrategy: [{ type: 'binpack', field: 'disk' }] }, ['placementStrategy']],
  ];
  for (const [name, req, fragments] of table) {
    t.comment(name);
    throwsEcs(t, () => runTask(ctx, runTaskRequest(req)), 'InvalidParameterException', fragments);
  }
  t.equal(ctx.store.listTasks({ cluster: 'default' }).length, 0, 'nothing was created');
  t.equal(runTask(ctx, runTaskRequest({ launchType: 'EXTERNAL' })).tasks.length, 1, 'EXTERNAL is accepted');
});

t.test('RunTask on an unknown or deleted cluster is ClusterNotFoundException', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addTaskDefinition(ctx);
  throwsEcs(t, () => runTask(ctx, runTaskRequest({ cluster: 'ghost' })), 'ClusterNotFoundException');
  throwsEcs(t, () => runTask(ctx, runTaskRequest()), 'ClusterNotFoundException');
  createCluster(ctx, createClusterRequest({ clusterName: 'gone' }));
  deleteCluster(ctx, 'gone');
  throwsEcs(t, () => runTask(ctx, runTaskRequest({ cluster: 'gone' })), 'ClusterNotFoundException');
});

t.test('RunTask on a cluster without container instances is InvalidParameterException', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addTaskDefinition(ctx);
  createCluster(ctx, createClusterRequest({ clusterName: 'empty' }));
  throwsEcs(t, () => runTask(ctx, runTaskRequest({ cluster: 'empty' })), 'InvalidParameterException', ['No Container Instances']);
  const arn = addInstance(ctx, { cluster: 'empty' });
  deregisterContainerInstance(ctx, 'empty', arn, false);
  throwsEcs(t, () => runTask(ctx, runTaskRequest({ cluster: 'empty' })), 'InvalidParameterException', ['No Container Instances']);
});

t.test('RunTask of an unknown or INACTIVE task definition is ClientException', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  throwsEcs(t, () => runTask(ctx, runTaskRequest({ taskDefinition: 'ghost' })), 'ClientException');
  throwsEcs(t, () => runTask(ctx, runTaskRequest({ taskDefinition: 'web:2' })), 'ClientException');
  deregisterTaskDefinition(ctx, 'web:1');
  throwsEcs(t, () => runTask(ctx, runTaskRequest({ taskDefinition: 'web:1' })), 'ClientException', ['inactive']);
  throwsEcs(t, () => runTask(ctx, runTaskRequest({ taskDefinition: 'web' })), 'ClientException');
});

// ---------------------------------------------------------------------------------------------------------
// RunTask: the tasks it creates

t.test('RunTask creates a PROVISIONING task shaped as ECS returns it', async (t) => {
  const { ctx, clock, close } = testContext();
  t.teardown(close);
  const inst = addInstance(ctx, { attributes: [{ name: 'ecs.availability-zone', value: 'lab-a' }] });
  const tdArn = addTaskDefinition(ctx, 'web', { cpu: 128, memory: 256, memoryReservation: 64 });
  clock.advance(10);
  const res = runTask(ctx, runTaskRequest({ startedBy: 'ci', tags: [{ key: 'k', value: 'v' }] }));
  t.strictSame(res.failures, []);
  const task = res.tasks[0];
  t.match(task.taskArn, new RegExp(`^${ARN_PREFIX}:task/default/[0-9a-f]{32}$`));
  t.equal(task.clusterArn, `${ARN_PREFIX}:cluster/default`);
  t.equal(task.taskDefinitionArn, tdArn);
  t.equal(task.containerInstanceArn, inst);
  t.equal(task.lastStatus, 'PROVISIONING');
  t.equal(task.desiredStatus, 'RUNNING');
  t.equal(task.createdAt, T0 + 10);
  t.equal(task.version, 1);
  t.equal(task.launchType, 'EC2');
  t.equal(task.startedBy, 'ci');
  t.equal(task.group, 'family:web', 'group defaults to family:<family>');
  t.equal(task.availabilityZone, 'lab-a');
  t.strictSame(task.tags, [{ key: 'k', value: 'v' }]);
  t.equal(task.enableExecuteCommand, false);
  t.equal(task.containers.length, 1);
  const c = task.containers[0];
  t.equal(c.name, 'web');
  t.equal(c.image, 'busybox');
  t.equal(c.lastStatus, 'PENDING');
  t.equal(c.taskArn, task.taskArn);
  t.match(c.containerArn, new RegExp(`^${ARN_PREFIX}:container/default/${resourceId(task.taskArn)}/[0-9a-f]{32}$`));
  t.equal(c.cpu, '128');
  t.equal(c.memory, '256');
  t.equal(c.memoryReservation, '64');
  t.strictSame(task.overrides?.containerOverrides, [{ name: 'web', command: [], environment: [] }]);
});

t.test('RunTask keeps a given group', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  t.equal(runTask(ctx, runTaskRequest({ group: 'batch' })).tasks[0].group, 'batch');
});

t.test('RunTask tells the agent notifier about every task it placed', async (t) => {
  const { ctx, notifier, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx, 'web', { memory: 16 });
  const { tasks } = runTask(ctx, runTaskRequest({ count: 3 }));
  t.strictSame(
    notifier.changed.map((r) => r.arn),
    tasks.map((x) => x.taskArn),
  );
  t.ok(notifier.changed.every((r) => r.task.desiredStatus === 'RUNNING' && r.family === 'web' && r.revision === 1));
});

t.test('RunTask places on any instance with room, at random', async (t) => {
  const { ctx, close } = testContext({ seed: 1 });
  t.teardown(close);
  const a = addInstance(ctx, { cpu: 10_000, memory: 10_000 });
  const b = addInstance(ctx, { cpu: 10_000, memory: 10_000 });
  addTaskDefinition(ctx, 'web', { memory: 16 });
  const { tasks } = runTask(ctx, runTaskRequest({ count: 10 }));
  const used = new Set(tasks.map((x) => x.containerInstanceArn));
  t.strictSame([...used].sort(), [a, b].sort());
});

t.test('RunTask accounts for earlier tasks: two calls cannot overcommit memory', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const inst = addInstance(ctx, { cpu: 4096, memory: 1000 });
  addTaskDefinition(ctx, 'web', { memory: 400 });
  const first = runTask(ctx, runTaskRequest({ count: 2 }));
  t.equal(first.tasks.length, 2);
  const second = runTask(ctx, runTaskRequest());
  t.strictSame(second.tasks, []);
  t.strictSame(second.failures, [{ arn: inst, reason: 'RESOURCE:MEMORY' }]);
  // a STOPPED task gives its memory back
  report(ctx, first.tasks[0], 'STOPPED');
  t.equal(runTask(ctx, runTaskRequest()).tasks.length, 1);
});

t.test('RunTask places what fits and reports a failure per instance when memory runs out', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const a = addInstance(ctx, { memory: 1000 });
  const b = addInstance(ctx, { memory: 500 });
  addTaskDefinition(ctx, 'web', { memory: 400 });
  const res = runTask(ctx, runTaskRequest({ count: 5 }));
  t.equal(res.tasks.length, 3);
  t.strictSame(byArn(res.failures), byArn([
    { arn: a, reason: 'RESOURCE:MEMORY' },
    { arn: b, reason: 'RESOURCE:MEMORY' },
  ]));
  t.equal(ctx.store.listTasks({ cluster: 'default' }).length, 3);
});

t.test('RunTask accounts for CPU and static host ports across calls', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const inst = addInstance(ctx, { cpu: 1024, memory: 10_000 });
  addTaskDefinition(ctx, 'cpu', { cpu: 600, memory: 16 });
  addTaskDefinition(ctx, 'port', { memory: 16, portMappings: [portMapping({ containerPort: 80, hostPort: 8080 })] });
  t.equal(runTask(ctx, runTaskRequest({ taskDefinition: 'cpu' })).tasks.length, 1);
  t.strictSame(runTask(ctx, runTaskRequest({ taskDefinition: 'cpu' })).failures, [{ arn: inst, reason: 'RESOURCE:CPU' }]);
  t.equal(runTask(ctx, runTaskRequest({ taskDefinition: 'port' })).tasks.length, 1);
  t.strictSame(runTask(ctx, runTaskRequest({ taskDefinition: 'port' })).failures, [{ arn: inst, reason: 'RESOURCE:PORTS' }]);
});

t.test('RunTask reports AGENT for an instance whose agent is disconnected', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const inst = addInstance(ctx, { connected: false });
  addTaskDefinition(ctx);
  t.strictSame(runTask(ctx, runTaskRequest()), { tasks: [], failures: [{ arn: inst, reason: 'AGENT' }] });
});

t.test('RunTask never places on a DRAINING instance', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const draining = addInstance(ctx, { memory: 10_000 });
  const active = addInstance(ctx, { memory: 10_000 });
  updateContainerInstancesState(ctx, undefined, [draining], 'DRAINING');
  addTaskDefinition(ctx, 'web', { memory: 16 });
  const { tasks } = runTask(ctx, runTaskRequest({ count: 10 }));
  t.ok(tasks.every((x) => x.containerInstanceArn === active));
});

t.test(
  'RunTask on a cluster whose instances are all DRAINING says why nothing was placed',
  async (t) => {
    const { ctx, close } = testContext();
    t.teardown(close);
    const inst = addInstance(ctx);
    updateContainerInstancesState(ctx, undefined, [inst], 'DRAINING');
    addTaskDefinition(ctx);
    let res: ReturnType<typeof runTask> | undefined;
    let err: unknown;
    try {
      res = runTask(ctx, runTaskRequest());
    } catch (e) {
      err = e;
    }
    t.ok(err !== undefined || (res !== undefined && res.failures.length > 0), `refused or explained: ${JSON.stringify(res)}`);
  },
);

t.test('RunTask applies container overrides to what the agent runs and shows them on the task', async (t) => {
  const { ctx, notifier, close } = testContext();
  t.teardown(close);
  const inst = addInstance(ctx, { memory: 1000 });
  addTaskDefinition(ctx, 'web', {
    memory: 100,
    command: ['httpd', '-f'],
    environment: [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ],
  });
  const overrides = taskOverride({
    containerOverrides: [
      containerOverride({ name: 'web', command: ['sleep', '60'], environment: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }], memory: 600 }),
    ],
  });
  const { tasks } = runTask(ctx, runTaskRequest({ overrides }));
  const rec = ctx.store.getTask(tasks[0].taskArn)!;
  t.strictSame(rec.containers[0].command, ['sleep', '60']);
  t.strictSame(rec.containers[0].environment, [
    { name: 'A', value: '1' },
    { name: 'B', value: 'two' },
    { name: 'C', value: '3' },
  ]);
  t.equal(rec.containers[0].memory, 600);
  t.equal(rec.needs.memory, 600, 'the overridden memory is what the task holds');
  t.equal(tasks[0].containers[0].memory, '600');
  t.strictSame(tasks[0].overrides?.containerOverrides, overrides.containerOverrides);
  t.strictSame(notifier.changed[0].containers[0].command, ['sleep', '60']);
  // the override counts against the instance: 600 + 600 > 1000
  t.strictSame(runTask(ctx, runTaskRequest({ overrides })).failures, [{ arn: inst, reason: 'RESOURCE:MEMORY' }]);
  // the task definition is untouched
  t.equal(runTask(ctx, runTaskRequest()).tasks.length, 1);
});

t.test('RunTask refuses an override for a container the task definition does not have', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  const overrides = taskOverride({ containerOverrides: [containerOverride({ name: 'ghost' })] });
  throwsEcs(t, () => runTask(ctx, runTaskRequest({ overrides })), 'InvalidParameterException', ['ghost']);
});

t.test(
  'a task-level memory override is what the task holds on its instance',
  async (t) => {
    const { ctx, close } = testContext();
    t.teardown(close);
    const inst = addInstance(ctx, { memory: 1000 });
    addTaskDefinition(ctx, 'web', { memory: 100 }, { memory: '256' });
    const res = runTask(ctx, runTaskRequest({ overrides: taskOverride({ memory: '1500' }) }));
    t.strictSame(res.failures, [{ arn: inst, reason: 'RESOURCE:MEMORY' }]);
  },
);

// ---------------------------------------------------------------------------------------------------------
// StopTask

t.test('StopTask asks the task to stop: desiredStatus STOPPED, the reason, UserInitiated, stoppingAt', async (t) => {
  const { ctx, clock, notifier, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  report(ctx, task, 'RUNNING');
  clock.advance(20);
  notifier.changed.length = 0;
  const stopped = stopTask(ctx, stopTaskRequest({ task: task.taskArn, reason: 'deploying' })).task;
  t.equal(stopped.desiredStatus, 'STOPPED');
  t.equal(stopped.lastStatus, 'RUNNING', 'the agent moves lastStatus, not StopTask');
  t.equal(stopped.stoppedReason, 'deploying');
  t.equal(stopped.stopCode, 'UserInitiated');
  t.equal(stopped.stoppingAt, T0 + 20);
  t.equal(notifier.changed.length, 1, 'the agent notifier is told');
  t.equal(notifier.changed[0].task.desiredStatus, 'STOPPED');
  t.equal(ctx.store.getTask(task.taskArn)!.task.desiredStatus, 'STOPPED', 'and it is stored');
});

t.test('StopTask without a reason uses ECS\'s default wording', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  t.equal(stopTask(ctx, stopTaskRequest({ task: task.taskArn })).task.stoppedReason, 'Task stopped by user');
});

t.test('StopTask takes the task id as well as its ARN', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  t.equal(stopTask(ctx, stopTaskRequest({ task: resourceId(task.taskArn) })).task.taskArn, task.taskArn);
});

t.test('StopTask twice is harmless: the first reason stays, nothing else changes', async (t) => {
  const { ctx, clock, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  const first = stopTask(ctx, stopTaskRequest({ task: task.taskArn, reason: 'first' })).task;
  clock.advance(5);
  const second = stopTask(ctx, stopTaskRequest({ task: task.taskArn, reason: 'second' })).task;
  t.strictSame(second, first);
});

t.test('StopTask of a task that is already STOPPED does not bother the agent', async (t) => {
  const { ctx, notifier, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  report(ctx, task, 'STOPPED');
  notifier.changed.length = 0;
  const res = stopTask(ctx, stopTaskRequest({ task: task.taskArn }));
  t.equal(res.task.lastStatus, 'STOPPED');
  t.strictSame(notifier.changed, []);
});

t.test('StopTask of an unknown task, or one of another cluster, is InvalidParameterException', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  createCluster(ctx, createClusterRequest({ clusterName: 'other' }));
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  throwsEcs(t, () => stopTask(ctx, stopTaskRequest({ task: '0123456789abcdef0123456789abcdef' })), 'InvalidParameterException', ['task']);
  throwsEcs(t, () => stopTask(ctx, stopTaskRequest({ task: `${ARN_PREFIX}:task/default/ffff` })), 'InvalidParameterException');
  throwsEcs(t, () => stopTask(ctx, stopTaskRequest({ cluster: 'other', task: task.taskArn })), 'InvalidParameterException');
  throwsEcs(t, () => stopTask(ctx, stopTaskRequest({ task: '' })), 'InvalidParameterException', ['task']);
  throwsEcs(t, () => stopTask(ctx, stopTaskRequest({ task: task.taskArn, reason: 'r'.repeat(256) })), 'InvalidParameterException', ['255']);
  throwsEcs(t, () => stopTask(ctx, stopTaskRequest({ cluster: 'ghost', task: task.taskArn })), 'ClusterNotFoundException');
  t.equal(ctx.store.getTask(task.taskArn)!.task.desiredStatus, 'RUNNING');
});

// ---------------------------------------------------------------------------------------------------------
// DescribeTasks

t.test('DescribeTasks returns known tasks and a MISSING failure with the full ARN for the rest', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  const ghostArn = `${ARN_PREFIX}:task/default/ffffffffffffffffffffffffffffffff`;
  const res = describeTasks(ctx, undefined, [resourceId(task.taskArn), 'abc', ghostArn]);
  t.strictSame(
    res.tasks.map((x) => x.taskArn),
    [task.taskArn],
  );
  t.strictSame(res.failures, [
    { arn: `${ARN_PREFIX}:task/default/abc`, reason: 'MISSING' },
    { arn: ghostArn, reason: 'MISSING' },
  ]);
});

t.test('DescribeTasks shows a task of another cluster as MISSING', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  createCluster(ctx, createClusterRequest({ clusterName: 'other' }));
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  t.strictSame(describeTasks(ctx, 'other', [task.taskArn]), { tasks: [], failures: [{ arn: task.taskArn, reason: 'MISSING' }] });
});

t.test('DescribeTasks refuses an empty or oversized list and an unknown cluster', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest());
  throwsEcs(t, () => describeTasks(ctx, undefined, []), 'InvalidParameterException');
  throwsEcs(t, () => describeTasks(ctx, undefined, Array.from({ length: 101 }, (_, i) => `t${i}`)), 'InvalidParameterException', ['100']);
  throwsEcs(t, () => describeTasks(ctx, 'ghost', ['x']), 'ClusterNotFoundException');
});

t.test('DescribeTasks shows what the agent reported', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  report(ctx, task, 'RUNNING');
  t.equal(describeTasks(ctx, undefined, [task.taskArn]).tasks[0].lastStatus, 'RUNNING');
});

// ---------------------------------------------------------------------------------------------------------
// ListTasks

interface ListWorld {
  ctx: Context;
  a: string;
  b: string;
  web: string[];
  worker: string[];
  ci: string;
  stopped: string;
}

/** Instance a runs web x2 (one of them started by ci); b runs worker x2, one of them stopped by the user. */
function listWorld(ctx: Context): ListWorld {
  const a = addInstance(ctx, { memory: 10_000 });
  const b = addInstance(ctx, { memory: 10_000 });
  updateContainerInstancesState(ctx, undefined, [b], 'DRAINING');
  addTaskDefinition(ctx, 'web', { memory: 16 });
  addTaskDefinition(ctx, 'worker', { memory: 16 });
  const web = [runTask(ctx, runTaskRequest()).tasks[0].taskArn, runTask(ctx, runTaskRequest({ startedBy: 'ci' })).tasks[0].taskArn];
  updateContainerInstancesState(ctx, undefined, [b], 'ACTIVE');
  updateContainerInstancesState(ctx, undefined, [a], 'DRAINING');
  const worker = runTask(ctx, runTaskRequest({ taskDefinition: 'worker', count: 2 })).tasks.map((x) => x.taskArn);
  updateContainerInstancesState(ctx, undefined, [a], 'ACTIVE');
  stopTask(ctx, stopTaskRequest({ task: worker[1] }));
  return { ctx, a, b, web, worker, ci: web[1], stopped: worker[1] };
}

t.test('ListTasks lists tasks whose desiredStatus is RUNNING by default', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const w = listWorld(ctx);
  t.strictSame(sorted(listTasks(ctx, listTasksRequest()).taskArns), sorted([...w.web, w.worker[0]]));
  t.strictSame(sorted(listTasks(ctx, listTasksRequest({ desiredStatus: 'RUNNING' })).taskArns), sorted([...w.web, w.worker[0]]));
});

t.test('ListTasks desiredStatus STOPPED lists the tasks asked to stop', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const w = listWorld(ctx);
  t.strictSame(listTasks(ctx, listTasksRequest({ desiredStatus: 'STOPPED' })).taskArns, [w.stopped]);
});

t.test('ListTasks desiredStatus PENDING lists nothing, as in ECS', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  listWorld(ctx);
  t.strictSame(listTasks(ctx, listTasksRequest({ desiredStatus: 'PENDING' })).taskArns, []);
});

t.test('ListTasks filters by family, startedBy and containerInstance (ARN or id)', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const w = listWorld(ctx);
  const table: [string, Parameters<typeof listTasksRequest>[0], string[]][] = [
    ['family web', { family: 'web' }, w.web],
    ['family worker', { family: 'worker' }, [w.worker[0]]],
    ['family worker, STOPPED', { family: 'worker', desiredStatus: 'STOPPED' }, [w.stopped]],
    ['unknown family', { family: 'ghost' }, []],
    ['startedBy ci', { startedBy: 'ci' }, [w.ci]],
    ['instance a by ARN', { containerInstance: w.a }, w.web],
    ['instance b by id', { containerInstance: resourceId(w.b) }, [w.worker[0]]],
    ['family and instance', { family: 'web', containerInstance: w.b }, []],
  ];
  for (const [name, req, want] of table) t.strictSame(sorted(listTasks(ctx, listTasksRequest(req)).taskArns), sorted(want), name);
});

t.test('ListTasks refuses startedBy combined with family or containerInstance', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const w = listWorld(ctx);
  throwsEcs(t, () => listTasks(ctx, listTasksRequest({ startedBy: 'ci', family: 'web' })), 'InvalidParameterException', ['startedBy']);
  throwsEcs(t, () => listTasks(ctx, listTasksRequest({ startedBy: 'ci', containerInstance: w.a })), 'InvalidParameterException', ['startedBy']);
});

t.test('ListTasks refuses bad filters', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  listWorld(ctx);
  throwsEcs(t, () => listTasks(ctx, listTasksRequest({ desiredStatus: 'DONE' })), 'InvalidParameterException', ["'DONE'"]);
  throwsEcs(t, () => listTasks(ctx, listTasksRequest({ containerInstance: 'ffff' })), 'InvalidParameterException', ['container instance']);
  throwsEcs(t, () => listTasks(ctx, listTasksRequest({ serviceName: 'svc' })), 'ServiceNotFoundException');
  throwsEcs(t, () => listTasks(ctx, listTasksRequest({ launchType: 'SPOT' })), 'InvalidParameterException', ["'SPOT'"]);
  throwsEcs(t, () => listTasks(ctx, listTasksRequest({ cluster: 'ghost' })), 'ClusterNotFoundException');
  t.strictSame(listTasks(ctx, listTasksRequest({ launchType: 'FARGATE' })).taskArns, [], 'no FARGATE tasks here');
});

t.test('ListTasks pages with maxResults and nextToken, in creation order', async (t) => {
  const { ctx, clock, close } = testContext();
  t.teardown(close);
  addInstance(ctx, { memory: 10_000 });
  addTaskDefinition(ctx, 'web', { memory: 16 });
  const created: string[] = [];
  for (let i = 0; i < 5; i++) {
    created.push(runTask(ctx, runTaskRequest()).tasks[0].taskArn);
    clock.advance(1);
  }
  const p1 = listTasks(ctx, listTasksRequest({ maxResults: 3 }));
  const p2 = listTasks(ctx, listTasksRequest({ maxResults: 3, nextToken: p1.nextToken }));
  t.strictSame([...p1.taskArns, ...p2.taskArns], created);
  t.equal(p2.nextToken, undefined);
  throwsEcs(t, () => listTasks(ctx, listTasksRequest({ maxResults: 0 })), 'InvalidParameterException');
});

t.test('ListTasks lists only the named cluster\'s tasks', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'other' }));
  addInstance(ctx);
  addInstance(ctx, { cluster: 'other' });
  addTaskDefinition(ctx);
  const mine = runTask(ctx, runTaskRequest()).tasks[0].taskArn;
  const theirs = runTask(ctx, runTaskRequest({ cluster: 'other' })).tasks[0].taskArn;
  t.strictSame(listTasks(ctx, listTasksRequest()).taskArns, [mine]);
  t.strictSame(listTasks(ctx, listTasksRequest({ cluster: 'other' })).taskArns, [theirs]);
  t.match(theirs, /:task\/other\//);
});

t.test("RunTask spreads with the request's strategy and honours the task definition's memberOf constraint", async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const a = addInstance(ctx, { attributes: [{ name: 'ecs.availability-zone', value: 'az-a' }] });
  const b = addInstance(ctx, { attributes: [{ name: 'ecs.availability-zone', value: 'az-b' }] });
  addInstance(ctx, { attributes: [{ name: 'ecs.availability-zone', value: 'az-c' }, { name: 'stack', value: 'dev' }] });
  addTaskDefinition(ctx, 'web', { memory: 16 }, { placementConstraints: [{ type: 'memberOf', expression: 'not(attribute:stack exists)' }] });
  const { tasks, failures } = runTask(
    ctx,
    runTaskRequest({ count: 6, placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }] }),
  );
  t.same(failures, []);
  const on = (arn: string) => tasks.filter((x) => x.containerInstanceArn === arn).length;
  t.same([on(a), on(b)], [3, 3], 'spread evenly over the two instances the constraint allows');
  const full = runTask(ctx, runTaskRequest({ count: 1, placementConstraints: [{ type: 'memberOf', expression: 'attribute:stack == prod' }] }));
  t.same(full.tasks, []);
  t.same(
    full.failures.map((f) => f.reason),
    ['MemberOf placement constraint unsatisfied.', 'MemberOf placement constraint unsatisfied.'],
    "one failure per constraint that rejected instances: the task definition's and the request's",
  );
  t.ok(full.failures[0].arn, 'the failure names the closest matching instance');
});
