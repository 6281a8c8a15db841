import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StoreReader, listContainerStores, readMeta } from '../../../../agent/src/logs/store/reader.js';
import { containerLogDir } from '../../../../agent/src/logs/types.js';
import { RuntimeError } from '../../../../agent/src/runtime/runtime.js';
import { formatDuration } from '../../../../agent/src/exec/duration.js';
import { flush } from '../helpers/fake-clock.js';
import { execRig, request, TASK_ARN } from './rig.js';

const SESSION = 'ecs-execute-command-0123456789abcdef0';
const NOT_RUNNING = 'The container app of task 0123456789abcdef is not running.';

t.test('a command starts, its output is relayed and its exit code 3 ends the session', async (t) => {
  const rig = execRig();
  const { call, proc, done } = await rig.start({ command: ['sh', '-c', 'echo hi; echo oops >&2; exit 3'] });
  t.ok(proc, 'the command runs');
  t.same(proc!.opts, { cmd: ['sh', '-c', 'echo hi; echo oops >&2; exit 3'], tty: false, env: undefined, size: undefined });
  t.equal(proc!.containerId, rig.containerId, 'in the task container');
  proc!.output('stdout', 'hi\n');
  proc!.output('stderr', 'oops\n');
  proc!.exit(3);
  await done;
  t.same(call.summary(), [`session ${SESSION}`, 'started', 'stdout hi\n', 'stderr oops\n', 'exit 3']);
  t.ok(call.ended, 'the call is half-closed after the exit');
  t.equal(rig.manager.size, 0, 'the session is forgotten');
});

t.test('a container that is not running gets an exit with a reason and no command', async (t) => {
  const rig = execRig({ running: false });
  const { call, proc, done } = await rig.start();
  await done;
  t.notOk(proc);
  t.same(call.summary(), [`session ${SESSION}`, `exit: ${NOT_RUNNING}`]);
  t.ok(call.ended);
});

t.test('a container Docker says is not running (the engine has not noticed yet) gets the same reason', async (t) => {
  const rig = execRig();
  rig.runtime.execFailure = new RuntimeError('not-running', 'Container abc is not running');
  const { call, done } = await rig.start();
  await done;
  t.same(call.summary(), [`session ${SESSION}`, `exit: ${NOT_RUNNING}`]);
  rig.runtime.execFailure = new RuntimeError('other', 'OCI runtime exec failed');
  const second = await rig.start();
  await second.done;
  t.same(second.call.summary().at(-1), 'exit: The command could not be started in container app: OCI runtime exec failed');
});

t.test('stdin and stdin_eof reach the process, also when they come before it runs', async (t) => {
  const rig = execRig();
  const session = rig.manager.handle(request({ command: ['cat'] }))!;
  const call = rig.calls[0]!;
  call.deliver({ stdin: Buffer.from('early ') }); // before the command runs
  await flush();
  const proc = rig.runtime.execs[0]!;
  call.deliver({ stdin: Buffer.from('late') });
  t.equal(proc.inputText(), 'early late');
  t.notOk(proc.inputEnded);
  call.deliver({ stdinEof: true });
  t.ok(proc.inputEnded, 'stdin is closed');
  proc.output('stdout', 'early late');
  proc.exit(0);
  await session.done;
  t.same(call.summary().slice(1), ['started', 'stdout early late', 'exit 0']);
});

t.test('stdin the command cannot take pauses the call until it drains', async (t) => {
  const rig = execRig();
  const { call, proc, done } = await rig.start({ command: ['cat'] });
  proc!.writable = false;
  call.deliver({ stdin: Buffer.from('x') });
  t.ok(call.paused, 'the call is paused');
  proc!.drain();
  t.notOk(call.paused, 'and resumed on drain');
  proc!.exit(0);
  await done;
});

t.test('interactive: a TTY with TERM, sized from the request, and resized as asked', async (t) => {
  const rig = execRig();
  const { call, proc, done } = await rig.start({ interactive: true, size: { rows: 24, cols: 80 }, term: 'xterm-256color' });
  t.same(proc!.opts, { cmd: ['sh'], tty: true, env: ['TERM=xterm-256color'], size: { rows: 24, cols: 80 } });
  t.same(proc!.resizes, [{ rows: 24, cols: 80 }], 'resized right after the start');
  call.deliver({ resize: { rows: 50, cols: 132 } });
  await flush();
  t.same(proc!.resizes, [{ rows: 24, cols: 80 }, { rows: 50, cols: 132 }]);
  proc!.exit(0);
  await done;
});

