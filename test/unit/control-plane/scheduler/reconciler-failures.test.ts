// When tasks fail: the deployment circuit breaker (with and without rollback), launch throttling, failed
// container health checks and the grace period, placement failures.
import t from 'tap';
import { breakerThreshold, launchDelay, reconcile } from '../../../../control-plane/src/scheduler/reconciler.js';
import type { ServiceState } from '../../../../control-plane/src/scheduler/types.js';
import {
  dep,
  deployment,
  depId,
  failedStart,
  healthyChecked,
  input,
  pending,
  primaries,
  rolling,
  stoppedIds,
  T0,
  task,
  tasks,
  unhealthy,
} from './reconciler-fixtures.js';

const I3 = ['i0', 'i1', 'i2'];

function breaker(rollback: boolean, failedTasks: number, over: Partial<ServiceState> = {}): Partial<ServiceState> {
  const base = rolling(2, 100, 200);
  return {
    ...base,
    deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, circuitBreaker: { enable: true, rollback } },
    deployments: [
      deployment(2, { createdAt: T0 - 10, updatedAt: T0 - 10, desiredCount: 2, failedTasks }),
      deployment(1, { status: 'ACTIVE', rolloutState: 'COMPLETED' }),
    ],
    ...over,
  };
}

t.test('the breaker threshold: half the desired count, rounded up, clamped to [3, 200]', async (t) => {
  t.strictSame([0, 1, 6, 7, 10, 399, 400, 1000].map(breakerThreshold), [3, 3, 3, 4, 5, 200, 200, 200]);
});

t.test('tasks that fail to start count as failedTasks, with or without the breaker', async (t) => {
  const w = { service: rolling(2, 100, 200), tasks: [...tasks('old', 1, I3, 2), task('f', 2, 'i0', failedStart)] };
  const plan = reconcile(input(w));
  t.equal(dep(plan, 2).failedTasks, 1);
  t.equal(dep(plan, 2).rolloutState, 'IN_PROGRESS', 'the breaker is off');
  t.equal(dep(plan, 2).updatedAt, T0);
});

t.test('tasks stopped on purpose, or after reaching RUNNING, are not failures to start', async (t) => {
  const w = {
    service: rolling(2, 100, 200),
    tasks: [
      ...tasks('old', 1, I3, 2),
      task('s', 2, 'i0', { ...failedStart, stopCode: 'ServiceSchedulerInitiated' }),
      task('u', 2, 'i0', { ...failedStart, stopCode: 'UserInitiated' }),
      task('r', 2, 'i1', { ...failedStart, stopCode: 'EssentialContainerExited', startedAt: T0 - 5 }),
    ],
  };
  t.equal(dep(reconcile(input(w)), 2).failedTasks, 0);
});

t.test('circuit breaker without rollback: FAILED at the threshold, no more launches, old tasks kept', async (t) => {
  const w = { service: breaker(false, 2), tasks: [...tasks('old', 1, I3, 2), task('f', 2, 'i0', failedStart)] };
  const plan = reconcile(input(w));
  const d2 = dep(plan, 2);
  t.strictSame([d2.status, d2.rolloutState, d2.failedTasks], ['PRIMARY', 'FAILED', 3]);
  t.equal(d2.rolloutStateReason, 'ECS deployment circuit breaker: tasks failed to start.');
  t.strictSame(plan.events, ['(service web) (deployment ecs-svc/2) deployment failed: tasks failed to start.']);
  t.strictSame([plan.start.length, plan.stop.length], [0, 0], 'stalled: nothing started, the old tasks stay');

  const later = reconcile(input({ service: { ...breaker(false, 3), deployments: plan.deployments }, tasks: tasks('old', 1, I3, 2) }));
  t.strictSame([later.start.length, later.stop.length, later.events], [0, 0, []], 'stays stalled, quietly');
});

