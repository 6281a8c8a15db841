import t from 'tap';
import type { ContainerDefinition } from '../../../../proto/gen/ecs/v1/ContainerDefinition.js';
import { engineRig } from '../helpers/engine-rig.js';
import { assignment } from '../helpers/tasks.js';

const hc = { command: ['CMD-SHELL', 'wget -q -O- localhost || exit 1'], interval: 5, timeout: 2, retries: 3 };
const db: ContainerDefinition = { name: 'db', image: 'db:1', healthCheck: hc };
const app: ContainerDefinition = { name: 'app', image: 'app:1', dependsOn: [{ containerName: 'db', condition: 'HEALTHY' }] };
const names = (calls: string[], verb: string) => calls.filter((c) => c.startsWith(`${verb} `)).map((c) => c.split(' ')[1].replace(/^ecs-web-3-/, '').replace(/-[0-9a-f]{20}$/, ''));

t.test('health: reported as UNKNOWN, then each change of Docker\'s verdict makes a new report', async (t) => {
  const r = await engineRig();
  const a = assignment([db, { name: 'plain', image: 'p:1' }]);
  await r.engine.assign(a);
  await r.settle();
  const running = r.sink.latest(a.taskArn!)!;
  t.equal(running.status, 'RUNNING');
  t.equal(running.containers![0].healthStatus, 'UNKNOWN');
  t.equal(running.containers![1].healthStatus, undefined, 'no health check, no health status');
  const id = r.idOf(a.taskArn!, 'db');
  t.same(r.runtime.containers.get(id)!.spec.healthCheck, { test: hc.command, intervalSec: 5, timeoutSec: 2, retries: 3, startPeriodSec: 0 });
  r.runtime.setHealth(id, 'healthy');
  await r.settle();
  const healthy = r.sink.latest(a.taskArn!)!;
  t.equal(healthy.containers![0].healthStatus, 'HEALTHY');
  t.ok(healthy.seq > running.seq, 'a new TaskStateChange');
  r.runtime.setHealth(id, 'unhealthy');
  await r.settle();
  t.equal(r.sink.latest(a.taskArn!)!.containers![0].healthStatus, 'UNHEALTHY');
  t.equal(r.sink.latest(a.taskArn!)!.status, 'RUNNING', 'an unhealthy container keeps running (task health is the control plane\'s)');
  const count = r.sink.reports.length;
  r.runtime.setHealth(id, 'unhealthy');
  await r.settle();
  t.equal(r.sink.reports.length, count, 'no change, no report');
  r.engine.close();
});

t.test('health: a verdict whose event was missed is caught by the safety-net poll', async (t) => {
  const r = await engineRig();
  const a = assignment([db]);
  await r.engine.assign(a);
  await r.settle();
  r.runtime.setHealth(r.idOf(a.taskArn!, 'db'), 'healthy', { silent: true });
  await r.settle();
  t.equal(r.sink.latest(a.taskArn!)!.containers![0].healthStatus, 'UNKNOWN');
  await r.clock.advance(30_000);
  await r.settle();
  t.equal(r.sink.latest(a.taskArn!)!.containers![0].healthStatus, 'HEALTHY');
  r.engine.close();
});

t.test('dependsOn HEALTHY: the dependent is created only once its dependency is healthy', async (t) => {
  const r = await engineRig();
  const a = assignment([app, db]);
  await r.engine.assign(a);
  await r.settle();
  t.same(names(r.runtime.calls, 'create'), ['db'], 'db first (dependsOn decides the order), app waits');
  t.equal(r.sink.latest(a.taskArn!)!.status, 'PENDING');
  r.runtime.setHealth(r.idOf(a.taskArn!, 'db'), 'healthy');
  await r.settle();
  t.same(names(r.runtime.calls, 'start'), ['db', 'app']);
  const report = r.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'RUNNING');
  t.same(report.containers!.map((c) => [c.name, c.status, c.healthStatus]), [['app', 'RUNNING', undefined], ['db', 'RUNNING', 'HEALTHY']]);
  r.engine.close();
});

