// REPLICA services: scaling, rolling updates within minimumHealthyPercent / maximumPercent, the blocked
// configuration, deployments completing, DRAINING instances, lost hosts, and DeleteService.
import t from 'tap';
import { reconcile } from '../../../../control-plane/src/scheduler/reconciler.js';
import {
  dep,
  deployment,
  depId,
  input,
  instanceSpecs,
  pending,
  primaries,
  rolling,
  startedOn,
  stoppedIds,
  T0,
  task,
  tasks,
} from './reconciler-fixtures.js';

const I3 = ['i0', 'i1', 'i2'];

t.test('scale out: the missing tasks start, spread over the instances, with ECS\'s event', async (t) => {
  const plan = reconcile(input({ service: { desiredCount: 3 }, tasks: [task('a', 1, 'i0')] }));
  t.strictSame(startedOn(plan), ['i1', 'i2'], 'the default strategy spreads over instances');
  t.ok(plan.start.every((s) => s.deploymentId === depId(1)), 'tasks of the PRIMARY deployment');
  t.strictSame(plan.stop, []);
  t.strictSame(plan.events, ['(service web) has started 2 tasks: (task {task:0}) (task {task:1}).']);
  t.equal(dep(plan, 1).desiredCount, 3, 'the deployment reports the desired count');
});

t.test('scale in: the surplus stops, with the reason and event ECS gives', async (t) => {
  const plan = reconcile(input({ service: { desiredCount: 1 }, tasks: tasks('t', 1, I3, 3) }));
  t.equal(plan.stop.length, 2);
  t.ok(plan.stop.every((s) => s.reason === 'Scaling activity initiated by (deployment ecs-svc/1)' && s.stopCode === 'ServiceSchedulerInitiated'));
  t.strictSame(plan.start, []);
  t.match(plan.events, [/^\(service web\) has stopped 2 running tasks: \(task t\d\) \(task t\d\)\.$/]);
});

t.test('scale in stops tasks of older deployments first', async (t) => {
  const plan = reconcile(
    input({ service: rolling(2, 100, 200), tasks: [...tasks('new', 2, I3, 2), ...tasks('old', 1, I3, 2)] }),
  );
  t.strictSame(stoppedIds(plan), ['old0', 'old1']);
});

t.test('scale to 0 ignores nothing: every task stops', async (t) => {
  const plan = reconcile(input({ service: { desiredCount: 0 }, tasks: tasks('t', 1, I3, 3) }));
  t.equal(plan.stop.length, 3);
});

t.test('rolling update 100/200: start all new tasks, stop old ones only as new ones become healthy', async (t) => {
  const old = tasks('old', 1, I3, 4);
  const s1 = reconcile(input({ service: rolling(4, 100, 200), tasks: old }));
  t.equal(s1.start.length, 4, 'maximumPercent 200: four new tasks next to the four old ones');
  t.strictSame(s1.stop, [], 'minimumHealthyPercent 100: no old task stops yet');

  const s2 = reconcile(input({ service: rolling(4, 100, 200), tasks: [...old, ...tasks('new', 2, I3, 4, pending)] }));
  t.strictSame(s2.start, [], 'at the maximum');
  t.strictSame(s2.stop, [], 'new tasks are not healthy yet');
  t.strictSame(s2.events, [], 'waiting is not blocked');

  const half = [...tasks('new', 2, I3, 2), ...tasks('pend', 2, I3, 2, pending)];
  const s3 = reconcile(input({ service: rolling(4, 100, 200), tasks: [...old, ...half] }));
  t.equal(s3.stop.length, 2, 'two new tasks healthy: two old ones stop');
  t.ok(s3.stop.every((s) => s.taskArn.includes('/old')));

  const s4 = reconcile(input({ service: rolling(4, 100, 200), tasks: [...old.slice(0, 2), ...tasks('new', 2, I3, 4)] }));
  t.strictSame(stoppedIds(s4), ['old0', 'old1']);
  t.equal(dep(s4, 2).rolloutState, 'IN_PROGRESS', 'not complete while old tasks are still there');
});

