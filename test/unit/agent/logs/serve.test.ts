import t from 'tap';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogsServer, LogsServing, type ServeLogsOptions } from '../../../../agent/src/logs/serve.js';
import { containerLogDir, type LogRecord } from '../../../../agent/src/logs/types.js';
import type { LogsCall } from '../../../../agent/src/session/transport.js';
import { systemClock, type Clock, type TimerHandle } from '../../../../agent/src/util/clock.js';
import { silentLogger } from '../../../../agent/src/util/logger.js';
import type { AgentLogsMessage } from '../../../../proto/gen/ecs/v1/AgentLogsMessage.js';
import type { LogsRequest__Output } from '../../../../proto/gen/ecs/v1/LogsRequest.js';

const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef0123456789abcdef';

/** The agent's end of a ServeLogs call, recorded; `capacity` writes fit before write returns false. */
class FakeCall implements LogsCall {
  readonly msgs: AgentLogsMessage[] = [];
  ended = false;
  cancelled = false;
  capacity = Infinity;
  private drains: Array<() => void> = [];
  private closes: Array<(err?: Error) => void> = [];
  private closed = false;
  private waiting: Array<() => void> = [];
  write(m: AgentLogsMessage): boolean {
    this.msgs.push(m);
    for (const w of this.waiting.splice(0)) w();
    return this.msgs.length < this.capacity;
  }
  onDrain(fn: () => void): void {
    this.drains.push(fn);
  }
  drain(more = Infinity): void {
    this.capacity = this.msgs.length + more;
    for (const fn of this.drains.splice(0)) fn();
  }
  end(): void {
    this.ended = true;
    this.close();
  }
  cancel(): void {
    this.cancelled = true;
    this.close(new Error('cancelled'));
  }
  /** The control plane ends the call (or it breaks). */
  close(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closes) fn(err);
  }
  onClose(fn: (err?: Error) => void): void {
    this.closes.push(fn);
  }
  get pendingDrains(): number {
    return this.drains.length;
  }
  /** Resolves once at least n messages were written. */
  async until(n: number): Promise<void> {
    while (this.msgs.length < n) await new Promise<void>((r) => this.waiting.push(r));
  }
  events(): Array<{ c: string; log: string }> {
    return this.msgs.flatMap((m) => (m.events ?? []).map((e) => ({ c: e.containerName!, log: e.log! })));
  }
  notices(): string[] {
    return this.msgs.flatMap((m) => m.notices ?? []);
  }
}

/** The system clock, counting timers that are still pending. */
class CountingClock implements Clock {
  live = 0;
  now(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.live++;
    let done = false;
    const h = systemClock.setTimeout(() => {
      if (!done) this.live--;
      done = true;
      fn();
    }, ms);
    return {
      cancel: () => {
        if (!done) this.live--;
        done = true;
        h.cancel();
      },
    };
  }
}

function time(s: number): string {
  return new Date(Date.UTC(2026, 10, 22, 4, 0, 0) + s * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function line(r: LogRecord): string {
  return JSON.stringify(r.partial ? { time: r.time, source: r.source, log: r.log, partial: true } : { time: r.time, source: r.source, log: r.log }) + '\n';
}

/** Creates a container store (meta.json, segments) under dataDir and returns its dir. */
function store(dataDir: string, container: string, segments: LogRecord[][] = [[]], first = 1): string {
  const dir = containerLogDir(dataDir, TASK, container);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'meta.json'),
    JSON.stringify({ container_name: container, container_id: 'c', ecs_cluster: 'default', ecs_task_arn: TASK, ecs_task_definition: 'web:1' }),
  );
  segments.forEach((recs, i) => writeFileSync(join(dir, `${String(first + i).padStart(6, '0')}.log`), recs.map(line).join('')));
  return dir;
}

function append(dir: string, segment: number, recs: LogRecord[]): void {
  appendFileSync(join(dir, `${String(segment).padStart(6, '0')}.log`), recs.map(line).join(''));
}

function rec(s: number, log: string, source: 'stdout' | 'stderr' = 'stdout'): LogRecord {
  return { time: time(s), source, log };
}

function request(over: Partial<LogsRequest__Output> = {}): LogsRequest__Output {
  return { requestId: 'r1', taskArn: TASK, containerNames: ['web', 'side'], follow: false, quietIfMissing: false, ...over };
}

