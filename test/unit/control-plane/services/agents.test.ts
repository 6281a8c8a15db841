// The control plane's side of the agent protocol: registration, connection status, delivery and reports.
import t from 'tap';
import {
  applyTaskReport,
  markTaskDelivered,
  registerContainerInstance,
  setAgentConnected,
  tasksForInstance,
} from '../../../../control-plane/src/services/agents.js';
import { createCluster } from '../../../../control-plane/src/services/clusters.js';
import { deregisterContainerInstance, updateContainerInstancesState } from '../../../../control-plane/src/services/container-instances.js';
import { runTask } from '../../../../control-plane/src/services/run-task.js';
import { integerResource, resource } from '../../../../control-plane/src/domain/instance-resources.js';
import {
  addInstance,
  addTaskDefinition,
  containerStateChange,
  createClusterRequest,
  hostResources,
  registerContainerInstanceRequest,
  runTaskRequest,
  SCOPE,
  T0,
  taskStateChange,
  testContext,
  throwsEcs,
} from '../fixtures.js';

const ARN_PREFIX = `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}`;

// ---------------------------------------------------------------------------------------------------------
// registerContainerInstance

t.test('registering into `default` creates the cluster when it does not exist', async (t) => {
  const { ctx, clock, close } = testContext();
  t.teardown(close);
  clock.advance(3);
  const res = registerContainerInstance(ctx, registerContainerInstanceRequest({ cluster: '', instanceId: 'host-a' }));
  t.equal(res.clusterArn, `${ARN_PREFIX}:cluster/default`);
  t.equal(ctx.store.getCluster('default')!.status, 'ACTIVE');
  const ci = res.containerInstance;
  t.match(ci.containerInstanceArn, new RegExp(`^${ARN_PREFIX}:container-instance/default/[0-9a-f]{32}$`));
  t.equal(ci.ec2InstanceId, 'host-a');
  t.equal(ci.status, 'ACTIVE');
  t.equal(ci.agentConnected, false, 'connected only once its session opens');
  t.equal(ci.version, 1);
  t.equal(ci.registeredAt, T0 + 3);
  t.equal(ci.runningTasksCount, 0);
  t.equal(resource(ci.remainingResources, 'MEMORY')!.integerValue, 2048);
  t.equal(registerContainerInstance(ctx, registerContainerInstanceRequest({ cluster: 'default', instanceId: 'host-b' })).clusterArn, res.clusterArn);
});

t.test('registering into a named cluster that does not exist is ClusterNotFoundException and creates nothing', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  throwsEcs(t, () => registerContainerInstance(ctx, registerContainerInstanceRequest({ cluster: 'prod' })), 'ClusterNotFoundException', ['prod']);
  t.equal(ctx.store.getCluster('prod'), undefined);
  t.strictSame(ctx.store.listInstances('prod'), []);
});

t.test('registering into an existing named cluster, by name or ARN', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'prod' }));
  const byName = registerContainerInstance(ctx, registerContainerInstanceRequest({ cluster: 'prod', instanceId: 'a' }));
  const byArn = registerContainerInstance(ctx, registerContainerInstanceRequest({ cluster: `${ARN_PREFIX}:cluster/prod`, instanceId: 'b' }));
  t.match(byName.containerInstance.containerInstanceArn, /:container-instance\/prod\//);
  t.equal(byArn.clusterArn, `${ARN_PREFIX}:cluster/prod`);
  t.equal(ctx.store.listInstances('prod').length, 2);
});

t.test('registering refuses a missing instanceId or a missing resource, naming it', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  throwsEcs(t, () => registerContainerInstance(ctx, registerContainerInstanceRequest({ instanceId: '' })), 'InvalidParameterException', ['instanceId']);
  for (const missing of ['CPU', 'MEMORY', 'PORTS', 'PORTS_UDP']) {
    const totalResources = hostResources().filter((r) => r.name !== missing);
    throwsEcs(t, () => registerContainerInstance(ctx, registerContainerInstanceRequest({ totalResources })), 'InvalidParameterException', [missing]);
  }
});

