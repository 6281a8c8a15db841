// execute-command without a terminal, end to end (the compiled control plane, agent and ecsctl, the real
// Docker engine): output, exit codes 0 and 3, piped stdin, stderr kept apart, --container omitted or
// required; refusals with ECS's exception names and exit 254 (not enabled, stopped task, unknown task,
// unknown cluster, shell operators, the per-container session limit); a SIGINTed ecsctl ends the process
// in the container; the audit records of list-execute-command-sessions.
import t from 'tap';
import { eventually } from '../../helpers/processes.js';
import { finished, NOT_ENABLED, psHas, startExecCluster, taskIdOf, toMs } from './exec-helpers.js';

const CLUSTER = 'exec-basic';
const refusal = (code: string, message: string | RegExp) =>
  typeof message === 'string'
    ? `\nAn error occurred (${code}) when calling the ExecuteCommand operation: ${message}\n`
    : new RegExp(`An error occurred \\(${code}\\) when calling the ExecuteCommand operation: ${message.source}`);

t.test('execute-command without --interactive', async (t) => {
  const c = await startExecCluster(t, { cluster: CLUSTER });
  await c.register('one', ['app']);
  await c.register('two', ['a', 'b']);
  const task = await c.runTask('one');
  const id = taskIdOf(task);
  const app = await c.containerId(task, 'app');

  await t.test('managedAgents: ExecuteCommandAgent RUNNING on the task run with --enable-execute-command', async (t) => {
    const d = await c.describeTask(task);
    t.equal(d.enableExecuteCommand, true, 'the task records enableExecuteCommand');
    t.match(d.containers[0].managedAgents, [{ name: 'ExecuteCommandAgent', lastStatus: 'RUNNING' }], JSON.stringify(d.containers[0].managedAgents));
  });

  await t.test('echo hello: its output, exit 0', async (t) => {
    const r = await c.exec(task, ['--container', 'app', '--command', 'echo hello']);
    t.equal(r.stdout, 'hello\n', 'stdout is the command\'s output only');
    t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.trim()})`);
    t.equal(r.stderr, '', 'nothing on stderr (no session banners without --interactive)');
  });

  await t.test("sh -c 'exit 3': exit 3", async (t) => {
    const r = await c.exec(id, ['--command', "sh -c 'exit 3'"]);
    t.equal(r.code, 3, `exit 3 (stderr: ${r.stderr.trim()})`);
    t.equal(r.stdout, '');
  });

  await t.test('stdin is piped: printf abc | ecsctl execute-command --command cat', async (t) => {
    const r = await c.exec(task, ['--command', 'cat'], { input: 'abc' });
    t.equal(r.stdout, 'abc', 'cat gives the input back, and ends at the end of stdin');
    t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.trim()})`);
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const r2 = await c.exec(task, ['--command', 'wc -c'], { input: big });
    t.equal(r2.stdout.trim(), String(big.length), '3 MiB of stdin arrive whole');
  });

  await t.test('stderr is kept apart from stdout', async (t) => {
    const r = await c.exec(task, ['--command', "sh -c 'echo out; echo err >&2'"]);
    t.equal(r.stdout, 'out\n', 'stdout');
    t.equal(r.stderr, 'err\n', 'stderr');
    t.equal(r.code, 0);
  });

  await t.test('--container: may be omitted with one container, required with several', async (t) => {
    const two = await c.runTask('two');
    const r = await c.exec(two, ['--command', 'echo x']);
    t.equal(r.code, 254, 'refused');
    t.match(r.stderr, refusal('InvalidParameterException', /.*container.*/), r.stderr.trim());
    t.match(r.stderr, /\ba, b\b/, 'the containers are named');
    const b = await c.exec(two, ['--container', 'b', '--command', 'echo from-b']);
    t.equal(b.stdout, 'from-b\n', '--container b runs in b');
    t.equal(b.code, 0);
    const none = await c.exec(two, ['--container', 'nope', '--command', 'echo x']);
    t.equal(none.code, 254);
    t.equal(none.stderr, refusal('InvalidParameterException', `The container nope does not exist in task ${taskIdOf(two)}.`));
  });

  await t.test('refusals', async (t) => {
    await c.register('plain', ['app']);
    const plain = await c.runTask('plain', false);
    const d = await c.describeTask(plain);
    t.same(d.containers[0].managedAgents ?? [], [], 'no managed agents on a task without enableExecuteCommand');
    const r = await c.exec(plain, ['--command', 'echo x']);
    t.equal(r.code, 254, 'a task run without --enable-execute-command: exit 254');
    t.equal(r.stderr, refusal('InvalidParameterException', NOT_ENABLED), 'with ECS\'s message');
    t.equal(r.stdout, '');

    const stopped = await c.runTask('one');
    await c.cli(['stop-task', '--cluster', CLUSTER, '--task', stopped]);
    await c.waitTaskStatus(stopped, 'STOPPED');
    const s = await c.exec(stopped, ['--command', 'echo x']);
    t.equal(s.code, 254, 'a STOPPED task: exit 254');
    t.equal(s.stderr, refusal('InvalidParameterException', `The execute command failed because the task ${taskIdOf(stopped)} is not running (its last status is STOPPED).`));

    const unknown = await c.exec('0123456789abcdef0123456789abcdef', ['--command', 'echo x']);
    t.equal(unknown.code, 254, 'an unknown task: exit 254');
    t.equal(unknown.stderr, refusal('InvalidParameterException', 'The referenced task was not found.'));

    const noCluster = await c.run(['execute-command', '--cluster', 'nope', '--task', id, '--command', 'echo x']);
    t.equal(noCluster.code, 254, 'an unknown cluster: exit 254');
    t.equal(noCluster.stderr, refusal('ClusterNotFoundException', 'Cluster not found.'));

    const ops = await c.exec(task, ['--command', 'echo a | cat']);
    t.equal(ops.code, 254, 'a command with a shell operator: exit 254');
    t.match(ops.stderr, refusal('InvalidParameterException', /.*command.*/), ops.stderr.trim());

    const missing = await c.run(['execute-command', '--cluster', CLUSTER, '--task', id]);
    t.equal(missing.code, 252, '--command is required (a usage error)');
    t.match(missing.stderr, /--command/);
  });

  await t.test('two sessions per container: the third is refused; SIGINT ends a session and its process', async (t) => {
    const first = c.spawnExec(task, ['--container', 'app', '--command', 'sleep 300']);
    const second = c.spawnExec(task, ['--container', 'app', '--command', 'sleep 300']);
    const done = [finished(first), finished(second)];
    await eventually('two sessions RUNNING', async () => {
      const s = (await c.sessions(['--status', 'RUNNING'])).filter((x) => x.command === 'sleep 300');
      return s.length === 2;
    }, 30_000, 250);
    await eventually('two sleep 300 in the container', async () => (await c.ps(app)).filter((l) => psHas([l], 'sleep 300')).length === 2, 10_000, 200);
    const third = await c.exec(task, ['--container', 'app', '--command', 'sleep 300']);
    t.equal(third.code, 254, 'the third: exit 254');
    t.equal(
      third.stderr,
      refusal('LimitExceededException', `The execute command failed because container app of task ${id} already has 2 sessions (the limit per container is 2).`),
    );
    const otherContainer = await c.exec(task, ['--container', 'app', '--command', 'echo y']);
    t.equal(otherContainer.code, 254, 'any command in the same container is refused while two run');

    first.kill('SIGINT');
    second.kill('SIGINT');
    const [a, b] = await Promise.all(done);
    t.equal(a.code, 130, `SIGINT: exit 130 (${a.stderr.trim()})`);
    t.equal(b.code, 130, `SIGINT: exit 130 (${b.stderr.trim()})`);
    await eventually('no sleep 300 left in the container', async () => !psHas(await c.ps(app), 'sleep 300'), 10_000, 200);
    t.pass('the processes in the container ended with the sessions');
    const ended = await eventually('both records STOPPED', async () => {
      const s = (await c.sessions()).filter((x) => x.command === 'sleep 300');
      return s.length === 2 && s.every((x) => x.status === 'STOPPED') ? s : undefined;
    }, 15_000, 250);
    for (const s of ended) t.match(s.reason, /client closed/i, `reason: ${s.reason}`);
    const again = await c.exec(task, ['--container', 'app', '--command', 'echo again']);
    t.equal(again.stdout, 'again\n', 'a new session is allowed once they ended');
  });

  await t.test('the audit records: list-execute-command-sessions', async (t) => {
    const all = await c.sessions();
    const hello = all.find((s) => s.command === 'echo hello');
    const three = all.find((s) => s.command === "sh -c 'exit 3'");
    t.ok(hello && three, 'the echo hello and exit 3 sessions are listed');
    if (!hello || !three) return;
    t.match(hello, {
      sessionId: /^ecs-execute-command-[0-9a-f]{17}$/,
      clusterArn: `arn:aws:ecs:us-east-1:000000000000:cluster/${CLUSTER}`,
      taskArn: task,
      containerName: 'app',
      command: 'echo hello',
      interactive: false,
      status: 'STOPPED',
      exitCode: 0,
      logging: 'DEFAULT',
    }, JSON.stringify(hello));
    t.match(hello.containerInstanceArn, c.agent.instanceArn, 'the container instance');
    t.match(three, { taskArn: task, containerName: 'app', status: 'STOPPED', exitCode: 3 }, JSON.stringify(three));
    for (const s of [hello, three]) {
      const [created, started, stopped] = [toMs(s.createdAt), toMs(s.startedAt), toMs(s.stoppedAt)];
      t.ok(created > Date.now() - 600_000 && created <= started && started <= stopped, `createdAt ≤ startedAt ≤ stoppedAt: ${s.createdAt} ${s.startedAt} ${s.stoppedAt}`);
    }
    t.ok(all.every((s, i) => i === 0 || toMs(s.createdAt) <= toMs(all[i - 1].createdAt)), 'newest first');
    const refused = all.filter((s) => s.command === 'echo x');
    t.same(refused, [], 'refused requests leave no session record');
    const byTask = await c.sessions(['--task', id]);
    t.ok(byTask.length > 0 && byTask.every((s) => s.taskArn === task), '--task filters');
    const running = await c.sessions(['--status', 'RUNNING']);
    t.same(running, [], '--status RUNNING: none left');
  });
});