t.test('rolling update 50/100: stop half the old tasks and start as many new ones at once', async (t) => {
  const plan = reconcile(input({ service: rolling(4, 50, 100), tasks: tasks('old', 1, I3, 4) }));
  t.equal(plan.stop.length, 2);
  t.equal(plan.start.length, 2);
  t.ok(plan.start.every((s) => s.deploymentId === depId(2)));

  const next = reconcile(input({ service: rolling(4, 50, 100), tasks: [...tasks('old', 1, I3, 2), ...tasks('new', 2, I3, 2)] }));
  t.equal(next.stop.length, 2, 'with the new tasks healthy, the other two old ones stop');
  t.equal(next.start.length, 2);
});

t.test('rolling update 0/100: every old task stops and every new one starts', async (t) => {
  const plan = reconcile(input({ service: rolling(4, 0, 100), tasks: tasks('old', 1, I3, 4) }));
  t.equal(plan.stop.length, 4);
  t.equal(plan.start.length, 4);
});

t.test('100/100 blocks a deployment: ECS\'s event, no change, and no repeat while blocked', async (t) => {
  const blocked =
    '(service web) was unable to stop or start tasks during a deployment because of the service deployment configuration. ' +
    'Update the minimumHealthyPercent or maximumPercent value and try again.';
  const plan = reconcile(input({ service: rolling(2, 100, 100), tasks: tasks('old', 1, I3, 2) }));
  t.strictSame(plan.start, []);
  t.strictSame(plan.stop, []);
  t.strictSame(plan.events, [blocked]);
  const again = reconcile(input({ service: rolling(2, 100, 100, { recentEventMessages: [blocked] }), tasks: tasks('old', 1, I3, 2) }));
  t.strictSame(again.events, [], 'the unchanged message is not added again');
});

t.test('desiredCount 1 at 50/100 is blocked too: ceil(0.5) = 1 healthy, floor(1) = 1 at most', async (t) => {
  const plan = reconcile(input({ service: rolling(1, 50, 100), tasks: [task('old', 1, 'i0')] }));
  t.strictSame([plan.start.length, plan.stop.length], [0, 0]);
  t.match(plan.events, [/because of the service deployment configuration/]);
});

t.test('a desiredCount change alone at 100/100 is not blocked', async (t) => {
  const plan = reconcile(
    input({
      service: { desiredCount: 3, deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 100, circuitBreaker: { enable: false, rollback: false } } },
      tasks: tasks('t', 1, I3, 2),
    }),
  );
  t.equal(plan.start.length, 1);
});

t.test('deployment completed, then steady state; the drained deployment goes INACTIVE', async (t) => {
  const plan = reconcile(input({ service: rolling(2, 100, 200), tasks: tasks('new', 2, I3, 2) }));
  t.strictSame(plan.events, ['(service web) (deployment ecs-svc/2) deployment completed.', '(service web) has reached a steady state.']);
  t.equal(dep(plan, 2).rolloutState, 'COMPLETED');
  t.equal(dep(plan, 2).rolloutStateReason, 'ECS deployment ecs-svc/2 completed.');
  t.equal(dep(plan, 2).updatedAt, T0);
  t.equal(dep(plan, 1).status, 'INACTIVE');
  t.strictSame(primaries(plan), [depId(2)]);
});

t.test('not complete while an old task is still stopping', async (t) => {
  const stopping = task('old', 1, 'i0', { desiredStatus: 'STOPPED' });
  const plan = reconcile(input({ service: rolling(2, 100, 200), tasks: [...tasks('new', 2, I3, 2), stopping] }));
  t.equal(dep(plan, 2).rolloutState, 'IN_PROGRESS');
  t.equal(dep(plan, 1).status, 'ACTIVE', 'still has a task');
  t.equal(dep(plan, 1).desiredCount, 0);
  t.strictSame(plan.events, []);
});