t.test('circuit breaker with rollback: the last COMPLETED deployment comes back as PRIMARY', async (t) => {
  const w = {
    service: breaker(true, 2, { throttle: { consecutiveFailures: 2, nextAttemptAt: T0 - 30 } }),
    tasks: [...tasks('old', 1, I3, 2), task('f', 2, 'i0', failedStart), task('p', 2, 'i1', pending)],
  };
  const plan = reconcile(input(w));
  t.strictSame(primaries(plan), [depId(1)], 'exactly one PRIMARY: the one rolled back to');
  const d1 = dep(plan, 1);
  t.strictSame([d1.rolloutState, d1.failedTasks, d1.desiredCount], ['IN_PROGRESS', 0, 2]);
  t.equal(d1.rolloutStateReason, 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1.');
  t.strictSame([dep(plan, 2).status, dep(plan, 2).rolloutState], ['ACTIVE', 'FAILED']);
  t.strictSame(stoppedIds(plan), ['p'], 'the failed deployment\'s pending task stops');
  t.strictSame(plan.start, [], 'the old deployment already has its two tasks');
  t.strictSame(plan.events.slice(0, 2), [
    '(service web) (deployment ecs-svc/2) deployment failed: tasks failed to start.',
    '(service web) rolling back to deployment ecs-svc/1.',
  ]);
  t.strictSame(plan.throttle, { consecutiveFailures: 0 }, 'a rollback resets the launch throttle');
});

t.test('rollback replaces what the old deployment lost', async (t) => {
  const w = { service: breaker(true, 2), tasks: [task('old', 1, 'i0'), task('f', 2, 'i0', failedStart)] };
  const plan = reconcile(input(w));
  t.equal(plan.start.length, 1);
  t.equal(plan.start[0].deploymentId, depId(1));
});

t.test('rollback finds an INACTIVE COMPLETED deployment too, the newest one', async (t) => {
  const svc = breaker(true, 2, {
    deployments: [
      deployment(3, { createdAt: T0 - 10, failedTasks: 2 }),
      deployment(2, { status: 'INACTIVE', rolloutState: 'COMPLETED', createdAt: T0 - 500 }),
      deployment(1, { status: 'INACTIVE', rolloutState: 'COMPLETED', createdAt: T0 - 900 }),
    ],
  });
  const plan = reconcile(input({ service: svc, tasks: [task('f', 3, 'i0', failedStart)] }));
  t.strictSame(primaries(plan), [depId(2)]);
  t.equal(plan.start.length, 2);
  t.ok(plan.start.every((s) => s.deploymentId === depId(2)));
});

t.test('rollback with no COMPLETED deployment: FAILED and stalled', async (t) => {
  const svc = breaker(true, 2, { deployments: [deployment(2, { failedTasks: 2 })] });
  const plan = reconcile(input({ service: svc, tasks: [task('f', 2, 'i0', failedStart)] }));
  t.strictSame([dep(plan, 2).status, dep(plan, 2).rolloutState, plan.start.length], ['PRIMARY', 'FAILED', 0]);
});

t.test('failed container health checks count toward the breaker (past the grace period)', async (t) => {
  const svc = breaker(false, 2, { healthCheckGracePeriodSeconds: 30 });
  const sick = task('sick', 2, 'i0', { ...unhealthy, startedAt: T0 - 31 });
  const plan = reconcile(input({ service: svc, tasks: [...tasks('old', 1, I3, 2), sick] }));
  t.strictSame([dep(plan, 2).failedTasks, dep(plan, 2).rolloutState], [3, 'FAILED']);
  t.strictSame(stoppedIds(plan), ['sick']);
});

t.test('a healthy task resets the consecutive failure count', async (t) => {
  const svc = breaker(false, 2);
  const fresh = task('ok', 2, 'i0', { startedAt: T0 - 5 });
  const plan = reconcile(input({ service: svc, tasks: [...tasks('old', 1, I3, 2), fresh] }));
  t.equal(dep(plan, 2).failedTasks, 0);
  const withFailure = reconcile(input({ service: svc, tasks: [...tasks('old', 1, I3, 2), fresh, task('f', 2, 'i1', failedStart)] }));
  t.strictSame([dep(withFailure, 2).failedTasks, dep(withFailure, 2).rolloutState], [1, 'IN_PROGRESS'], 'reset, then one new failure');
});

t.test('a COMPLETED deployment is no longer watched by the breaker', async (t) => {
  const svc = { deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, circuitBreaker: { enable: true, rollback: true } } };
  const plan = reconcile(input({ service: svc, tasks: [task('a', 1, 'i0'), task('f', 1, 'i1', failedStart)] }));
  t.strictSame([dep(plan, 1).rolloutState, dep(plan, 1).failedTasks], ['COMPLETED', 0]);
});

