// The collector of one container against the fake runtime and a real store in a temp dir: every record
// exactly once across a crash at any point (same-timestamp stdout/stderr interleavings, timestamps out of
// order by a little, long lines cut at the line limit), a restart while the container keeps writing, a
// daemon hiccup, the filter, small batches, the completion marker, a container removed underneath.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isReplay, LogCollector, resumePointOf, type CollectorOptions } from '../../../../agent/src/logs/collector.js';
import { StoreWriter } from '../../../../agent/src/logs/store/writer.js';
import type { ContainerLogMeta, LogRecord } from '../../../../agent/src/logs/types.js';
import { FakeRuntime } from '../../../../agent/src/runtime/fake-runtime.js';
import type { ContainerSpec } from '../../../../agent/src/runtime/runtime.js';
import { systemClock } from '../../../../agent/src/util/clock.js';
import { silentLogger } from '../../../../agent/src/util/logger.js';

const meta: ContainerLogMeta = {
  container_name: 'app',
  container_id: 'c1',
  ecs_cluster: 'default',
  ecs_task_arn: 'arn:aws:ecs:us-east-1:000000000000:task/default/abc',
  ecs_task_definition: 'app:1',
};
const limits = { maxSizeBytes: 64 * 1024, maxFiles: 1000, compress: false };

function spec(name: string, tty = false): ContainerSpec {
  return {
    name,
    image: 'img',
    env: [],
    labels: {},
    cpuShares: 2,
    networkMode: 'bridge',
    portBindings: [],
    links: [],
    mounts: [],
    ulimits: [],
    privileged: false,
    readonlyRootfs: false,
    networkDisabled: false,
    dns: [],
    openStdin: false,
    tty,
  };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'ecs-collector-'));

/** Every record of the store, oldest first. */
function stored(dir: string): LogRecord[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((n) => /^\d+\.log$/.test(n)).sort();
  return files.flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogRecord),
  );
}

async function until(what: string, fn: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function collector(runtime: FakeRuntime, id: string, dir: string, o: Partial<CollectorOptions> = {}): LogCollector {
  const c = new LogCollector({
    runtime,
    containerId: id,
    dir,
    meta,
    limits,
    tty: false,
    maxLineBytes: 1024 * 1024,
    clock: systemClock,
    random: () => 0,
    logger: silentLogger(),
    retryMs: 5,
    ...o,
  });
  c.start();
  return c;
}

const T = (sec: number, ns: number) => `2026-11-22T04:00:${String(sec).padStart(2, '0')}.${String(ns).padStart(9, '0')}Z`;

interface Msg {
  source: 'stdout' | 'stderr';
  time: string;
  log: string;
}

/**
 * A Docker log with what makes resuming hard: stdout and stderr stamped with the same nanosecond (equal
 * keys, within and across sources), stderr stamped a little before the stdout line it follows, and
 * bursts more than the resume window apart.
 */
function trickyLog(): Msg[] {
  const out: Msg[] = [];
  let n = 0;
  for (let sec = 0; sec < 12; sec += 3) {
    for (let i = 0; i < 40; i++) {
      const ns = 1000 * i;
      out.push({ source: 'stdout', time: T(sec, ns), log: `#${n++} out` });
      out.push({ source: 'stderr', time: T(sec, ns), log: `#${n++} err same time` });
      if (i % 4 === 0) out.push({ source: 'stdout', time: T(sec, ns), log: `#${n++} out again, same time` });
      // Each source is stamped by its own goroutine, so times go back only across sources, never within one.
      if (i % 5 === 0) {
        out.push({ source: 'stdout', time: T(sec, ns + 700), log: `#${n++} out` });
        out.push({ source: 'stderr', time: T(sec, ns + 500), log: `#${n++} err stamped before the stdout line it follows` });
      }
    }
  }
  return out;
}

function write(runtime: FakeRuntime, id: string, msgs: Msg[]): void {
  for (const m of msgs) runtime.writeLog(id, m.source, m.log, { time: m.time });
}

const asRecords = (msgs: Msg[]): LogRecord[] => msgs.map((m) => ({ time: m.time, source: m.source, log: m.log }));

t.test('collects a running container, and completes the store when it exits', async (t) => {
  const runtime = new FakeRuntime();
  const id = runtime.add(spec('a'), 'running');
  const dir = join(tmp(), 'app');
  const msgs = trickyLog();
  write(runtime, id, msgs.slice(0, 100));
  const c = collector(runtime, id, dir);
  await until('the first 100 records', () => stored(dir).length === 100);
  write(runtime, id, msgs.slice(100));
  await until('all records', () => stored(dir).length === msgs.length);
  t.notOk(existsSync(join(dir, 'complete')), 'not complete while the container runs');
  t.notOk(c.complete);
  runtime.exit(id, 0);
  await c.done;
  t.ok(c.complete);
  t.ok(existsSync(join(dir, 'complete')), 'complete marker');
  t.same(stored(dir), asRecords(msgs), 'every record once, in Docker order');
  t.match(runtime.logReads.at(-1), { follow: false }, 'a last read without follow before completing');
  t.equal(JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).container_name, 'app');
  await c.close();
});

