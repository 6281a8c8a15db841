// logConfiguration checks and `ecsctl logs` reading options, end to end: bad awsfirelens options are an
// InvalidParameterException at RegisterTaskDefinition; a Docker log driver the agent does not offer is
// not placed (ATTRIBUTE), one it offers is passed to Docker; --tail, --since, --timestamps, --container and
// the container-name prefix; a task's store is removed with the task's cleanup.
import t from 'tap';
import { dirname, join } from 'node:path';
import { docker, eventually } from '../../helpers/processes.js';
import { exists, IMAGE, logsUntil, sleep, startLogsCluster, storeDir, taskIdOf, type LogsCluster } from './logs-helpers.js';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

async function containerIdOf(c: LogsCluster, arn: string, name: string): Promise<string> {
  return eventually(`the Docker id of ${name}`, async () => {
    const x = await c.describeTask(arn);
    return x.containers.find((k: any) => k.name === name)?.runtimeId as string | undefined;
  }, 30_000);
}

t.test('logConfiguration: bad options are refused, Docker drivers are placed only where offered', async (t) => {
  const c = await startLogsCluster(t, [{}]);
  const app = (logConfiguration: object) => [{ name: 'app', image: IMAGE, memory: 16, essential: true, command: ['sh', '-c', 'echo hi'], logConfiguration }];
  const firelens = (options: Record<string, string>) => ({ logDriver: 'awsfirelens', options });
  const bad: [string, object][] = [
    ['an unknown Name', firelens({ Name: 'nope' })],
    ['a bad include-pattern', firelens({ Name: 'file', 'include-pattern': '(unclosed' })],
    ['a bad exclude-pattern', firelens({ Name: 'file', 'exclude-pattern': '[a-' })],
    ['a bad max-size', firelens({ Name: 'file', 'max-size': '10q' })],
  ];
  for (const [what, lc] of bad) {
    const r = await c.run(['register-task-definition', '--family', 'bad', '--container-definitions', JSON.stringify(app(lc))]);
    t.equal(r.code, 254, `${what} is refused`);
    t.match(r.stderr, /InvalidParameterException/, `${what}: ${r.stderr.trim()}`);
  }
  const good = await c.cli(['register-task-definition', '--family', 'good', '--container-definitions',
    JSON.stringify(app(firelens({ Name: 'file', 'include-pattern': '^h', 'max-size': '1m', 'max-file': '2' })))]);
  t.equal(good.taskDefinition.revision, 1, 'good awsfirelens options register');

  // syslog is not in this agent's ECS_AVAILABLE_LOGGING_DRIVERS (json-file, none): not placed.
  await c.registerTask('syslog', app({ logDriver: 'syslog', options: {} }));
  const sys = await c.cli(['run-task', '--task-definition', 'syslog']);
  t.same(sys.tasks, [], 'a task with the syslog driver is not placed');
  t.ok(
    sys.failures.some((f: any) => f.arn === c.agents[0].instanceArn && /^ATTRIBUTE/.test(f.reason)),
    `failure reason ATTRIBUTE on the agent lacking it: ${JSON.stringify(sys.failures)}`,
  );

  // json-file is offered: passed to Docker as is. A routed container runs with Docker's local driver.
  await c.registerTask('jsonfile', [{ ...app({ logDriver: 'json-file', options: { 'max-size': '1m' } })[0], command: ['sh', '-c', 'echo hi; sleep 60'] }]);
  await c.registerTask('routed', [{ name: 'app', image: IMAGE, memory: 16, essential: true, command: ['sh', '-c', 'echo hi; sleep 60'] }]);
  const jf = await c.startTaskOn(c.agents[0], 'jsonfile');
  const routed = await c.startTaskOn(c.agents[0], 'routed');
  await c.waitTaskStatus(jf, 'RUNNING');
  await c.waitTaskStatus(routed, 'RUNNING');
  const logConfig = async (arn: string) => JSON.parse(await docker(['inspect', '-f', '{{json .HostConfig.LogConfig}}', await containerIdOf(c, arn, 'app')]));
  t.same(await logConfig(jf), { Type: 'json-file', Config: { 'max-size': '1m' } }, 'json-file is passed to Docker');
  t.match(await logConfig(routed), { Type: 'local', Config: { 'max-size': /^(20m|20971520)$/, 'max-file': '5' } }, "a routed container uses Docker's local driver, 20m × 5");
  const jfLogs = await c.run(['logs', '--cluster', 'default', '--task', taskIdOf(jf)]);
  t.equal(jfLogs.code, 0, 'ecsctl logs on a json-file container answers');
  t.equal(jfLogs.stdout, '', 'with no lines (the agent does not route them)');
  t.not(jfLogs.stderr.trim(), '', `and says why: ${jfLogs.stderr.trim()}`);
});

