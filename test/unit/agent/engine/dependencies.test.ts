import t from 'tap';
import { step, type Action } from '../../../../agent/src/engine/step.js';
import { checkDependency, stoppableNow } from '../../../../agent/src/engine/dependencies.js';
import { applyEvent } from '../../../../agent/src/engine/apply.js';
import { startOrder, type TaskState } from '../../../../agent/src/engine/task-state.js';
import type { ContainerStatus, TaskStatus } from '../../../../agent/src/engine/status.js';
import type { HostBinding } from '../../../../agent/src/runtime/runtime.js';
import { taskWith, type ContainerOpts } from '../helpers/tasks.js';

const NOW = 1_000_000;
const ctx = { now: NOW, stopTimeoutMs: 30_000, cleanupWaitMs: 60_000 };
const kinds = (actions: Action[]) =>
  actions.map((a) => (a.kind === 'cleanup' ? 'cleanup' : a.kind === 'create-volume' ? `${a.kind} ${a.volume}` : `${a.kind} ${a.container}`));
type C = ContainerStatus | [ContainerStatus, Partial<ContainerOpts>];
const PREFIX = 'CannotStartContainerError: dependency graph: ';

t.test('dependsOn: when a container may start, as a table', async (t) => {
  // c1 depends on c0 in every row; c0 is non-essential where the condition requires it to exit.
  type Row = [string, C, string, TaskStatus, string[], Partial<ContainerOpts>?];
  const rows: Row[] = [
    ['START waits while the dependency is only created', 'CREATED', 'START', 'PENDING', ['start c0']],
    ['START is met once the dependency runs', 'RUNNING', 'START', 'PENDING', ['create c1']],
    ['START is met by a dependency that ran and exited', ['STOPPED', { essential: false, exitCode: 0 }], 'START', 'PENDING', ['create c1']],
    ['COMPLETE waits while the dependency runs', ['RUNNING', { essential: false }], 'COMPLETE', 'PENDING', []],
    ['COMPLETE is met by any exit', ['STOPPED', { essential: false, exitCode: 3 }], 'COMPLETE', 'PENDING', ['create c1']],
    ['SUCCESS waits while the dependency runs', ['RUNNING', { essential: false }], 'SUCCESS', 'PENDING', []],
    ['SUCCESS is met by exit code 0', ['STOPPED', { essential: false, exitCode: 0 }], 'SUCCESS', 'PENDING', ['create c1']],
    ['HEALTHY waits while health is UNKNOWN', ['RUNNING', { healthCheck: true, health: 'UNKNOWN' }], 'HEALTHY', 'PENDING', []],
    ['HEALTHY is met once the dependency is HEALTHY', ['RUNNING', { healthCheck: true, health: 'HEALTHY' }], 'HEALTHY', 'PENDING', ['create c1']],
    ['a created dependent whose dependency is met is started', ['STOPPED', { essential: false, exitCode: 0 }], 'SUCCESS', 'PENDING', ['start c1'], {}],
  ];
  for (const [name, dep, condition, status, actions, created] of rows) {
    const task = taskWith('PENDING', [dep, [created ? 'CREATED' : 'PULLED', { dependsOn: [['c0', condition]] }]]);
    const r = step(task, ctx);
    t.equal(r.task.status, status, `${name}: status`);
    t.same(kinds(r.actions), actions, `${name}: actions`);
    t.equal(r.task.desiredStatus, 'RUNNING', `${name}: the task goes on`);
  }
});

t.test('dependsOn: a condition that can never be met fails the dependent, and the task, to start', async (t) => {
  type Row = [string, C, string, string];
  const rows: Row[] = [
    ['SUCCESS, but the dependency exited 1', ['STOPPED', { essential: false, exitCode: 1 }], 'SUCCESS', `${PREFIX}failed to resolve container ordering dependency [c0] for target [c1] as dependency did not exit successfully (exit code 1).`],
    ['HEALTHY, but the dependency is UNHEALTHY', ['RUNNING', { healthCheck: true, health: 'UNHEALTHY' }], 'HEALTHY', `${PREFIX}failed to resolve container ordering dependency [c0] for target [c1] as dependency is unhealthy.`],
    ['HEALTHY, but the dependency exited first', ['STOPPED', { essential: false, healthCheck: true, exitCode: 0 }], 'HEALTHY', `${PREFIX}failed to resolve container ordering dependency [c0] for target [c1] as dependency exited before it became healthy.`],
    ['HEALTHY, but the dependency has no health check', 'RUNNING', 'HEALTHY', `${PREFIX}failed to resolve container ordering dependency [c0] for target [c1] as dependency has no health check.`],
    ['START, but the dependency could not be pulled', ['STOPPED', { essential: false, failedToStart: true, reason: 'CannotPullContainerError: x' }], 'START', `${PREFIX}failed to resolve container ordering dependency [c0] for target [c1] because dependency will never start.`],
  ];
  for (const [name, dep, condition, reason] of rows) {
    const r = step(taskWith('PENDING', [dep, ['PULLED', { dependsOn: [['c0', condition]] }]]), ctx);
    const c1 = r.task.containers[1];
    t.equal(c1.status, 'STOPPED', `${name}: the dependent is STOPPED`);
    t.ok(c1.failedToStart, `${name}: without having run`);
    t.equal(c1.reason, reason, `${name}: container reason`);
    t.equal(r.task.desiredStatus, 'STOPPED', `${name}: the task is to stop`);
    t.equal(r.task.stopReason, reason, `${name}: stoppedReason names both containers`);
    t.equal(r.task.stopCode, 'TaskFailedToStart', `${name}: stop code`);
    t.notOk(kinds(r.actions).includes('create c1'), `${name}: never created`);
  }
});