t.test('a crash after any stored prefix: resuming stores every record exactly once', async (t) => {
  const msgs = trickyLog();
  const all = asRecords(msgs);
  let bad = 0;
  const cuts = [0, 1, 2, 3, 4, 5, 39, 40, 41, 100, 101, 102, 103, all.length - 2, all.length - 1, all.length];
  for (let k = 0; k < all.length; k += 7) cuts.push(k);
  for (const k of cuts) {
    const runtime = new FakeRuntime();
    const id = runtime.add(spec('a'), 'running');
    write(runtime, id, msgs);
    runtime.exit(id, 0);
    const dir = join(tmp(), 'app');
    // The store as a crash left it: the first k records (records are stored in Docker's order).
    const w = await StoreWriter.open(dir, meta, limits);
    await w.append(all.slice(0, k));
    await w.close();
    const c = collector(runtime, id, dir);
    await c.done;
    await c.close();
    const got = stored(dir);
    if (JSON.stringify(got) !== JSON.stringify(all)) {
      bad++;
      t.comment(`cut ${k}: ${got.length} records stored, ${all.length} expected`);
    }
    if (k > 0) t.ok(runtime.logReads[0].since! <= all[k - 1].time, `cut ${k}: resumed from the window`);
  }
  t.equal(bad, 0, `every cut of ${cuts.length}`);
});

t.test('stopped mid-stream and restarted while the container keeps writing', async (t) => {
  const runtime = new FakeRuntime();
  const id = runtime.add(spec('a'), 'running');
  const dir = join(tmp(), 'app');
  const msgs = trickyLog();
  write(runtime, id, msgs.slice(0, 150));
  const first = collector(runtime, id, dir, { batchRecords: 7 });
  await until('some records', () => stored(dir).length >= 50);
  await first.close(); // SIGTERM: what was read is stored
  write(runtime, id, msgs.slice(150, 300)); // written while the agent is away
  const second = collector(runtime, id, dir, { batchRecords: 7 });
  await until('the backlog', () => stored(dir).length === 300);
  write(runtime, id, msgs.slice(300));
  runtime.exit(id, 0);
  await second.done;
  await second.close();
  t.same(stored(dir), asRecords(msgs));
  t.ok(runtime.logReads[1].since !== undefined, 'the second read resumed from the store');
});

t.test('a daemon hiccup ends the stream while the container runs: reading resumes from the store', async (t) => {
  const runtime = new FakeRuntime();
  const id = runtime.add(spec('a'), 'running');
  const dir = join(tmp(), 'app');
  const c = collector(runtime, id, dir);
  runtime.writeLog(id, 'stdout', 'one', { time: T(1, 1) });
  await until('one', () => stored(dir).length === 1);
  runtime.breakLogStreams(id);
  runtime.writeLog(id, 'stdout', 'two', { time: T(1, 2) });
  await until('a new follow', () => runtime.logReads.length >= 2 && stored(dir).length === 2);
  runtime.logsFailure = new (await import('../../../../agent/src/runtime/runtime.js')).RuntimeError('other', 'daemon restarting');
  runtime.breakLogStreams(id);
  await until('retries', () => runtime.logReads.length >= 4);
  runtime.logsFailure = undefined;
  runtime.writeLog(id, 'stderr', 'three', { time: T(1, 3) });
  await until('three', () => stored(dir).length === 3);
  runtime.exit(id, 0);
  await c.done;
  await c.close();
  t.same(stored(dir).map((r) => r.log), ['one', 'two', 'three']);
});

