// CreateCluster, DeleteCluster, DescribeClusters, ListClusters.
import t from 'tap';
import {
  createCluster,
  deleteCluster,
  describeClusters,
  listClusters,
  requireCluster,
} from '../../../../control-plane/src/services/clusters.js';
import { deregisterContainerInstance, updateContainerInstancesState } from '../../../../control-plane/src/services/container-instances.js';
import { applyTaskReport } from '../../../../control-plane/src/services/agents.js';
import { runTask } from '../../../../control-plane/src/services/run-task.js';
import { stopTask } from '../../../../control-plane/src/services/tasks.js';
import {
  addInstance,
  addTaskDefinition,
  createClusterRequest,
  listClustersRequest,
  runTaskRequest,
  SCOPE,
  stopTaskRequest,
  T0,
  taskStateChange,
  testContext,
  thrown,
  throwsEcs,
} from '../fixtures.js';

const arnOf = (name: string) => `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}:cluster/${name}`;

t.test('CreateCluster creates an ACTIVE cluster with ECS ARN, zero counts and the default setting', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const { cluster } = createCluster(ctx, createClusterRequest({ clusterName: 'prod', tags: [{ key: 'team', value: 'a' }] }));
  t.equal(cluster.clusterName, 'prod');
  t.equal(cluster.clusterArn, arnOf('prod'));
  t.equal(cluster.status, 'ACTIVE');
  t.equal(cluster.registeredContainerInstancesCount, 0);
  t.equal(cluster.runningTasksCount, 0);
  t.equal(cluster.pendingTasksCount, 0);
  t.strictSame(cluster.tags, [{ key: 'team', value: 'a' }]);
  t.strictSame(cluster.settings, [{ name: 'containerInsights', value: 'disabled' }]);
});

t.test('CreateCluster without a name creates `default`', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  t.equal(createCluster(ctx, createClusterRequest()).cluster.clusterName, 'default');
});

t.test('CreateCluster is idempotent: the second call returns the existing cluster unchanged', async (t) => {
  const { ctx, clock, close } = testContext();
  t.teardown(close);
  const first = createCluster(ctx, createClusterRequest({ clusterName: 'prod', settings: [{ name: 'containerInsights', value: 'enabled' }] }));
  clock.advance(60);
  const second = createCluster(ctx, createClusterRequest({ clusterName: 'prod' }));
  t.strictSame(second, first);
  t.equal(ctx.store.getCluster('prod')!.createdAt, T0);
  t.equal(listClusters(ctx, listClustersRequest()).clusterArns.length, 1);
});

t.test('CreateCluster validates the name and the settings', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const table: { name: string; req: Parameters<typeof createClusterRequest>[0]; fragments: string[] }[] = [
    { name: 'a space', req: { clusterName: 'my cluster' }, fragments: ["'my cluster'", 'not valid'] },
    { name: 'a slash', req: { clusterName: 'a/b' }, fragments: ["'a/b'"] },
    { name: 'a dot', req: { clusterName: 'a.b' }, fragments: ["'a.b'"] },
    { name: 'empty', req: { clusterName: '' }, fragments: ['not valid'] },
    { name: '256 characters', req: { clusterName: 'x'.repeat(256) }, fragments: ['255'] },
    { name: 'unknown setting', req: { clusterName: 'ok', settings: [{ name: 'foo', value: 'enabled' }] }, fragments: ["'foo'", 'containerInsights'] },
    { name: 'bad setting value', req: { clusterName: 'ok', settings: [{ name: 'containerInsights', value: 'on' }] }, fragments: ["'on'", 'enabled, disabled, enhanced'] },
  ];
  for (const row of table) {
    t.comment(row.name);
    throwsEcs(t, () => createCluster(ctx, createClusterRequest(row.req)), 'InvalidParameterException', row.fragments);
  }
  t.ok(createCluster(ctx, createClusterRequest({ clusterName: 'A-z_0-9' + 'x'.repeat(248) })), '255 letters, digits, - and _ are fine');
  t.equal(ctx.store.getCluster('ok'), undefined, 'nothing was created by the refused requests');
});

t.test('DeleteCluster marks an empty cluster INACTIVE; it is then not found, not listed, but described', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'prod' }));
  const { cluster } = deleteCluster(ctx, 'prod');
  t.equal(cluster.status, 'INACTIVE');
  throwsEcs(t, () => requireCluster(ctx, 'prod'), 'ClusterNotFoundException');
  throwsEcs(t, () => deleteCluster(ctx, 'prod'), 'ClusterNotFoundException');
  t.strictSame(listClusters(ctx, listClustersRequest()).clusterArns, []);
  const d = describeClusters(ctx, ['prod'], []);
  t.equal(d.clusters[0].status, 'INACTIVE');
  t.strictSame(d.failures, []);
});

t.test('DeleteCluster accepts the cluster ARN', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'prod' }));
  t.equal(deleteCluster(ctx, arnOf('prod')).cluster.status, 'INACTIVE');
});

t.test('CreateCluster on a deleted cluster makes it ACTIVE again', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'prod' }));
  deleteCluster(ctx, 'prod');
  t.equal(createCluster(ctx, createClusterRequest({ clusterName: 'prod' })).cluster.status, 'ACTIVE');
  t.ok(requireCluster(ctx, 'prod'));
});

t.test('DeleteCluster of an unknown cluster is ClusterNotFoundException', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  throwsEcs(t, () => deleteCluster(ctx, 'nope'), 'ClusterNotFoundException');
});

