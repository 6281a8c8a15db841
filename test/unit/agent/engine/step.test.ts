import t from 'tap';
import { step, type Action } from '../../../../agent/src/engine/step.js';
import { canAdvanceContainer, canAdvanceTask, type ContainerStatus, type TaskStatus } from '../../../../agent/src/engine/status.js';
import { advanceContainer, advanceTask, desireStop, startOrder } from '../../../../agent/src/engine/task-state.js';
import { applyEvent } from '../../../../agent/src/engine/apply.js';
import type { HostPortClaim } from '../../../../agent/src/engine/task-state.js';
import type { HostBinding } from '../../../../agent/src/runtime/runtime.js';
import { taskWith } from '../helpers/tasks.js';

const ctx = { now: 1_000_000, stopTimeoutMs: 30_000, cleanupWaitMs: 60_000 };
const kinds = (actions: Action[]) =>
  actions.map((a) => (a.kind === 'cleanup' ? 'cleanup' : a.kind === 'create-volume' ? `${a.kind} ${a.volume}` : `${a.kind} ${a.container}`));

t.test('step: what a task does next, as a table', async (t) => {
  type Row = [string, ReturnType<typeof taskWith>, TaskStatus, string[], string?];
  const rows: Row[] = [
    ['a new task pulls every image', taskWith('PENDING', ['NONE', 'NONE']), 'PENDING', ['pull c0', 'pull c1']],
    ['pulled containers are created one at a time, in order', taskWith('PENDING', ['PULLED', 'PULLED']), 'PENDING', ['create c0']],
    ['a created container is started', taskWith('PENDING', ['CREATED', 'PULLED']), 'PENDING', ['start c0']],
    ['the next container waits for the one before it to run', taskWith('PENDING', ['RUNNING', 'PULLED']), 'PENDING', ['create c1']],
    ['a container waits for its own pull', taskWith('PENDING', ['RUNNING', 'NONE']), 'PENDING', ['pull c1']],
    ['all containers running → the task is RUNNING', taskWith('PENDING', ['RUNNING', 'RUNNING']), 'RUNNING', []],
    ['a non-essential container that exited counts as started', taskWith('PENDING', [['STOPPED', { essential: false }], 'RUNNING']), 'RUNNING', []],
    ['an essential exit stops the others (stop timeout from config)', taskWith('RUNNING', ['STOPPED', 'RUNNING']), 'STOPPING', ['stop c1'], 'EssentialContainerExited'],
    ['a non-essential exit leaves the task running', taskWith('RUNNING', ['RUNNING', ['STOPPED', { essential: false }]]), 'RUNNING', []],
    ['a failed start of an essential container fails the task', taskWith('PENDING', [['STOPPED', { failedToStart: true, reason: 'CannotPullContainerError: nope' }], 'NONE']), 'STOPPED', [], 'TaskFailedToStart'],
    ['desired STOPPED stops created and running containers', taskWith('RUNNING', ['RUNNING', 'CREATED'], 'STOPPED'), 'STOPPING', ['stop c0', 'stop c1']],
    ['desired STOPPED with nothing created stops at once', taskWith('PENDING', ['NONE', 'PULLED'], 'STOPPED'), 'STOPPED', []],
    ['all containers stopped → STOPPED', taskWith('STOPPING', ['STOPPED', 'STOPPED'], 'STOPPED'), 'STOPPED', []],
  ];
  for (const [name, task, status, actions, stopCode] of rows) {
    const r = step(task, ctx);
    t.equal(r.task.status, status, `${name}: status`);
    t.same(kinds(r.actions), actions, `${name}: actions`);
    if (stopCode) t.equal(r.task.stopCode, stopCode, `${name}: stop code`);
  }
});

t.test('step: stop uses the container stopTimeout over ECS_CONTAINER_STOP_TIMEOUT', async (t) => {
  const task = taskWith('RUNNING', ['RUNNING', 'RUNNING'], 'STOPPED');
  task.containers[1] = { ...task.containers[1], def: { ...task.containers[1].def, stopTimeout: 2 } };
  const r = step(task, ctx);
  t.same(r.actions, [
    { kind: 'stop', container: 'c0', timeoutSec: 30 },
    { kind: 'stop', container: 'c1', timeoutSec: 2 },
  ]);
});

t.test('step: essential exit gives ECS reason and stop code; the first reason wins', async (t) => {
  const r = step(taskWith('RUNNING', ['STOPPED', 'RUNNING']), ctx);
  t.equal(r.task.stopReason, 'Essential container in task exited');
  const userStopped = desireStop(taskWith('RUNNING', ['RUNNING', 'RUNNING']), 'Scaling down', 'ServiceSchedulerInitiated');
  const exited = applyEvent(userStopped, { kind: 'exited', container: 'c0', exitCode: 0 }, 1);
  const r2 = step(exited, ctx);
  t.equal(r2.task.stopReason, 'Scaling down');
  t.equal(r2.task.stopCode, 'ServiceSchedulerInitiated');
});