function setup(t: { teardown(fn: () => void): unknown }): { dataDir: string; opts: (over?: Partial<ServeLogsOptions>) => ServeLogsOptions; clock: CountingClock } {
  const dataDir = mkdtempSync(join(tmpdir(), 'serve-logs-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const clock = new CountingClock();
  return { dataDir, clock, opts: (over = {}) => ({ dataDir, clock, logger: silentLogger(), pollMs: 5, ...over }) };
}

t.test('without follow: request id first, then the containers merged in time order, then half-close', async (t) => {
  const { dataDir, opts } = setup(t);
  store(dataDir, 'web', [[rec(1, 'w1'), rec(3, 'w3')], [rec(5, 'w5')]]);
  store(dataDir, 'side', [[rec(2, 's2', 'stderr'), rec(4, 's4'), rec(6, 's6')]]);
  const call = new FakeCall();
  await new LogsServing(request(), call, opts()).done;
  t.same(call.msgs[0], { requestId: 'r1' });
  t.same(call.events().map((e) => e.log), ['w1', 's2', 'w3', 's4', 'w5', 's6']);
  const first = call.msgs[1]!.events![1]!;
  t.same(first, { time: time(2), source: 'stderr', log: 's2', containerName: 'side', partial: false });
  t.ok(call.ended, 'half-closed');
  t.same(call.notices(), []);
});

t.test('tail N keeps the last N records of each container; start_time skips older ones', async (t) => {
  const { dataDir, opts } = setup(t);
  store(dataDir, 'web', [[rec(1, 'w1'), rec(3, 'w3')], [rec(5, 'w5'), rec(7, 'w7')]]);
  store(dataDir, 'side', [[rec(2, 's2'), rec(4, 's4'), rec(6, 's6')]]);
  let call = new FakeCall();
  await new LogsServing(request({ tail: 2 }), call, opts()).done;
  t.same(call.events().map((e) => e.log), ['s4', 'w5', 's6', 'w7']);

  call = new FakeCall();
  await new LogsServing(request({ startTime: time(3.5) }), call, opts()).done;
  t.same(call.events().map((e) => e.log), ['s4', 'w5', 's6', 'w7']);

  call = new FakeCall();
  await new LogsServing(request({ startTime: time(3.5), tail: 3 }), call, opts()).done;
  t.same(call.events().map((e) => e.log), ['s4', 'w5', 's6', 'w7'], 'the later of the two starts');

  call = new FakeCall();
  await new LogsServing(request({ tail: 0 }), call, opts()).done;
  t.same(call.events(), [], 'tail 0: nothing');

  call = new FakeCall();
  await new LogsServing(request({ containerNames: ['side'], tail: 1 }), call, opts()).done;
  t.same(call.events(), [{ c: 'side', log: 's6' }], 'only the containers asked for');
});

t.test('partial pieces keep their flag; an empty request lists every stored container', async (t) => {
  const { dataDir, opts } = setup(t);
  store(dataDir, 'web', [[{ ...rec(1, 'aaa'), partial: true }, rec(1, 'bbb')]]);
  const call = new FakeCall();
  await new LogsServing(request({ containerNames: [] }), call, opts()).done;
  t.same(
    call.msgs[1]!.events!.map((e) => [e.log, e.partial]),
    [
      ['aaa', true],
      ['bbb', false],
    ],
  );
});

t.test('a container without a store gets a notice (without follow)', async (t) => {
  const { dataDir, opts } = setup(t);
  store(dataDir, 'web', [[rec(1, 'w1')]]);
  const call = new FakeCall();
  await new LogsServing(request(), call, opts()).done;
  t.same(call.events().map((e) => e.log), ['w1']);
  t.same(call.notices(), ['container side: no logs are stored on this instance']);
  t.ok(call.ended);
});

t.test('quietIfMissing (a service\'s stopped task): a container without a store is not reported', async (t) => {
  const { dataDir, opts } = setup(t);
  store(dataDir, 'web', [[rec(1, 'w1')]]);
  const call = new FakeCall();
  await new LogsServing(request({ quietIfMissing: true }), call, opts()).done;
  t.same(call.events().map((e) => e.log), ['w1']);
  t.same(call.notices(), []);
  t.ok(call.ended);
});

t.test('batches stay under the byte budget and wait for drain when the call is full', async (t) => {
  const { dataDir, opts } = setup(t);
  const recs = Array.from({ length: 200 }, (_, i) => rec(i, `line ${i} ${'x'.repeat(100)}`));
  store(dataDir, 'web', [recs.slice(0, 100), recs.slice(100)]);
  const call = new FakeCall();
  call.capacity = 3;
  const serving = new LogsServing(request({ containerNames: ['web'] }), call, opts({ batchBytes: 2000 }));
  await call.until(3);
  await new Promise((r) => setTimeout(r, 30));
  t.equal(call.msgs.length, 3, 'nothing more is written while the call is full');
  t.equal(call.pendingDrains, 1, 'waiting for drain');
  call.drain();
  await serving.done;
  t.same(call.events().map((e) => e.log), recs.map((r) => r.log), 'every record, in order');
  for (const m of call.msgs.slice(1)) {
    const bytes = (m.events ?? []).reduce((n, e) => n + e.log!.length + 60, 0);
    t.ok(bytes <= 2000 + 200, `batch of ${m.events?.length} events stays near the budget`);
  }
  t.ok(call.ended);
});

t.test('follow: waits for a store that does not exist yet, streams appends, ends when every log is complete', async (t) => {
  const { dataDir, opts, clock } = setup(t);
  const web = store(dataDir, 'web', [[rec(1, 'w1')]]);
  const call = new FakeCall();
  const serving = new LogsServing(request({ follow: true }), call, opts());
  await call.until(3);
  t.same(call.msgs[2], {}, 'an empty message marks the end of the backlog');
  t.same(call.events().map((e) => e.log), ['w1']);
  t.same(call.notices(), [], 'the missing store is waited for');

  const side = store(dataDir, 'side', [[rec(2, 's2')]]);
  append(web, 1, [rec(3, 'w3')]);
  await call.until(4);
  while (call.events().length < 3) await call.until(call.msgs.length + 1);
  t.same(call.events().map((e) => e.log).sort(), ['s2', 'w1', 'w3']);

  writeFileSync(join(web, 'complete'), '');
  append(side, 1, [rec(4, 's4')]);
  writeFileSync(join(side, '000002.log'), line(rec(5, 's5')));
  writeFileSync(join(side, 'complete'), '');
  await serving.done;
  t.same(call.events().map((e) => e.log).slice(3), ['s4', 's5'], 'everything up to completion, across a rotation');
  t.ok(call.ended, 'half-closed once every log is complete');
  t.equal(clock.live, 0, 'no timer left');
});

t.test('follow: a store still missing once the task is gone gets a notice', async (t) => {
  const { dataDir, opts } = setup(t);
  const web = store(dataDir, 'web', [[rec(1, 'w1')]]);
  writeFileSync(join(web, 'complete'), '');
  let known = true;
  const call = new FakeCall();
  const serving = new LogsServing(request({ follow: true }), call, opts({ missingGraceMs: 0, taskKnown: () => known }));
  await call.until(3);
  await new Promise((r) => setTimeout(r, 30));
  t.notOk(call.ended, 'still waiting while the task is on this instance');
  known = false;
  await serving.done;
  t.same(call.notices(), ['container side: no logs are stored on this instance']);
  t.ok(call.ended);
});

t.test('the control plane ending the call stops a follow at once, timers included', async (t) => {
  const { dataDir, opts, clock } = setup(t);
  store(dataDir, 'web', [[rec(1, 'w1')]]);
  const call = new FakeCall();
  const serving = new LogsServing(request({ follow: true, containerNames: ['web'] }), call, opts({ pollMs: 60_000 }));
  await call.until(3);
  t.equal(clock.live, 1, 'polling');
  call.close();
  await serving.done;
  t.equal(clock.live, 0, 'no timer left');
  t.notOk(call.ended, 'no half-close on a call already over');
});

t.test('ending the call while a write waits for drain releases it', async (t) => {
  const { dataDir, opts, clock } = setup(t);
  store(dataDir, 'web', [Array.from({ length: 50 }, (_, i) => rec(i, `l${i}`))]);
  const call = new FakeCall();
  call.capacity = 2;
  const serving = new LogsServing(request({ follow: true, containerNames: ['web'] }), call, opts({ batchBytes: 100 }));
  await call.until(2);
  call.close(new Error('CANCELLED'));
  await serving.done;
  t.equal(call.msgs.length, 2);
  t.equal(clock.live, 0);
});

t.test('LogsServer: serves each request on a call of its own; close() cancels the ones still running', async (t) => {
  const { dataDir, opts } = setup(t);
  store(dataDir, 'web', [[rec(1, 'w1')]]);
  const calls: FakeCall[] = [];
  const server = new LogsServer({ ...opts(), openCall: () => (calls.push(new FakeCall()), calls[calls.length - 1]!) });
  const once = server.serve(request({ containerNames: ['web'] }));
  server.serve(request({ requestId: 'r2', containerNames: ['web'], follow: true }));
  await once.done;
  await calls[1]!.until(3);
  t.equal(server.size, 1);
  await server.close();
  t.equal(server.size, 0);
  t.ok(calls[0]!.ended);
  t.ok(calls[1]!.cancelled);
  t.same(calls[1]!.msgs[0], { requestId: 'r2' });
});

t.test('follow with tail: a store that appears later is all new (tail applies to what was stored at the request)', async (t) => {
  const { dataDir, opts } = setup(t);
  const web = store(dataDir, 'web', [[rec(1, 'w1'), rec(2, 'w2'), rec(3, 'w3')]]);
  writeFileSync(join(web, 'complete'), '');
  const call = new FakeCall();
  const serving = new LogsServing(request({ follow: true, tail: 1 }), call, opts());
  await call.until(3);
  t.same(call.events().map((e) => e.log), ['w3']);
  const side = store(dataDir, 'side', [[rec(4, 's4'), rec(5, 's5'), rec(6, 's6')]]);
  writeFileSync(join(side, 'complete'), '');
  await serving.done;
  t.same(call.events().map((e) => e.log), ['w3', 's4', 's5', 's6']);
});
