// DAEMON services: one task on each ACTIVE instance the constraints admit; joining instances get one,
// DRAINING ones lose theirs; the desired count is derived; deployments replace each instance's task.
import t from 'tap';
import { reconcile } from '../../../../control-plane/src/scheduler/reconciler.js';
import type { ServiceState } from '../../../../control-plane/src/scheduler/types.js';
import { dep, deployment, depId, input, instanceSpecs, pending, startedOn, stoppedIds, T0, task, type InstanceSpec } from './reconciler-fixtures.js';

function daemon(over: Partial<ServiceState> = {}): Partial<ServiceState> {
  return {
    schedulingStrategy: 'DAEMON',
    desiredCount: 0,
    deploymentConfiguration: { minimumHealthyPercent: 0, maximumPercent: 100, circuitBreaker: { enable: false, rollback: false } },
    deployments: [deployment(1, { rolloutState: 'COMPLETED' })],
    ...over,
  };
}

t.test('one task on each ACTIVE instance; the desired count is derived', async (t) => {
  const plan = reconcile(input({ service: daemon(), instances: 3 }));
  t.strictSame(startedOn(plan), ['i0', 'i1', 'i2']);
  t.equal(dep(plan, 1).desiredCount, 3);
});

t.test('a joining instance gets one; the others keep theirs', async (t) => {
  const plan = reconcile(input({ service: daemon(), instances: 3, tasks: [task('a', 1, 'i0'), task('b', 1, 'i1')] }));
  t.strictSame(startedOn(plan), ['i2']);
  t.strictSame(plan.stop, []);
});

t.test('a DRAINING instance loses its task; the desired count follows', async (t) => {
  const specs: InstanceSpec[] = [{ id: 'i0', status: 'DRAINING' }, { id: 'i1' }];
  const plan = reconcile(input({ service: daemon(), instances: specs, tasks: [task('a', 1, 'i0'), task('b', 1, 'i1')] }));
  t.strictSame(stoppedIds(plan), ['a']);
  t.strictSame(plan.start, []);
  t.equal(dep(plan, 1).desiredCount, 1);
});

t.test('only instances the constraints admit', async (t) => {
  const specs: InstanceSpec[] = [
    { id: 'i0', attributes: { 'ecs.instance-type': 'm5.large' } },
    { id: 'i1', attributes: { 'ecs.instance-type': 't3.micro' } },
    { id: 'i2', attributes: { 'ecs.instance-type': 'm5.xlarge' } },
  ];
  const svc = daemon({ placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type =~ m5.*' }] });
  const plan = reconcile(input({ service: svc, instances: specs, tasks: [task('x', 1, 'i1')] }));
  t.strictSame(startedOn(plan), ['i0', 'i2']);
  t.strictSame(stoppedIds(plan), ['x'], 'the task on an instance no longer admitted stops');
  t.equal(dep(plan, 1).desiredCount, 2);
});

t.test('a disconnected (not yet lost) instance keeps its task and gets none', async (t) => {
  const specs: InstanceSpec[] = [{ id: 'i0', connected: false }, { id: 'i1', connected: false }, { id: 'i2' }];
  const plan = reconcile(input({ service: daemon(), instances: specs, tasks: [task('a', 1, 'i0'), task('c', 1, 'i2')], disconnectedSince: { i0: T0 - 5, i1: T0 - 5 } }));
  t.strictSame([plan.start.length, plan.stop.length, plan.events], [0, 0, []], 'no "unable to place" for a disconnected agent');
});

t.test('a deployment replaces each instance\'s task: stop first (maximumPercent 100), then start', async (t) => {
  const svc = daemon({ deployments: [deployment(2, { createdAt: T0 - 10 }), deployment(1, { status: 'ACTIVE', rolloutState: 'COMPLETED' })] });
  const old = [task('a', 1, 'i0'), task('b', 1, 'i1')];
  const s1 = reconcile(input({ service: svc, instances: 2, tasks: old }));
  t.strictSame(stoppedIds(s1), ['a', 'b'], 'minimumHealthyPercent 0: all at once');
  t.strictSame(s1.start, [], 'the new ones start once the old ones are gone');

  const s2 = reconcile(input({ service: svc, instances: 2, tasks: old.map((x) => ({ ...x, desiredStatus: 'STOPPED' })) }));
  t.strictSame(s2.start, [], 'still stopping');

  const s3 = reconcile(input({ service: svc, instances: 2 }));
  t.strictSame(startedOn(s3), ['i0', 'i1']);
  t.ok(s3.start.every((s) => s.deploymentId === depId(2)));

  const s4 = reconcile(input({ service: svc, instances: 2, tasks: [task('c', 2, 'i0'), task('d', 2, 'i1')] }));
  t.strictSame(s4.events, ['(service web) (deployment ecs-svc/2) deployment completed.', '(service web) has reached a steady state.']);
  t.equal(dep(s4, 1).status, 'INACTIVE');
});

t.test('a daemon deployment at minimumHealthyPercent 50 replaces half the instances at a time', async (t) => {
  const svc = daemon({
    deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100, circuitBreaker: { enable: false, rollback: false } },
    deployments: [deployment(2, { createdAt: T0 - 10 }), deployment(1, { status: 'ACTIVE', rolloutState: 'COMPLETED' })],
  });
  const plan = reconcile(input({ service: svc, instances: 4, tasks: instanceSpecs(4).map((s, k) => task(`o${k}`, 1, s.id)) }));
  t.equal(plan.stop.length, 2);
});

t.test('maximumPercent 200: the new task starts next to the old one, which stops once it is healthy', async (t) => {
  const svc = daemon({
    deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, circuitBreaker: { enable: false, rollback: false } },
    deployments: [deployment(2, { createdAt: T0 - 10 }), deployment(1, { status: 'ACTIVE', rolloutState: 'COMPLETED' })],
  });
  const s1 = reconcile(input({ service: svc, instances: 1, tasks: [task('a', 1, 'i0')] }));
  t.strictSame([startedOn(s1), s1.stop.length], [['i0'], 0]);
  const s2 = reconcile(input({ service: svc, instances: 1, tasks: [task('a', 1, 'i0'), task('b', 2, 'i0', pending)] }));
  t.strictSame([s2.start.length, s2.stop.length], [0, 0]);
  const s3 = reconcile(input({ service: svc, instances: 1, tasks: [task('a', 1, 'i0'), task('b', 2, 'i0')] }));
  t.strictSame(stoppedIds(s3), ['a']);
});

t.test('a daemon on an instance too small: ECS\'s placement event', async (t) => {
  const svc = daemon({ deployments: [deployment(1, { rolloutState: 'COMPLETED', needs: { cpu: 0, memory: 4096, tcpPorts: [], udpPorts: [] } })] });
  const plan = reconcile(input({ service: svc, instances: 1 }));
  t.strictSame(plan.events, [
    '(service web) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance i0) has insufficient memory available.',
  ]);
});

t.test('a DRAINING (deleted) daemon service stops every task, then goes INACTIVE', async (t) => {
  const s1 = reconcile(input({ service: daemon({ status: 'DRAINING' }), instances: 2, tasks: [task('a', 1, 'i0'), task('b', 1, 'i1')] }));
  t.strictSame(stoppedIds(s1), ['a', 'b']);
  const s2 = reconcile(input({ service: daemon({ status: 'DRAINING' }), instances: 2 }));
  t.equal(s2.status, 'INACTIVE');
});
