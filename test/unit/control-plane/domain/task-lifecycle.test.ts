// The task lifecycle: lastStatus only moves forward, seq-older reports are ignored, STOPPED fills in the stop
// fields, the user's StopTask reason wins over the agent's, and container details land.
import t from 'tap';
import fc from 'fast-check';
import {
  applyStateChange,
  canAdvance,
  canAdvanceContainer,
  CONTAINER_STATUSES,
  isPendingStatus,
  isTaskStatus,
  markDelivered,
  requestStop,
  TASK_STATUSES,
  taskHealth,
} from '../../../../control-plane/src/domain/task-lifecycle.js';
import type { TaskRecord } from '../../../../control-plane/src/domain/records.js';
import { container, containerStateChange, holds, T0, taskRecord, taskStateChange } from '../fixtures.js';

const rank = (s: string) => (TASK_STATUSES as readonly string[]).indexOf(s);
const crank = (s: string) => (CONTAINER_STATUSES as readonly string[]).indexOf(s);

t.test('canAdvance allows staying or moving forward and refuses backward moves and unknown statuses', async (t) => {
  const table: [from: string, to: string, ok: boolean][] = [
    ['PROVISIONING', 'PROVISIONING', true],
    ['PROVISIONING', 'PENDING', true],
    ['PENDING', 'STOPPED', true],
    ['RUNNING', 'DEACTIVATING', true],
    ['RUNNING', 'PENDING', false],
    ['STOPPED', 'RUNNING', false],
    ['STOPPED', 'PROVISIONING', false],
    ['DEPROVISIONING', 'STOPPING', false],
    ['RUNNING', 'BOGUS', false],
    ['BOGUS', 'RUNNING', false],
    ['RUNNING', '', false],
  ];
  for (const [from, to, ok] of table) t.equal(canAdvance(from, to), ok, `${from} -> ${to}`);
});

t.test('canAdvanceContainer follows PENDING -> RUNNING -> STOPPED', async (t) => {
  const table: [string, string, boolean][] = [
    ['PENDING', 'RUNNING', true],
    ['RUNNING', 'RUNNING', true],
    ['PENDING', 'STOPPED', true],
    ['STOPPED', 'RUNNING', false],
    ['RUNNING', 'PENDING', false],
    ['RUNNING', 'EXITED', false],
  ];
  for (const [from, to, ok] of table) t.equal(canAdvanceContainer(from, to), ok, `${from} -> ${to}`);
});

t.test('isTaskStatus and isPendingStatus classify the ECS statuses', async (t) => {
  for (const s of TASK_STATUSES) t.ok(isTaskStatus(s), s);
  t.notOk(isTaskStatus('running'));
  const pending = TASK_STATUSES.filter(isPendingStatus);
  t.strictSame(pending, ['PROVISIONING', 'PENDING', 'ACTIVATING']);
});

// ---------------------------------------------------------------------------------------------------------
// Property: random report sequences

const statusArb = fc.constantFrom<string>(...TASK_STATUSES, 'BOGUS');
const containerStatusArb = fc.constantFrom<string>(...CONTAINER_STATUSES, 'BOGUS');
const reportArb = fc.record({
  status: statusArb,
  seq: fc.integer({ min: 0, max: 30 }),
  containerStatus: fc.option(containerStatusArb, { nil: undefined }),
  reason: fc.option(fc.constantFrom('Essential container in task exited', 'OOM'), { nil: undefined }),
});

t.test('lastStatus never moves backward and seq-older reports are ignored, whatever the agent sends', async (t) => {
  holds(
    t,
    fc.property(fc.constantFrom<string>(...TASK_STATUSES), fc.array(reportArb, { maxLength: 40 }), (start, reports) => {
      let rec: TaskRecord = taskRecord({ task: { lastStatus: start } });
      let now = T0;
      for (const r of reports) {
        now += 1;
        const change = taskStateChange({
          status: r.status,
          seq: r.seq,
          reason: r.reason,
          containers: r.containerStatus ? [containerStateChange({ status: r.containerStatus })] : [],
        });
        const next = applyStateChange(rec, change, now);
        if (r.seq <= rec.reportSeq) {
          if (next !== undefined) return false; // an old (or repeated) report changes nothing
          continue;
        }
        if (next === undefined) return false; // a newer report is always recorded
        if (next.reportSeq !== r.seq) return false;
        // The model: the status index is the max of what it was and what the report says (when valid).
        const expected = Math.max(rank(rec.task.lastStatus), rank(r.status));
        if (rank(next.task.lastStatus) !== expected) return false;
        if (rank(next.task.lastStatus) < rank(rec.task.lastStatus)) return false;
        // desiredStatus only moves to STOPPED; a STOPPED task has its stop fields.
        if (rec.task.desiredStatus === 'STOPPED' && next.task.desiredStatus !== 'STOPPED') return false;
        if (next.task.lastStatus === 'STOPPED') {
          if (next.task.desiredStatus !== 'STOPPED' || next.task.stoppedAt === undefined || !next.task.stoppedReason) return false;
        }
        // Container statuses only move forward too.
        for (let i = 0; i < next.task.containers.length; i++) {
          if (crank(next.task.containers[i].lastStatus) < crank(rec.task.containers[i].lastStatus)) return false;
        }
        if (next.task.version <= rec.task.version) return false;
        rec = next;
      }
      return true;
    }),
    { numRuns: 500 },
  );
});