t.test('unhealthy past the grace period: stopped and replaced, with ECS\'s event', async (t) => {
  const svc = { healthCheckGracePeriodSeconds: 60 };
  const sick = task('sick', 1, 'i0', { ...unhealthy, startedAt: T0 - 61 });
  const plan = reconcile(input({ service: svc, tasks: [sick, task('b', 1, 'i1', healthyChecked)] }));
  t.strictSame(plan.stop, [{ taskArn: sick.arn, reason: 'Task failed container health checks', stopCode: 'ServiceSchedulerInitiated' }]);
  t.equal(plan.start.length, 1);
  t.strictSame(plan.events, [
    '(service web) (task sick) failed container health checks.',
    '(service web) has stopped 1 running tasks: (task sick).',
    '(service web) has started 1 tasks: (task {task:0}).',
  ]);
});

t.test('unhealthy within the grace period: ignored (neither replaced nor counted healthy)', async (t) => {
  const svc = { healthCheckGracePeriodSeconds: 60 };
  const young = task('young', 1, 'i0', { ...unhealthy, startedAt: T0 - 59 });
  const plan = reconcile(input({ service: svc, tasks: [young, task('b', 1, 'i1', healthyChecked)] }));
  t.strictSame([plan.stop.length, plan.start.length, plan.events], [0, 0, []]);
});

t.test('throttling: delays grow from the third consecutive failure, with ECS\'s event once', async (t) => {
  t.strictSame([1, 2, 3, 4, 5, 10, 20].map((n) => launchDelay(n, 900)), [0, 0, 10, 20, 40, 900, 900]);
  const throttledMsg = '(service web) is unable to consistently start tasks successfully.';

  const s1 = reconcile(input({ service: { throttle: { consecutiveFailures: 2, nextAttemptAt: T0 - 20 } }, tasks: [task('a', 1, 'i0'), task('f', 1, 'i1', failedStart)] }));
  t.strictSame(s1.throttle, { consecutiveFailures: 3, nextAttemptAt: T0 + 10 });
  t.strictSame(s1.start, [], 'no launch before the delay');
  t.strictSame(s1.events, [throttledMsg]);

  const s2 = reconcile(input({ now: T0 + 5, service: { throttle: s1.throttle }, tasks: [task('a', 1, 'i0')] }));
  t.strictSame([s2.start.length, s2.events], [0, []], 'still waiting');

  const s3 = reconcile(input({ now: T0 + 10, service: { throttle: s1.throttle }, tasks: [task('a', 1, 'i0')] }));
  t.equal(s3.start.length, 1, 'retried after the delay');
  t.strictSame(s3.throttle, s1.throttle, 'still counting');

  const s4 = reconcile(input({ now: T0 + 20, service: { throttle: s1.throttle }, tasks: [task('a', 1, 'i0'), task('g', 1, 'i1', failedStart)] }));
  t.strictSame(s4.throttle, { consecutiveFailures: 4, nextAttemptAt: T0 + 40 }, 'the delay doubles');
  t.strictSame(s4.events, [], 'the event is not repeated while throttled');
});

t.test('throttling is capped at options.maxLaunchBackoffSec', async (t) => {
  const plan = reconcile(input({ options: { maxLaunchBackoffSec: 60 }, service: { throttle: { consecutiveFailures: 8, nextAttemptAt: T0 - 1 } }, tasks: [task('f', 1, 'i1', failedStart)] }));
  t.strictSame(plan.throttle, { consecutiveFailures: 9, nextAttemptAt: T0 + 60 });
});