t.test('a steady service stays quiet: the steady-state message is not repeated unchanged', async (t) => {
  const steady = '(service web) has reached a steady state.';
  const svc = { deployments: [deployment(1, { rolloutState: 'COMPLETED', desiredCount: 2 })] };
  const first = reconcile(input({ service: svc, tasks: tasks('t', 1, I3, 2) }));
  t.strictSame(first.events, [steady], 'said once');
  const repeat = reconcile(input({ service: { ...svc, recentEventMessages: [steady] }, tasks: tasks('t', 1, I3, 2) }));
  t.strictSame(repeat.events, []);
  const afterChange = reconcile(
    input({ service: { ...svc, recentEventMessages: ['(service web) has started 1 tasks: (task x).', steady] }, tasks: tasks('t', 1, I3, 2) }),
  );
  t.strictSame(afterChange.events, [steady], 'said again once something happened since');
  t.equal(first.deployments[0].updatedAt, T0 - 1000, 'nothing changed, updatedAt kept');
});

t.test('DRAINING instance, 100/200: the replacement starts first, the task there stops once it is healthy', async (t) => {
  const specs = [{ id: 'i0', status: 'DRAINING' }, { id: 'i1' }, { id: 'i2' }];
  const base = [task('a', 1, 'i0'), task('b', 1, 'i1')];
  const s1 = reconcile(input({ instances: specs, tasks: base }));
  t.strictSame(s1.stop, [], 'kept until its replacement is healthy');
  t.strictSame(startedOn(s1), ['i2'], 'never on the draining instance');

  const s2 = reconcile(input({ instances: specs, tasks: [...base, task('c', 1, 'i2', pending)] }));
  t.strictSame([s2.start.length, s2.stop.length], [0, 0], 'replacement pending: wait');

  const s3 = reconcile(input({ instances: specs, tasks: [...base, task('c', 1, 'i2')] }));
  t.strictSame(stoppedIds(s3), ['a']);
  t.strictSame(s3.start, []);
});

t.test('DRAINING instance, 50/100: no room for a replacement, so the task stops first and is replaced at once', async (t) => {
  const specs = [{ id: 'i0', status: 'DRAINING' }, { id: 'i1' }, { id: 'i2' }];
  const cfg = { minimumHealthyPercent: 50, maximumPercent: 100, circuitBreaker: { enable: false, rollback: false } };
  const plan = reconcile(input({ service: { deploymentConfiguration: cfg }, instances: specs, tasks: [task('a', 1, 'i0'), task('b', 1, 'i1')] }));
  t.strictSame(stoppedIds(plan), ['a']);
  t.strictSame(startedOn(plan), ['i2']);
});

t.test('DRAINING instance, 100/100: blocked (a draining instance needs room or slack)', async (t) => {
  const specs = [{ id: 'i0', status: 'DRAINING' }, { id: 'i1' }, { id: 'i2' }];
  const cfg = { minimumHealthyPercent: 100, maximumPercent: 100, circuitBreaker: { enable: false, rollback: false } };
  const plan = reconcile(input({ service: { deploymentConfiguration: cfg }, instances: specs, tasks: [task('a', 1, 'i0'), task('b', 1, 'i1')] }));
  t.strictSame([plan.start.length, plan.stop.length], [0, 0]);
  t.match(plan.events, [/because of the service deployment configuration/]);
});

t.test('a PENDING task on a DRAINING instance stops at once and is replaced', async (t) => {
  const specs = [{ id: 'i0', status: 'DRAINING' }, { id: 'i1' }, { id: 'i2' }];
  const plan = reconcile(input({ instances: specs, tasks: [task('a', 1, 'i0', pending), task('b', 1, 'i1')] }));
  t.strictSame(stoppedIds(plan), ['a']);
  t.equal(plan.start.length, 1);
  t.notOk(startedOn(plan).includes('i0'));
});