t.test('a report delivered twice (the agent retries unacked reports) ends in the same task as once', async (t) => {
  holds(
    t,
    fc.property(fc.array(reportArb, { maxLength: 20 }), (reports) => {
      const apply = (list: typeof reports) => {
        let rec = taskRecord();
        for (const r of list) rec = applyStateChange(rec, taskStateChange({ status: r.status, seq: r.seq }), T0) ?? rec;
        return rec;
      };
      const once = apply(reports);
      const twice = apply(reports.flatMap((r) => [r, r]));
      return once.task.lastStatus === twice.task.lastStatus && once.reportSeq === twice.reportSeq;
    }),
  );
});

// ---------------------------------------------------------------------------------------------------------
// Examples

t.test('a report with the same seq as the last applied one is ignored', async (t) => {
  const rec = applyStateChange(taskRecord(), taskStateChange({ status: 'RUNNING', seq: 5 }), T0)!;
  t.equal(applyStateChange(rec, taskStateChange({ status: 'STOPPED', seq: 5 }), T0 + 1), undefined);
  t.equal(applyStateChange(rec, taskStateChange({ status: 'STOPPED', seq: 4 }), T0 + 1), undefined);
});

t.test('a newer report with an older status keeps the status but advances reportSeq', async (t) => {
  const running = applyStateChange(taskRecord(), taskStateChange({ status: 'RUNNING', seq: 5 }), T0)!;
  const next = applyStateChange(running, taskStateChange({ status: 'PENDING', seq: 6 }), T0 + 1)!;
  t.equal(next.task.lastStatus, 'RUNNING');
  t.equal(next.reportSeq, 6);
});

t.test('a STOPPED report sets stoppedAt, executionStoppedAt, desiredStatus STOPPED and stoppingAt', async (t) => {
  const running = applyStateChange(taskRecord(), taskStateChange({ status: 'RUNNING', seq: 1, startedAt: T0 + 3 }), T0 + 5)!;
  t.equal(running.task.startedAt, T0 + 3);
  t.equal(running.task.stoppedAt, undefined);
  const stopped = applyStateChange(
    running,
    taskStateChange({ status: 'STOPPED', seq: 2, reason: 'Essential container in task exited', stopCode: 'EssentialContainerExited' }),
    T0 + 60,
  )!;
  t.equal(stopped.task.lastStatus, 'STOPPED');
  t.equal(stopped.task.desiredStatus, 'STOPPED');
  t.equal(stopped.task.stoppedAt, T0 + 60);
  t.equal(stopped.task.executionStoppedAt, T0 + 60, 'defaults to now when the agent does not say');
  t.equal(stopped.task.stoppingAt, T0 + 60);
  t.equal(stopped.task.stoppedReason, 'Essential container in task exited');
  t.equal(stopped.task.stopCode, 'EssentialContainerExited');
  t.strictSame(
    stopped.task.containers.map((c) => c.lastStatus),
    ['STOPPED'],
    'containers the report does not mention are STOPPED too',
  );
});

t.test("the agent's executionStoppedAt is kept when it reports one", async (t) => {
  const stopped = applyStateChange(taskRecord(), taskStateChange({ status: 'STOPPED', seq: 1, executionStoppedAt: T0 + 7 }), T0 + 9)!;
  t.equal(stopped.task.executionStoppedAt, T0 + 7);
  t.equal(stopped.task.stoppedAt, T0 + 9);
});

t.test('a STOPPED report without a reason gets the default stoppedReason', async (t) => {
  const stopped = applyStateChange(taskRecord(), taskStateChange({ status: 'STOPPED', seq: 1 }), T0)!;
  t.equal(stopped.task.stoppedReason, 'Task stopped');
});

