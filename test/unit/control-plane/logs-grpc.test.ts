// GetLogs over real gRPC, in one process: the control plane (server, dispatcher, logs service), an agent
// made of the real session, transport and log server on a temp store, and ecsctl with its gRPC transport.
import t from 'tap';
import * as grpc from '@grpc/grpc-js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startControlPlane, type RunningControlPlane } from '../../../control-plane/src/control-plane.js';
import { runCli } from '../../../ecsctl/src/cli.js';
import { AgentSession } from '../../../agent/src/session/session.js';
import { Reporter } from '../../../agent/src/session/reporter.js';
import { GrpcTransport } from '../../../agent/src/session/transport.js';
import { systemClock } from '../../../agent/src/util/clock.js';
import { silentLogger } from '../../../agent/src/util/logger.js';
import { containerLogDir } from '../../../agent/src/logs/types.js';
import { loadProtos } from '../../../proto/index.js';
import { hostResources } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function time(i: number): string {
  return new Date(Date.UTC(2026, 10, 22, 4, 0, 0) + i).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** Writes a container store with n numbered records (one per ms from 04:00:00Z) and, if said, its complete marker. */
function writeStore(dataDir: string, taskArn: string, container: string, n: number, opts: { complete?: boolean; from?: number } = {}): void {
  const dir = containerLogDir(dataDir, taskArn, container);
  mkdirSync(dir, { recursive: true });
  let text = '';
  for (let i = 0; i < n; i++) text += `${JSON.stringify({ time: time((opts.from ?? 0) + i * 2), source: 'stdout', log: `${container} ${i}` })}\n`;
  writeFileSync(join(dir, '000001.log'), text);
  if (opts.complete) writeFileSync(join(dir, 'complete'), '');
}

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

async function ecsctl(
  endpoint: string,
  args: string[],
  opts: { interruptWhen?: (stdout: string) => boolean; slowStdout?: boolean } = {},
): Promise<Cli> {
  let stdout = '';
  let stderr = '';
  let interrupt: (() => void) | undefined;
  let interrupted = false;
  let writes = 0;
  const code = await runCli(['--endpoint', endpoint, ...args], {
    stdout: {
      write: (s: string) => {
        stdout += s;
        if (opts.interruptWhen && !interrupted && opts.interruptWhen(stdout)) {
          interrupted = true;
          setImmediate(() => interrupt?.());
        }
        return !opts.slowStdout || ++writes % 2 === 1;
      },
      once: (_e: 'drain', fn: () => void) => void setTimeout(fn, 2),
    },
    stderr: { write: (s: string) => (stderr += s) },
    env: { TZ: 'UTC' },
    readFile: () => '',
    onInterrupt: (fn) => {
      interrupt = fn;
      return () => (interrupt = undefined);
    },
  });
  return { code, stdout, stderr };
}

interface Rig {
  cp: RunningControlPlane;
  dataDir: string;
  instanceArn: string;
  session: AgentSession;
  known: Set<string>;
  runTask(family: string): Promise<string>;
}

async function rig(t: { teardown(fn: () => Promise<void> | void): unknown }): Promise<Rig> {
  const root = mkdtempSync(join(tmpdir(), 'logs-grpc-'));
  const dataDir = join(root, 'agent');
  const cp = await startControlPlane(
    {
      listen: '127.0.0.1:0',
      dataDir: join(root, 'cp'),
      region: 'us-east-1',
      account: '000000000000',
      heartbeatIntervalMs: 1000,
      logLevel: 'silent',
      schedulerIntervalMs: 1000,
      hostLossTimeoutSec: 60,
      maxLaunchBackoffSec: 900,
    },
    { log: pino({ level: 'silent' }), logsAnswerTimeoutMs: 300 },
  );
  const transport = new GrpcTransport(cp.address);
  const res = await transport.register({ cluster: 'default', instanceId: 'host-1', totalResources: hostResources(), attributes: [], tags: [] }, 5000);
  const instanceArn = res.containerInstance!.containerInstanceArn;
  const known = new Set<string>();
  const session = new AgentSession({
    transport,
    register: async () => ({ containerInstanceArn: instanceArn, clusterArn: res.clusterArn }),
    engine: { assign: async (a) => void known.add(a.taskArn), stopTask: async () => {}, knownTaskArns: () => [...known] },
    reporter: new Reporter(),
    clock: systemClock,
    random: Math.random,
    logger: silentLogger(),
    logsDataDir: dataDir,
  });
  session.start();
  await until('the agent connected', () => cp.ctx.store.getInstance(instanceArn)?.agentConnected === true);
  const call = (method: string, req: object) =>
    new Promise<any>((resolve, reject) => {
      const client = new (loadProtos().cp.ecs.v1.EcsControlPlane)(cp.address, grpc.credentials.createInsecure());
      (client as any)[method](req, (err: Error | null, r: unknown) => {
        client.close();
        if (err) reject(err);
        else resolve(r);
      });
    });
  await call('RegisterTaskDefinition', {
    family: 'two',
    containerDefinitions: [
      { name: 'web', image: 'busybox', memory: 16 },
      { name: 'side', image: 'busybox', memory: 16 },
    ],
  });
  t.teardown(async () => {
    await session.close();
    transport.close();
    await cp.stop();
    rmSync(root, { recursive: true, force: true });
  });
  return {
    cp,
    dataDir,
    instanceArn,
    session,
    known,
    runTask: async (family) => (await call('RunTask', { taskDefinition: family })).tasks[0].taskArn,
  };
}

t.test('ecsctl logs → GetLogs → logs_request → ServeLogs → the store, and back', async (t) => {
  const r = await rig(t);
  const arn = await r.runTask('two');
  const id = arn.split('/').pop()!;
  writeStore(r.dataDir, arn, 'web', 3);
  writeStore(r.dataDir, arn, 'side', 2, { from: 1 });

  let out = await ecsctl(r.cp.address, ['logs', '--task', id]);
  t.equal(out.code, 0, out.stderr);
  t.equal(out.stdout, 'web web 0\nside side 0\nweb web 1\nside side 1\nweb web 2\n', 'both containers, merged in time order');

  out = await ecsctl(r.cp.address, ['logs', '--task', arn, '--container', 'web', '--tail', '2', '--timestamps']);
  t.equal(out.stdout, `${time(2)} web 1\n${time(4)} web 2\n`);

  out = await ecsctl(r.cp.address, ['logs', '--task', id, '--since', time(3), '--output', 'json']);
  t.same(
    out.stdout.trim().split('\n').map((l) => JSON.parse(l).log),
    ['side 1', 'web 2'],
  );
  t.equal(r.session.logs!.size, 0, 'the agent is done with every call');
});

t.test('errors travel with their ECS exception name, as for unary calls', async (t) => {
  const r = await rig(t);
  let out = await ecsctl(r.cp.address, ['logs', '--task', 'ffffffffffffffffffffffffffffffff']);
  t.equal(out.code, 254);
  t.equal(out.stderr, '\nAn error occurred (InvalidParameterException) when calling the GetLogs operation: The referenced task was not found.\n');
  out = await ecsctl(r.cp.address, ['logs', '--service', 'nope']);
  t.equal(out.code, 254);
  t.match(out.stderr, 'An error occurred (ServiceNotFoundException) when calling the GetLogs operation: Service not found.');

  const arn = await r.runTask('two');
  await r.session.close();
  await until('the agent disconnected', () => r.cp.ctx.store.getInstance(r.instanceArn)?.agentConnected === false);
  out = await ecsctl(r.cp.address, ['logs', '--task', arn]);
  t.equal(out.code, 254);
  t.match(out.stderr, `(TargetNotConnectedException) when calling the GetLogs operation: The agent on container instance ${r.instanceArn.split('/').pop()} is not connected.`);
});

t.test('--follow streams until Ctrl-C, which ends the call all the way to the agent', async (t) => {
  const r = await rig(t);
  const arn = await r.runTask('two');
  writeStore(r.dataDir, arn, 'web', 2);
  const running = ecsctl(r.cp.address, ['logs', '--task', arn, '--container', 'web', '--follow'], { interruptWhen: (s) => s.includes('web 2\n') });
  await until('the agent serves the follow', () => r.session.logs!.size === 1);
  await sleep(50);
  const dir = containerLogDir(r.dataDir, arn, 'web');
  writeFileSync(join(dir, '000001.log'), `${JSON.stringify({ time: time(10), source: 'stderr', log: 'web 2' })}\n`, { flag: 'a' });
  const out = await running;
  t.equal(out.code, 0);
  t.equal(out.stdout, 'web 0\nweb 1\nweb 2\n');
  await until('the agent stopped serving', () => r.session.logs!.size === 0);
  t.pass('the cancel reached the agent');
});

t.test('--follow on a task ends by itself once every log is complete', async (t) => {
  const r = await rig(t);
  const arn = await r.runTask('two');
  writeStore(r.dataDir, arn, 'web', 1, { complete: true });
  const running = ecsctl(r.cp.address, ['logs', '--task', arn, '--follow']);
  await sleep(100);
  writeStore(r.dataDir, arn, 'side', 1, { complete: true, from: 1 });
  const out = await running;
  t.equal(out.code, 0, out.stderr);
  t.equal(out.stdout, 'web web 0\nside side 0\n');
});

t.test('an agent that does not answer is a notice after the timeout', async (t) => {
  const r = await rig(t);
  const arn = await r.runTask('two');
  // This agent's session forgets to dial back: no ServeLogs call comes.
  (r.session as unknown as { logs: { serve(): void } }).logs.serve = () => {};
  const out = await ecsctl(r.cp.address, ['logs', '--task', arn]);
  t.equal(out.code, 0);
  t.equal(out.stdout, '');
  t.equal(out.stderr, `ecsctl logs: task ${arn.split('/').pop()}: the agent on container instance ${r.instanceArn.split('/').pop()} did not answer the logs request within 0.3 s\n`);
});

t.test('a large log through a slow reader: every line, in order, with flow control end to end', async (t) => {
  const r = await rig(t);
  const arn = await r.runTask('two');
  const n = 60_000;
  writeStore(r.dataDir, arn, 'web', n);
  const out = await ecsctl(r.cp.address, ['logs', '--task', arn, '--container', 'web'], { slowStdout: true });
  t.equal(out.code, 0, out.stderr);
  const lines = out.stdout.split('\n').filter(Boolean);
  t.equal(lines.length, n);
  t.ok(lines.every((l, i) => l === `web ${i}`), 'in order, none missing or doubled');
});