t.test('ecsctl logs --tail, --since, --timestamps, --container', async (t) => {
  const c = await startLogsCluster(t, [{ config: { ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION: '3s' } }]);
  const writer = (name: string) => ({
    name, image: IMAGE, memory: 16, essential: true,
    command: ['sh', '-c', "for i in $(seq 1 50); do echo \"a $i\"; done; sleep 2; for i in $(seq 1 50); do echo \"b $i\"; done; exec sleep 3600"],
  });
  await c.registerTask('two', [writer('one'), writer('two')]);
  const arn = await c.startTaskOn(c.agents[0], 'two');
  const id = taskIdOf(arn);
  const all = await logsUntil(c, ['--task', id], 200, 60_000);
  t.equal(all.length, 200, 'both containers: 200 records');
  t.same(Object.keys(all[0]).sort(), ['containerName', 'log', 'source', 'taskId', 'time'], 'json lines: time, source, log, taskId, containerName');
  t.ok(all.every((l, i) => i === 0 || l.time >= all[i - 1].time), 'merged in time order');
  const text = (args: string[]) => c.run(['logs', '--cluster', 'default', '--task', id, ...args]).then((r) => {
    if (r.code !== 0) throw new Error(`ecsctl logs ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.split('\n').filter(Boolean);
  });
  const ab = [...Array.from({ length: 50 }, (_, i) => `a ${i + 1}`), ...Array.from({ length: 50 }, (_, i) => `b ${i + 1}`)];

  const both = await text([]);
  t.same(both, all.map((l) => `${l.containerName} ${l.log}`), 'several containers: each line is "<container> <log>"');
  t.same(await text(['--container', 'one']), ab, 'one container: the bare lines, in order');
  t.same(await text(['--container', 'one', '--tail', '5']), ab.slice(-5), '--tail 5');
  t.same(await text(['--tail', '3']), both.slice(-3), '--tail applies to the merged output');
  const one = all.filter((l) => l.containerName === 'one');
  const b1 = one.find((l) => l.log === 'b 1')!;
  t.same(await text(['--container', 'one', '--since', b1.time]), ab.slice(50), '--since <time>: records at or after it');
  t.same(await text(['--container', 'one', '--since', '10m']), ab, '--since 10m: everything of the last ten minutes');
  await sleep(2500);
  t.same(await text(['--since', '1s']), [], '--since 1s after a quiet second: nothing');
  const stamped = await text(['--container', 'one', '--timestamps']);
  t.same(stamped, one.map((l) => `${l.time} ${l.log}`), '--timestamps: "<time> <log>"');
  t.ok(stamped.every((l) => TIME.test(l.split(' ')[0])), 'RFC 3339 with nanoseconds');
  t.same(await text(['--timestamps', '--tail', '2']), all.slice(-2).map((l) => `${l.time} ${l.containerName} ${l.log}`), '"<time> <container> <log>"');
  const missing = await c.run(['logs', '--cluster', 'default', '--task', id, '--container', 'three']);
  t.equal(missing.stdout, '', 'an unknown container: no lines');
  t.ok(missing.code !== 0 || missing.stderr.trim() !== '', `and an error or a notice: ${missing.code} ${missing.stderr.trim()}`);

  // The store goes with the task's cleanup (ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION=3s here).
  const taskDir = dirname(storeDir(c.agents[0], arn, 'one'));
  t.ok(exists(join(taskDir, 'one')) && exists(join(taskDir, 'two')), `a store per container under ${taskDir}`);
  await c.cli(['stop-task', '--task', arn]);
  await c.waitTaskStatus(arn, 'STOPPED');
  await eventually('the store removed with the task', () => !exists(taskDir), 30_000, 250);
  t.pass("the task's store was removed at cleanup");
});
