// Health checks and dependsOn on the real Docker engine: Docker's health_status events reach the reports,
// and containers start in dependency order (or not at all, with the reason).
import t from 'tap';
import type { ContainerDefinition } from '../../../proto/gen/ecs/v1/ContainerDefinition.js';
import { LABEL_TASK_ARN } from '../../../agent/src/engine/container-spec.js';
import { assignment } from '../../unit/agent/helpers/tasks.js';
import { docker, IMAGE, inspect, newEngine, removeOwn } from './docker-rig.js';

t.teardown(removeOwn);

const stopTimeout = 2;
const web = (extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: 'web',
  image: IMAGE,
  healthCheck: { command: ['CMD-SHELL', 'wget -q -O- localhost || exit 1'], interval: 1, timeout: 2, retries: 2 },
  stopTimeout,
  ...extra,
});
const sleeper = (name: string, extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({ name, image: IMAGE, command: ['sleep', '3600'], stopTimeout, ...extra });
const time = (s: string) => Date.parse(s);

t.test('a health check that passes is reported HEALTHY, one that fails UNHEALTHY', async (t) => {
  const { engine, sink } = newEngine();
  await engine.start();
  t.teardown(() => engine.close());
  const a = assignment([web(), sleeper('sick', { healthCheck: { command: ['CMD-SHELL', 'exit 1'], interval: 1, timeout: 2, retries: 1 } })]);
  await engine.assign(a);
  const running = await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'RUNNING', 60_000);
  t.same(running.containers!.map((c) => c.healthStatus), ['UNKNOWN', 'UNKNOWN'], 'UNKNOWN until the first verdict');
  const hc = inspect(running.containers![0].runtimeId!).Config.Healthcheck;
  // (Docker leaves out a zero StartPeriod.)
  t.same({ StartPeriod: 0, ...hc }, { Test: ['CMD-SHELL', 'wget -q -O- localhost || exit 1'], Interval: 1e9, Timeout: 2e9, Retries: 2, StartPeriod: 0 }, 'Docker\'s Healthcheck in nanoseconds');
  const healthy = await sink.waitFor((r) => r.taskArn === a.taskArn && r.containers![0].healthStatus === 'HEALTHY', 30_000);
  t.ok(healthy.seq > running.seq, 'a new TaskStateChange');
  const sick = await sink.waitFor((r) => r.taskArn === a.taskArn && r.containers![1].healthStatus === 'UNHEALTHY', 30_000);
  t.equal(sick.status, 'RUNNING', 'an unhealthy container is reported, not stopped');
  t.equal(inspect(sick.containers![1].runtimeId!).State.Health?.Status, 'unhealthy');
  await engine.stopTask({ taskArn: a.taskArn });
  await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'STOPPED', 60_000);
});

t.test('dependsOn HEALTHY: the dependent starts only after its dependency turned healthy', async (t) => {
  const { engine, sink } = newEngine();
  await engine.start();
  t.teardown(() => engine.close());
  // Listed first, but it must wait: web needs a few seconds to become healthy (httpd starts late).
  const a = assignment([
    sleeper('app', { dependsOn: [{ containerName: 'web', condition: 'HEALTHY' }] }),
    web({ command: ['sh', '-c', 'sleep 2; exec httpd -f -p 80 -h /www'] }),
  ]);
  await engine.assign(a);
  const running = await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'RUNNING', 60_000);
  const [app, webC] = running.containers!;
  t.equal(webC.healthStatus, 'HEALTHY');
  const health = inspect(webC.runtimeId!).State.Health!;
  const firstPass = health.Log.find((l) => l.ExitCode === 0);
  t.ok(firstPass, `a passing check is in Docker's log: ${JSON.stringify(health.Log)}`);
  const appStarted = time(inspect(app.runtimeId!).State.StartedAt);
  const webStarted = time(inspect(webC.runtimeId!).State.StartedAt);
  t.ok(appStarted >= time(firstPass!.End), `app started (${appStarted}) after web's first passing check ended (${time(firstPass!.End)})`);
  t.ok(appStarted - webStarted >= 2000, 'and so at least the 2 s web took to serve');
  const healthyReport = sink.reports.find((r) => r.taskArn === a.taskArn && r.containers![1].healthStatus === 'HEALTHY')!;
  t.ok(sink.reports.indexOf(healthyReport) < sink.reports.indexOf(running));
  t.equal(healthyReport.containers![0].status, 'PENDING', 'app was still PENDING when web was reported HEALTHY');
  await engine.stopTask({ taskArn: a.taskArn });
  await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'STOPPED', 60_000);
  // Stop order: app (the dependent) before web.
  t.ok(time(inspect(app.runtimeId!).State.FinishedAt) <= time(inspect(webC.runtimeId!).State.FinishedAt), 'app stopped before web');
});

t.test('dependsOn SUCCESS: an init container that exits 0 lets the app start', async (t) => {
  const { engine, sink } = newEngine();
  await engine.start();
  t.teardown(() => engine.close());
  const a = assignment([
    { name: 'init', image: IMAGE, essential: false, command: ['sh', '-c', 'sleep 1; exit 0'] },
    sleeper('app', { dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }] }),
  ]);
  await engine.assign(a);
  const running = await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'RUNNING', 60_000);
  t.same(running.containers!.map((c) => [c.name, c.status, c.exitCode]), [['init', 'STOPPED', 0], ['app', 'RUNNING', undefined]]);
  const initDone = time(inspect(running.containers![0].runtimeId!).State.FinishedAt);
  t.ok(time(inspect(running.containers![1].runtimeId!).State.StartedAt) >= initDone, 'app started after init finished');
  await engine.stopTask({ taskArn: a.taskArn });
  await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'STOPPED', 60_000);
});

t.test('dependsOn SUCCESS: an init container that exits 1 stops the task with the reason', async (t) => {
  const { engine, sink } = newEngine();
  await engine.start();
  t.teardown(() => engine.close());
  const a = assignment([
    { name: 'init', image: IMAGE, essential: false, command: ['sh', '-c', 'exit 1'] },
    sleeper('app', { dependsOn: [{ containerName: 'init', condition: 'SUCCESS' }] }),
  ]);
  await engine.assign(a);
  const stopped = await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'STOPPED', 60_000);
  t.equal(stopped.reason, 'CannotStartContainerError: dependency graph: failed to resolve container ordering dependency [init] for target [app] as dependency did not exit successfully (exit code 1).');
  t.equal(stopped.stopCode, 'TaskFailedToStart');
  t.same(stopped.containers!.map((c) => [c.name, c.status, c.exitCode]), [['init', 'STOPPED', 1], ['app', 'STOPPED', undefined]]);
  const created = docker('ps', '-a', '--format', '{{.Names}}', '--filter', `label=${LABEL_TASK_ARN}=${a.taskArn}`).split('\n');
  t.same(created.map((n) => n.replace(/-[0-9a-f]{20}$/, '')), ['ecs-web-3-init'], 'app was never created');
});