t.test('dependsOn HEALTHY: an UNHEALTHY dependency fails the task to start', async (t) => {
  const r = await engineRig();
  const a = assignment([db, app]);
  await r.engine.assign(a);
  await r.settle();
  r.runtime.setHealth(r.idOf(a.taskArn!, 'db'), 'unhealthy');
  await r.settle();
  const report = r.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'STOPPED');
  t.equal(report.stopCode, 'TaskFailedToStart');
  t.equal(report.reason, 'CannotStartContainerError: dependency graph: failed to resolve container ordering dependency [db] for target [app] as dependency is unhealthy.');
  t.same(names(r.runtime.calls, 'create'), ['db'], 'app never created');
  t.equal(report.containers![1].reason, report.reason);
  r.engine.close();
});

t.test('dependsOn SUCCESS: an init container that exits 0 lets the app start; one that exits 1 stops the task', async (t) => {
  const init: ContainerDefinition = { name: 'init', image: 'init:1', essential: false };
  const main: ContainerDefinition = { name: 'main', image: 'app:1', dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }] };
  const r = await engineRig();
  const ok = assignment([init, main]);
  await r.engine.assign(ok);
  await r.settle();
  t.same(names(r.runtime.calls, 'create'), ['init']);
  r.runtime.exit(r.idOf(ok.taskArn!, 'init'), 0);
  await r.settle();
  const running = r.sink.latest(ok.taskArn!)!;
  t.equal(running.status, 'RUNNING');
  t.same(running.containers!.map((c) => [c.name, c.status, c.exitCode]), [['init', 'STOPPED', 0], ['main', 'RUNNING', undefined]]);

  const bad = assignment([init, main]);
  await r.engine.assign(bad);
  await r.settle();
  r.runtime.exit(r.idOf(bad.taskArn!, 'init'), 1);
  await r.settle();
  const stopped = r.sink.latest(bad.taskArn!)!;
  t.equal(stopped.status, 'STOPPED');
  t.equal(stopped.stopCode, 'TaskFailedToStart');
  t.equal(stopped.reason, 'CannotStartContainerError: dependency graph: failed to resolve container ordering dependency [init] for target [main] as dependency did not exit successfully (exit code 1).');
  t.same(stopped.containers!.map((c) => [c.name, c.status]), [['init', 'STOPPED'], ['main', 'STOPPED']]);
  r.engine.close();
});

t.test('startTimeout: the dependent gives up when its dependency is not healthy in time', async (t) => {
  const r = await engineRig();
  const a = assignment([{ ...db, startTimeout: 20 }, app]);
  await r.engine.assign(a);
  await r.settle();
  await r.clock.advance(19_999);
  await r.settle();
  t.equal(r.sink.latest(a.taskArn!)!.status, 'PENDING');
  await r.clock.advance(1);
  await r.settle();
  const report = r.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'STOPPED');
  t.equal(report.reason, 'CannotStartContainerError: dependency graph: container ordering dependency [db] for target [app] has timed out (startTimeout 20s).');
  t.equal(report.stopCode, 'TaskFailedToStart');
  t.ok(r.runtime.calls.some((c) => /^stop ecs-web-3-db-/.test(c)), 'the dependency is stopped with the task');
  r.engine.close();
});

t.test('stop order: a dependent is stopped before its dependency', async (t) => {
  const r = await engineRig();
  const a = assignment([db, { ...app, dependsOn: [{ containerName: 'db', condition: 'START' }] }]);
  await r.engine.assign(a);
  await r.settle();
  t.equal(r.sink.latest(a.taskArn!)!.status, 'RUNNING');
  await r.engine.stopTask({ taskArn: a.taskArn, reason: 'Task stopped by user', stopCode: 'UserInitiated' });
  await r.settle();
  t.same(names(r.runtime.calls, 'stop'), ['app', 'db']);
  t.equal(r.sink.latest(a.taskArn!)!.status, 'STOPPED');
  r.engine.close();
});

t.test('re-adoption brings a running container\'s health up to date', async (t) => {
  const first = await engineRig();
  const a = assignment([db]);
  await first.engine.assign(a);
  await first.settle();
  first.engine.close();
  first.runtime.setHealth(first.idOf(a.taskArn!, 'db'), 'healthy', { silent: true }); // while the agent is away
  const second = await engineRig({ dir: first.dir, runtime: first.runtime, clock: first.clock, seed: 3 });
  await second.settle();
  t.equal(second.sink.latest(a.taskArn!)!.containers![0].healthStatus, 'HEALTHY');
  second.engine.close();
});
