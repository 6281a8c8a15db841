import t from 'tap';
import { AgentSession, FatalSessionError, type SessionEngine } from '../../../../agent/src/session/session.js';
import { Reporter } from '../../../../agent/src/session/reporter.js';
import { backoffCeiling, backoffDelay } from '../../../../agent/src/session/backoff.js';
import type { ControlPlaneTransport, ControlStream } from '../../../../agent/src/session/transport.js';
import { silentLogger } from '../../../../agent/src/util/logger.js';
import type { AgentMessage } from '../../../../proto/gen/ecs/v1/AgentMessage.js';
import type { ControlMessage__Output } from '../../../../proto/gen/ecs/v1/ControlMessage.js';
import type { RegisterContainerInstanceResponse__Output } from '../../../../proto/gen/ecs/v1/RegisterContainerInstanceResponse.js';
import type { ContainerInstance__Output } from '../../../../proto/gen/ecs/v1/ContainerInstance.js';
import type { TaskReport } from '../../../../agent/src/engine/report.js';
import { FakeClock, flush } from '../helpers/fake-clock.js';

const ARN = 'arn:aws:ecs:us-east-1:0:container-instance/default/abc';
const CLUSTER = 'arn:aws:ecs:us-east-1:0:cluster/default';

class FakeStream implements ControlStream {
  readonly sent: AgentMessage[] = [];
  closed = false;
  private onMsg: Array<(m: ControlMessage__Output) => void> = [];
  private onEnd: Array<(err?: Error) => void> = [];
  send(m: AgentMessage): void {
    if (!this.closed) this.sent.push(m);
  }
  onMessage(fn: (m: ControlMessage__Output) => void): void {
    this.onMsg.push(fn);
  }
  onClose(fn: (err?: Error) => void): void {
    this.onEnd.push(fn);
  }
  close(): void {
    this.end(new Error('closed by agent'));
  }
  deliver(m: ControlMessage__Output): void {
    for (const fn of this.onMsg) fn(m);
  }
  end(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.onEnd) fn(err);
  }
  kinds(): string[] {
    return this.sent.map((m) => Object.keys(m)[0]);
  }
}

class FakeTransport implements ControlPlaneTransport {
  failRegistrations = 0;
  registrations = 0;
  readonly streams: FakeStream[] = [];
  async register(): Promise<RegisterContainerInstanceResponse__Output> {
    this.registrations++;
    if (this.failRegistrations > 0) {
      this.failRegistrations--;
      throw new Error('14 UNAVAILABLE');
    }
    return { containerInstance: { containerInstanceArn: ARN } as ContainerInstance__Output, clusterArn: CLUSTER };
  }
  openSession(): ControlStream {
    const s = new FakeStream();
    this.streams.push(s);
    return s;
  }
  close(): void {}
  get last(): FakeStream {
    return this.streams[this.streams.length - 1];
  }
}

function fakeEngine(): SessionEngine & { assigned: string[]; stopped: string[] } {
  const e = {
    assigned: [] as string[],
    stopped: [] as string[],
    assign: async (a: { taskArn: string }) => void e.assigned.push(a.taskArn),
    stopTask: async (s: { taskArn: string }) => void e.stopped.push(s.taskArn),
    knownTaskArns: () => ['task-1'],
  };
  return e as never;
}

function setup(random = () => 0.5) {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const reporter = new Reporter();
  const engine = fakeEngine();
  const session = new AgentSession({
    transport,
    register: async () => {
      const res = await transport.register();
      return { containerInstanceArn: res.containerInstance!.containerInstanceArn, clusterArn: res.clusterArn };
    },
    engine,
    reporter,
    clock,
    random,
    logger: silentLogger(),
  });
  return { clock, transport, reporter, engine, session };
}

const welcome = (ms = 1000): ControlMessage__Output => ({ welcome: { heartbeatIntervalMs: ms, sessionId: 's' } });
const report = (seq: number): TaskReport => ({ messageId: `t#${seq}`, taskArn: 't', status: 'RUNNING', seq, reportedAt: 0, containers: [] });

t.test('backoff: full jitter under a doubling ceiling from 250 ms to 30 s', async (t) => {
  t.same([0, 1, 2, 3, 7, 8, 20].map((a) => backoffCeiling(a)), [250, 500, 1000, 2000, 30_000, 30_000, 30_000]);
  t.equal(backoffDelay(3, () => 0.5), 1000);
  t.equal(backoffDelay(3, () => 0), 0);
  t.ok(backoffDelay(50, () => 0.999999) < 30_000);
});

