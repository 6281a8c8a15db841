// ListContainerInstances, DescribeContainerInstances, UpdateContainerInstancesState, DeregisterContainerInstance.
import t from 'tap';
import {
  deregisterContainerInstance,
  describeContainerInstances,
  listContainerInstances,
  updateContainerInstancesState,
} from '../../../../control-plane/src/services/container-instances.js';
import { createCluster } from '../../../../control-plane/src/services/clusters.js';
import { applyTaskReport } from '../../../../control-plane/src/services/agents.js';
import { runTask } from '../../../../control-plane/src/services/run-task.js';
import { resource } from '../../../../control-plane/src/domain/instance-resources.js';
import { resourceId } from '../../../../control-plane/src/domain/arn.js';
import {
  addInstance,
  addTaskDefinition,
  createClusterRequest,
  listContainerInstancesRequest,
  portMapping,
  runTaskRequest,
  SCOPE,
  taskStateChange,
  testContext,
  throwsEcs,
} from '../fixtures.js';

const instArn = (cluster: string, id: string) => `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}:container-instance/${cluster}/${id}`;
const sorted = (xs: string[]) => [...xs].sort();

// ---------------------------------------------------------------------------------------------------------
// UpdateContainerInstancesState

t.test('UpdateContainerInstancesState moves an instance to DRAINING and back to ACTIVE, bumping version', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  const v0 = ctx.store.getInstance(arn)!.version;
  const drained = updateContainerInstancesState(ctx, undefined, [arn], 'DRAINING');
  t.strictSame(drained.failures, []);
  t.equal(drained.containerInstances[0].status, 'DRAINING');
  t.equal(drained.containerInstances[0].version, v0 + 1);
  t.equal(ctx.store.getInstance(arn)!.status, 'DRAINING');
  const again = updateContainerInstancesState(ctx, undefined, [arn], 'DRAINING');
  t.equal(again.containerInstances[0].version, v0 + 1, 'setting the same status changes nothing');
  const active = updateContainerInstancesState(ctx, undefined, [arn], 'ACTIVE');
  t.equal(active.containerInstances[0].status, 'ACTIVE');
  t.equal(active.containerInstances[0].version, v0 + 2);
});

t.test('UpdateContainerInstancesState takes instance ids and the cluster ARN', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  const res = updateContainerInstancesState(ctx, `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}:cluster/default`, [resourceId(arn)], 'DRAINING');
  t.equal(res.containerInstances[0].containerInstanceArn, arn);
});

t.test('UpdateContainerInstancesState refuses any status but ACTIVE and DRAINING', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  for (const status of ['INACTIVE', 'DEREGISTERING', 'REGISTERING', 'draining', '']) {
    throwsEcs(t, () => updateContainerInstancesState(ctx, undefined, [arn], status), 'InvalidParameterException', [`'${status}'`, 'ACTIVE', 'DRAINING']);
  }
  t.equal(ctx.store.getInstance(arn)!.status, 'ACTIVE');
});

t.test('UpdateContainerInstancesState refuses an empty list or more than 10, and an unknown cluster', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  throwsEcs(t, () => updateContainerInstancesState(ctx, undefined, [], 'DRAINING'), 'InvalidParameterException');
  throwsEcs(t, () => updateContainerInstancesState(ctx, undefined, Array(11).fill(arn), 'DRAINING'), 'InvalidParameterException', ['10']);
  throwsEcs(t, () => updateContainerInstancesState(ctx, 'ghost', [arn], 'DRAINING'), 'ClusterNotFoundException');
});

t.test('UpdateContainerInstancesState reports unknown and deregistered instances as MISSING and updates the rest', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const ok = addInstance(ctx);
  const gone = addInstance(ctx);
  deregisterContainerInstance(ctx, undefined, gone, false);
  const res = updateContainerInstancesState(ctx, undefined, [ok, gone, 'abc'], 'DRAINING');
  t.strictSame(
    res.containerInstances.map((i) => i.containerInstanceArn),
    [ok],
  );
  t.strictSame(res.failures, [
    { arn: gone, reason: 'MISSING' },
    { arn: instArn('default', 'abc'), reason: 'MISSING' },
  ]);
  t.equal(ctx.store.getInstance(gone)!.status, 'INACTIVE', 'a deregistered instance is not revived');
});