t.test('dependsOn: a dependency that does not exist fails the dependent', async (t) => {
  const r = step(taskWith('PENDING', [['PULLED', { dependsOn: [['ghost', 'START']] }]]), ctx);
  t.equal(r.task.stopReason, `${PREFIX}failed to resolve container ordering dependency [ghost] for target [c0] as dependency does not exist.`);
});

t.test('dependsOn: a non-essential dependent that can never start stops alone; what depends on it follows', async (t) => {
  const task = taskWith('PENDING', [
    ['STOPPED', { essential: false, exitCode: 2 }],
    ['PULLED', { essential: false, dependsOn: [['c0', 'SUCCESS']] }],
    ['PULLED', { essential: false, dependsOn: [['c1', 'START']] }],
    'RUNNING',
  ]);
  const r = step(task, ctx);
  t.same(r.task.containers.map((c) => c.status), ['STOPPED', 'STOPPED', 'STOPPED', 'RUNNING']);
  t.match(r.task.containers[2].reason, /dependency \[c1\] for target \[c2\] because dependency will never start/);
  t.equal(r.task.desiredStatus, 'RUNNING', 'no essential container is gone: the task runs on');
  t.equal(r.task.status, 'RUNNING');
});

t.test('dependsOn: a waiting container does not hold up the containers after it', async (t) => {
  const task = taskWith('PENDING', [['RUNNING', { healthCheck: true, essential: true }], ['PULLED', { dependsOn: [['c0', 'HEALTHY']] }], 'PULLED']);
  t.same(kinds(step(task, ctx).actions), ['create c2']);
  const withLink = taskWith('PENDING', [['RUNNING', { healthCheck: true }], ['PULLED', { dependsOn: [['c0', 'HEALTHY']] }], ['PULLED', { links: ['c1'] }]]);
  t.same(kinds(step(withLink, ctx).actions), [], 'but a container linked to a waiting one waits too');
});

t.test('dependsOn decides the start order, after links', async (t) => {
  t.same(startOrder(taskWith('PENDING', [['NONE', { dependsOn: [['c2', 'START']] }], 'NONE', 'NONE'])), ['c2', 'c0', 'c1']);
  t.same(startOrder(taskWith('PENDING', [['NONE', { dependsOn: [['c1', 'SUCCESS']], links: ['c2'] }], 'NONE', 'NONE'])), ['c2', 'c1', 'c0']);
});

t.test('startTimeout: the dependency\'s startTimeout, counted from its start, bounds the wait', async (t) => {
  const task = (startedAt: number) =>
    taskWith('PENDING', [
      ['RUNNING', { healthCheck: true, health: 'UNKNOWN', startTimeout: 10, startedAt }],
      ['PULLED', { dependsOn: [['c0', 'HEALTHY']] }],
    ]);
  const waiting = step(task(NOW - 9_000), ctx);
  t.same(kinds(waiting.actions), []);
  t.equal(waiting.wakeAt, NOW + 1_000, 'asks to be stepped again when the timeout runs out');
  t.equal(waiting.task.desiredStatus, 'RUNNING');
  const expired = step(task(NOW - 10_000), ctx);
  t.equal(expired.task.stopReason, `${PREFIX}container ordering dependency [c0] for target [c1] has timed out (startTimeout 10s).`);
  t.equal(expired.task.stopCode, 'TaskFailedToStart');
  t.equal(expired.wakeAt, undefined);
  const noTimeout = taskWith('PENDING', [['RUNNING', { healthCheck: true, startedAt: 0 }], ['PULLED', { dependsOn: [['c0', 'HEALTHY']] }]]);
  t.equal(step(noTimeout, ctx).wakeAt, undefined, 'no startTimeout: no deadline (ECS default)');
  const start = taskWith('PENDING', [['CREATED', { startTimeout: 1 }], ['PULLED', { dependsOn: [['c0', 'START']] }]]);
  t.equal(step(start, ctx).wakeAt, undefined, 'START is not bounded by startTimeout (as ECS)');
});

