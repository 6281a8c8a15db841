// What is kept of execute-command sessions and how sessions end, end to end: the cluster's
// executeCommandConfiguration.logging (create-cluster / update-cluster, shown by describe-clusters);
// with DEFAULT the session's output is a transcript that `ecsctl logs --session-id` reads, with NONE there
// is none; an agent stopping (SIGTERM) ends its sessions with a reason; a killed agent's (SIGKILL) command is
// ended by the agent when it is back; a closed ecsctl (SIGTERM, or its
// tmux pane killed: SIGHUP) ends the process in the container; an idle session ends by itself at the
// control plane's --exec-idle-timeout.
import t from 'tap';
import { BIN, eventually } from '../../helpers/processes.js';
import { finished, parseJsonLines, psHas, sleep, startExecCluster, taskIdOf, TmuxPane, toMs } from './exec-helpers.js';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

t.test('logging DEFAULT / NONE, agent restart and kill, closed ecsctl', async (t) => {
  const CLUSTER = 'exec-audit';
  const c = await startExecCluster(t, { cluster: CLUSTER, createArgs: ['--configuration', 'executeCommandConfiguration={logging=DEFAULT}'] });
  await c.register('app', ['app']);
  const task = await c.runTask('app');
  const app = await c.containerId(task, 'app');

  await t.test('describe-clusters shows the configuration', async (t) => {
    const d = await c.cli(['describe-clusters', '--clusters', CLUSTER]);
    t.same(d.clusters[0].configuration, { executeCommandConfiguration: { logging: 'DEFAULT' } }, JSON.stringify(d.clusters[0].configuration));
    const bad = await c.run(['update-cluster', '--cluster', CLUSTER, '--configuration', 'executeCommandConfiguration={logging=LOUD}']);
    t.equal(bad.code, 254, 'logging LOUD is refused');
    t.match(bad.stderr, /InvalidParameterException.*logging/, bad.stderr.trim());
    const override = await c.run(['update-cluster', '--cluster', CLUSTER, '--configuration', 'executeCommandConfiguration={logging=OVERRIDE}']);
    t.equal(override.code, 254, 'OVERRIDE without logConfiguration is refused');
    t.match(override.stderr, /InvalidParameterException.*logConfiguration/, override.stderr.trim());
    const none = await c.run(['update-cluster', '--cluster', 'nope', '--configuration', 'executeCommandConfiguration={logging=NONE}']);
    t.equal(none.code, 254);
    t.match(none.stderr, /ClusterNotFoundException/, 'update-cluster of an unknown cluster');
  });

  let kept = '';
  await t.test('logging DEFAULT: the transcript, read with logs --session-id', async (t) => {
    const command = "sh -c 'echo line-one; echo line-two; echo err-three >&2; printf partial-four'";
    const r = await c.exec(task, ['--command', command]);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, 'line-one\nline-two\npartial-four');
    const s = await c.session(task, command, 'STOPPED');
    t.equal(s.logging, 'DEFAULT', 'the record keeps the logging setting');
    kept = s.sessionId;
    const lines = await eventually('the transcript', async () => {
      const l = await c.run(['logs', '--cluster', CLUSTER, '--session-id', s.sessionId, '--output', 'json']);
      if (l.code !== 0) throw new Error(`logs exited ${l.code}: ${l.stderr}`);
      const j = parseJsonLines(l.stdout);
      return j.length >= 4 ? j : undefined;
    }, 20_000, 500);
    t.same(lines.map((l) => l.log).sort(), ['err-three', 'line-one', 'line-two', 'partial-four'], 'every line, the partial last one too');
    t.same(lines.filter((l) => l.source === 'stderr').map((l) => l.log), ['err-three'], 'stderr is tagged stderr');
    t.same(lines.filter((l) => l.source === 'stdout').map((l) => l.log), ['line-one', 'line-two', 'partial-four'], 'stdout in order');
    t.ok(lines.every((l) => l.taskId === taskIdOf(task)), 'tagged with the task');
    const text = await c.run(['logs', '--cluster', CLUSTER, '--session-id', s.sessionId]);
    const textLines = text.stdout.split('\n').filter(Boolean);
    t.same([...textLines].sort(), ['err-three', 'line-one', 'line-two', 'partial-four'], `text output, the bare lines:\n${text.stdout}`);
    t.same(textLines.filter((l) => l !== 'err-three'), ['line-one', 'line-two', 'partial-four'], 'stdout lines in order (stderr merged by time)');
    // The task's own logs are not mixed with the transcript.
    const own = await c.run(['logs', '--cluster', CLUSTER, '--task', taskIdOf(task), '--container', 'app']);
    t.notMatch(own.stdout, /line-one/, "the container's own log does not hold the session's output");
  });

  await t.test('update-cluster to logging NONE: no transcript', async (t) => {
    const u = await c.cli(['update-cluster', '--cluster', CLUSTER, '--configuration', 'executeCommandConfiguration={logging=NONE}']);
    t.same(u.cluster.configuration, { executeCommandConfiguration: { logging: 'NONE' } }, 'update-cluster answers the new configuration');
    const command = "sh -c 'echo not-kept'";
    const r = await c.exec(task, ['--command', command]);
    t.equal(r.stdout, 'not-kept\n');
    const s = await c.session(task, command, 'STOPPED');
    t.equal(s.logging, 'NONE');
    await sleep(1000);
    const l = await c.run(['logs', '--cluster', CLUSTER, '--session-id', s.sessionId]);
    t.equal(l.stdout, '', 'no lines');
    t.ok(l.code !== 0 || l.stderr.trim() !== '', `and it says so: exit ${l.code}, ${l.stderr.trim()}`);
    t.match(l.stderr, /NONE|transcript|logging|not kept/i, 'the message says why');
    const old = await c.run(['logs', '--cluster', CLUSTER, '--session-id', kept]);
    t.match(old.stdout, /line-one/, 'the earlier transcript is still readable');
    const unknown = await c.run(['logs', '--cluster', CLUSTER, '--session-id', 'ecs-execute-command-0123456789abcdef0']);
    t.ok(unknown.code !== 0, `an unknown session id is an error: ${unknown.code} ${unknown.stderr.trim()}`);
  });

  await t.test('the agent stopping (SIGTERM) ends its sessions with a reason', async (t) => {
    const child = c.spawnExec(task, ['--command', 'sleep 100']);
    const done = finished(child);
    await c.session(task, 'sleep 100', 'RUNNING');
    await eventually('sleep 100 in the container', async () => psHas(await c.ps(app), 'sleep 100'), 10_000, 200);
    const code = await c.agent.stop('SIGTERM');
    t.equal(code, 0, 'the agent exits 0');
    const r = await done;
    t.not(r.code, 0, `ecsctl ends with a non-zero status (${r.code})`);
    t.match(r.stderr, /agent/i, `and says why: ${r.stderr.trim()}`);
    const s = await c.session(task, 'sleep 100', 'STOPPED', 15_000);
    t.match(s.reason, /agent/i, `the record is STOPPED with a reason: ${s.reason}`);
    t.ok(toMs(s.stoppedAt) >= toMs(s.startedAt), 'stoppedAt');
    t.notOk(psHas(await c.ps(app), 'sleep 100'), 'the process in the container ended with the agent');
    const away = await eventually('ExecuteCommand to see the agent gone', async () => {
      const x = await c.exec(task, ['--command', 'echo away']);
      return /TargetNotConnectedException/.test(x.stderr) ? x : undefined;
    }, 15_000, 500);
    t.equal(away.code, 254, 'while the agent is away: exit 254');
    t.match(
      away.stderr,
      /An error occurred \(TargetNotConnectedException\) when calling the ExecuteCommand operation: The execute command failed because the agent on container instance \S+ is not connected\. Try again later\./,
      away.stderr.trim(),
    );
    c.agent.start();
    await eventually('the agent to reconnect', () => c.agentConnected(), 30_000, 250);
    const again = await eventually('a session after the restart', async () => {
      const x = await c.exec(task, ['--command', 'echo back']);
      return x.code === 0 ? x : undefined;
    }, 20_000, 500);
    t.equal(again.stdout, 'back\n', 'sessions work again after the restart');
  });

  await t.test('the agent killed (SIGKILL) mid-session: the session ends, and the restarted agent ends the command it left', async (t) => {
    const child = c.spawnExec(task, ['--command', 'sleep 103']);
    const done = finished(child);
    await c.session(task, 'sleep 103', 'RUNNING');
    await eventually('sleep 103 in the container', async () => psHas(await c.ps(app), 'sleep 103'), 10_000, 200);
    await c.agent.stop('SIGKILL');
    const r = await done;
    t.not(r.code, 0, `ecsctl ends with a non-zero status (${r.code}): ${r.stderr.trim()}`);
    const s = await c.session(task, 'sleep 103', 'STOPPED', 15_000);
    t.ok(s.reason, `the record is STOPPED with a reason: ${s.reason}`);
    t.ok(psHas(await c.ps(app), 'sleep 103'), 'with no agent, Docker leaves the command running');
    c.agent.start();
    const started = Date.now();
    await eventually('sleep 103 to end after the agent is back', async () => !psHas(await c.ps(app), 'sleep 103'), 20_000, 200);
    t.pass(`the restarted agent ended it within ${Date.now() - started} ms of its start`);
    await eventually('the agent to reconnect', () => c.agentConnected(), 30_000, 250);
  });

  await t.test('a closed ecsctl ends the process in the container', async (t) => {
    const child = c.spawnExec(task, ['--command', 'sleep 101']);
    const done = finished(child);
    await c.session(task, 'sleep 101', 'RUNNING');
    await eventually('sleep 101 in the container', async () => psHas(await c.ps(app), 'sleep 101'), 10_000, 200);
    child.kill('SIGTERM');
    const r = await done;
    t.not(r.code, 0, `ecsctl ends on SIGTERM (${r.code} ${r.signal})`);
    const sent = Date.now();
    await eventually('sleep 101 to end', async () => !psHas(await c.ps(app), 'sleep 101'), 8_000, 200);
    t.pass(`no sleep 101 left in the container after ${Date.now() - sent} ms`);
    const s = await c.session(task, 'sleep 101', 'STOPPED', 10_000);
    t.match(s.reason, /client closed/i, s.reason);

    // Interactive, in a tmux pane that is then killed (ecsctl gets SIGHUP).
    const pane = await TmuxPane.start(t, { cols: 100, rows: 30 });
    await pane.type(`${q(process.execPath)} ${q(BIN.ecsctl)} --endpoint ${q(c.endpoint)} execute-command --cluster ${CLUSTER} --task ${q(task)} --interactive --command sh`);
    await pane.type("echo rea''dy-$((1+2))");
    await pane.waitFor(/^ready-3\s*$/m, 30_000);
    await pane.type('sleep 102');
    await eventually('sleep 102 in the container', async () => psHas(await c.ps(app), 'sleep 102'), 10_000, 200);
    await pane.kill();
    await eventually('sleep 102 to end after the pane is closed', async () => !psHas(await c.ps(app), 'sleep 102'), 8_000, 200);
    t.pass('closing the pane ended the shell and its sleep in the container');
    await eventually('no sh of the session left', async () => {
      const sessions = (await c.sessions()).filter((x) => x.command === 'sh' && x.interactive);
      return sessions.length === 1 && sessions[0].status === 'STOPPED';
    }, 10_000, 250);
    t.pass('the interactive session is STOPPED');
  });
});

