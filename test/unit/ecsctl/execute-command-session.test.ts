// `ecsctl execute-command` end to end through runCli, with a fake transport (ExecuteCommand + a scripted
// StartSession call) and a fake terminal (stdin with raw mode, stdout that resizes, signals).
import t from 'tap';
import { EventEmitter } from 'node:events';
import { runCli } from '../../../ecsctl/src/cli.js';
import { ConnectError, ServiceError } from '../../../ecsctl/src/errors.js';
import { exitOutcome, openMessage, signalOutcome } from '../../../ecsctl/src/exec/session.js';
import type { DuplexStream, Transport, TransportFactory } from '../../../ecsctl/src/transport/grpc-transport.js';

const SID = 'ecs-execute-command-0123456789abcdef0';
const TOKEN = 'dG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4';
const NOT_ENABLED =
  'The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. Wait and try again or run a new task with execute command enabled and try again.';

class FakeStdin extends EventEmitter {
  isRaw = false;
  readonly rawCalls: boolean[] = [];
  paused = true;
  pauses = 0;
  constructor(readonly isTTY: boolean) {
    super();
  }
  setRawMode(raw: boolean): this {
    this.rawCalls.push(raw);
    this.isRaw = raw;
    return this;
  }
  pause(): this {
    this.paused = true;
    this.pauses++;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
}

class FakeOut extends EventEmitter {
  readonly chunks: Buffer[] = [];
  full = false;
  constructor(readonly isTTY = false, public rows = 0, public columns = 0) {
    super();
  }
  write(chunk: string | Uint8Array): boolean {
    this.chunks.push(Buffer.from(chunk as Uint8Array));
    return !this.full;
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** The server side of one StartSession call. */
class FakeCall implements DuplexStream {
  readonly written: Record<string, unknown>[] = [];
  ended = false;
  cancelled = false;
  pauses = 0;
  resumes = 0;
  full = false;
  private drainFns: (() => void)[] = [];
  readonly done: Promise<void>;
  finish!: () => void;
  fail!: (e: Error) => void;
  constructor(readonly onMessage: (m: Record<string, unknown>) => void) {
    this.done = new Promise((res, rej) => {
      this.finish = res;
      this.fail = rej;
    });
  }
  write(m: Record<string, unknown>): boolean {
    this.written.push(m);
    return !this.full;
  }
  onceDrain(fn: () => void): void {
    this.drainFns.push(fn);
  }
  drain(): void {
    this.full = false;
    for (const fn of this.drainFns.splice(0)) fn();
  }
  end(): void {
    this.ended = true;
  }
  pause(): void {
    this.pauses++;
  }
  resume(): void {
    this.resumes++;
  }
  cancel(): void {
    this.cancelled = true;
    this.finish();
  }
  /** What the server sent ends the call: exit, then the end of the stream. */
  exit(exit: Record<string, unknown>): void {
    this.onMessage({ exit });
    this.finish();
  }
}

type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

interface Env {
  stdin: FakeStdin | undefined;
  stdout: FakeOut;
  stderr: FakeOut;
  call: FakeCall;
  signal(s: Signal): void;
  fatal(): void;
  tick(): Promise<void>;
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  requests: { rpc: string; request: Record<string, unknown> }[];
  call: FakeCall | undefined;
  stdin: FakeStdin | undefined;
  stdoutStream: FakeOut;
  handlers: number;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

async function execute(
  argv: string[],
  script: (env: Env) => Promise<void> | void,
  opts: { tty?: boolean; stdin?: 'tty' | 'pipe' | 'none'; executeError?: Error; env?: Record<string, string> } = {},
): Promise<Outcome> {
  const stdin = opts.stdin === 'none' ? undefined : new FakeStdin(opts.stdin === 'tty' || (opts.stdin === undefined && opts.tty === true));
  const stdout = opts.tty ? new FakeOut(true, 40, 120) : new FakeOut();
  const stderr = new FakeOut();
  const requests: Outcome['requests'] = [];
  const handlers = new Map<string, Set<() => void>>();
  const register = (name: string, fn: () => void) => {
    const set = handlers.get(name) ?? new Set();
    handlers.set(name, set);
    set.add(fn);
    return () => void set.delete(fn);
  };
  let call: FakeCall | undefined;
  const transport: TransportFactory = (): Transport => ({
    async call(rpc, request) {
      requests.push({ rpc, request });
      if (opts.executeError) throw opts.executeError;
      return {
        clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/default',
        containerArn: 'arn:aws:ecs:us-east-1:000000000000:container/default/abc/c1',
        containerName: 'web',
        interactive: request.interactive,
        session: { sessionId: SID, streamUrl: 'grpc://127.0.0.1:7400/ecs.v1.EcsControlPlane/StartSession', tokenValue: TOKEN },
        taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/default/abc',
      };
    },
    duplex(rpc, onMessage) {
      requests.push({ rpc, request: {} });
      const c = new FakeCall(onMessage);
      call = c;
      const env: Env = {
        stdin,
        stdout,
        stderr,
        call: c,
        signal: (s) => {
          for (const fn of handlers.get(s) ?? []) fn();
        },
        fatal: () => {
          for (const fn of handlers.get('fatal') ?? []) fn();
        },
        tick,
      };
      setImmediate(() => void Promise.resolve(script(env)).catch((e) => c.fail(e as Error)));
      return c;
    },
    close() {},
  });
  const code = await runCli(argv, {
    stdout,
    stderr,
    env: { TZ: 'UTC', ...(opts.env ?? {}) },
    readFile: () => {
      throw new Error('no files');
    },
    transport,
    ...(stdin ? { stdin } : {}),
    onInterrupt: (fn) => register('SIGINT', fn),
    onSignal: (s, fn) => register(s, fn),
    onFatal: (fn) => register('fatal', fn),
  });
  const left = [...handlers.values()].reduce((n, s) => n + s.size, 0);
  return { code, stdout: stdout.text, stderr: stderr.text, requests, call, stdin, stdoutStream: stdout, handlers: left };
}

const I = ['execute-command', '--cluster', 'default', '--task', 'abc', '--container', 'web', '--command', '/bin/sh', '--interactive'];
const N = ['execute-command', '--task', 'abc', '--command', 'cat'];
const bytes = (m: Record<string, unknown>) => Buffer.from(m.stdin as Uint8Array).toString('latin1');

t.test('interactive: raw mode, open with size and TERM, every byte forwarded, resize, output, exit code', async (t) => {
  let rawDuring: boolean | undefined;
  const r = await execute(
    I,
    async ({ stdin, stdout, call }) => {
      rawDuring = stdin!.isRaw;
      call.onMessage({ started: true });
      stdin!.emit('data', Buffer.from('echo hello\r'));
      stdin!.emit('data', Buffer.from([0x03]));
      call.onMessage({ stdout: Buffer.from('$ echo hello\r\nhello\r\n$ ') });
      stdout.rows = 50;
      stdout.columns = 132;
      stdout.emit('resize');
      stdin!.emit('data', Buffer.from('exit 7\r'));
      await tick();
      call.exit({ exitCode: 7 });
    },
    { tty: true, env: { TERM: 'xterm-256color' } },
  );
  t.equal(r.code, 7, "the command's exit status");
  t.same(r.requests[0], { rpc: 'ExecuteCommand', request: { cluster: 'default', task: 'abc', container: 'web', command: '/bin/sh', interactive: true } });
  t.equal(r.requests[1]!.rpc, 'StartSession');
  t.equal(rawDuring, true, 'raw mode during the session');
  t.same(r.stdin!.rawCalls, [true, false], 'raw mode set, then restored');
  const w = r.call!.written;
  t.same(w[0], { open: { sessionId: SID, tokenValue: TOKEN, size: { rows: 40, cols: 120 }, term: 'xterm-256color' } });
  t.same(w.filter((m) => m.stdin).map(bytes), ['echo hello\r', '\x03', 'exit 7\r'], 'every byte, Ctrl-C included');
  t.same(w.filter((m) => m.resize), [{ resize: { rows: 50, cols: 132 } }]);
  t.equal(r.stdout, '$ echo hello\r\nhello\r\n$ ', 'output bytes as they came, nothing else on stdout');
  t.equal(r.stderr, `\nStarting session with SessionId: ${SID}\n\n\n\nExiting session with sessionId: ${SID}.\n\n`);
  t.ok(r.call!.ended, 'half-closed after exit');
  t.notOk(r.call!.cancelled);
  t.equal(r.stdin!.listenerCount('data') + r.stdin!.listenerCount('end'), 0, 'stdin listeners removed');
  t.ok(r.stdin!.paused, 'stdin paused (the process can exit)');
  t.equal(r.stdoutStream.listenerCount('resize'), 0, 'resize listener removed');
  t.equal(r.handlers, 0, 'signal and fatal handlers unregistered');
});

t.test('interactive: no exit status → 255 and the reason on stderr; both → the status and the reason', async (t) => {
  let r = await execute(I, ({ call }) => call.exit({ reason: 'The agent on container instance i-1 disconnected.' }), { tty: true });
  t.equal(r.code, 255);
  t.equal(r.stderr, `\nStarting session with SessionId: ${SID}\n\n\n\nExiting session with sessionId: ${SID}.\n\necsctl execute-command: The agent on container instance i-1 disconnected.\n`);
  t.same(r.stdin!.rawCalls, [true, false]);
  r = await execute(I, ({ call }) => call.exit({ exitCode: 143, reason: 'The session was idle for 20m0s (the idle timeout).' }), { tty: true });
  t.equal(r.code, 143);
  t.match(r.stderr, /ecsctl execute-command: The session was idle for 20m0s \(the idle timeout\)\.\n$/);
  r = await execute(I, ({ call }) => call.finish(), { tty: true });
  t.equal(r.code, 255, 'the stream ended without an exit message');
  t.match(r.stderr, /ecsctl execute-command: the session ended without an exit message\n$/);
});

t.test('interactive: the terminal is restored when the stream fails (error printed as aws prints it, 254)', async (t) => {
  const r = await execute(
    I,
    ({ call }) => call.fail(new ServiceError('InvalidParameterException', 'StartSession', `The session ${SID} does not exist or its token is not valid.`)),
    { tty: true },
  );
  t.equal(r.code, 254);
  t.same(r.stdin!.rawCalls, [true, false]);
  t.equal(
    r.stderr,
    `\nStarting session with SessionId: ${SID}\n\n\nAn error occurred (InvalidParameterException) when calling the StartSession operation: The session ${SID} does not exist or its token is not valid.\n`,
  );
  t.equal(r.handlers, 0);
  const c = await execute(I, ({ call }) => call.fail(new ConnectError('127.0.0.1:7400')), { tty: true });
  t.equal(c.code, 255);
  t.same(c.stdin!.rawCalls, [true, false]);
});

t.test('interactive: SIGTERM and SIGHUP restore the terminal, cancel the call, exit 143 / 129', async (t) => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    let rawAfterSignal: boolean | undefined;
    const r = await execute(
      I,
      async ({ stdin, call, signal: fire }) => {
        call.onMessage({ started: true });
        fire(signal);
        rawAfterSignal = stdin!.isRaw;
      },
      { tty: true },
    );
    t.equal(r.code, code, signal);
    t.equal(rawAfterSignal, false, `${signal}: the terminal is restored at once`);
    t.same(r.stdin!.rawCalls, [true, false], `${signal}: restored once`);
    t.ok(r.call!.cancelled, `${signal}: the call is cancelled (the command ends)`);
    t.equal(r.handlers, 0);
  }
});

t.test('interactive: an uncaught exception (the fatal hook) restores the terminal and cancels the call', async (t) => {
  let rawAfter: boolean | undefined;
  let cancelledAfter: boolean | undefined;
  const r = await execute(
    I,
    async ({ stdin, call, fatal }) => {
      fatal();
      rawAfter = stdin!.isRaw;
      cancelledAfter = call.cancelled;
    },
    { tty: true },
  );
  t.equal(rawAfter, false);
  t.equal(cancelledAfter, true);
  t.same(r.stdin!.rawCalls, [true, false], 'restored once, not again at the end');
});

t.test('interactive with stdin not a terminal: no raw mode, bytes still forwarded; no size when stdout is not a terminal', async (t) => {
  const r = await execute(
    I,
    async ({ stdin, call }) => {
      stdin!.emit('data', Buffer.from('ls\n'));
      stdin!.emit('end');
      await tick();
      call.exit({ exitCode: 0 });
    },
    { stdin: 'pipe', env: { TERM: 'dumb' } },
  );
  t.equal(r.code, 0);
  t.same(r.stdin!.rawCalls, []);
  t.same(r.call!.written, [{ open: { sessionId: SID, tokenValue: TOKEN, term: 'dumb' } }, { stdin: Buffer.from('ls\n') }, { stdinEof: true }]);
});

t.test('non-interactive: stdin chunk by chunk then stdin_eof; stdout and stderr apart; exit 3 → 3; no banners', async (t) => {
  const r = await execute(N, async ({ stdin, call }) => {
    stdin!.emit('data', Buffer.from('one\n'));
    stdin!.emit('data', 'two\n');
    stdin!.emit('end');
    call.onMessage({ started: true });
    call.onMessage({ stdout: Buffer.from('one\n') });
    call.onMessage({ stderr: Buffer.from('warning\n') });
    call.onMessage({ stdout: Buffer.from('two\n') });
    call.exit({ exitCode: 3 });
  });
  t.equal(r.code, 3);
  t.same(r.requests[0]!.request, { task: 'abc', command: 'cat', interactive: false });
  t.same(r.call!.written, [
    { open: { sessionId: SID, tokenValue: TOKEN } },
    { stdin: Buffer.from('one\n') },
    { stdin: Buffer.from('two\n') },
    { stdinEof: true },
  ]);
  t.equal(r.stdout, 'one\ntwo\n');
  t.equal(r.stderr, 'warning\n', 'only the command\'s stderr: no banners');
  t.same(r.stdin!.rawCalls, []);
  const ok = await execute([...N, '--non-interactive'], ({ call }) => call.exit({ exitCode: 0 }));
  t.equal(ok.code, 0);
});

t.test('non-interactive: SIGINT cancels the call and exits 130', async (t) => {
  const r = await execute(N, async ({ call, signal }) => {
    call.onMessage({ stdout: Buffer.from('partial') });
    signal('SIGINT');
  });
  t.equal(r.code, 130);
  t.ok(r.call!.cancelled);
  t.equal(r.stdout, 'partial');
  t.equal(r.stderr, '');
  t.equal(r.handlers, 0);
});

t.test('non-interactive without any stdin: stdin_eof right after open', async (t) => {
  const r = await execute(N, ({ call }) => call.exit({ exitCode: 0 }), { stdin: 'none' });
  t.same(r.call!.written, [{ open: { sessionId: SID, tokenValue: TOKEN } }, { stdinEof: true }]);
});

t.test('backpressure: a full call pauses stdin until it drains; a full stdout pauses the call until it drains', async (t) => {
  let pausedWhileFull: boolean | undefined;
  let resumedAfterDrain: boolean | undefined;
  let callPauses: number | undefined;
  let callResumes: number | undefined;
  const r = await execute(N, async ({ stdin, stdout, call }) => {
    call.full = true;
    stdin!.emit('data', Buffer.from('a'));
    pausedWhileFull = stdin!.paused;
    call.drain();
    resumedAfterDrain = !stdin!.paused;
    stdout.full = true;
    call.onMessage({ stdout: Buffer.from('x') });
    call.onMessage({ stdout: Buffer.from('y') });
    callPauses = call.pauses;
    stdout.full = false;
    stdout.emit('drain');
    callResumes = call.resumes;
    call.exit({ exitCode: 0 });
  });
  t.equal(r.code, 0);
  t.equal(pausedWhileFull, true, 'stdin paused while the call is full');
  t.equal(resumedAfterDrain, true, 'stdin resumed on drain');
  t.equal(callPauses, 1, 'the call paused once while stdout is full');
  t.equal(callResumes, 1, 'and resumed on drain');
  t.equal(r.stdout, 'xy', 'nothing lost');
});

t.test('ExecuteCommand errors print as aws prints them, before any session or raw mode', async (t) => {
  let r = await execute(I, () => {}, { tty: true, executeError: new ServiceError('InvalidParameterException', 'ExecuteCommand', NOT_ENABLED) });
  t.equal(r.code, 254);
  t.equal(r.stderr, `\nAn error occurred (InvalidParameterException) when calling the ExecuteCommand operation: ${NOT_ENABLED}\n`);
  t.equal(r.call, undefined, 'no session opened');
  t.same(r.stdin!.rawCalls, [], 'the terminal never left cooked mode');
  t.equal(r.stdout, '');
  r = await execute(N, () => {}, { executeError: new ServiceError('TargetNotConnectedException', 'ExecuteCommand', 'The execute command failed because the agent on container instance i-1 is not connected. Try again later.') });
  t.equal(r.code, 254);
  t.match(r.stderr, /^\nAn error occurred \(TargetNotConnectedException\) when calling the ExecuteCommand operation: /);
  r = await execute(N, () => {}, { executeError: new ConnectError('127.0.0.1:7400') });
  t.equal(r.code, 255);
  t.equal(r.stderr, '\nCould not connect to the endpoint URL: "127.0.0.1:7400"\n');
});

t.test('pure parts: open message, exit outcomes, signal outcomes', async (t) => {
  const ticket = { sessionId: SID, tokenValue: TOKEN };
  t.same(openMessage(ticket, true, { isTTY: true, rows: 24, columns: 80 }, { TERM: 'screen' }), { open: { sessionId: SID, tokenValue: TOKEN, size: { rows: 24, cols: 80 }, term: 'screen' } });
  t.same(openMessage(ticket, false, { isTTY: true, rows: 24, columns: 80 }, { TERM: 'screen' }), { open: { sessionId: SID, tokenValue: TOKEN } }, 'non-interactive: no size, no TERM');
  t.same(openMessage(ticket, true, { isTTY: true }, {}), { open: { sessionId: SID, tokenValue: TOKEN } }, 'a terminal without a size');
  t.same(exitOutcome({ exitCode: 0 }), { code: 0, message: '' });
  t.same(exitOutcome({ exitCode: 0, reason: '' }), { code: 0, message: '' });
  t.same(exitOutcome({ exitCode: 7, reason: 'r' }), { code: 7, message: 'ecsctl execute-command: r\n' });
  t.same(exitOutcome({ reason: 'The agent is stopping.' }), { code: 255, message: 'ecsctl execute-command: The agent is stopping.\n' });
  t.same(exitOutcome({ exitCode: null, reason: null }), { code: 255, message: 'ecsctl execute-command: the session ended without an exit status\n' });
  t.same(exitOutcome(undefined), { code: 255, message: 'ecsctl execute-command: the session ended without an exit message\n' });
  t.same([signalOutcome('SIGINT').code, signalOutcome('SIGHUP').code, signalOutcome('SIGTERM').code], [130, 129, 143]);
});