t.test('checkDependency: verdicts one by one', async (t) => {
  const task = taskWith('PENDING', [['RUNNING', { essential: false, startTimeout: 5, startedAt: NOW }], 'PULLED']);
  t.same(checkDependency(task, 'c1', { containerName: 'c0', condition: 'SUCCESS' }, NOW + 1), { kind: 'wait', deadline: NOW + 5_000 });
  t.same(checkDependency(task, 'c1', { containerName: 'c0', condition: 'START' }, NOW + 1), { kind: 'met' });
  const exited = applyEvent(task, { kind: 'exited', container: 'c0', exitCode: 0 }, NOW + 2);
  t.same(checkDependency(exited, 'c1', { containerName: 'c0', condition: 'SUCCESS' }, NOW + 10_000), { kind: 'met' }, 'a stopped dependency cannot time out');
});

t.test('stop order: dependents stop before their dependencies', async (t) => {
  const running = (deps: Array<[string, string]> = []): C => ['RUNNING', { dependsOn: deps }];
  // c2 → c1 → c0: c2 first, then c1, then c0.
  let task: TaskState = taskWith('RUNNING', [running(), running([['c0', 'START']]), running([['c1', 'HEALTHY']])], 'STOPPED');
  const order: string[][] = [];
  for (let i = 0; i < 4; i++) {
    const r = step(task, ctx);
    task = r.task;
    if (r.actions.length === 0) break;
    order.push(kinds(r.actions));
    for (const a of r.actions) if (a.kind === 'stop') task = applyEvent(task, { kind: 'exited', container: a.container, exitCode: 143 }, NOW);
  }
  t.same(order, [['stop c2'], ['stop c1'], ['stop c0']]);
  t.equal(task.status, 'STOPPED');
  const independent = taskWith('RUNNING', [running(), running(), running([['c0', 'START']])], 'STOPPED');
  t.same(kinds(step(independent, ctx).actions), ['stop c1', 'stop c2'], 'containers nothing depends on stop together');
  const created = taskWith('RUNNING', [running(), ['PULLED', { dependsOn: [['c0', 'HEALTHY']] }]], 'STOPPED');
  t.same(kinds(step(created, ctx).actions), ['stop c0'], 'a dependent never created does not hold anything up');
  const cycle = taskWith('RUNNING', [running([['c1', 'START']]), running([['c0', 'START']])], 'STOPPED');
  t.same(stoppableNow(cycle).map((c) => c.def.name), ['c0', 'c1'], 'a cycle stops everything rather than nothing');
});

t.test('property: with dependsOn, a dependent is never created before its condition holds', async (t) => {
  const { default: fc } = await import('fast-check');
  const condition = fc.constantFrom('START', 'COMPLETE', 'SUCCESS', 'HEALTHY');
  const event = fc.oneof(
    fc.record({ kind: fc.constant('exited' as const), container: fc.constant('c0'), exitCode: fc.integer({ min: 0, max: 2 }) }),
    fc.record({ kind: fc.constant('health' as const), container: fc.constant('c0'), health: fc.constantFrom('HEALTHY' as const, 'UNHEALTHY' as const, 'UNKNOWN' as const) }),
    fc.record({ kind: fc.constant('running' as const), container: fc.constant('c0'), runtimeId: fc.constant('id0'), dockerName: fc.constant('n0'), bindings: fc.constant<HostBinding[]>([]) }),
  );
  fc.assert(
    fc.property(condition, fc.array(event, { maxLength: 12 }), (cond, events) => {
      let task = taskWith('PENDING', [['CREATED', { essential: false, healthCheck: true }], ['PULLED', { dependsOn: [['c0', cond]] }]]);
      for (const e of events) {
        const r = step(applyEvent(task, e, NOW), ctx);
        task = r.task;
        if (!kinds(r.actions).includes('create c1')) continue;
        const dep = task.containers[0];
        const ok =
          (cond === 'START' && (dep.status === 'RUNNING' || dep.status === 'STOPPED')) ||
          (cond === 'COMPLETE' && dep.status === 'STOPPED') ||
          (cond === 'SUCCESS' && dep.status === 'STOPPED' && dep.exitCode === 0) ||
          (cond === 'HEALTHY' && dep.status === 'RUNNING' && dep.health === 'HEALTHY');
        if (!ok) return false;
        task = applyEvent(task, { kind: 'created', container: 'c1', runtimeId: 'id1', dockerName: 'n1', hostPorts: [] }, NOW);
      }
      return true;
    }),
  );
});