t.test('host loss: tasks on an instance disconnected too long are lost and replaced elsewhere', async (t) => {
  const w = { tasks: [task('a', 1, 'i0'), task('b', 1, 'i1')], disconnectedSince: { i0: T0 - 61 } };
  const plan = reconcile(input(w));
  t.strictSame(plan.lost.map((l) => l.taskArn.split('/').pop()), ['a']);
  t.match(plan.lost[0], { stopCode: 'ServiceSchedulerInitiated', reason: /i0 lost: its agent has been disconnected for more than 60 seconds/ });
  t.strictSame(startedOn(plan), ['i2'], 'not on the lost instance');
  t.strictSame(plan.stop, []);
  t.match(plan.events, ['(service web) has stopped 1 running tasks: (task a).', /has started 1 tasks/]);
});

t.test('a short disconnection is not a loss: the task still counts, nothing is started', async (t) => {
  const plan = reconcile(input({ tasks: [task('a', 1, 'i0'), task('b', 1, 'i1')], disconnectedSince: { i0: T0 - 30 } }));
  t.strictSame([plan.lost.length, plan.start.length, plan.stop.length], [0, 0, 0]);
});

t.test('a task on an instance no longer registered is lost', async (t) => {
  const plan = reconcile(input({ instances: instanceSpecs(2), tasks: [task('a', 1, 'i9'), task('b', 1, 'i1')] }));
  t.equal(plan.lost.length, 1);
  t.match(plan.lost[0].reason, /no longer registered/);
  t.equal(plan.start.length, 1);
});

t.test('DeleteService: a DRAINING service scales to 0 ignoring minimumHealthyPercent, then goes INACTIVE', async (t) => {
  const svc = { status: 'DRAINING' as const, desiredCount: 0 };
  const s1 = reconcile(input({ service: svc, tasks: tasks('t', 1, I3, 3) }));
  t.equal(s1.stop.length, 3);
  t.equal(s1.status, 'DRAINING');
  const s2 = reconcile(input({ service: svc, tasks: tasks('t', 1, I3, 3, { desiredStatus: 'STOPPED' }) }));
  t.strictSame([s2.stop.length, s2.status], [0, 'DRAINING'], 'waits for the tasks to stop');
  const s3 = reconcile(input({ service: svc, tasks: tasks('t', 1, I3, 3, { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'ServiceSchedulerInitiated' }) }));
  t.equal(s3.status, 'INACTIVE');
  t.strictSame(s3.events, []);
});

t.test('DRAINING with desiredCount still set (DeleteService --force): everything stops anyway', async (t) => {
  const plan = reconcile(input({ service: { status: 'DRAINING', desiredCount: 3 }, tasks: tasks('t', 1, I3, 3) }));
  t.equal(plan.stop.length, 3);
  t.strictSame(plan.start, []);
  t.equal(dep(plan, 1).desiredCount, 0);
});

t.test('an INACTIVE service is left alone', async (t) => {
  const plan = reconcile(input({ service: { status: 'INACTIVE' }, tasks: tasks('t', 1, I3, 1) }));
  t.strictSame([plan.start, plan.stop, plan.events, plan.status], [[], [], [], 'INACTIVE']);
});

t.test('tasks stopping on their own are replaced without counting toward maximumPercent', async (t) => {
  const dying = task('a', 1, 'i0', { lastStatus: 'DEACTIVATING' });
  const plan = reconcile(input({ tasks: [dying, task('b', 1, 'i1')] }));
  t.equal(plan.start.length, 1);
});

t.test('the input is not modified', async (t) => {
  const inp = input({ service: rolling(4, 50, 100), tasks: tasks('old', 1, I3, 4) });
  const before = JSON.stringify(inp.service);
  reconcile(inp);
  t.equal(JSON.stringify(inp.service), before);
});