t.test("the user's StopTask reason and stop code win over the agent's", async (t) => {
  const running = applyStateChange(taskRecord(), taskStateChange({ status: 'RUNNING', seq: 1 }), T0)!;
  const stopping = requestStop(running, 'scaling down', 'UserInitiated', T0 + 10)!;
  t.equal(stopping.task.desiredStatus, 'STOPPED');
  t.equal(stopping.task.stoppingAt, T0 + 10);
  t.equal(stopping.task.lastStatus, 'RUNNING', 'StopTask does not move lastStatus');
  const stopped = applyStateChange(
    stopping,
    taskStateChange({ status: 'STOPPED', seq: 2, reason: 'Essential container in task exited', stopCode: 'EssentialContainerExited' }),
    T0 + 20,
  )!;
  t.equal(stopped.task.stoppedReason, 'scaling down');
  t.equal(stopped.task.stopCode, 'UserInitiated');
  t.equal(stopped.task.stoppingAt, T0 + 10, 'stoppingAt is the time of the StopTask');
  t.equal(stopped.task.stoppedAt, T0 + 20);
});

t.test('the first stop reason wins: one given while stopping is kept at STOPPED', async (t) => {
  const deact = applyStateChange(
    taskRecord({ task: { lastStatus: 'RUNNING' } }),
    taskStateChange({ status: 'DEACTIVATING', seq: 1, reason: 'Essential container in task exited', stopCode: 'EssentialContainerExited' }),
    T0,
  )!;
  t.equal(deact.task.stoppedReason, 'Essential container in task exited');
  t.equal(deact.task.stopCode, 'EssentialContainerExited');
  const stopped = applyStateChange(deact, taskStateChange({ status: 'STOPPED', seq: 2, reason: 'something later' }), T0 + 1)!;
  t.equal(stopped.task.stoppedReason, 'Essential container in task exited');
});

t.test(
  'a StopTask while the agent is already stopping the task keeps the agent\'s stop reason and code',
  async (t) => {
    const deact = applyStateChange(
      taskRecord({ task: { lastStatus: 'RUNNING' } }),
      taskStateChange({ status: 'DEACTIVATING', seq: 1, reason: 'Essential container in task exited', stopCode: 'EssentialContainerExited' }),
      T0,
    )!;
    t.equal(deact.task.desiredStatus, 'STOPPED', 'the task is on its way to STOPPED');
    const after = requestStop(deact, 'Task stopped by user', 'UserInitiated', T0 + 1) ?? deact;
    t.equal(after.task.stoppedReason, 'Essential container in task exited');
    t.equal(after.task.stopCode, 'EssentialContainerExited');
  },
);

t.test('a reason sent with a RUNNING report is not a stop reason', async (t) => {
  const rec = applyStateChange(taskRecord(), taskStateChange({ status: 'RUNNING', seq: 1, reason: 'pulled' }), T0)!;
  t.equal(rec.task.stoppedReason, undefined);
});

t.test('requestStop on a task already asked to stop changes nothing', async (t) => {
  const once = requestStop(taskRecord(), 'first', 'UserInitiated', T0)!;
  t.equal(once.task.version, 2);
  t.equal(requestStop(once, 'second', 'UserInitiated', T0 + 1), undefined);
});

t.test('requestStop does not mutate the record it is given', async (t) => {
  const rec = taskRecord();
  const snapshot = structuredClone(rec);
  requestStop(rec, 'x', 'UserInitiated', T0);
  applyStateChange(rec, taskStateChange({ status: 'STOPPED', seq: 3, containers: [containerStateChange({ status: 'STOPPED', exitCode: 1 })] }), T0);
  t.strictSame(rec, snapshot);
});

t.test('markDelivered moves PROVISIONING to PENDING and marks the task CONNECTED, once', async (t) => {
  const delivered = markDelivered(taskRecord(), T0 + 2)!;
  t.equal(delivered.task.lastStatus, 'PENDING');
  t.equal(delivered.task.connectivity, 'CONNECTED');
  t.equal(delivered.task.connectivityAt, T0 + 2);
  t.equal(delivered.task.version, 2);
  t.equal(markDelivered(delivered, T0 + 3), undefined);
  for (const s of ['PENDING', 'RUNNING', 'STOPPED']) {
    t.equal(markDelivered(taskRecord({ task: { lastStatus: s } }), T0), undefined, `not from ${s}`);
  }
});

t.test('the first report marks an undelivered task CONNECTED', async (t) => {
  const rec = applyStateChange(taskRecord(), taskStateChange({ status: 'RUNNING', seq: 1 }), T0 + 4)!;
  t.equal(rec.task.connectivity, 'CONNECTED');
  t.equal(rec.task.connectivityAt, T0 + 4);
});

