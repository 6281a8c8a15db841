// The real ecsctl (a child process) running execute-command against a real grpc-js server that
// implements ExecuteCommand and StartSession (bidirectional) with scripted commands: the bidi transport,
// stdin piping and its end, stdout/stderr apart, exit statuses, SIGINT, errors with x-ecs-exception,
// and that the process exits once the session is over (stdin does not keep it alive).
import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { EXCEPTION_METADATA_KEY, loadProtos } from '../../../proto/index.js';
import { ROOT, useCompiled } from './run-ecsctl.js';

const SID = 'ecs-execute-command-0123456789abcdef0';
const TOKEN = 'good-token';

interface Seen {
  opens: Record<string, unknown>[];
  stdin: string;
  eof: boolean;
  cancelled: boolean;
  halfClosed: boolean;
}

type Msg = Record<string, unknown>;

function fault(exception: string, message: string, code: grpc.status): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set(EXCEPTION_METADATA_KEY, exception);
  return { code, details: message, metadata };
}

async function startServer(): Promise<{ endpoint: string; seen: Seen; opened: Promise<void>; close(): void }> {
  const seen: Seen = { opens: [], stdin: '', eof: false, cancelled: false, halfClosed: false };
  let command = '';
  let markOpened!: () => void;
  const opened = new Promise<void>((r) => (markOpened = r));
  const impl: grpc.UntypedServiceImplementation = {
    ExecuteCommand(call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) {
      command = String(call.request.command);
      if (call.request.task === 'stopped') {
        cb(fault('InvalidParameterException', 'The execute command failed because the task stopped is not running (its last status is STOPPED).', grpc.status.INVALID_ARGUMENT));
        return;
      }
      cb(null, {
        clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/default',
        containerArn: 'arn:c',
        containerName: 'web',
        interactive: call.request.interactive,
        session: { sessionId: SID, streamUrl: 'grpc://x/ecs.v1.EcsControlPlane/StartSession', tokenValue: command === 'badtoken' ? 'bad' : TOKEN },
        taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/default/abc',
      });
    },
    StartSession(call: grpc.ServerDuplexStream<Msg, Msg>) {
      const exit = (e: Msg) => {
        call.write({ exit: e });
        call.end();
      };
      call.on('cancelled', () => (seen.cancelled = true));
      call.on('end', () => (seen.halfClosed = true));
      call.on('data', (m: Msg) => {
        if (m.open) {
          const open = m.open as Msg;
          seen.opens.push(open);
          markOpened();
          if (open.tokenValue !== TOKEN) {
            call.emit('error', fault('InvalidParameterException', `The session ${String(open.sessionId)} does not exist or its token is not valid.`, grpc.status.INVALID_ARGUMENT));
            return;
          }
          call.write({ started: true });
          if (command === 'exit3') {
            call.write({ stdout: Buffer.from('to stdout\n') });
            call.write({ stderr: Buffer.from('to stderr\n') });
            exit({ exitCode: 3 });
          } else if (command === 'gone') {
            exit({ reason: 'The agent on container instance i-1 disconnected.' });
          }
          return;
        }
        if (m.stdin) {
          const text = Buffer.from(m.stdin as Uint8Array).toString('utf8');
          seen.stdin += text;
          if (command === 'cat') call.write({ stdout: Buffer.from(text) });
        }
        if (m.stdinEof) {
          seen.eof = true;
          if (command === 'cat') exit({ exitCode: 0 });
        }
      });
    },
  };
  const server = new grpc.Server();
  server.addService(loadProtos().cp.ecs.v1.EcsControlPlane.service, impl);
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return { endpoint: `127.0.0.1:${port}`, seen, opened, close: () => server.forceShutdown() };
}

const CLI = useCompiled ? [join(ROOT, 'dist/ecsctl/src/main.js')] : ['--import', 'tsx', join(ROOT, 'ecsctl/src/main.ts')];

function ecsctl(endpoint: string, args: string[], input?: string, onSpawn?: (kill: (s: NodeJS.Signals) => void) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [...CLI, '--endpoint', endpoint, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
    onSpawn?.((s) => child.kill(s));
  });
}

t.test('non-interactive: stdin piped through and closed, output back, exit 0; the process exits', async (t) => {
  const s = await startServer();
  t.teardown(s.close);
  const r = await ecsctl(s.endpoint, ['execute-command', '--task', 'abc', '--command', 'cat'], 'hello\nworld\n');
  t.same(r, { code: 0, stdout: 'hello\nworld\n', stderr: '' });
  t.equal(s.seen.stdin, 'hello\nworld\n');
  t.ok(s.seen.eof, 'stdin end → stdin_eof');
  t.same(s.seen.opens, [{ sessionId: SID, tokenValue: TOKEN }], 'non-interactive: no size, no term');
});

t.test('non-interactive: stdout and stderr apart, exit status 3', async (t) => {
  const s = await startServer();
  t.teardown(s.close);
  const r = await ecsctl(s.endpoint, ['execute-command', '--task', 'abc', '--command', 'exit3'], '');
  t.same(r, { code: 3, stdout: 'to stdout\n', stderr: 'to stderr\n' });
});

t.test('--interactive with piped stdin: banners on stderr; no exit status → 255 and the reason', async (t) => {
  const s = await startServer();
  t.teardown(s.close);
  const r = await ecsctl(s.endpoint, ['execute-command', '--task', 'abc', '--command', 'gone', '--interactive'], '', undefined);
  t.equal(r.code, 255);
  t.equal(r.stdout, '');
  t.equal(r.stderr, `\nStarting session with SessionId: ${SID}\n\n\n\nExiting session with sessionId: ${SID}.\n\necsctl execute-command: The agent on container instance i-1 disconnected.\n`);
});

t.test('SIGINT cancels the session and exits 130', async (t) => {
  const s = await startServer();
  t.teardown(s.close);
  const r = await ecsctl(s.endpoint, ['execute-command', '--task', 'abc', '--command', 'hang'], undefined, (kill) => {
    void s.opened.then(() => setTimeout(() => kill('SIGINT'), 100));
  });
  t.equal(r.code, 130);
  await new Promise((res) => setTimeout(res, 100));
  t.ok(s.seen.cancelled, 'the server saw the call cancelled');
});

t.test('errors: ExecuteCommand and StartSession refusals print as aws prints them (254)', async (t) => {
  const s = await startServer();
  t.teardown(s.close);
  let r = await ecsctl(s.endpoint, ['execute-command', '--task', 'stopped', '--command', 'sh', '--interactive'], '');
  t.same(r, {
    code: 254,
    stdout: '',
    stderr: '\nAn error occurred (InvalidParameterException) when calling the ExecuteCommand operation: The execute command failed because the task stopped is not running (its last status is STOPPED).\n',
  });
  r = await ecsctl(s.endpoint, ['execute-command', '--task', 'abc', '--command', 'badtoken'], '');
  t.equal(r.code, 254);
  t.equal(r.stderr, `\nAn error occurred (InvalidParameterException) when calling the StartSession operation: The session ${SID} does not exist or its token is not valid.\n`);
});