t.test('--exec-idle-timeout: a session without input or output ends by itself', async (t) => {
  const CLUSTER = 'exec-idle';
  const c = await startExecCluster(t, { cluster: CLUSTER, cpArgs: ['--exec-idle-timeout', '2s'] });
  await c.register('app', ['app']);
  const task = await c.runTask('app');
  const app = await c.containerId(task, 'app');
  const started = Date.now();
  const r = await c.exec(task, ['--command', 'sleep 100'], { timeoutMs: 30_000 });
  const took = Date.now() - started;
  t.not(r.code, 0, `ecsctl ends with a non-zero status (${r.code})`);
  t.ok(took < 15_000, `after ${took} ms (idle timeout 2s)`);
  t.match(r.stderr, /idle/i, `the reason: ${r.stderr.trim()}`);
  const s = await c.session(task, 'sleep 100', 'STOPPED');
  t.match(s.reason, /idle for 2s/i, `the record: ${s.reason}`);
  await eventually('no sleep 100 left', async () => !psHas(await c.ps(app), 'sleep 100'), 8_000, 200);
  t.pass('the process in the container ended');
  // Output keeps a session alive: 4 s of a line a second, with a 2 s idle timeout.
  const busy = await c.exec(task, ['--command', "sh -c 'for i in 1 2 3 4; do echo $i; sleep 1; done'"], { timeoutMs: 30_000 });
  t.equal(busy.code, 0, `a session writing output is not idle (${busy.stderr.trim()})`);
  t.equal(busy.stdout, '1\n2\n3\n4\n');
});