t.test('UpdateContainerInstancesState does not touch instances of another cluster', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'other' }));
  addInstance(ctx);
  const theirs = addInstance(ctx, { cluster: 'other' });
  const res = updateContainerInstancesState(ctx, undefined, [theirs], 'DRAINING');
  t.strictSame(res.failures, [{ arn: theirs, reason: 'MISSING' }]);
  t.equal(ctx.store.getInstance(theirs)!.status, 'ACTIVE');
});

// ---------------------------------------------------------------------------------------------------------
// ListContainerInstances

t.test('ListContainerInstances lists ACTIVE and DRAINING instances, and filters by status', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const a = addInstance(ctx);
  const b = addInstance(ctx);
  const c = addInstance(ctx);
  updateContainerInstancesState(ctx, undefined, [b], 'DRAINING');
  deregisterContainerInstance(ctx, undefined, c, false);
  t.strictSame(sorted(listContainerInstances(ctx, listContainerInstancesRequest()).containerInstanceArns), sorted([a, b]));
  t.strictSame(listContainerInstances(ctx, listContainerInstancesRequest({ status: 'ACTIVE' })).containerInstanceArns, [a]);
  t.strictSame(listContainerInstances(ctx, listContainerInstancesRequest({ status: 'DRAINING' })).containerInstanceArns, [b]);
  t.strictSame(listContainerInstances(ctx, listContainerInstancesRequest({ status: 'REGISTERING' })).containerInstanceArns, []);
});

t.test('ListContainerInstances --filter keeps the instances the cluster query language matches', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const prod = addInstance(ctx, { attributes: [{ name: 'stack', value: 'prod' }] });
  addInstance(ctx, { attributes: [{ name: 'stack', value: 'dev' }] });
  const offline = addInstance(ctx, { attributes: [{ name: 'stack', value: 'prod' }], connected: false });
  const list = (filter: string) => listContainerInstances(ctx, listContainerInstancesRequest({ filter })).containerInstanceArns;
  t.same(list('attribute:stack == prod').sort(), [prod, offline].sort());
  t.same(list('attribute:stack == prod and agentConnected == true'), [prod]);
  t.same(list('attribute:stack == qa'), []);
});

t.test('ListContainerInstances refuses a bad status, a malformed filter expression and an unknown cluster', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  throwsEcs(t, () => listContainerInstances(ctx, listContainerInstancesRequest({ status: 'INACTIVE' })), 'InvalidParameterException', ["'INACTIVE'"]);
  throwsEcs(t, () => listContainerInstances(ctx, listContainerInstancesRequest({ filter: 'attribute:ecs.os-type =! linux' })), 'InvalidParameterException', ['position']);
  throwsEcs(t, () => listContainerInstances(ctx, listContainerInstancesRequest({ cluster: 'ghost' })), 'ClusterNotFoundException');
  t.equal(listContainerInstances(ctx, listContainerInstancesRequest({ filter: '  ' })).containerInstanceArns.length, 1, 'a blank filter is no filter');
});

t.test('ListContainerInstances pages and lists only its cluster', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'other' }));
  const mine = [addInstance(ctx), addInstance(ctx), addInstance(ctx)];
  addInstance(ctx, { cluster: 'other' });
  const p1 = listContainerInstances(ctx, listContainerInstancesRequest({ maxResults: 2 }));
  const p2 = listContainerInstances(ctx, listContainerInstancesRequest({ maxResults: 2, nextToken: p1.nextToken }));
  t.equal(p1.containerInstanceArns.length, 2);
  t.equal(p2.nextToken, undefined);
  t.strictSame(sorted([...p1.containerInstanceArns, ...p2.containerInstanceArns]), sorted(mine));
});

// ---------------------------------------------------------------------------------------------------------
// DescribeContainerInstances

