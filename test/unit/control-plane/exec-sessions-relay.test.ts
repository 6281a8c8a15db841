// StartSession over real gRPC, in one process: the control plane, a fake agent (a raw Session stream that
// answers exec_request by dialing ExecSession, as agent.proto says) and a raw client of the user API.
import t from 'tap';
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startControlPlane, type RunningControlPlane } from '../../../control-plane/src/control-plane.js';
import type { ControlPlaneOptions } from '../../../control-plane/src/config.js';
import { applyTaskReport } from '../../../control-plane/src/services/agents.js';
import { loadProtos } from '../../../proto/index.js';
import type { EcsControlPlaneClient } from '../../../proto/gen/ecs/v1/EcsControlPlane.js';
import type { AgentServiceClient } from '../../../proto/gen/ecs/v1/AgentService.js';
import type { AgentExecMessage } from '../../../proto/gen/ecs/v1/AgentExecMessage.js';
import type { ExecControl__Output } from '../../../proto/gen/ecs/v1/ExecControl.js';
import type { ExecRequest__Output } from '../../../proto/gen/ecs/v1/ExecRequest.js';
import type { SessionInput } from '../../../proto/gen/ecs/v1/SessionInput.js';
import type { SessionOutput__Output } from '../../../proto/gen/ecs/v1/SessionOutput.js';
import type { ControlMessage__Output } from '../../../proto/gen/ecs/v1/ControlMessage.js';
import type { AgentMessage } from '../../../proto/gen/ecs/v1/AgentMessage.js';
import { containerStateChange, hostResources, taskStateChange } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

type ExecCall = grpc.ClientDuplexStream<AgentExecMessage, ExecControl__Output>;
type ClientCall = grpc.ClientDuplexStream<SessionInput, SessionOutput__Output>;

/** A fake agent: its Session stream, the exec requests it got, and what it does with each. */
class FakeAgent {
  readonly requests: ExecRequest__Output[] = [];
  session?: grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output>;
  /** What to do with an exec_request; by default dial back and say nothing yet. */
  onExec: (req: ExecRequest__Output) => void = (req) => void this.dial(req.sessionId);
  readonly calls = new Map<string, { call: ExecCall; controls: ExecControl__Output[]; ended: boolean }>();

  constructor(
    readonly client: AgentServiceClient,
    readonly instanceArn: string,
  ) {}

  connect(): void {
    const s = this.client.Session();
    s.on('data', (m: ControlMessage__Output) => {
      if (m.execRequest) {
        this.requests.push(m.execRequest);
        this.onExec(m.execRequest);
      }
    });
    s.on('error', () => {});
    s.write({ hello: { containerInstanceArn: this.instanceArn, knownTaskArns: [] } });
    this.session = s;
  }

  disconnect(): void {
    this.session?.cancel();
  }

  /** Dials ExecSession for the session; the first message names it. */
  dial(sessionId: string, first: Omit<AgentExecMessage, 'sessionId'> = {}): ExecCall {
    const call = this.client.ExecSession();
    const entry = { call, controls: [] as ExecControl__Output[], ended: false };
    this.calls.set(sessionId, entry);
    call.on('data', (c: ExecControl__Output) => entry.controls.push(c));
    call.on('end', () => (entry.ended = true));
    call.on('error', () => (entry.ended = true));
    call.write({ sessionId, ...first });
    return call;
  }

  of(sessionId: string) {
    const e = this.calls.get(sessionId);
    if (!e) throw new Error(`no ExecSession call for ${sessionId}`);
    return e;
  }
}

/** A StartSession client: everything it received, and how the call ended. */
class Client {
  readonly out: SessionOutput__Output[] = [];
  status?: grpc.StatusObject;
  error?: grpc.ServiceError;
  readonly done: Promise<void>;

  constructor(readonly call: ClientCall) {
    call.on('data', (o: SessionOutput__Output) => this.out.push(o));
    this.done = new Promise((resolve) => {
      call.on('status', (s: grpc.StatusObject) => {
        this.status = s;
        resolve();
      });
      call.on('error', (e: grpc.ServiceError) => (this.error = e));
    });
  }

  get exit() {
    return this.out.find((o) => o.exit)?.exit ?? undefined;
  }

