import t from 'tap';
import type { AgentLogsMessage__Output } from '../../../proto/gen/ecs/v1/AgentLogsMessage.js';
import type { GetLogsRequest__Output } from '../../../proto/gen/ecs/v1/GetLogsRequest.js';
import type { GetLogsResponse } from '../../../proto/gen/ecs/v1/GetLogsResponse.js';
import type { LogEvent__Output } from '../../../proto/gen/ecs/v1/LogEvent.js';
import type { TaskRecord } from '../../../control-plane/src/domain/records.js';
import { canonicalTime, getLogs, type AgentLogStream, type LogsAgents, type LogsOutput, type LogsRequestFields } from '../../../control-plane/src/services/logs.js';
import { createService } from '../../../control-plane/src/services/service-api.js';
import type { Context } from '../../../control-plane/src/services/context.js';
import { addInstance, addTaskDefinition, compact, containerDefinition, taskRecord, testContext, throwsEcs, SCOPE } from './fixtures.js';

class FakeStream implements AgentLogStream {
  h?: { message(m: AgentLogsMessage__Output): void; end(err?: Error): void };
  paused = false;
  closed = false;
  start(h: { message(m: AgentLogsMessage__Output): void; end(err?: Error): void }): void {
    this.h = h;
  }
  send(...events: Array<[number, string, string?]>): void {
    this.h!.message({
      requestId: '',
      notices: [],
      events: events.map(([s, log, c]) => ({ time: time(s), source: 'stdout', log, containerName: c ?? 'web', taskId: '', partial: false })),
    });
  }
  hello(): void {
    this.h!.message({ requestId: 'r', events: [], notices: [] });
  }
  caughtUp(): void {
    this.h!.message({ requestId: '', events: [], notices: [] });
  }
  notice(n: string): void {
    this.h!.message({ requestId: '', events: [], notices: [n] });
  }
  end(err?: Error): void {
    this.h!.end(err);
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  close(): void {
    this.closed = true;
  }
}

class FakeAgents implements LogsAgents {
  readonly connected = new Set<string>();
  readonly requests: Array<{ instanceArn: string; req: LogsRequestFields; stream: FakeStream }> = [];
  isConnected(arn: string): boolean {
    return this.connected.has(arn);
  }
  requestLogs(instanceArn: string, req: LogsRequestFields): AgentLogStream | undefined {
    if (!this.connected.has(instanceArn)) return undefined;
    const stream = new FakeStream();
    this.requests.push({ instanceArn, req, stream });
    return stream;
  }
  of(taskId: string): FakeStream {
    const r = this.requests.find((x) => x.req.taskArn.endsWith(taskId));
    if (!r) throw new Error(`no request for ${taskId}`);
    return r.stream;
  }
}

class FakeOut implements LogsOutput {
  readonly responses: GetLogsResponse[] = [];
  ended = false;
  failed?: unknown;
  capacity = Infinity;
  private drains: Array<() => void> = [];
  write(res: GetLogsResponse): boolean {
    this.responses.push(res);
    return this.responses.length < this.capacity;
  }
  onDrain(fn: () => void): void {
    this.drains.push(fn);
  }
  drain(): void {
    this.capacity = Infinity;
    for (const fn of this.drains.splice(0)) fn();
  }
  end(): void {
    this.ended = true;
  }
  fail(err: unknown): void {
    this.failed = err;
  }
  events(): LogEvent__Output[] {
    return this.responses.flatMap((r) => (r.events ?? []) as LogEvent__Output[]);
  }
  logs(): string[] {
    return this.events().map((e) => e.log);
  }
  lines(): string[] {
    return this.events().map((e) => `${e.taskId}:${e.log}`);
  }
  notices(): string[] {
    return this.responses.flatMap((r) => (r.notices ?? []).map((n) => `${n.taskId}: ${n.message}`));
  }
}

function time(s: number): string {
  return new Date(Date.UTC(2026, 10, 22, 4, 0, 0) + s * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function request(over: Partial<GetLogsRequest__Output> = {}): GetLogsRequest__Output {
  return compact({ cluster: '', follow: false, ...over });
}

const id = (n: number) => n.toString(16).padStart(32, '0');
const arnOf = (n: number) => `arn:aws:ecs:${SCOPE.region}:${SCOPE.account}:task/default/${id(n)}`;

interface World {
  ctx: Context;
  agents: FakeAgents;
  inst: string[];
  task(n: number, over?: { instance?: number; group?: string; containers?: string[]; lastStatus?: string; drivers?: Record<string, string> }): TaskRecord;
}

function world(t: { teardown(fn: () => void): unknown }): World {
  const tc = testContext();
  t.teardown(() => tc.close());
  const ctx = tc.ctx;
  const inst = [addInstance(ctx, { instanceId: 'host-a' }), addInstance(ctx, { instanceId: 'host-b' })];
  const agents = new FakeAgents();
  for (const i of inst) agents.connected.add(i);
  return {
    ctx,
    agents,
    inst,
    task(n, over = {}) {
      const rec = taskRecord({
        arn: arnOf(n),
        task: { containerInstanceArn: inst[over.instance ?? 0], group: over.group, lastStatus: over.lastStatus ?? 'RUNNING' },
      });
      rec.containers = (over.containers ?? ['web']).map((name) =>
        containerDefinition({ name, ...(over.drivers?.[name] ? { logConfiguration: { logDriver: over.drivers[name]!, options: {} } } : {}) }),
      );
      rec.task.containers = rec.containers.map((c) => ({ containerArn: `${rec.arn}/${c.name}`, taskArn: rec.arn, name: c.name!, lastStatus: 'RUNNING', networkBindings: [], managedAgents: [], runtimeId: 'abc' }));
      ctx.store.putTask(rec);
      return rec;
    },
  };
}

function service(w: World, name = 'api', tasks: number[] = []): void {
  addTaskDefinition(w.ctx, 'web');
  createService(w.ctx, compact({ serviceName: name, taskDefinition: 'web', desiredCount: tasks.length, placementConstraints: [], placementStrategy: [], tags: [] }));
  tasks.forEach((n, i) => w.task(n, { group: `service:${name}`, instance: i % 2 }));
}

t.test('validation: cluster, exactly one of task and serviceName, task, service, tail, startTime, container', async (t) => {
  const w = world(t);
  w.task(1);
  const out = new FakeOut();
  const call = (r: Partial<GetLogsRequest__Output>) => () => getLogs(w.ctx, w.agents, request(r), out);
  throwsEcs(t, call({ cluster: 'nope', task: id(1) }), 'ClusterNotFoundException');
  throwsEcs(t, call({}), 'InvalidParameterException', ['task', 'serviceName']);
  throwsEcs(t, call({ task: id(1), serviceName: 'api' }), 'InvalidParameterException', ['task', 'serviceName']);
  throwsEcs(t, call({ task: id(9) }), 'InvalidParameterException', ['The referenced task was not found.']);
  throwsEcs(t, call({ serviceName: 'api' }), 'ServiceNotFoundException');
  throwsEcs(t, call({ task: id(1), tail: -1 }), 'InvalidParameterException', ['tail']);
  throwsEcs(t, call({ task: id(1), startTime: 'yesterday' }), 'InvalidParameterException', ['startTime']);
  throwsEcs(t, call({ task: id(1), containerName: 'db' }), 'InvalidParameterException', ['db']);
  t.same(out.responses, [], 'nothing written before a refusal');
  t.same(w.agents.requests, []);
});

t.test('startTime is canonicalized to UTC with 9 fractional digits', async (t) => {
  t.equal(canonicalTime('2026-11-22T04:00:11.427638524Z'), '2026-11-22T04:00:11.427638524Z');
  t.equal(canonicalTime('2026-11-22T05:00:11+01:00'), '2026-11-22T04:00:11.000000000Z');
  t.equal(canonicalTime('2026-11-21T23:30:00.5-04:30'), '2026-11-22T04:00:00.500000000Z');
  t.equal(canonicalTime('2026-02-30T00:00:00Z'), undefined);
  t.equal(canonicalTime('2026-11-22'), undefined);
  const w = world(t);
  w.task(1);
  getLogs(w.ctx, w.agents, request({ task: id(1), startTime: '2026-11-22T05:00:00+01:00', tail: 5 }), new FakeOut());
  t.same(w.agents.requests[0]!.req, { taskArn: arnOf(1), containerNames: ['web'], startTime: '2026-11-22T04:00:00.000000000Z', tail: 5, follow: false, quietIfMissing: false });
});

t.test('a single task: container names first, events passed through with the task id, ends with the agent', async (t) => {
  const w = world(t);
  w.task(1, { containers: ['web', 'side'] });
  const out = new FakeOut();
  getLogs(w.ctx, w.agents, request({ task: arnOf(1) }), out);
  t.same(out.responses[0], { containerNames: ['web', 'side'] });
  t.same(w.agents.requests[0]!.req.containerNames, ['web', 'side']);
  const s = w.agents.of(id(1));
  s.hello();
  s.send([1, 'a'], [2, 'b', 'side']);
  s.notice('container side: 2 log segment(s) were rotated away before they could be read');
  t.same(out.logs(), ['a', 'b']);
  t.same(out.events()[1], { time: time(2), source: 'stdout', log: 'b', containerName: 'side', taskId: id(1), partial: false });
  t.notOk(out.ended);
  s.end();
  t.ok(out.ended);
  t.same(out.notices(), [`${id(1)}: container side: 2 log segment(s) were rotated away before they could be read`]);
});

t.test('a single task whose agent is not connected: TargetNotConnectedException', async (t) => {
  const w = world(t);
  w.task(1, { instance: 1 });
  w.agents.connected.delete(w.inst[1]!);
  throwsEcs(t, () => getLogs(w.ctx, w.agents, request({ task: id(1) }), new FakeOut()), 'TargetNotConnectedException', [
    `The agent on container instance ${w.inst[1]!.split('/').pop()} is not connected.`,
  ]);
});

t.test("containers outside the agent's store get a notice and are not asked for", async (t) => {
  const w = world(t);
  w.task(1, { containers: ['web', 'db'], drivers: { db: 'syslog', web: 'awsfirelens' } });
  const out = new FakeOut();
  getLogs(w.ctx, w.agents, request({ task: id(1) }), out);
  t.same(w.agents.requests[0]!.req.containerNames, ['web']);
  t.same(out.notices(), [`${id(1)}: container db uses the syslog log driver: its logs are not in the agent's log store`]);
});

t.test('a service: every task (stopped ones included) merged in time order, each event with its task id', async (t) => {
  const w = world(t);
  service(w, 'api', [1, 2, 3]);
  w.ctx.store.putTask({ ...w.ctx.store.getTask(arnOf(3))!, task: { ...w.ctx.store.getTask(arnOf(3))!.task, lastStatus: 'STOPPED' } });
  w.task(4); // not the service's
  const out = new FakeOut();
  getLogs(w.ctx, w.agents, request({ serviceName: 'api' }), out);
  t.same(out.responses[0], { containerNames: ['web'] });
  t.same(w.agents.requests.map((r) => r.req.taskArn), [arnOf(1), arnOf(2), arnOf(3)]);
  t.same(w.agents.requests.map((r) => r.req.quietIfMissing), [false, false, true], "a stopped task's cleaned-up logs are no news");
  const [a, b, c] = [w.agents.of(id(1)), w.agents.of(id(2)), w.agents.of(id(3))];
  a.send([1, 'a1'], [4, 'a4']);
  b.send([2, 'b2']);
  t.same(out.logs(), [], 'waits for every task before the oldest event goes out');
  c.send([3, 'c3'], [5, 'c5']);
  t.same(out.logs(), ['a1', 'b2'], 'b is empty again: it could still send something older');
  b.send([6, 'b6']);
  t.same(out.logs(), ['a1', 'b2', 'c3', 'a4']);
  a.end();
  t.same(out.logs(), ['a1', 'b2', 'c3', 'a4', 'c5']);
  b.end();
  c.end();
  t.same(out.lines(), [`${id(1)}:a1`, `${id(2)}:b2`, `${id(3)}:c3`, `${id(1)}:a4`, `${id(3)}:c5`, `${id(2)}:b6`]);
  t.ok(out.ended);
});

t.test('a service: a task whose agent is not connected is a notice; a broken call is a notice', async (t) => {
  const w = world(t);
  service(w, 'api', [1, 2]);
  w.agents.connected.delete(w.inst[1]!);
  const out = new FakeOut();
  getLogs(w.ctx, w.agents, request({ serviceName: 'api' }), out);
  t.same(out.notices(), [`${id(2)}: the agent on container instance ${w.inst[1]!.split('/').pop()} is not connected`]);
  const a = w.agents.of(id(1));
  a.send([1, 'a1']);
  a.end(new Error("the agent's log stream broke off"));
  t.same(out.logs(), ['a1']);
  t.match(out.notices()[1], `${id(1)}: the agent's log stream broke off`);
  t.ok(out.ended);
});

t.test('tail N: the last N events of the merged output', async (t) => {
  const w = world(t);
  service(w, 'api', [1, 2]);
  const out = new FakeOut();
  getLogs(w.ctx, w.agents, request({ serviceName: 'api', tail: 3 }), out);
  t.same(
    w.agents.requests.map((r) => r.req.tail),
    [3, 3],
    'each agent sends its last N',
  );
  const [a, b] = [w.agents.of(id(1)), w.agents.of(id(2))];
  a.send([1, 'a1'], [3, 'a3'], [5, 'a5']);
  b.send([2, 'b2'], [4, 'b4'], [6, 'b6']);
  a.end();
  t.same(out.logs(), [], 'nothing before the backlog is complete');
  b.end();
  t.same(out.logs(), ['b4', 'a5', 'b6']);
  t.ok(out.ended);
});

t.test('follow: the backlog merged (tail applied), then live events as they arrive; new tasks of the service join', async (t) => {
  const w = world(t);
  service(w, 'api', [1, 2]);
  const out = new FakeOut();
  const h = getLogs(w.ctx, w.agents, request({ serviceName: 'api', tail: 2, follow: true }), out, { rescanMs: 10 });
  const [a, b] = [w.agents.of(id(1)), w.agents.of(id(2))];
  t.ok(w.agents.requests.every((r) => r.req.follow));
  a.hello();
  a.send([1, 'a1'], [3, 'a3']);
  a.caughtUp();
  b.send([2, 'b2']);
  t.same(out.logs(), []);
  b.caughtUp();
  t.same(out.logs(), ['b2', 'a3'], 'the last 2 of the backlog');
  a.send([10, 'a10']);
  t.same(out.logs(), ['b2', 'a3', 'a10'], 'a live event goes out at once');
  w.task(3, { group: 'service:api' });
  await new Promise((r) => setTimeout(r, 40));
  const c = w.agents.of(id(3));
  t.same(w.agents.requests.at(-1)!.req, { taskArn: arnOf(3), containerNames: ['web'], follow: true, quietIfMissing: false }, 'a new task: no tail');
  c.send([11, 'c11']);
  b.send([12, 'b12']);
  t.same(out.logs(), ['b2', 'a3', 'a10', 'c11', 'b12']);
  a.end();
  b.end();
  c.end();
  t.notOk(out.ended, 'a followed service goes on until the client cancels');
  h.cancel();
  const n = w.agents.requests.length;
  w.task(4, { group: 'service:api' });
  await new Promise((r) => setTimeout(r, 40));
  t.equal(w.agents.requests.length, n, 'no more checks for new tasks after cancel');
});

t.test('cancel ends every agent call', async (t) => {
  const w = world(t);
  service(w, 'api', [1, 2]);
  const out = new FakeOut();
  const h = getLogs(w.ctx, w.agents, request({ serviceName: 'api', follow: true }), out);
  h.cancel();
  t.ok(w.agents.requests.every((r) => r.stream.closed));
  w.agents.of(id(1)).send([1, 'late']);
  t.same(out.logs(), []);
});

t.test('flow control: a full client pauses the agent calls until it drains', async (t) => {
  const w = world(t);
  service(w, 'api', [1, 2]);
  const out = new FakeOut();
  out.capacity = 2;
  getLogs(w.ctx, w.agents, request({ serviceName: 'api' }), out, { batchBytes: 100 });
  const [a, b] = [w.agents.of(id(1)), w.agents.of(id(2))];
  a.send(...Array.from({ length: 20 }, (_, i): [number, string] => [i * 2, `a${i}`]));
  b.send(...Array.from({ length: 20 }, (_, i): [number, string] => [i * 2 + 1, `b${i}`]));
  t.equal(out.responses.length, 2, 'one response beyond the first, then the client is full');
  t.ok(a.paused && b.paused, 'both agent calls paused');
  out.drain();
  t.notOk(a.paused || b.paused, 'resumed');
  a.end();
  b.end();
  t.equal(out.logs().length, 40);
  t.same(out.logs().slice(0, 4), ['a0', 'b0', 'a1', 'b1']);
  t.ok(out.ended);
});

t.test('a full merge buffer pauses its own call only', async (t) => {
  const w = world(t);
  service(w, 'api', [1, 2]);
  const out = new FakeOut();
  getLogs(w.ctx, w.agents, request({ serviceName: 'api' }), out, { maxBufferedEvents: 10 });
  const [a, b] = [w.agents.of(id(1)), w.agents.of(id(2))];
  a.send(...Array.from({ length: 20 }, (_, i): [number, string] => [i + 100, `a${i}`]));
  t.ok(a.paused, 'a waits for b');
  t.notOk(b.paused);
  b.send([1, 'b1']);
  b.end();
  t.notOk(a.paused, 'drained: resumed');
  a.end();
  t.equal(out.logs().length, 21);
});