t.test('throttling resets when a task reaches RUNNING after the last failure', async (t) => {
  const throttle = { consecutiveFailures: 3, nextAttemptAt: T0 - 10 }; // last failure at T0 - 20
  const plan = reconcile(input({ service: { throttle }, tasks: [task('a', 1, 'i0', { startedAt: T0 - 15 })] }));
  t.strictSame(plan.throttle, { consecutiveFailures: 0 });
  const older = reconcile(input({ service: { throttle }, tasks: [task('a', 1, 'i0', { startedAt: T0 - 25 })] }));
  t.strictSame(older.throttle, throttle, 'a task that started before the failure does not reset it');
});

t.test('throttling resets with a new deployment (created after the last failure)', async (t) => {
  const throttle = { consecutiveFailures: 6, nextAttemptAt: T0 + 60 }; // delay 80: last failure at T0 - 20
  const plan = reconcile(input({ service: { ...rolling(2, 100, 200), throttle }, tasks: tasks('old', 1, I3, 2, { startedAt: T0 - 500 }) }));
  t.strictSame(plan.throttle, { consecutiveFailures: 0 });
  t.equal(plan.start.length, 2, 'launches at once');
});

t.test('placement failure: ECS\'s insufficient-memory event, said once while it lasts', async (t) => {
  const big = { deployments: [deployment(1, { rolloutState: 'COMPLETED', needs: { cpu: 0, memory: 4096, tcpPorts: [], udpPorts: [] } })], desiredCount: 1 };
  const msg =
    '(service web) was unable to place a task because no container instance met all of its requirements. ' +
    'The closest matching (container-instance i0) has insufficient memory available.';
  const plan = reconcile(input({ service: big, instances: 1 }));
  t.strictSame([plan.start.length, plan.events], [0, [msg]]);
  t.strictSame(plan.throttle, { consecutiveFailures: 0 }, 'placement failures do not throttle');
  const again = reconcile(input({ service: { ...big, recentEventMessages: [msg] }, instances: 1 }));
  t.strictSame(again.events, []);
});

t.test('placements account for each other: never more than an instance can take', async (t) => {
  const svc = { desiredCount: 6, deployments: [deployment(1, { rolloutState: 'COMPLETED', needs: { cpu: 512, memory: 512, tcpPorts: [], udpPorts: [] } })] };
  const plan = reconcile(input({ service: svc, instances: 2 }));
  t.equal(plan.start.length, 4, 'two per instance (1024 CPU units each)');
  t.match(plan.events[1], /closest matching \(container-instance i\d\) has insufficient CPU units available\.$/);
});

t.test('a static host port: one task per instance, the rest explained', async (t) => {
  const svc = { desiredCount: 3, deployments: [deployment(1, { rolloutState: 'COMPLETED', needs: { cpu: 0, memory: 0, tcpPorts: [80], udpPorts: [] } })] };
  const plan = reconcile(input({ service: svc, instances: 1 }));
  t.equal(plan.start.length, 1);
  t.match(plan.events[1], /is already using a port required by your task\.$/);
});

t.test('no placement-failure event while tasks of the service are releasing resources', async (t) => {
  const svc = { ...rolling(1, 0, 100), deployments: [deployment(2, { needs: { cpu: 0, memory: 2048, tcpPorts: [], udpPorts: [] } }), deployment(1, { status: 'ACTIVE', rolloutState: 'COMPLETED', needs: { cpu: 0, memory: 2048, tcpPorts: [], udpPorts: [] } })] };
  const plan = reconcile(input({ service: svc, instances: 1, tasks: [task('old', 1, 'i0')] }));
  t.strictSame(stoppedIds(plan), ['old']);
  t.strictSame(plan.start, [], 'the old task still holds the memory');
  t.strictSame(plan.events, ['(service web) has stopped 1 running tasks: (task old).']);
});

t.test('a stalled (FAILED) deployment still scales in, older tasks first', async (t) => {
  const svc = breaker(false, 3, {
    desiredCount: 1,
    deployments: [deployment(2, { rolloutState: 'FAILED', failedTasks: 3 }), deployment(1, { status: 'ACTIVE', rolloutState: 'COMPLETED' })],
  });
  const plan = reconcile(input({ service: svc, tasks: tasks('old', 1, I3, 3) }));
  t.equal(plan.stop.length, 2);
  t.strictSame(plan.start, []);
});