t.test('DeleteCluster refuses while container instances are ACTIVE or DRAINING', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'prod' }));
  const arn = addInstance(ctx, { cluster: 'prod' });
  throwsEcs(t, () => deleteCluster(ctx, 'prod'), 'ClusterContainsContainerInstancesException');
  updateContainerInstancesState(ctx, 'prod', [arn], 'DRAINING');
  throwsEcs(t, () => deleteCluster(ctx, 'prod'), 'ClusterContainsContainerInstancesException');
  t.equal(ctx.store.getCluster('prod')!.status, 'ACTIVE');
  deregisterContainerInstance(ctx, 'prod', arn, false);
  t.equal(deleteCluster(ctx, 'prod').cluster.status, 'INACTIVE');
});

t.test(
  'a task orphaned by a forced deregistration can be stopped, after which the cluster can be deleted',
  async (t) => {
    const { ctx, close } = testContext();
    t.teardown(close);
    createCluster(ctx, createClusterRequest({ clusterName: 'prod' }));
    const inst = addInstance(ctx, { cluster: 'prod' });
    addTaskDefinition(ctx);
    const task = runTask(ctx, runTaskRequest({ cluster: 'prod' })).tasks[0];
    deregisterContainerInstance(ctx, 'prod', inst, true);
    stopTask(ctx, stopTaskRequest({ cluster: 'prod', task: task.taskArn }));
    const err = thrown(() => deleteCluster(ctx, 'prod'));
    t.equal(err, undefined, `DeleteCluster succeeds: ${String(err)}`);
  },
);

t.test('DescribeClusters reports MISSING for unknown clusters, with the ARN they would have', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'prod' }));
  const d = describeClusters(ctx, ['prod', 'ghost', arnOf('ghost2')], []);
  t.strictSame(
    d.clusters.map((c) => c.clusterName),
    ['prod'],
  );
  t.strictSame(d.failures, [
    { arn: arnOf('ghost'), reason: 'MISSING' },
    { arn: arnOf('ghost2'), reason: 'MISSING' },
  ]);
});

t.test('DescribeClusters with no names describes `default`', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  t.strictSame(describeClusters(ctx, [], []).failures, [{ arn: arnOf('default'), reason: 'MISSING' }]);
  createCluster(ctx, createClusterRequest());
  t.equal(describeClusters(ctx, [], []).clusters[0].clusterName, 'default');
});

t.test('DescribeClusters refuses more than 100 names', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  throwsEcs(t, () => describeClusters(ctx, Array.from({ length: 101 }, (_, i) => `c${i}`), []), 'InvalidParameterException', ['100']);
});

t.test('DescribeClusters shows tags and settings only when included', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'prod', tags: [{ key: 'k', value: 'v' }] }));
  const plain = describeClusters(ctx, ['prod'], []).clusters[0];
  t.strictSame(plain.tags, []);
  t.strictSame(plain.settings, []);
  const full = describeClusters(ctx, ['prod'], ['TAGS', 'SETTINGS']).clusters[0];
  t.strictSame(full.tags, [{ key: 'k', value: 'v' }]);
  t.strictSame(full.settings, [{ name: 'containerInsights', value: 'disabled' }]);
});

t.test('DescribeClusters counts registered instances (ACTIVE and DRAINING), running and pending tasks', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'prod' }));
  const a = addInstance(ctx, { cluster: 'prod' });
  const b = addInstance(ctx, { cluster: 'prod' });
  const c = addInstance(ctx, { cluster: 'prod' });
  addTaskDefinition(ctx, 'web', { memory: 64 });
  deregisterContainerInstance(ctx, 'prod', c, true);
  const tasks = runTask(ctx, runTaskRequest({ cluster: 'prod', count: 4 })).tasks;
  t.equal(tasks.length, 4);
  // one RUNNING, one STOPPED, two still PROVISIONING
  const [t1, t2] = tasks;
  applyTaskReport(ctx, t1.containerInstanceArn!, taskStateChange({ taskArn: t1.taskArn, status: 'RUNNING', seq: 1 }));
  applyTaskReport(ctx, t2.containerInstanceArn!, taskStateChange({ taskArn: t2.taskArn, status: 'STOPPED', seq: 1 }));
  updateContainerInstancesState(ctx, 'prod', [b], 'DRAINING');
  const cl = describeClusters(ctx, ['prod'], []).clusters[0];
  t.equal(cl.registeredContainerInstancesCount, 2, `${a} ACTIVE and ${b} DRAINING count, the deregistered one does not`);
  t.equal(cl.runningTasksCount, 1);
  t.equal(cl.pendingTasksCount, 2);
  t.equal(cl.activeServicesCount, 0);
});

t.test('ListClusters lists ACTIVE clusters in creation order, with pagination', async (t) => {
  const { ctx, clock, close } = testContext();
  t.teardown(close);
  for (const n of ['c', 'a', 'b']) {
    createCluster(ctx, createClusterRequest({ clusterName: n }));
    clock.advance(1);
  }
  t.strictSame(listClusters(ctx, listClustersRequest()).clusterArns, ['c', 'a', 'b'].map(arnOf));
  const p1 = listClusters(ctx, listClustersRequest({ maxResults: 2 }));
  t.strictSame(p1.clusterArns, ['c', 'a'].map(arnOf));
  t.ok(p1.nextToken);
  const p2 = listClusters(ctx, listClustersRequest({ maxResults: 2, nextToken: p1.nextToken }));
  t.strictSame(p2.clusterArns, [arnOf('b')]);
  t.equal(p2.nextToken, undefined);
});

t.test('requireCluster takes a name, an ARN, or nothing (`default`), and refuses a non-cluster ARN', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest());
  t.equal(requireCluster(ctx, undefined).name, 'default');
  t.equal(requireCluster(ctx, '').name, 'default');
  t.equal(requireCluster(ctx, arnOf('default')).name, 'default');
  throwsEcs(t, () => requireCluster(ctx, `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}:task/default/abc`), 'InvalidParameterException');
});