t.test('step: a failed pull reports the pull error as the stopped reason', async (t) => {
  const r = step(taskWith('PENDING', [['STOPPED', { failedToStart: true, reason: 'CannotPullContainerError: no registry' }]]), ctx);
  t.equal(r.task.stopReason, 'CannotPullContainerError: no registry');
  t.equal(r.task.stopCode, 'TaskFailedToStart');
});

t.test('step: a stopped task is cleaned up only after the cleanup wait', async (t) => {
  const stopped = { ...taskWith('STOPPED', ['STOPPED'], 'STOPPED'), executionStoppedAt: ctx.now - 59_999 };
  t.same(step(stopped, ctx).actions, []);
  t.same(step({ ...stopped, executionStoppedAt: ctx.now - 60_000 }, ctx).actions, [{ kind: 'cleanup' }]);
  t.same(step({ ...stopped, executionStoppedAt: 0, cleanedUp: true }, ctx).actions, []);
});

t.test('step: pure — the input task is never modified', async (t) => {
  const task = taskWith('RUNNING', ['STOPPED', 'RUNNING']);
  const copy = structuredClone(task);
  step(task, ctx);
  t.same(task, copy);
});

t.test('links decide the start order; definition order otherwise', async (t) => {
  t.same(startOrder(taskWith('PENDING', [['NONE', { links: ['c1:web'] }], 'NONE', 'NONE'])), ['c1', 'c0', 'c2']);
  t.same(startOrder(taskWith('PENDING', [['NONE', { links: ['c1'] }], ['NONE', { links: ['c0'] }]])), ['c1', 'c0']);
  const r = step(taskWith('PENDING', [['PULLED', { links: ['c1'] }], 'PULLED']), ctx);
  t.same(kinds(r.actions), ['create c1']);
});

t.test('the guard refuses backward and same-status moves', async (t) => {
  const taskOrder: TaskStatus[] = ['PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'];
  for (const [i, from] of taskOrder.entries()) {
    for (const [j, to] of taskOrder.entries()) t.equal(canAdvanceTask(from, to), j > i, `task ${from} → ${to}`);
  }
  const containerOrder: ContainerStatus[] = ['NONE', 'PULLED', 'CREATED', 'RUNNING', 'STOPPED'];
  for (const [i, from] of containerOrder.entries()) {
    for (const [j, to] of containerOrder.entries()) t.equal(canAdvanceContainer(from, to), j > i, `container ${from} → ${to}`);
  }
  const running = taskWith('RUNNING', ['RUNNING']);
  t.equal(advanceTask(running, 'PENDING', 5), running, 'a RUNNING task does not go back to PENDING');
  const stopped = taskWith('STOPPED', ['STOPPED'], 'STOPPED');
  t.equal(advanceContainer(stopped.containers[0], 'RUNNING'), stopped.containers[0], 'a STOPPED container does not run again');
  t.equal(desireStop(stopped), stopped, 'desired STOPPED is final');
  const late = applyEvent(stopped, { kind: 'running', container: 'c0', runtimeId: 'x', dockerName: 'x', bindings: [] }, 9);
  t.equal(late, stopped, 'a late "running" outcome after the exit changes nothing');
});

t.test('property: whatever happens, statuses only move forward and a stopped task stays stopped', async (t) => {
  const { default: fc } = await import('fast-check');
  const { containerRank, taskRank } = await import('../../../../agent/src/engine/status.js');
  const event = fc.oneof(
    fc.record({ kind: fc.constant('pulled' as const), container: fc.constantFrom('c0', 'c1') }),
    fc.record({ kind: fc.constant('failed' as const), container: fc.constantFrom('c0', 'c1'), reason: fc.constant('CannotStartContainerError: x') }),
    fc.record({ kind: fc.constant('created' as const), container: fc.constantFrom('c0', 'c1'), runtimeId: fc.constant('id'), dockerName: fc.constant('n'), hostPorts: fc.constant<HostPortClaim[]>([]) }),
    fc.record({ kind: fc.constant('running' as const), container: fc.constantFrom('c0', 'c1'), runtimeId: fc.constant('id'), dockerName: fc.constant('n'), bindings: fc.constant<HostBinding[]>([]) }),
    fc.record({ kind: fc.constant('exited' as const), container: fc.constantFrom('c0', 'c1'), exitCode: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('desired-stop' as const), reason: fc.constant('r'), stopCode: fc.constant('UserInitiated') }),
  );
  fc.assert(
    fc.property(fc.array(event, { maxLength: 40 }), fc.boolean(), (events, essential1) => {
      let task = taskWith('PENDING', ['NONE', ['NONE', { essential: essential1 }]]);
      let now = 1;
      for (const e of events) {
        const before = task;
        task = step(applyEvent(task, e, now++), { ...ctx, now }).task;
        if (taskRank(task.status) < taskRank(before.status)) return false;
        if (before.desiredStatus === 'STOPPED' && task.desiredStatus !== 'STOPPED') return false;
        if (task.containers.some((c, i) => containerRank(c.status) < containerRank(before.containers[i].status))) return false;
      }
      return true;
    }),
  );
});
