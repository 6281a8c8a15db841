// The SQLite store: what is written survives closing and reopening the same data directory; the database
// is in WAL mode; transactions are all-or-nothing.
import t from 'tap';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../../../control-plane/src/store/sqlite-store.js';
import { createCluster } from '../../../../control-plane/src/services/clusters.js';
import { describeTaskDefinition } from '../../../../control-plane/src/services/task-definitions.js';
import { runTask } from '../../../../control-plane/src/services/run-task.js';
import { describeTasks, listTasks, stopTask } from '../../../../control-plane/src/services/tasks.js';
import { describeContainerInstances } from '../../../../control-plane/src/services/container-instances.js';
import { registerContainerInstance } from '../../../../control-plane/src/services/agents.js';
import {
  addInstance,
  addTaskDefinition,
  createClusterRequest,
  instanceRecord,
  listTasksRequest,
  registerContainerInstanceRequest,
  runTaskRequest,
  stopTaskRequest,
  taskRecord,
  testContext,
  thrown,
} from '../fixtures.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-store-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('everything written survives closing and reopening the same data directory', async (t) => {
  const dir = join(tempDir(t), 'nested', 'data');
  const first = testContext({ store: new SqliteStore(dir) });
  t.ok(existsSync(join(dir, 'ecs.db')), 'the data directory and database file are created');
  createCluster(first.ctx, createClusterRequest({ clusterName: 'prod', tags: [{ key: 'k', value: 'v' }] }));
  const inst = addInstance(first.ctx, { cluster: 'prod', memory: 4096, instanceId: 'host-a' });
  addTaskDefinition(first.ctx, 'web', { memory: 256 });
  addTaskDefinition(first.ctx, 'web', { memory: 512 });
  const tasks = runTask(first.ctx, runTaskRequest({ cluster: 'prod', count: 2, startedBy: 'me' })).tasks;
  stopTask(first.ctx, stopTaskRequest({ cluster: 'prod', task: tasks[1].taskArn, reason: 'testing' }));
  const before = {
    cluster: first.store.getCluster('prod'),
    td: describeTaskDefinition(first.ctx, 'web', []),
    tasks: describeTasks(first.ctx, 'prod', tasks.map((x) => x.taskArn)),
    inst: describeContainerInstances(first.ctx, 'prod', [inst], []),
  };
  first.close();

  const second = testContext({ store: new SqliteStore(dir) });
  t.teardown(second.close);
  t.strictSame(second.store.getCluster('prod'), before.cluster);
  t.strictSame(describeTaskDefinition(second.ctx, 'web', []), before.td);
  t.equal(second.store.maxRevision('web'), 2);
  t.strictSame(describeTasks(second.ctx, 'prod', tasks.map((x) => x.taskArn)), before.tasks);
  t.strictSame(describeContainerInstances(second.ctx, 'prod', [inst], []), before.inst);
  t.strictSame(listTasks(second.ctx, listTasksRequest({ cluster: 'prod', startedBy: 'me' })).taskArns, [tasks[0].taskArn]);
  t.strictSame(listTasks(second.ctx, listTasksRequest({ cluster: 'prod', desiredStatus: 'STOPPED' })).taskArns, [tasks[1].taskArn]);
  t.equal(second.store.getTask(tasks[1].taskArn)!.task.stoppedReason, 'testing');
  // the agent that registered before the restart keeps its identity
  const again = registerContainerInstance(second.ctx, registerContainerInstanceRequest({ cluster: 'prod', containerInstanceArn: inst, instanceId: 'host-a' }));
  t.equal(again.containerInstance.containerInstanceArn, inst);
  t.equal(second.store.listInstances('prod').length, 1, 'and no second instance is made');
  // revisions keep counting after a restart
  t.equal(describeTaskDefinition(second.ctx, 'web:2', []).taskDefinition!.revision, 2);
  t.match(addTaskDefinition(second.ctx, 'web'), /:task-definition\/web:3$/);
});

t.test('the database is in WAL mode, and reopening does not re-run migrations', async (t) => {
  const dir = tempDir(t);
  new SqliteStore(dir).close();
  new SqliteStore(dir).close();
  const db = new Database(join(dir, 'ecs.db'), { readonly: true });
  t.teardown(() => db.close());
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('user_version', { simple: true }), 4, 'migrated to the current schema (4: exec_sessions) exactly once');
});

t.test('a transaction that throws leaves nothing behind', async (t) => {
  const { store, close } = testContext();
  t.teardown(close);
  const err = thrown(() =>
    store.transaction(() => {
      store.putInstance(instanceRecord());
      store.putTask(taskRecord());
      throw new Error('boom');
    }),
  );
  t.match(String(err), 'boom');
  t.equal(store.getInstance(instanceRecord().arn), undefined);
  t.equal(store.getTask(taskRecord().arn), undefined);
  t.equal(store.transaction(() => 7), 7, 'a transaction returns its function\'s value');
});

t.test('records round-trip through the store unchanged', async (t) => {
  const { store, close } = testContext();
  t.teardown(close);
  const inst = instanceRecord({ attributes: [{ name: 'stack', value: 'blue' }], statusReason: 'because' });
  const task = taskRecord({ task: { stoppedReason: 'x', group: 'g', startedBy: 's' }, needs: { cpu: 5, memory: 6, tcpPorts: [80], udpPorts: [53] } });
  store.putInstance(inst);
  store.putTask(task);
  t.strictSame(store.getInstance(inst.arn), inst);
  t.strictSame(store.getTask(task.arn), task);
  t.strictSame(store.listTasks({ cluster: 'default', group: 'g' }), [task]);
  t.strictSame(store.listTasks({ cluster: 'default', group: 'other' }), []);
});

t.test('listTasks with stoppedAfter returns live tasks and those stopped after the given time only', async (t) => {
  const { store, close } = testContext();
  t.teardown(close);
  const mk = (arn: string, lastStatus: string, stoppedAt?: number) => {
    const r = taskRecord({ arn, task: { lastStatus, stoppedAt } });
    store.putTask(r);
  };
  mk('live', 'RUNNING');
  mk('old', 'STOPPED', 100);
  mk('new', 'STOPPED', 200);
  const arns = store.listTasks({ cluster: 'default', stoppedAfter: 150 }).map((x) => x.arn).sort();
  t.same(arns, ['live', 'new']);
});

t.test('a version-2 database made before tasks.stopped_at existed is migrated, and one that has it is left alone', async (t) => {
  for (const hasColumn of [false, true]) {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-migrate-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    new SqliteStore(dir).close();
    const db = new Database(join(dir, 'ecs.db'));
    if (!hasColumn) db.exec('ALTER TABLE tasks DROP COLUMN stopped_at');
    db.pragma('user_version = 2');
    db.close();
    new SqliteStore(dir).close();
    const check = new Database(join(dir, 'ecs.db'));
    const columns = (check.prepare('PRAGMA table_info(tasks)').all() as Array<{ name: string }>).map((c) => c.name);
    t.equal(columns.filter((c) => c === 'stopped_at').length, 1, `stopped_at once (had it: ${hasColumn})`);
    t.equal(check.pragma('user_version', { simple: true }), 4);
    check.close();
  }
});