t.test('terminate ends the process (SIGTERM, then SIGKILL after 2 s) and its exit code is reported', async (t) => {
  const rig = execRig();
  const { call, proc, done } = await rig.start({ command: ['sleep', '100'] });
  proc!.ignoreSignals = true;
  call.deliver({ terminate: true });
  await flush();
  t.same(proc!.signals, ['SIGTERM']);
  t.ok(proc!.inputEnded, 'stdin is closed too');
  await rig.clock.advance(1_999);
  t.same(proc!.signals, ['SIGTERM']);
  await rig.clock.advance(1);
  t.same(proc!.signals, ['SIGTERM', 'SIGKILL']);
  await done;
  t.same(call.summary().slice(1), ['started', 'exit 137']);
});

t.test('an interactive session is ended with SIGHUP', async (t) => {
  const rig = execRig();
  const { call, proc, done } = await rig.start({ interactive: true });
  call.deliver({ terminate: true });
  await done;
  t.same(proc!.signals, ['SIGHUP']);
  t.same(call.summary().at(-1), 'exit 129');
});

t.test('the control plane closing the call ends the process; nothing more is written', async (t) => {
  const rig = execRig();
  const { call, proc, done } = await rig.start();
  call.close(new Error('1 CANCELLED'));
  await done;
  t.same(proc!.signals, ['SIGTERM']);
  t.same(call.summary(), [`session ${SESSION}`, 'started']);
});

t.test('a failed kill is logged and the attachment dropped after SIGKILL and a grace', async (t) => {
  const rig = execRig();
  const { proc, call, done } = await rig.start();
  proc!.killError = Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
  call.deliver({ terminate: true });
  await rig.clock.advance(4_000);
  await done;
  t.ok(proc!.closed, 'detached');
});

t.test('the idle timeout ends a session with no input and no output', async (t) => {
  const rig = execRig();
  const { call, proc, done } = await rig.start({ idleTimeoutMs: 60_000 });
  await rig.clock.advance(30_000);
  proc!.output('stdout', 'tick\n');
  await rig.clock.advance(50_000);
  call.deliver({ stdin: Buffer.from('\n') });
  await rig.clock.advance(59_000);
  t.same(proc!.signals, [], 'activity keeps it alive');
  await rig.clock.advance(1_000);
  await done;
  t.same(proc!.signals, ['SIGTERM']);
  t.same(call.summary().slice(1), ['started', 'stdout tick\n', 'exit: The session was idle for 1m0s (the idle timeout).']);
});

t.test('the idle reason names the timeout as Go prints durations', async (t) => {
  t.equal(formatDuration(20 * 60_000), '20m0s');
  t.equal(formatDuration(3600_000), '1h0m0s');
  t.equal(formatDuration(90_000), '1m30s');
  t.equal(formatDuration(1_500), '1.5s');
  t.equal(formatDuration(500), '500ms');
});

t.test('the agent stopping ends every session with the reason and kills its process', async (t) => {
  const rig = execRig();
  const a = await rig.start();
  const b = await rig.start({ sessionId: 'ecs-execute-command-bbbbbbbbbbbbbbbbb', interactive: true });
  t.equal(rig.manager.size, 2);
  await rig.manager.close();
  for (const s of [a, b]) t.same(s.call.summary().slice(1), ['started', 'exit: The agent is stopping.']);
  t.same(a.proc!.signals, ['SIGTERM']);
  t.same(b.proc!.signals, ['SIGHUP']);
  t.equal(rig.manager.size, 0);
  rig.manager.handle(request({ sessionId: 'ecs-execute-command-ccccccccccccccccc' }));
  t.same(rig.calls.at(-1)!.summary(), ['session ecs-execute-command-ccccccccccccccccc', 'exit: The agent is stopping.'], 'a late request is refused');
});

