// The runtime's exec (Docker Engine API exec, hijacked) on the real Docker engine: output demultiplexed,
// exit codes, stdin and its end, a TTY resized through the exec resize API, kill by host PID, and killExec
// of an exec nobody is attached to. Containers labelled with this run's id, removed at the end.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { buildBusyboxImage } from '../../helpers/images.js';
import { DockerRuntime } from '../../../agent/src/runtime/docker-runtime.js';
import type { ExecProcess, ExecStream } from '../../../agent/src/runtime/runtime.js';

const IMAGE = buildBusyboxImage('ecs-test/busybox-httpd:latest');
const LABEL = `ecs-test-exec-runtime=${randomBytes(6).toString('hex')}`;
const runtime = new DockerRuntime({ kind: 'unix', socketPath: '/var/run/docker.sock' });

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

t.teardown(() => {
  const ids = docker('ps', '-aq', '--filter', `label=${LABEL}`);
  if (ids) docker('rm', '-f', ...ids.split('\n'));
});

const containerId = docker('run', '-d', '--label', LABEL, IMAGE, 'sleep', '3600');

/** Collects a process's output per stream until it exits. */
async function collect(p: ExecProcess): Promise<{ stdout: string; stderr: string; code: number | undefined }> {
  const out: Record<ExecStream, Buffer[]> = { stdout: [], stderr: [] };
  p.onOutput((s, d) => out[s].push(d));
  const code = await p.exited;
  return { stdout: Buffer.concat(out.stdout).toString(), stderr: Buffer.concat(out.stderr).toString(), code };
}

/** Resolves once the output so far contains `text`. */
function waitFor(chunks: Buffer[], text: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (Buffer.concat(chunks).toString().includes(text)) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(Buffer.concat(chunks).toString())}`));
      setTimeout(check, 20);
    };
    check();
  });
}

t.test('without a TTY stdout and stderr come apart, and the exit code is the command’s', async (t) => {
  const p = await runtime.exec(containerId, { cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 3'], tty: false });
  p.endInput();
  const r = await collect(p);
  t.equal(r.stdout, 'to-out\n');
  t.equal(r.stderr, 'to-err\n');
  t.equal(r.code, 3);
  const ok = await collect(await runtime.exec(containerId, { cmd: ['true'], tty: false }));
  t.equal(ok.code, 0);
});

t.test('stdin reaches cat, and ending it lets cat exit 0 with the bytes echoed', async (t) => {
  const p = await runtime.exec(containerId, { cmd: ['cat'], tty: false });
  const result = collect(p);
  const payload = Buffer.from('hello\nworld ' + 'x'.repeat(100_000) + '\n');
  p.write(payload.subarray(0, 10));
  p.write(payload.subarray(10));
  p.endInput();
  const r = await result;
  t.equal(r.code, 0);
  t.equal(r.stdout, payload.toString());
});

t.test('a TTY is sized by resize: stty size shows the new size', async (t) => {
  const p = await runtime.exec(containerId, { cmd: ['sh'], tty: true, env: ['TERM=xterm'], size: { rows: 24, cols: 80 } });
  const chunks: Buffer[] = [];
  p.onOutput((s, d) => {
    t.equal(s, 'stdout', 'a TTY has one stream');
    chunks.push(d);
  });
  await p.resize(24, 80);
  p.write(Buffer.from('stty size\n'));
  await waitFor(chunks, '24 80');
  await p.resize(40, 132);
  p.write(Buffer.from('stty size; echo TERM=$TERM\n'));
  await waitFor(chunks, '40 132');
  await waitFor(chunks, 'TERM=xterm');
  p.write(Buffer.from('exit 7\n'));
  t.equal(await p.exited, 7);
});

t.test('kill ends a sleep 100 through its host PID', async (t) => {
  const p = await runtime.exec(containerId, { cmd: ['sleep', '100'], tty: false });
  const result = collect(p);
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  await p.kill('SIGKILL');
  const r = await result;
  t.equal(r.code, 137);
  t.ok(Date.now() - started < 5_000, 'promptly');
  await t.rejects(p.kill('SIGTERM'), { code: 'ESRCH' }, 'a process that is gone cannot be signalled');
});

t.test('kill right after the start waits for Docker to know the PID', async (t) => {
  const p = await runtime.exec(containerId, { cmd: ['sleep', '100'], tty: false });
  const result = collect(p);
  await p.kill('SIGTERM');
  t.equal((await result).code, 143);
});

t.test('an interactive shell ends on SIGHUP', async (t) => {
  const p = await runtime.exec(containerId, { cmd: ['sh'], tty: true });
  const result = collect(p);
  await new Promise((r) => setTimeout(r, 200));
  await p.kill('SIGHUP');
  const r = await result;
  t.equal(r.code, 129);
});

t.test('killExec ends the command of an exec nobody is attached to any more, by its exec id', async (t) => {
  const p = await runtime.exec(containerId, { cmd: ['sleep', '104'], tty: false });
  const result = collect(p);
  await new Promise((r) => setTimeout(r, 200));
  p.close(); // the attachment drops, as when the agent is killed; Docker keeps the process
  await result;
  t.match(docker('top', containerId), /sleep 104/, 'the command runs on without an attachment');
  t.equal(await runtime.killExec(p.id, containerId, 'SIGTERM'), 'signalled');
  for (let i = 0; i < 100 && /sleep 104/.test(docker('top', containerId)); i++) await new Promise((r) => setTimeout(r, 50));
  t.notMatch(docker('top', containerId), /sleep 104/, 'and it is gone');
  t.equal(await runtime.killExec(p.id, containerId, 'SIGKILL'), 'gone', 'an exec that is over is gone');
  t.equal(await runtime.killExec('0'.repeat(64), containerId, 'SIGKILL'), 'gone', 'so is one Docker does not know');
  const other = docker('run', '-d', '--label', LABEL, IMAGE, 'sleep', '3600');
  const q = await runtime.exec(other, { cmd: ['sleep', '105'], tty: false });
  await new Promise((r) => setTimeout(r, 200));
  await t.rejects(runtime.killExec(q.id, containerId, 'SIGKILL'), { code: 'EPERM' }, 'an exec of another container is not signalled');
  await q.kill('SIGKILL');
});

t.test('exec in a stopped container is refused as not running', async (t) => {
  const stopped = docker('run', '-d', '--label', LABEL, IMAGE, 'true');
  docker('wait', stopped);
  const kindOf = (p: Promise<unknown>) => p.then(() => 'started', (err: { kind?: string }) => err.kind);
  t.equal(await kindOf(runtime.exec(stopped, { cmd: ['true'], tty: false })), 'not-running');
  t.equal(await kindOf(runtime.exec('0'.repeat(64), { cmd: ['true'], tty: false })), 'not-found');
});