t.test('re-registering with the ARN kept in ECS_DATADIR keeps the identity, status, registeredAt and connection', async (t) => {
  const { ctx, clock, close } = testContext();
  t.teardown(close);
  const first = registerContainerInstance(ctx, registerContainerInstanceRequest({ instanceId: 'host-a', tags: [{ key: 'rack', value: '1' }] })).containerInstance;
  const arn = first.containerInstanceArn;
  setAgentConnected(ctx, arn, true);
  updateContainerInstancesState(ctx, undefined, [arn], 'DRAINING');
  const before = ctx.store.getInstance(arn)!;
  clock.advance(100);
  const again = registerContainerInstance(
    ctx,
    registerContainerInstanceRequest({
      instanceId: 'host-a',
      containerInstanceArn: arn,
      totalResources: [integerResource('CPU', 4096), ...hostResources().filter((r) => r.name !== 'CPU')],
      tags: [{ key: 'rack', value: '2' }],
    }),
  ).containerInstance;
  t.equal(again.containerInstanceArn, arn);
  t.equal(again.status, 'DRAINING', 'a DRAINING instance stays DRAINING');
  t.equal(again.registeredAt, T0);
  t.equal(again.agentConnected, true);
  t.equal(again.version, before.version + 1);
  t.equal(resource(again.registeredResources, 'CPU')!.integerValue, 4096, 'resources are what the agent now reports');
  t.strictSame(ctx.store.getInstance(arn)!.tags, [{ key: 'rack', value: '1' }], 'tags stay as first registered');
  t.equal(ctx.store.listInstances('default').length, 1);
});

t.test('re-registering keeps custom attributes and replaces the agent\'s own', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = registerContainerInstance(
    ctx,
    registerContainerInstanceRequest({
      attributes: [
        { name: 'stack', value: 'blue' },
        { name: 'ecs.os-type', value: 'linux' },
        { name: 'ecs.capability.old' },
        { name: 'role', value: 'web' },
      ],
    }),
  ).containerInstance.containerInstanceArn;
  const again = registerContainerInstance(
    ctx,
    registerContainerInstanceRequest({
      containerInstanceArn: arn,
      attributes: [
        { name: 'ecs.os-type', value: 'linux' },
        { name: 'role', value: 'api' },
      ],
    }),
  ).containerInstance;
  const attrs = Object.fromEntries(again.attributes.map((a) => [a.name, a.value]));
  t.strictSame(attrs, { 'ecs.os-type': 'linux', role: 'api', stack: 'blue' });
});

t.test('re-registering with the ARN of a deregistered instance is refused and makes no instance', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const old = addInstance(ctx);
  deregisterContainerInstance(ctx, undefined, old, false);
  throwsEcs(t, () => registerContainerInstance(ctx, registerContainerInstanceRequest({ containerInstanceArn: old })), 'ClientException');
  t.equal(ctx.store.listInstances('default').length, 1);
  t.equal(ctx.store.getInstance(old)!.status, 'INACTIVE');
});

t.test('re-registering with the ARN of an instance of another cluster gets a new identity there', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'prod' }));
  const fresh = registerContainerInstance(ctx, registerContainerInstanceRequest({})).containerInstance;
  const moved = registerContainerInstance(ctx, registerContainerInstanceRequest({ cluster: 'prod', containerInstanceArn: fresh.containerInstanceArn })).containerInstance;
  t.match(moved.containerInstanceArn, /:container-instance\/prod\//);
  t.equal(ctx.store.getInstance(fresh.containerInstanceArn)!.status, 'ACTIVE', 'the default-cluster instance is untouched');
});

t.test('re-registering with an ARN the control plane never issued registers a new instance', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const unknown = `${ARN_PREFIX}:container-instance/default/0000`;
  const ci = registerContainerInstance(ctx, registerContainerInstanceRequest({ containerInstanceArn: unknown })).containerInstance;
  t.not(ci.containerInstanceArn, unknown);
});

// ---------------------------------------------------------------------------------------------------------
// setAgentConnected

t.test('setAgentConnected records the connection, bumping version only on a change', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx, { connected: false });
  const v = ctx.store.getInstance(arn)!.version;
  t.equal(setAgentConnected(ctx, arn, true)!.agentConnected, true);
  t.equal(ctx.store.getInstance(arn)!.version, v + 1);
  setAgentConnected(ctx, arn, true);
  t.equal(ctx.store.getInstance(arn)!.version, v + 1);
  t.strictSame(
    ctx.store.listConnectedInstances().map((i) => i.arn),
    [arn],
  );
  t.equal(setAgentConnected(ctx, arn, false)!.agentConnected, false);
  t.strictSame(ctx.store.listConnectedInstances(), []);
  t.equal(setAgentConnected(ctx, `${ARN_PREFIX}:container-instance/default/none`, true), undefined);
});