t.test('the filter shapes the store, also across a restart with equal keys', async (t) => {
  const runtime = new FakeRuntime();
  const id = runtime.add(spec('a'), 'running');
  const dir = join(tmp(), 'app');
  const time = T(5, 5);
  runtime.writeLog(id, 'stdout', 'debug: noise', { time }); // same key as the kept line after it
  runtime.writeLog(id, 'stdout', 'ERROR kept 1', { time });
  runtime.writeLog(id, 'stderr', 'ERROR kept 2', { time: T(5, 6) });
  runtime.writeLog(id, 'stdout', 'ERROR but healthcheck', { time: T(5, 7) });
  const filter = (log: string) => /ERROR/.test(log) && !/healthcheck/.test(log);
  const first = collector(runtime, id, dir, { filter });
  await until('two', () => stored(dir).length === 2);
  await first.close();
  runtime.writeLog(id, 'stdout', 'ERROR kept 3', { time: T(5, 8) });
  runtime.exit(id, 0);
  const second = collector(runtime, id, dir, { filter });
  await second.done;
  await second.close();
  t.same(stored(dir).map((r) => r.log), ['ERROR kept 1', 'ERROR kept 2', 'ERROR kept 3']);
});

t.test('long lines: joined up to the limit, cut records flagged partial, resumed mid-line without loss', async (t) => {
  const P = 16 * 1024;
  const line = Buffer.alloc(5 * P + 100, 'x');
  for (let i = 0; i < line.length; i += 1000) line[i] = 0x30 + ((i / 1000) % 10);
  const put = (runtime: FakeRuntime, id: string) => {
    runtime.writeLog(id, 'stdout', 'before', { time: T(7, 1) });
    for (let i = 0; i < 5; i++) runtime.writeLog(id, 'stdout', line.subarray(i * P, (i + 1) * P), { time: T(7, 2), partial: true });
    runtime.writeLog(id, 'stderr', 'interleaved', { time: T(7, 2) });
    runtime.writeLog(id, 'stdout', line.subarray(5 * P), { time: T(7, 2), partial: true }); // local driver: no newline
    runtime.writeLog(id, 'stdout', 'after', { time: T(7, 3) });
  };
  const runtime = new FakeRuntime();
  const id = runtime.add(spec('a'), 'running');
  put(runtime, id);
  runtime.exit(id, 0);
  const dir = join(tmp(), 'app');
  const c = collector(runtime, id, dir, { maxLineBytes: 2 * P });
  await c.done;
  await c.close();
  const want = stored(dir);
  t.same(
    want.map((r) => [r.source, r.log.length, r.partial ?? false]),
    [
      ['stdout', 6, false],
      ['stdout', 2 * P, true],
      ['stdout', 2 * P, true],
      ['stderr', 11, false],
      ['stdout', P + 100, false],
      ['stdout', 5, false],
    ],
  );
  t.equal(want.filter((r) => r.source === 'stdout' && r.log.length > 6).map((r) => r.log).join(''), line.toString(), 'nothing dropped');
  for (let k = 1; k < want.length; k++) {
    const rt = new FakeRuntime();
    const cid = rt.add(spec('a'), 'running');
    put(rt, cid);
    rt.exit(cid, 0);
    const d = join(tmp(), 'app');
    const w = await StoreWriter.open(d, meta, limits);
    await w.append(want.slice(0, k));
    await w.close();
    const again = collector(rt, cid, d, { maxLineBytes: 2 * P });
    await again.done;
    await again.close();
    t.same(stored(d), want, `crash after ${k} records`);
  }
});

t.test('a TTY container: the raw stream', async (t) => {
  const runtime = new FakeRuntime();
  const id = runtime.add(spec('a', true), 'running');
  runtime.writeLog(id, 'stdout', 'hello\r', { time: T(1, 1) });
  runtime.writeLog(id, 'stdout', 'world\r', { time: T(1, 2) });
  runtime.exit(id, 0);
  const dir = join(tmp(), 'app');
  const c = collector(runtime, id, dir, { tty: true });
  await c.done;
  await c.close();
  t.same(stored(dir), [
    { time: T(1, 1), source: 'stdout', log: 'hello' },
    { time: T(1, 2), source: 'stdout', log: 'world' },
  ]);
});

t.test('a container removed before its log was read: complete with what was stored', async (t) => {
  const runtime = new FakeRuntime();
  const id = runtime.add(spec('a'), 'running');
  await runtime.removeContainer(id);
  const dir = join(tmp(), 'app');
  const c = collector(runtime, id, dir);
  await c.done;
  await c.close();
  t.ok(existsSync(join(dir, 'complete')));
  t.same(stored(dir), []);
});

t.test('closing while waiting to retry stops at once', async (t) => {
  const runtime = new FakeRuntime();
  const id = runtime.add(spec('a'), 'running');
  runtime.logsFailure = new (await import('../../../../agent/src/runtime/runtime.js')).RuntimeError('other', 'boom');
  const dir = join(tmp(), 'app');
  const c = collector(runtime, id, dir, { random: () => 0.99 });
  await until('a failed read', () => runtime.logReads.length >= 1);
  await c.close();
  t.notOk(c.complete);
});