t.test('hello, welcome, heartbeats at the period the control plane set', async (t) => {
  const { clock, transport, session } = setup();
  session.start();
  await flush();
  const s = transport.last;
  t.same(s.sent[0], { hello: { clusterArn: CLUSTER, containerInstanceArn: ARN, knownTaskArns: ['task-1'] } });
  s.deliver(welcome(2000));
  await clock.advance(1999);
  t.same(s.kinds(), ['hello']);
  await clock.advance(1);
  t.same(s.kinds(), ['hello', 'heartbeat']);
  await clock.advance(4000);
  t.same(s.kinds(), ['hello', 'heartbeat', 'heartbeat', 'heartbeat']);
  await session.close();
});

t.test('assignments and stops go to the engine and are acked; report acks reach the reporter', async (t) => {
  const { transport, reporter, engine, session } = setup();
  session.start();
  await flush();
  const s = transport.last;
  s.deliver(welcome());
  s.deliver({ taskAssignment: { messageId: 'm1', taskArn: 'A' } as never });
  s.deliver({ stopTask: { messageId: 'm2', taskArn: 'B' } as never });
  s.deliver({ stopTask: { messageId: '', taskArn: 'C' } as never });
  await flush();
  t.same(engine.assigned, ['A']);
  t.same(engine.stopped, ['B', 'C']);
  t.same(s.sent.filter((m) => m.ack).map((m) => m.ack!.messageId), ['m1', 'm2'], 'only messages with an id are acked');
  reporter.put(report(1));
  await flush();
  t.same(s.sent.at(-1), { taskStateChange: report(1) });
  s.deliver({ ack: { messageId: 't#1' } });
  t.ok(reporter.isSettled('t'));
  await session.close();
});

t.test('reconnects with jittered exponential backoff, re-registering each time; a welcome resets it', async (t) => {
  const { clock, transport, session } = setup(() => 0.5);
  transport.failRegistrations = 3;
  session.start();
  await flush();
  await clock.advance(125); // attempt 0: 0.5 × 250
  await clock.advance(250); // attempt 1: 0.5 × 500
  await clock.advance(500); // attempt 2: 0.5 × 1000
  t.equal(transport.registrations, 4);
  t.same(session.delays, [125, 250, 500]);
  t.equal(transport.streams.length, 1);
  transport.last.end(new Error('boom')); // not welcomed: backoff keeps growing
  await flush();
  t.same(session.delays, [125, 250, 500, 1000]);
  await clock.advance(1000);
  t.equal(transport.streams.length, 2);
  t.equal(transport.registrations, 5, 'a reconnect registers again first');
  transport.last.deliver(welcome());
  transport.last.end();
  await flush();
  t.same(session.delays.at(-1), 125, 'after a welcome the backoff starts over');
  await session.close();
});

t.test('unacked reports are sent again on the next session', async (t) => {
  const { clock, transport, reporter, session } = setup();
  session.start();
  await flush();
  transport.last.deliver(welcome());
  reporter.put(report(1));
  await flush();
  t.same(transport.last.sent.at(-1), { taskStateChange: report(1) });
  transport.last.end(new Error('network'));
  reporter.put(report(2));
  await clock.advance(1000);
  const s2 = transport.last;
  t.equal(transport.streams.length, 2);
  t.same(s2.kinds(), ['hello'], 'reports wait for the welcome');
  s2.deliver(welcome());
  t.same(s2.sent.at(-1), { taskStateChange: report(2) });
  await session.close();
});

t.test('a session that is not welcomed is abandoned', async (t) => {
  const { clock, transport, session } = setup();
  session.start();
  await flush();
  await clock.advance(30_000);
  t.ok(transport.streams[0].closed);
  await clock.advance(30_000);
  t.ok(transport.streams.length >= 2);
  await session.close();
});

t.test('a control plane that heartbeats and then goes silent for 3 periods is taken for dead', async (t) => {
  const { clock, transport, session } = setup();
  session.start();
  await flush();
  const s = transport.last;
  s.deliver(welcome(1000));
  s.deliver({ heartbeat: { sentAt: 1 } });
  await clock.advance(3000);
  t.notOk(s.closed);
  await clock.advance(1000);
  t.ok(s.closed);
  await session.close();
});

t.test('a control plane that never heartbeats is not timed out', async (t) => {
  const { clock, transport, session } = setup();
  session.start();
  await flush();
  transport.last.deliver(welcome(1000));
  await clock.advance(60_000);
  t.notOk(transport.last.closed);
  t.equal(transport.streams.length, 1);
  await session.close();
});

t.test('a fatal registration error ends the session', async (t) => {
  const clock = new FakeClock();
  let fatal: Error | undefined;
  const session = new AgentSession({
    transport: new FakeTransport(),
    register: async () => {
      throw new FatalSessionError('deregistered');
    },
    engine: fakeEngine(),
    reporter: new Reporter(),
    clock,
    random: () => 0.5,
    logger: silentLogger(),
    onFatal: (e) => (fatal = e),
  });
  session.start();
  await flush();
  t.equal(fatal?.message, 'deregistered');
  await session.close();
});