  text(kind: 'stdout' | 'stderr'): string {
    return Buffer.concat(this.out.filter((o) => o[kind]).map((o) => o[kind]!)).toString();
  }
}

interface Rig {
  cp: RunningControlPlane;
  root: string;
  client: EcsControlPlaneClient;
  agent: FakeAgent;
  taskArn: string;
  call<T = any>(method: string, req: object): Promise<T>;
  exec(over?: object): Promise<{ sessionId: string; tokenValue: string }>;
  open(sessionId: string, tokenValue: string, extra?: object): Client;
}

function options(root: string): ControlPlaneOptions {
  return {
    listen: '127.0.0.1:0',
    dataDir: join(root, 'cp'),
    region: 'us-east-1',
    account: '000000000000',
    heartbeatIntervalMs: 1000,
    logLevel: 'silent',
    schedulerIntervalMs: 1000,
    hostLossTimeoutSec: 60,
    maxLaunchBackoffSec: 900,
    execSessionsPerContainer: 2,
    execIdleTimeoutMs: 90_000,
  };
}

async function rig(t: { teardown(fn: () => Promise<void> | void): unknown }, root = mkdtempSync(join(tmpdir(), 'exec-relay-'))): Promise<Rig> {
  const cp = await startControlPlane(options(root), {
    log: pino({ level: process.env.ECS_TEST_LOG ?? 'silent' }),
    execAnswerTimeoutMs: 400,
    execCloseGraceMs: 400,
  });
  const { cp: cpProto, agent: agentProto } = loadProtos();
  const client = new cpProto.ecs.v1.EcsControlPlane(cp.address, grpc.credentials.createInsecure());
  const agentClient = new agentProto.ecs.v1.AgentService(cp.address, grpc.credentials.createInsecure());
  const call = <T>(method: string, req: object) =>
    new Promise<T>((resolve, reject) => {
      (client as any)[method](req, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
    });
  const agentCall = <T>(method: string, req: object) =>
    new Promise<T>((resolve, reject) => {
      (agentClient as any)[method](req, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
    });
  const reg = await agentCall<any>('RegisterContainerInstance', { cluster: 'default', instanceId: 'host-1', totalResources: hostResources(), attributes: [], tags: [] });
  const instanceArn: string = reg.containerInstance.containerInstanceArn;
  const agent = new FakeAgent(agentClient, instanceArn);
  agent.connect();
  await until('the agent connected', () => cp.ctx.store.getInstance(instanceArn)?.agentConnected === true);
  await call('RegisterTaskDefinition', { family: 'web', containerDefinitions: [{ name: 'web', image: 'busybox', memory: 16 }] });
  const taskArn: string = (await call<any>('RunTask', { taskDefinition: 'web', enableExecuteCommand: true })).tasks[0].taskArn;
  applyTaskReport(cp.ctx, instanceArn, taskStateChange({ taskArn, status: 'RUNNING', seq: 1, containers: [containerStateChange({ name: 'web' })] }));
  t.teardown(async () => {
    agent.disconnect();
    client.close();
    agentClient.close();
    await cp.stop();
    rmSync(root, { recursive: true, force: true });
  });
  return {
    cp,
    root,
    client,
    agent,
    taskArn,
    call,
    exec: async (over = {}) => (await call<any>('ExecuteCommand', { task: taskArn, command: "sh -c 'exit 3'", interactive: true, ...over })).session,
    open: (sessionId, tokenValue, extra = {}) => {
      const c = new Client(client.StartSession());
      c.call.write({ open: { sessionId, tokenValue, ...extra } });
      return c;
    },
  };
}

const record = (r: Rig, id: string) => r.cp.ctx.store.getExecSession(id)!.session;

t.test('a session end to end: exec_request, started, output both ways, exit 3 recorded and relayed', async (t) => {
  const r = await rig(t);
  const s = await r.exec();
  t.match(s.sessionId, /^ecs-execute-command-[0-9a-f]{17}$/);
  const c = r.open(s.sessionId, s.tokenValue, { size: { rows: 40, cols: 120 }, term: 'xterm-256color' });
  await until('the agent got exec_request', () => r.agent.calls.has(s.sessionId));
  t.strictSame(r.agent.requests[0], {
    sessionId: s.sessionId,
    taskArn: r.taskArn,
    containerName: 'web',
    command: ['sh', '-c', 'exit 3'],
    interactive: true,
    size: { rows: 40, cols: 120 },
    term: 'xterm-256color',
    idleTimeoutMs: 90_000,
    transcript: true,
  });
  const a = r.agent.of(s.sessionId);
  a.call.write({ started: true });
  await until('started reached the client', () => c.out.some((o) => o.started));
  t.equal(record(r, s.sessionId).status, 'RUNNING');
  t.ok(record(r, s.sessionId).startedAt, 'startedAt');
  a.call.write({ stdout: Buffer.from('hello\r\n') });
  a.call.write({ stderr: Buffer.from('oops') });
  c.call.write({ stdin: Buffer.from('ls\r') });
  c.call.write({ resize: { rows: 50, cols: 100 } });
  c.call.write({ stdinEof: true });
  await until('the input reached the agent', () => a.controls.length === 3);
  t.strictSame(a.controls[0]!.stdin, Buffer.from('ls\r'));
  t.strictSame(a.controls[1]!.resize, { rows: 50, cols: 100 });
  t.equal(a.controls[2]!.stdinEof, true);
  t.notOk(a.controls.some((x) => x.terminate), 'no terminate while the client is there');
  await until('the output reached the client', () => c.text('stdout') === 'hello\r\n' && c.text('stderr') === 'oops');
  a.call.write({ exit: { exitCode: 3 } });
  a.call.end();
  await c.done;
  t.equal(c.status!.code, grpc.status.OK, 'the server ends the call after exit');
  t.strictSame(c.out.at(-1), { exit: { exitCode: 3 } }, 'exit comes last');
  await until('the agent call ended', () => a.ended);
  const rec = record(r, s.sessionId);
  t.equal(rec.status, 'STOPPED');
  t.equal(rec.exitCode, 3);
  t.equal(rec.reason, undefined);
  t.equal(rec.containerInstanceArn, r.agent.instanceArn);
  t.ok(rec.stoppedAt! >= rec.startedAt!);
  t.equal(r.cp.exec.live, 0, 'nothing left of the session');

  const list = await r.call<any>('ListExecuteCommandSessions', { task: r.taskArn.split('/').pop() });
  t.equal(list.sessions.length, 1);
  t.equal(list.sessions[0].exitCode, 3);
  t.equal(list.sessions[0].status, 'STOPPED');
});

t.test('a bad open fails the call with its ECS exception; a token is good once', async (t) => {
  const r = await rig(t);
  const s = await r.exec();
  const exception = (c: Client) => c.status?.metadata.get('x-ecs-exception')[0]?.toString();
  let c = r.open(s.sessionId, 'not-the-token');
  await c.done;
  t.equal(c.status!.code, grpc.status.INVALID_ARGUMENT);
  t.equal(exception(c), 'InvalidParameterException');
  t.equal(c.status!.details, `The session ${s.sessionId} does not exist or its token is not valid.`);

  c = new Client(r.client.StartSession());
  c.call.write({ stdin: Buffer.from('x') });
  await c.done;
  t.equal(exception(c), 'InvalidParameterException');
  t.equal(c.status!.details, 'The first message of a session must be open.');

  c = r.open(s.sessionId, s.tokenValue);
  await until('the agent got exec_request', () => r.agent.calls.has(s.sessionId));
  const again = r.open(s.sessionId, s.tokenValue);
  await again.done;
  t.equal(exception(again), 'InvalidParameterException', 'a used token is refused');
  r.agent.of(s.sessionId).call.write({ exit: { exitCode: 0 } });
  await c.done;
  t.strictSame(c.exit, { exitCode: 0 });
});

t.test('a client that cancels: the agent gets terminate, the record says why and keeps the exit code', async (t) => {
  const r = await rig(t);
  const s = await r.exec();
  const c = r.open(s.sessionId, s.tokenValue);
  await until('the agent dialed back', () => r.agent.calls.has(s.sessionId));
  const a = r.agent.of(s.sessionId);
  a.call.write({ started: true });
  await until('started', () => c.out.some((o) => o.started));
  c.call.cancel();
  await until('terminate reached the agent', () => a.controls.some((x) => x.terminate));
  a.call.write({ exit: { exitCode: 129 } });
  await until('the agent call ended', () => a.ended);
  const rec = record(r, s.sessionId);
  t.equal(rec.status, 'STOPPED');
  t.equal(rec.reason, 'The client closed the session.');
  t.equal(rec.exitCode, 129);
});

t.test('a client that half-closes: terminate, and the exit still reaches it', async (t) => {
  const r = await rig(t);
  const s = await r.exec();
  const c = r.open(s.sessionId, s.tokenValue);
  await until('the agent dialed back', () => r.agent.calls.has(s.sessionId));
  const a = r.agent.of(s.sessionId);
  a.call.write({ started: true });
  await until('started', () => c.out.some((o) => o.started));
  c.call.end();
  await until('terminate reached the agent', () => a.controls.some((x) => x.terminate));
  a.call.write({ stdout: Buffer.from('bye') });
  a.call.write({ exit: { exitCode: 143 } });
  await c.done;
  t.equal(c.text('stdout'), 'bye');
  t.strictSame(c.exit, { exitCode: 143 });
  t.equal(record(r, s.sessionId).reason, 'The client closed the session.');
  t.equal(record(r, s.sessionId).exitCode, 143);
});

t.test('a client that cancels before its agent answered: the late call is ended, the record STOPPED', async (t) => {
  const r = await rig(t);
  r.agent.onExec = () => {};
  const s = await r.exec();
  const c = r.open(s.sessionId, s.tokenValue);
  await until('the agent got exec_request', () => r.agent.requests.length === 1);
  c.call.cancel();
  await until('the record stopped', () => record(r, s.sessionId).status === 'STOPPED');
  t.equal(record(r, s.sessionId).reason, 'The client closed the session.');
  const late = r.agent.dial(s.sessionId);
  await until('the late call ended', () => r.agent.of(s.sessionId).ended);
  t.ok(late, 'the agent learns the session is over');
});

t.test('the agent breaking off: the client gets an exit with the reason, the record STOPPED', async (t) => {
  const r = await rig(t);
  const s = await r.exec();
  const c = r.open(s.sessionId, s.tokenValue);
  await until('the agent dialed back', () => r.agent.calls.has(s.sessionId));
  const a = r.agent.of(s.sessionId);
  a.call.write({ started: true });
  await until('started', () => c.out.some((o) => o.started));
  a.call.cancel();
  await c.done;
  const reason = `The agent on container instance ${r.agent.instanceArn.split('/').pop()} disconnected.`;
  t.strictSame(c.exit, { reason });
  t.equal(c.status!.code, grpc.status.OK);
  t.equal(record(r, s.sessionId).status, 'STOPPED');
  t.equal(record(r, s.sessionId).reason, reason);
});

t.test("the agent's Session ending before it answered, or no answer in time: exit with the reason", async (t) => {
  const r = await rig(t);
  r.agent.onExec = () => {};
  let s = await r.exec();
  let c = r.open(s.sessionId, s.tokenValue);
  await c.done;
  t.strictSame(c.exit, { reason: `The agent on container instance ${r.agent.instanceArn.split('/').pop()} did not start the session within 0.4 s.` });
  t.equal(record(r, s.sessionId).reason, c.exit!.reason);

  s = await r.exec();
  c = r.open(s.sessionId, s.tokenValue);
  await until('the agent got exec_request', () => r.agent.requests.length === 2);
  r.agent.disconnect();
  await c.done;
  t.strictSame(c.exit, { reason: `The agent on container instance ${r.agent.instanceArn.split('/').pop()} disconnected.` });
  t.equal(record(r, s.sessionId).status, 'STOPPED');
});

t.test('an agent that cannot start the command answers exit with a reason straight away', async (t) => {
  const r = await rig(t);
  r.agent.onExec = (req) => {
    const call = r.agent.dial(req.sessionId, { exit: { reason: 'The container web is not running.' } });
    call.end();
  };
  const s = await r.exec();
  const c = r.open(s.sessionId, s.tokenValue);
  await c.done;
  t.strictSame(c.out, [{ exit: { reason: 'The container web is not running.' } }]);
  t.equal(record(r, s.sessionId).reason, 'The container web is not running.');
  t.equal(record(r, s.sessionId).startedAt, undefined);
});

t.test('StartSession when the agent went away after ExecuteCommand: TargetNotConnectedException', async (t) => {
  const r = await rig(t);
  const s = await r.exec();
  r.agent.disconnect();
  await until('the agent disconnected', () => r.cp.ctx.store.getInstance(r.agent.instanceArn)?.agentConnected === false);
  const c = r.open(s.sessionId, s.tokenValue);
  await c.done;
  t.equal(c.status!.metadata.get('x-ecs-exception')[0]?.toString(), 'TargetNotConnectedException');
  t.match(c.status!.details, 'is not connected');
  t.equal(record(r, s.sessionId).status, 'STOPPED');
});

t.test('flow control: a slow client pauses the agent, a slow agent pauses the client, and every byte arrives in order', async (t) => {
  const r = await rig(t);
  const s = await r.exec({ interactive: false, command: 'cat' });
  const c = r.open(s.sessionId, s.tokenValue);
  await until('the agent dialed back', () => r.agent.calls.has(s.sessionId));
  const a = r.agent.of(s.sessionId);
  a.call.write({ started: true });
  await until('started', () => c.out.some((o) => o.started));

  // Agent → client: the client reads nothing for a while.
  c.call.pause();
  const chunk = 64 * 1024;
  const total = 16 * 1024 * 1024;
  let sent = 0;
  let agentBlocked = false;
  const pattern = (i: number) => Buffer.alloc(chunk, i % 251);
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent < total) {
        const ok = a.call.write({ stdout: pattern(sent / chunk) });
        sent += chunk;
        if (!ok) {
          agentBlocked = true;
          a.call.once('drain', pump);
          return;
        }
      }
      resolve();
    };
    pump();
    setTimeout(() => {
      t.ok(agentBlocked, "the agent's writes are held back while the client does not read");
      t.ok(sent < total, `the agent could not send everything (${sent} of ${total} bytes)`);
      c.call.resume();
    }, 300);
  });
  await until('every byte reached the client', () => c.out.reduce((n, o) => n + (o.stdout?.length ?? 0), 0) === total, 20_000);
  const got = Buffer.concat(c.out.filter((o) => o.stdout).map((o) => o.stdout!));
  let inOrder = true;
  for (let i = 0; i < total / chunk; i++) if (got[i * chunk] !== i % 251 || got[(i + 1) * chunk - 1] !== i % 251) inOrder = false;
  t.ok(inOrder, 'in order');

  // Client → agent: the agent reads nothing for a while.
  a.call.pause();
  let written = 0;
  let clientBlocked = false;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (written < total) {
        const ok = c.call.write({ stdin: pattern(written / chunk) });
        written += chunk;
        if (!ok) {
          clientBlocked = true;
          c.call.once('drain', pump);
          return;
        }
      }
      resolve();
    };
    pump();
    setTimeout(() => {
      t.ok(clientBlocked, "the client's writes are held back while the agent does not read");
      t.ok(written < total, `the client could not send everything (${written} of ${total} bytes)`);
      a.call.resume();
    }, 300);
  });
  await until('every byte reached the agent', () => a.controls.reduce((n, x) => n + (x.stdin?.length ?? 0), 0) === total, 20_000);
  a.call.write({ exit: { exitCode: 0 } });
  await c.done;
  t.strictSame(c.exit, { exitCode: 0 });
});

t.test('the control plane stopping ends its sessions with a reason; restarted, it marks the others STOPPED', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'exec-relay-'));
  const r = await rig(t, root);
  const pending = await r.exec();
  const s = await r.exec();
  const c = r.open(s.sessionId, s.tokenValue);
  await until('the agent dialed back', () => r.agent.calls.has(s.sessionId));
  r.agent.of(s.sessionId).call.write({ started: true });
  await until('started', () => c.out.some((o) => o.started));
  r.agent.disconnect();
  await r.cp.stop();
  await c.done;
  t.strictSame(c.exit, { reason: 'The control plane is shutting down.' });

  const again = await startControlPlane(options(root), { log: pino({ level: 'silent' }) });
  t.teardown(() => again.stop());
  const left = again.ctx.store.getExecSession(pending.sessionId)!.session;
  t.equal(left.status, 'STOPPED');
  t.equal(left.reason, 'The control plane restarted.');
  t.equal(again.ctx.store.getExecSession(s.sessionId)!.session.reason, 'The control plane is shutting down.');
});
