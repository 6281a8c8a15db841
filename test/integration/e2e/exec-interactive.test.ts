// execute-command --interactive as a person uses it: the real ecsctl in a tmux pane (its terminal is the
// pane's), keys sent with send-keys and the screen read with capture-pane. A shell in the container
// answers `echo`, `stty size` follows the window when it is resized (SIGWINCH → resize), Ctrl-C interrupts
// `sleep 100` without ending the session, `exit 7` becomes ecsctl's exit status, and the outer terminal's
// settings are the same after ecsctl as before (raw mode undone). The audit record says exit 7.
import t from 'tap';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, eventually } from '../../helpers/processes.js';
import { psHas, startExecCluster, TmuxPane } from './exec-helpers.js';

const CLUSTER = 'exec-interactive';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

t.test('an interactive shell in a task container, driven through tmux', async (t) => {
  const c = await startExecCluster(t, { cluster: CLUSTER });
  await c.register('shell', ['app']);
  const task = await c.runTask('shell');
  const app = await c.containerId(task, 'app');

  // The pane's shell runs a script: the terminal settings before, ecsctl, its status, the settings after.
  const script = join(c.dir, 'session.sh');
  const files = { before: join(c.dir, 'stty-before'), after: join(c.dir, 'stty-after'), afterA: join(c.dir, 'stty-a-after'), exit: join(c.dir, 'exit-status') };
  writeFileSync(
    script,
    [
      `stty -g > ${q(files.before)}`,
      `${q(process.execPath)} ${q(BIN.ecsctl)} --endpoint ${q(c.endpoint)} execute-command --cluster ${CLUSTER} --task ${q(task)} --container app --interactive --command sh`,
      `echo "$?" > ${q(files.exit)}.tmp`,
      `stty -g > ${q(files.after)}`,
      `stty -a > ${q(files.afterA)}`,
      `mv ${q(files.exit)}.tmp ${q(files.exit)}`,
      '',
    ].join('\n'),
  );
  const pane = await TmuxPane.start(t, { cols: 120, rows: 40 });
  await pane.type(`sh ${q(script)}`);

  await t.test('the session starts and `echo` answers', async (t) => {
    // $((1+1)) is only expanded by the shell in the container: the typed line never shows "hello-2".
    await pane.type("echo hel''lo-$((1+1))");
    await pane.waitFor(/^hello-2\s*$/m, 30_000);
    t.pass('hello-2 appears in the pane');
    const screen = await pane.capture();
    t.match(screen, /Starting session with SessionId: ecs-execute-command-[0-9a-f]{17}/, 'the session banner, as aws prints it');
    t.ok(psHas(await c.ps(app), 'sh'), 'sh runs in the container');
  });

  await t.test('stty size follows the window', async (t) => {
    const first = await pane.size();
    t.equal(first, '40 120', 'the pane is 40 rows × 120 columns');
    await pane.type("stty size; echo size-$((2+2))");
    const m = await pane.waitFor(/^(\d+ \d+)\s*\n\s*size-4\s*$/m);
    t.equal(m[1], first, `stty size in the container: ${m[1]}`);
    await pane.resize(100, 30);
    const second = await pane.size();
    t.not(second, first, `the pane is now ${second}`);
    // The resize travels ecsctl (SIGWINCH) → control plane → agent → Docker's exec resize; give it a moment.
    let seen = '';
    await eventually(`stty size to say ${second}`, async () => {
      const marker = `size-${Math.floor(Math.random() * 1e6)}`;
      await pane.type(`stty size; echo ${marker.slice(0, 5)}''${marker.slice(5)}`);
      const r = await pane.waitFor(new RegExp(`^(\\d+ \\d+)\\s*\\n\\s*${marker}\\s*$`, 'm'));
      seen = r[1];
      return seen === second;
    }, 15_000, 500).catch(() => {});
    t.equal(seen, second, 'stty size in the container follows the resized window');
  });

  await t.test('Ctrl-C interrupts sleep 100 and the session goes on', async (t) => {
    await pane.type('sleep 100');
    await eventually('sleep 100 in the container', async () => psHas(await c.ps(app), 'sleep 100'), 15_000, 200);
    const sent = Date.now();
    await pane.keys('C-c');
    await eventually('sleep 100 to end', async () => !psHas(await c.ps(app), 'sleep 100'), 10_000, 100);
    t.ok(Date.now() - sent < 10_000, `sleep 100 ended ${Date.now() - sent} ms after Ctrl-C`);
    await pane.type("echo still-$((40+2))");
    await pane.waitFor(/^still-42\s*$/m);
    t.pass('the shell answers after Ctrl-C: the session survived');
    t.ok(psHas(await c.ps(app), 'sh'), 'the shell still runs in the container');
    t.notOk(existsSync(files.exit), 'ecsctl is still running');
  });

  await t.test('exit 7: ecsctl exits 7 and the terminal is restored', async (t) => {
    await pane.type('exit 7');
    await eventually('ecsctl to exit', () => existsSync(files.exit), 20_000, 100);
    t.equal(readFileSync(files.exit, 'utf8').trim(), '7', "ecsctl's exit status is the command's");
    t.equal(readFileSync(files.after, 'utf8').trim(), readFileSync(files.before, 'utf8').trim(), 'stty -g after ecsctl is the same as before it');
    const a = readFileSync(files.afterA, 'utf8');
    t.match(a, /(^|\s)icanon(\s|$)/, 'icanon is on again');
    t.match(a, /(^|\s)echo(\s|$)/, 'echo is on again');
    const screen = await pane.capture();
    t.match(screen, /Exiting session with sessionId: ecs-execute-command-[0-9a-f]{17}\./, 'the closing banner');
    // The pane's shell is back, echoing what is typed.
    await pane.type('echo outer-$((2+3))');
    await pane.waitFor(/^outer-5\s*$/m);
    await pane.waitFor(/echo outer-\$\(\(2\+3\)\)/);
    t.pass('the outer shell echoes input and answers');
  });

  await t.test('the audit record', async (t) => {
    const s = await c.session(task, 'sh', 'STOPPED');
    t.match(s, { containerName: 'app', interactive: true, status: 'STOPPED', exitCode: 7 }, JSON.stringify(s));
    const banner = /Starting session with SessionId: (ecs-execute-command-[0-9a-f]{17})/.exec(await pane.capture());
    if (banner) t.equal(s.sessionId, banner[1], 'the session id of the banner');
  });
});