t.test('a deregistered instance cannot be marked connected', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  deregisterContainerInstance(ctx, undefined, arn, false);
  t.equal(setAgentConnected(ctx, arn, true)!.agentConnected, false);
});

// ---------------------------------------------------------------------------------------------------------
// tasksForInstance, markTaskDelivered, applyTaskReport

t.test('tasksForInstance lists the instance\'s tasks that are not STOPPED', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const a = addInstance(ctx);
  const b = addInstance(ctx);
  addTaskDefinition(ctx, 'web', { memory: 16 });
  const tasks = runTask(ctx, runTaskRequest({ count: 10 })).tasks;
  const onA = tasks.filter((x) => x.containerInstanceArn === a);
  t.ok(onA.length > 0 && onA.length < 10, 'both instances got tasks');
  applyTaskReport(ctx, a, taskStateChange({ taskArn: onA[0].taskArn, status: 'STOPPED', seq: 1 }));
  t.strictSame(
    tasksForInstance(ctx, a).map((r) => r.arn).sort(),
    onA.slice(1).map((x) => x.taskArn).sort(),
  );
  t.equal(tasksForInstance(ctx, b).length, 10 - onA.length);
  t.strictSame(tasksForInstance(ctx, `${ARN_PREFIX}:container-instance/default/none`), []);
});

t.test('markTaskDelivered moves a PROVISIONING task to PENDING and ignores unknown tasks', async (t) => {
  const { ctx, clock, close } = testContext();
  t.teardown(close);
  addInstance(ctx);
  addTaskDefinition(ctx);
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  clock.advance(1);
  markTaskDelivered(ctx, task.taskArn);
  const rec = ctx.store.getTask(task.taskArn)!;
  t.equal(rec.task.lastStatus, 'PENDING');
  t.equal(rec.task.connectivity, 'CONNECTED');
  t.equal(rec.task.connectivityAt, T0 + 1);
  markTaskDelivered(ctx, task.taskArn);
  t.equal(ctx.store.getTask(task.taskArn)!.task.version, rec.task.version, 'a second delivery changes nothing');
  t.doesNotThrow(() => markTaskDelivered(ctx, `${ARN_PREFIX}:task/default/none`));
});

t.test('applyTaskReport applies its own instance\'s reports and stores them', async (t) => {
  const { ctx, clock, close } = testContext();
  t.teardown(close);
  const inst = addInstance(ctx);
  addTaskDefinition(ctx);
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  clock.advance(9);
  const binding = { bindIp: '0.0.0.0', containerPort: 80, hostPort: 32768, protocol: 'tcp' };
  const next = applyTaskReport(
    ctx,
    inst,
    taskStateChange({ taskArn: task.taskArn, status: 'RUNNING', seq: 4, containers: [containerStateChange({ status: 'RUNNING', networkBindings: [binding] })] }),
  )!;
  t.equal(next.task.lastStatus, 'RUNNING');
  const stored = ctx.store.getTask(task.taskArn)!;
  t.equal(stored.task.lastStatus, 'RUNNING');
  t.equal(stored.reportSeq, 4);
  t.strictSame(stored.task.containers[0].networkBindings, [binding]);
  t.equal(applyTaskReport(ctx, inst, taskStateChange({ taskArn: task.taskArn, status: 'STOPPED', seq: 3 })), undefined, 'an older report is ignored');
  t.equal(ctx.store.getTask(task.taskArn)!.task.lastStatus, 'RUNNING');
});

t.test('applyTaskReport ignores reports about tasks of other instances, and unknown tasks', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const a = addInstance(ctx, { memory: 10_000 });
  const b = addInstance(ctx, { memory: 10_000 });
  updateContainerInstancesState(ctx, undefined, [b], 'DRAINING');
  addTaskDefinition(ctx);
  const task = runTask(ctx, runTaskRequest()).tasks[0];
  t.equal(task.containerInstanceArn, a);
  const before = ctx.store.getTask(task.taskArn)!;
  t.equal(applyTaskReport(ctx, b, taskStateChange({ taskArn: task.taskArn, status: 'STOPPED', seq: 1 })), undefined);
  t.strictSame(ctx.store.getTask(task.taskArn), before, 'the task is untouched');
  t.equal(applyTaskReport(ctx, a, taskStateChange({ taskArn: `${ARN_PREFIX}:task/default/none`, status: 'RUNNING', seq: 1 })), undefined);
});