t.test('resumePointOf: window, multiset of keys, and a window holding more than was read', async (t) => {
  const r = (time: string, source: 'stdout' | 'stderr' = 'stdout'): LogRecord => ({ time, source, log: '' });
  t.same(resumePointOf([], 2000, true), { covered: true });
  const p = resumePointOf([r(T(1, 0)), r(T(9, 0)), r(T(10, 5)), r(T(10, 5)), r(T(10, 5), 'stderr'), r(T(10, 1))], 2000, true);
  t.equal(p.since, T(8, 5));
  t.equal(p.skipUntil, T(12, 5));
  t.same([...p.skip!.entries()], [
    [T(9, 0) + 'o', 1],
    [T(10, 5) + 'o', 2],
    [T(10, 5) + 'e', 1],
    [T(10, 1) + 'o', 1],
  ]);
  const dense = resumePointOf([r(T(10, 1)), r(T(10, 2)), r(T(10, 3))], 2000, false);
  t.notOk(dense.covered);
  t.equal(dense.since, T(10, 2), 'right after the oldest record read');
  t.same([...dense.skip!.keys()], [T(10, 2) + 'o', T(10, 3) + 'o']);
});

t.test('isReplay: within a source, older times and repeats of the newest time are replays; genuine ties are not', async (t) => {
  const o = { last: '', atLast: [] as string[], replaying: -1 };
  // [time, line]: b has a genuine tie (two lines in the same nanosecond)
  const seq: Array<[string, string]> = [['a', '1'], ['b', '2'], ['b', '3'], ['c', '4'], /* replay */ ['a', '1'], ['b', '2'], ['b', '3'], ['c', '4'], /* new */ ['c', '5'], ['d', '6']];
  t.same(
    seq.map(([time, log]) => isReplay(o, time, log)),
    [false, false, false, false, true, true, true, true, false, false],
  );
});

t.test('isReplay: a stretch sent again that begins exactly at the newest record is a replay', async (t) => {
  const o = { last: '', atLast: [] as string[], replaying: -1 };
  const seq: Array<[string, string]> = [['a', '1'], ['b', '2'], /* replay from b */ ['b', '2'], /* new */ ['c', '3'], ['c', '4'], /* replay from the c tie */ ['c', '3'], ['c', '4'], ['d', '5']];
  t.same(
    seq.map(([time, log]) => isReplay(o, time, log)),
    [false, false, true, false, false, true, true, false],
  );
});

t.test('Docker sending a stretch of the log again within one stream (rotation) stores it once', async (t) => {
  const runtime = new FakeRuntime();
  const id = runtime.add(spec('a'), 'running');
  const dir = join(tmp(), 'app');
  const msgs = Array.from({ length: 300 }, (_, i): Msg => ({ source: i % 3 === 0 ? 'stderr' : 'stdout', time: T(0, i * 10), log: `line ${i}` }));
  write(runtime, id, msgs);
  write(runtime, id, msgs.slice(120)); // what Docker 20.10 does when the local driver's file rotates under a follow
  write(runtime, id, msgs.slice(299)); // a stretch sent again that starts exactly at the newest record
  runtime.exit(id, 0);
  const c = collector(runtime, id, dir);
  await c.done;
  await c.close();
  t.same(stored(dir), asRecords(msgs), 'every record once, in order');
});

t.test('a crash with a store that rotation has cut short: resuming adds nothing already stored', async (t) => {
  const msgs = Array.from({ length: 2000 }, (_, i): Msg => ({ source: i % 2 ? 'stderr' : 'stdout', time: T(0, i * 100), log: `line ${i} ${'x'.repeat(40)}` }));
  const all = asRecords(msgs);
  const small = { maxSizeBytes: 4096, maxFiles: 3, compress: false };
  for (const k of [500, 1500, 1999, 2000]) {
    const runtime = new FakeRuntime();
    const id = runtime.add(spec('a'), 'running');
    write(runtime, id, msgs);
    runtime.exit(id, 0);
    const dir = join(tmp(), 'app');
    const w = await StoreWriter.open(dir, meta, small);
    await w.append(all.slice(0, k)); // the oldest segments are gone by now
    await w.close();
    const c = collector(runtime, id, dir, { limits: small });
    await c.done;
    await c.close();
    const got = stored(dir);
    const first = all.findIndex((r) => r.log === got[0]?.log);
    t.ok(first >= 0, `cut ${k}: the store starts at a record Docker has`);
    t.same(got, all.slice(first), `cut ${k}: a contiguous suffix ending with the last record, nothing twice`);
  }
});