t.test('DescribeContainerInstances shows remaining resources and task counts from the tasks on the instance', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx, { cpu: 2048, memory: 4096, ports: [22] });
  addTaskDefinition(ctx, 'web', { cpu: 256, memory: 512, portMappings: [portMapping({ containerPort: 80, hostPort: 8080 })] });
  addTaskDefinition(ctx, 'dns', { cpu: 128, memory: 128, portMappings: [portMapping({ containerPort: 53, hostPort: 53, protocol: 'udp' })] });
  const web = runTask(ctx, runTaskRequest()).tasks[0];
  runTask(ctx, runTaskRequest({ taskDefinition: 'dns' }));
  applyTaskReport(ctx, arn, taskStateChange({ taskArn: web.taskArn, status: 'RUNNING', seq: 1 }));
  const [inst] = describeContainerInstances(ctx, undefined, [arn], []).containerInstances;
  t.equal(inst.containerInstanceArn, arn);
  t.equal(inst.status, 'ACTIVE');
  t.equal(inst.agentConnected, true);
  t.equal(inst.runningTasksCount, 1);
  t.equal(inst.pendingTasksCount, 1);
  t.equal(resource(inst.remainingResources, 'CPU')!.integerValue, 2048 - 256 - 128);
  t.equal(resource(inst.remainingResources, 'MEMORY')!.integerValue, 4096 - 512 - 128);
  t.strictSame(resource(inst.remainingResources, 'PORTS')!.stringSetValue, ['22', '8080']);
  t.strictSame(resource(inst.remainingResources, 'PORTS_UDP')!.stringSetValue, ['53']);
  t.equal(resource(inst.registeredResources, 'CPU')!.integerValue, 2048, 'registered resources are unchanged');
});

t.test('DescribeContainerInstances reports unknown ones as MISSING, describes deregistered ones as INACTIVE', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  const gone = addInstance(ctx);
  deregisterContainerInstance(ctx, undefined, gone, false);
  const res = describeContainerInstances(ctx, undefined, [resourceId(arn), gone, 'nope'], []);
  t.strictSame(
    res.containerInstances.map((i) => [i.containerInstanceArn, i.status]),
    [
      [arn, 'ACTIVE'],
      [gone, 'INACTIVE'],
    ],
  );
  t.strictSame(res.failures, [{ arn: instArn('default', 'nope'), reason: 'MISSING' }]);
});

t.test('DescribeContainerInstances refuses an empty or oversized list, and shows tags only when included', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  throwsEcs(t, () => describeContainerInstances(ctx, undefined, [], []), 'InvalidParameterException');
  throwsEcs(t, () => describeContainerInstances(ctx, undefined, Array(101).fill(arn), []), 'InvalidParameterException', ['100']);
  t.strictSame(describeContainerInstances(ctx, undefined, [arn], []).containerInstances[0].tags, []);
});

// ---------------------------------------------------------------------------------------------------------
// DeregisterContainerInstance

t.test('DeregisterContainerInstance of an idle instance makes it INACTIVE and ends its agent session', async (t) => {
  const { ctx, notifier, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  const v = ctx.store.getInstance(arn)!.version;
  const { containerInstance } = deregisterContainerInstance(ctx, undefined, resourceId(arn), false);
  t.equal(containerInstance.status, 'INACTIVE');
  t.equal(containerInstance.agentConnected, false);
  t.equal(containerInstance.version, v + 1);
  t.strictSame(notifier.deregistered, [arn]);
  t.strictSame(listContainerInstances(ctx, listContainerInstancesRequest()).containerInstanceArns, []);
});

t.test('DeregisterContainerInstance with tasks not STOPPED needs force', async (t) => {
  const { ctx, notifier, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  addTaskDefinition(ctx);
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  throwsEcs(t, () => deregisterContainerInstance(ctx, undefined, arn, false), 'InvalidParameterException', ['1', 'force']);
  t.equal(ctx.store.getInstance(arn)!.status, 'ACTIVE');
  t.strictSame(notifier.deregistered, []);
  t.equal(deregisterContainerInstance(ctx, undefined, arn, true).containerInstance.status, 'INACTIVE');
  t.strictSame(notifier.deregistered, [arn]);
  t.ok(ctx.store.getTask(task.taskArn), 'the task record is kept');
});

t.test('DeregisterContainerInstance does not count STOPPED tasks', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  addTaskDefinition(ctx);
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  applyTaskReport(ctx, arn, taskStateChange({ taskArn: task.taskArn, status: 'STOPPED', seq: 1 }));
  t.equal(deregisterContainerInstance(ctx, undefined, arn, false).containerInstance.status, 'INACTIVE');
});

t.test('DeregisterContainerInstance of an unknown or already deregistered instance is InvalidParameterException', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  deregisterContainerInstance(ctx, undefined, arn, false);
  throwsEcs(t, () => deregisterContainerInstance(ctx, undefined, arn, false), 'InvalidParameterException');
  throwsEcs(t, () => deregisterContainerInstance(ctx, undefined, 'nope', true), 'InvalidParameterException');
  throwsEcs(t, () => deregisterContainerInstance(ctx, undefined, '', true), 'InvalidParameterException');
  throwsEcs(t, () => deregisterContainerInstance(ctx, 'ghost', arn, true), 'ClusterNotFoundException');
});
