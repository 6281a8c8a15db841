// `ecsctl logs --service` end to end: the tasks' lines merged in time order and prefixed with task ids;
// --follow picks up a task the service starts later and ends on Ctrl-C (SIGINT, exit 0); an agent
// that is not connected is reported (a notice for a service, TargetNotConnectedException for a task).
import t from 'tap';
import { eventually } from '../../helpers/processes.js';
import { IMAGE, sleep, startLogsCluster, taskIdOf, type LogsCluster } from './logs-helpers.js';

const TICKER = "trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo \"tick $i\"; sleep 0.2; done";
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

async function serviceTaskIds(c: LogsCluster, service: string, n: number): Promise<string[]> {
  return eventually(`${n} RUNNING tasks of ${service}`, async () => {
    const arns: string[] = (await c.cli(['list-tasks', '--service-name', service])).taskArns;
    if (arns.length !== n) return undefined;
    const d = await c.cli(['describe-tasks', '--tasks', ...arns]);
    return d.tasks.every((x: any) => x.lastStatus === 'RUNNING') ? arns.map(taskIdOf).sort() : undefined;
  }, 60_000, 300);
}

t.test('ecsctl logs --service merges the tasks in time order, and --follow adds a task started later', async (t) => {
  const c = await startLogsCluster(t, [{}]);
  await c.registerTask('ticker', [{ name: 'tick', image: IMAGE, memory: 16, essential: true, command: ['sh', '-c', TICKER] }]);
  await c.cli(['create-service', '--service-name', 'ticker', '--task-definition', 'ticker', '--desired-count', '2']);
  const ids = await serviceTaskIds(c, 'ticker', 2);
  await sleep(2000);

  const r = await c.run(['logs', '--cluster', 'default', '--service', 'ticker', '--timestamps']);
  t.equal(r.code, 0, `ecsctl logs --service: ${r.stderr}`);
  const rows = r.stdout.split('\n').filter(Boolean).map((line) => line.split(' '));
  t.ok(rows.length >= 10, `${rows.length} lines`);
  t.ok(rows.every((x) => x.length === 4 && TIME.test(x[0]) && ids.includes(x[1]) && x[2] === 'tick' && /^\d+$/.test(x[3])),
    'each line is "<time> <task id> <log>" (one container: no container name)');
  t.same([...new Set(rows.map((x) => x[1]))].sort(), ids, 'both tasks are there');
  t.ok(rows.every((x, i) => i === 0 || x[0] >= rows[i - 1][0]), 'merged in time order');
  for (const id of ids) {
    const ticks = rows.filter((x) => x[1] === id).map((x) => Number(x[3]));
    t.ok(ticks.every((n, i) => n === i + 1), `task ${id}: tick 1..${ticks.length} in order, none missing`);
  }
  const plain = await c.run(['logs', '--cluster', 'default', '--service', 'ticker']);
  t.ok(plain.stdout.split('\n').filter(Boolean).every((l) => /^[0-9a-f]{32} tick \d+$/.test(l)), 'without --timestamps: "<task id> <log>"');
  const json = await c.logsJson(['--service', 'ticker']);
  t.same([...new Set(json.lines.map((l) => l.taskId))].sort(), ids, '--output json names each task');
  t.ok(json.lines.every((l) => l.containerName === 'tick' && l.source === 'stdout'), 'and the container and source');

  // --follow, then scale up: the new task's lines join the stream.
  const child = c.spawnCli(['logs', '--cluster', 'default', '--service', 'ticker', '--follow']);
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await eventually('followed lines of the running tasks', () => ids.every((id) => out.includes(`${id} tick`)), 30_000);
  await c.cli(['update-service', '--service', 'ticker', '--desired-count', '3']);
  const all = await serviceTaskIds(c, 'ticker', 3);
  const added = all.find((id) => !ids.includes(id))!;
  await eventually(`followed lines of the new task ${added}`, () => out.includes(`${added} tick 3`), 30_000);
  const before = out.split('\n').filter((l) => l.startsWith(ids[0])).length;
  await sleep(1000);
  t.ok(out.split('\n').filter((l) => l.startsWith(ids[0])).length > before, 'the older tasks keep streaming too');
  child.kill('SIGINT');
  const end = await Promise.race([exited, sleep(10_000).then(() => ({ code: -1, signal: null }))]);
  t.same(end, { code: 0, signal: null }, `Ctrl-C ends --follow with exit 0 (stderr: ${err.slice(0, 500)})`);
  const followed = out.split('\n').filter(Boolean);
  t.ok(followed.every((l) => /^[0-9a-f]{32} tick \d+$/.test(l)), 'every followed line is "<task id> <log>"');
  for (const id of all) {
    const ticks = followed.filter((l) => l.startsWith(id)).map((l) => Number(l.split(' ')[2]));
    t.ok(ticks.every((n, i) => i === 0 || n === ticks[i - 1] + 1), `followed task ${id}: no gap, no repeat (${ticks.length} lines)`);
  }
});

t.test('a task whose agent is not connected: TargetNotConnectedException for --task, a notice for --service', async (t) => {
  const c = await startLogsCluster(t, [{}, {}]);
  await c.registerTask('spread', [{ name: 'tick', image: IMAGE, memory: 16, essential: true, command: ['sh', '-c', TICKER] }]);
  await c.cli(['create-service', '--service-name', 'spread', '--task-definition', 'spread', '--desired-count', '2',
    '--placement-constraints', 'type=distinctInstance']);
  const ids = await serviceTaskIds(c, 'spread', 2);
  await sleep(1000);
  const d = await c.cli(['describe-tasks', '--tasks', ...ids]);
  const gone = c.agents[1];
  const goneTask = taskIdOf(d.tasks.find((x: any) => x.containerInstanceArn === gone.instanceArn).taskArn);
  const liveTask = ids.find((id) => id !== goneTask)!;
  await gone.stop('SIGKILL');
  await eventually('the control plane to see the agent gone', async () => !(await c.agentConnected(gone)), 30_000);

  const started = Date.now();
  const task = await c.run(['logs', '--cluster', 'default', '--task', goneTask], { timeoutMs: 60_000 });
  t.equal(task.code, 254, '--task on a disconnected agent fails');
  t.match(task.stderr, 'TargetNotConnectedException');
  const svc = await c.run(['logs', '--cluster', 'default', '--service', 'spread'], { timeoutMs: 60_000 });
  t.equal(svc.code, 0, `--service still answers: ${svc.stderr}`);
  t.ok(svc.stdout.split('\n').filter(Boolean).every((l) => l.startsWith(`${liveTask} tick`)), "the connected agent's task's lines");
  t.ok(svc.stdout.includes(`${liveTask} tick 1\n`), 'from its first line');
  t.match(svc.stderr, goneTask, 'and a notice on stderr names the task whose agent is not connected');
  t.ok(Date.now() - started < 30_000, 'neither waited on the missing agent');
});