t.test('container exit codes, runtime ids, reasons, digests and health land on the task', async (t) => {
  const rec = taskRecord({
    task: { containers: [container({ name: 'web' }), container({ name: 'side', containerArn: 'arn:side' })] },
  });
  const stopped = applyStateChange(
    rec,
    taskStateChange({
      status: 'STOPPED',
      seq: 1,
      containers: [
        containerStateChange({
          name: 'web',
          status: 'STOPPED',
          exitCode: 137,
          reason: 'OutOfMemoryError: Container killed due to memory usage',
          runtimeId: 'abc123',
          imageDigest: 'sha256:00',
          healthStatus: 'UNHEALTHY',
        }),
        containerStateChange({ name: 'side', status: 'STOPPED', exitCode: 0 }),
      ],
    }),
    T0,
  )!;
  const [web, side] = stopped.task.containers;
  t.equal(web.exitCode, 137);
  t.equal(web.reason, 'OutOfMemoryError: Container killed due to memory usage');
  t.equal(web.runtimeId, 'abc123');
  t.equal(web.imageDigest, 'sha256:00');
  t.equal(web.healthStatus, 'UNHEALTHY');
  t.equal(web.lastStatus, 'STOPPED');
  t.equal(side.exitCode, 0, 'exit code 0 is kept, not treated as absent');
  t.equal(side.lastStatus, 'STOPPED');
});

t.test('networkBindings land, and a later report without bindings keeps them', async (t) => {
  const binding = { bindIp: '0.0.0.0', containerPort: 80, hostPort: 32768, protocol: 'tcp' };
  const running = applyStateChange(
    taskRecord(),
    taskStateChange({ status: 'RUNNING', seq: 1, containers: [containerStateChange({ status: 'RUNNING', networkBindings: [binding] })] }),
    T0,
  )!;
  t.strictSame(running.task.containers[0].networkBindings, [binding]);
  t.equal(running.task.containers[0].lastStatus, 'RUNNING');
  const later = applyStateChange(
    running,
    taskStateChange({ status: 'RUNNING', seq: 2, containers: [containerStateChange({ status: 'RUNNING', healthStatus: 'HEALTHY' })] }),
    T0 + 1,
  )!;
  t.strictSame(later.task.containers[0].networkBindings, [binding]);
  t.equal(later.task.containers[0].healthStatus, 'HEALTHY');
});

t.test('a report about a container the task does not have is ignored', async (t) => {
  const rec = applyStateChange(
    taskRecord(),
    taskStateChange({ status: 'RUNNING', seq: 1, containers: [containerStateChange({ name: 'ghost', status: 'RUNNING', exitCode: 3 })] }),
    T0,
  )!;
  t.equal(rec.task.containers.length, 1);
  t.equal(rec.task.containers[0].name, 'web');
  t.equal(rec.task.containers[0].exitCode, undefined);
  t.equal(rec.task.containers[0].lastStatus, 'PENDING');
});

t.test('pull and start times from the agent are recorded', async (t) => {
  const rec = applyStateChange(
    taskRecord(),
    taskStateChange({ status: 'RUNNING', seq: 1, pullStartedAt: T0 + 1, pullStoppedAt: T0 + 2, startedAt: T0 + 3 }),
    T0 + 4,
  )!;
  t.equal(rec.task.pullStartedAt, T0 + 1);
  t.equal(rec.task.pullStoppedAt, T0 + 2);
  t.equal(rec.task.startedAt, T0 + 3);
});

t.test("a task's health follows its essential containers that have health checks", async (t) => {
  const hc = { command: ['CMD-SHELL', 'true'] };
  const base = taskRecord();
  const def = base.containers[0];
  const rec = {
    ...base,
    containers: [
      { ...def, name: 'web', essential: true, healthCheck: hc },
      { ...def, name: 'side', essential: false, healthCheck: hc },
      { ...def, name: 'plain', essential: true, healthCheck: null },
    ],
  } as typeof base;
  const view = (web: string, side: string) =>
    [{ name: 'web', healthStatus: web }, { name: 'side', healthStatus: side }, { name: 'plain' }] as any[];
  t.equal(taskHealth(rec, view('UNKNOWN', 'HEALTHY')), 'UNKNOWN', 'before the first check');
  t.equal(taskHealth(rec, view('HEALTHY', 'UNHEALTHY')), 'HEALTHY', 'a non-essential container does not count');
  t.equal(taskHealth(rec, view('UNHEALTHY', 'HEALTHY')), 'UNHEALTHY');
  t.equal(taskHealth(taskRecord(), []), 'UNKNOWN', 'no health checks at all');
});