t.test('a full call pauses the output until it drains', async (t) => {
  const rig = execRig();
  const { call, proc, done } = await rig.start();
  call.writable = false;
  proc!.output('stdout', 'a');
  t.ok(proc!.paused);
  proc!.output('stdout', 'b'); // queued by the process while paused
  t.same(call.summary().slice(2), ['stdout a']);
  call.drain();
  t.notOk(proc!.paused);
  t.same(call.summary().slice(2), ['stdout a', 'stdout b']);
  proc!.exit(0);
  await done;
});

t.test('a transcript stores the output as records, then marks the store complete', async (t) => {
  const rig = execRig();
  const { call, proc, done } = await rig.start({ transcript: true, interactive: true });
  proc!.output('stdout', '$ echo hello\r\nhel');
  proc!.output('stdout', 'lo\r\n' + 'x'.repeat(70) + '\n');
  proc!.output('stdout', '$ exit');
  proc!.exit(0);
  await done;
  t.same(call.summary().at(-1), 'exit 0');
  const dir = containerLogDir(rig.dataDir, TASK_ARN, SESSION);
  t.ok(existsSync(join(dir, 'complete')), 'marked complete');
  t.match(readMeta(dir), {
    container_name: 'app',
    container_id: rig.containerId,
    ecs_cluster: 'default',
    ecs_task_arn: TASK_ARN,
    ecs_task_definition: 'web:3',
    session_id: SESSION,
  });
  const reader = new StoreReader(dir);
  const { records } = await reader.read(await reader.start(), 1 << 20);
  t.same(
    records.map((r) => [r.source, r.log, !!r.partial]),
    [
      ['stdout', '$ echo hello', false],
      ['stdout', 'hello', false],
      ['stdout', 'x'.repeat(64), true],
      ['stdout', 'x'.repeat(6), false],
      ['stdout', '$ exit', false],
    ],
  );
  const times = records.map((r) => r.time);
  t.same([...times].sort(), times, 'times increase');
  t.equal(new Set(times).size, times.length, 'and are unique');
  t.same(listContainerStores(rig.dataDir, TASK_ARN), [], "a task's container stores leave transcripts out");
});

t.test('stdout and stderr keep their own partial lines in a transcript', async (t) => {
  const rig = execRig();
  const { proc, done } = await rig.start({ transcript: true });
  proc!.output('stdout', 'out-');
  proc!.output('stderr', 'err1\nerr-');
  proc!.output('stdout', 'line\n');
  proc!.exit(1);
  await done;
  const reader = new StoreReader(containerLogDir(rig.dataDir, TASK_ARN, SESSION));
  const { records } = await reader.read(await reader.start(), 1 << 20);
  t.same(records.map((r) => [r.source, r.log]), [
    ['stderr', 'err1'],
    ['stdout', 'out-line'],
    ['stderr', 'err-'],
  ]);
});

t.test('without transcript nothing is stored', async (t) => {
  const rig = execRig();
  const { proc, done } = await rig.start();
  proc!.output('stdout', 'secret\n');
  proc!.exit(0);
  await done;
  t.notOk(existsSync(containerLogDir(rig.dataDir, TASK_ARN, SESSION)));
});

t.test('a repeated exec_request for a live session is ignored', async (t) => {
  const rig = execRig();
  const { proc, done } = await rig.start();
  t.equal(rig.manager.handle(request()), undefined);
  t.equal(rig.calls.length, 1);
  proc!.exit(0);
  await done;
});

t.test("a transcript is removed with the task's logs at its cleanup", async (t) => {
  const { LogRouter } = await import('../../../../agent/src/logs/router.js');
  const { silentLogger } = await import('../../../../agent/src/util/logger.js');
  const rig = execRig();
  const { proc, done } = await rig.start({ transcript: true });
  proc!.output('stdout', 'x\n');
  proc!.exit(0);
  await done;
  const dir = containerLogDir(rig.dataDir, TASK_ARN, SESSION);
  t.ok(existsSync(dir));
  const router = new LogRouter({
    runtime: rig.runtime,
    dataDir: rig.dataDir,
    cluster: 'default',
    defaults: { maxSizeBytes: 1 << 20, maxFiles: 2, compress: false, maxLineBytes: 1024 },
    clock: rig.clock,
    random: () => 0.5,
    logger: silentLogger(),
  });
  await router.remove(TASK_ARN);
  t.notOk(existsSync(dir));
});
