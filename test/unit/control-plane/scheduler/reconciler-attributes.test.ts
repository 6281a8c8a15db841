// The service scheduler and the task definition's requiresAttributes (the deployment's requiredAttributes):
// REPLICA places only on instances that have them, and says so in ECS's words when none does; DAEMON runs a
// copy only where they are present; a deployment stored before requiredAttributes existed places as before.
import t from 'tap';
import { reconcile } from '../../../../control-plane/src/scheduler/reconciler.js';
import type { ServiceState } from '../../../../control-plane/src/scheduler/types.js';
import { dep, deployment, input, startedOn, stoppedIds, task, type InstanceSpec } from './reconciler-fixtures.js';

const SYSLOG = 'com.amazonaws.ecs.capability.logging-driver.syslog';
const specs: InstanceSpec[] = [{ id: 'i0' }, { id: 'i1', attributes: { [SYSLOG]: null } }, { id: 'i2' }, { id: 'i3', attributes: { [SYSLOG]: null } }];

t.test('REPLICA: tasks go only to instances with the required attributes', async (t) => {
  const svc: Partial<ServiceState> = { desiredCount: 4, deployments: [deployment(1, { requiredAttributes: [SYSLOG] })] };
  const plan = reconcile(input({ service: svc, instances: specs }));
  t.strictSame(startedOn(plan), ['i1', 'i1', 'i3', 'i3']);
});

t.test("REPLICA: no instance has them: ECS's placement event", async (t) => {
  const svc: Partial<ServiceState> = { desiredCount: 1, deployments: [deployment(1, { requiredAttributes: [SYSLOG] })] };
  const plan = reconcile(input({ service: svc, instances: [{ id: 'i0' }] }));
  t.strictSame(plan.start, []);
  t.strictSame(plan.events, [
    '(service web) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance i0) is missing an attribute required by your task.',
  ]);
});

t.test('REPLICA: a deployment without requiredAttributes (stored before them) places anywhere', async (t) => {
  const svc: Partial<ServiceState> = { desiredCount: 4, deployments: [deployment(1)] };
  const plan = reconcile(input({ service: svc, instances: specs }));
  t.strictSame(startedOn(plan), ['i0', 'i1', 'i2', 'i3']);
});

t.test('DAEMON: a copy only on the instances with the required attributes; one elsewhere stops', async (t) => {
  const svc: Partial<ServiceState> = {
    schedulingStrategy: 'DAEMON',
    desiredCount: 0,
    deploymentConfiguration: { minimumHealthyPercent: 0, maximumPercent: 100, circuitBreaker: { enable: false, rollback: false } },
    deployments: [deployment(1, { rolloutState: 'COMPLETED', requiredAttributes: [SYSLOG] })],
  };
  const plan = reconcile(input({ service: svc, instances: specs, tasks: [task('x', 1, 'i0')] }));
  t.strictSame(startedOn(plan), ['i1', 'i3']);
  t.strictSame(stoppedIds(plan), ['x']);
  t.equal(dep(plan, 1).desiredCount, 2);
});
