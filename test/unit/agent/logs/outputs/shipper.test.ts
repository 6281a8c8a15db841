import t from 'tap';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  createShipper,
  startShipper,
  type ShipperOptions,
  type ShipperStoreReader,
} from '../../../../../agent/src/logs/outputs/shipper.js';
import type { Batch, Destination } from '../../../../../agent/src/logs/outputs/destination.js';
import { StoreReader } from '../../../../../agent/src/logs/store/reader.js';
import { loadCursor, saveCursor } from '../../../../../agent/src/logs/store/cursor.js';
import type { LogRecord, StorePosition } from '../../../../../agent/src/logs/types.js';
import type { Clock, TimerHandle } from '../../../../../agent/src/util/clock.js';
import { silentLogger } from '../../../../../agent/src/util/logger.js';
import { FakeClock, seededRandom } from '../../helpers/fake-clock.js';
import {
  META,
  TAG,
  appendSegment,
  captureLogger,
  fastClock,
  forwardListener,
  freePort,
  real,
  records,
  storeLine,
  tmpStore,
  until,
} from './fixture.js';

/** A destination that fails while `down` (or for the next `failures` sends) and records what it got. */
class FakeDestination implements Destination {
  readonly describe = 'fake';
  readonly batches: LogRecord[][] = [];
  down = false;
  failures = 0;
  sends = 0;
  send(batch: Batch): Promise<void> {
    this.sends++;
    if (this.down || this.failures-- > 0) return Promise.reject(new Error('destination down'));
    this.batches.push(batch.records);
    return Promise.resolve();
  }
  close(): void {}
  logs(): string[] {
    return this.batches.flat().map((r) => r.log);
  }
}

/** An in-memory store (one segment; offset = record index): reads resolve at once, so a FakeClock drives everything. */
class MemoryReader implements ShipperStoreReader {
  readonly reads: number[] = [];
  constructor(readonly recs: LogRecord[]) {}
  async start(): Promise<StorePosition> {
    return { segment: 1, offset: 0 };
  }
  async end(): Promise<StorePosition> {
    return { segment: 1, offset: this.recs.length };
  }
  async read(from: StorePosition, maxBytes: number) {
    const out: LogRecord[] = [];
    let bytes = 0;
    let i = from.offset;
    while (i < this.recs.length && (out.length === 0 || bytes < maxBytes)) {
      bytes += storeLine(this.recs[i]).length;
      out.push(this.recs[i++]);
    }
    this.reads.push(out.length);
    return { records: out, next: { segment: 1, offset: i }, skippedSegments: 0 };
  }
}

/** A FakeClock that remembers every delay asked of it. */
class RecordingClock extends FakeClock {
  readonly delays: number[] = [];
  override setTimeout(fn: () => void, ms: number): TimerHandle {
    this.delays.push(ms);
    return super.setTimeout(fn, ms);
  }
}

function opts(dir: string, clock: Clock, extra: Partial<ShipperOptions> = {}): ShipperOptions {
  return { dir, meta: META, config: { output: 'stdout' }, clock, random: () => 0.5, logger: silentLogger(), ...extra };
}

t.test('a failing destination is retried with full-jitter exponential backoff, 200 ms doubling to 30 s, warning at most every 30 s', async (t) => {
  const dir = tmpStore();
  const clock = new RecordingClock();
  const dest = new FakeDestination();
  dest.failures = 12;
  const { logger, entries } = captureLogger();
  const shipper = startShipper(opts(dir, clock, { logger, reader: new MemoryReader(records(0, 5)) }), dest);
  t.teardown(() => shipper.close());

  await clock.advance(100_000);
  // random() = 0.5: half of min(30 s, 200 ms · 2^attempt)
  t.same(clock.delays.slice(0, 12), [100, 200, 400, 800, 1600, 3200, 6400, 12800, 15000, 15000, 15000, 15000]);
  t.equal(dest.sends, 13);
  t.same(dest.logs(), records(0, 5).map((r) => r.log), 'delivered once the destination is back');
  t.same(loadCursor(dir, 'stdout'), { segment: 1, offset: 5 });
  const warnings = entries.filter((e) => e.level === 40);
  t.equal(warnings.length, 3, 'failures at 0, 40.5 s and 70.5 s warn; the others are quiet');
  t.match(warnings[0], { output: 'stdout', destination: 'fake', container: 'web', err: { message: 'destination down' } });
  t.ok(entries.some((e) => e.level === 30 && e.failures === 12 && /recovered/.test(String(e.msg))));
});

t.test('the backoff delay is uniform below the cap (full jitter)', async (t) => {
  const { backoffDelay } = await import('../../../../../agent/src/logs/outputs/shipper.js');
  t.equal(backoffDelay(0, () => 0), 0);
  t.equal(backoffDelay(0, () => 0.999), 199.8);
  t.equal(backoffDelay(3, () => 0.5), 800);
  t.equal(backoffDelay(50, () => 0.5), 15000);
  t.equal(backoffDelay(10_000, () => 0.999), 29970);
});

t.test('memory stays at one batch while the destination is down, however big the store', async (t) => {
  const dir = tmpStore();
  const clock = new FakeClock();
  const dest = new FakeDestination();
  dest.down = true;
  const reader = new MemoryReader(records(0, 50_000)); // ~3.5 MB of store
  const shipper = startShipper(opts(dir, clock, { reader, batchBytes: 64 * 1024 }), dest);
  t.teardown(() => shipper.close());

  await clock.advance(10 * 60_000);
  t.ok(dest.sends > 20, `retried (${dest.sends} sends)`);
  t.equal(reader.reads.length, 1, 'one read, nothing read ahead while its batch is undelivered');
  t.ok(reader.reads[0] < 1000, `the batch is bounded (${reader.reads[0]} records)`);

  dest.down = false;
  await clock.advance(60_000);
  t.same(dest.logs().length, 50_000);
  t.same(dest.logs(), records(0, 50_000).map((r) => r.log));
  t.ok(Math.max(...reader.reads) < 1000, 'every batch bounded');
  t.equal(reader.reads.filter((n) => n > 0).length, dest.batches.length, 'one read per delivered batch');
});

t.test('memory bound with the real store and a forward receiver that is down', async (t) => {
  const dir = tmpStore();
  for (let s = 1; s <= 4; s++) appendSegment(dir, s, records((s - 1) * 10_000, s * 10_000)); // ~2.8 MB
  const store = new StoreReader(dir);
  const reads: number[] = [];
  const counting: ShipperStoreReader = {
    start: () => store.start(),
    end: () => store.end(),
    read: async (from, max) => {
      const r = await store.read(from, max);
      reads.push(r.records.length);
      return r;
    },
  };
  const port = await freePort();
  const shipper = createShipper({
    ...opts(dir, fastClock()),
    config: { output: 'forward', forward: { host: '127.0.0.1', port, requireAck: true } },
    random: seededRandom(5),
    reader: counting,
    batchBytes: 32 * 1024,
  })!;
  t.teardown(() => shipper.close());
  t.equal(await shipper.drain(real(300)), false);
  t.equal(reads.length, 1, 'a single batch read while the receiver is down');
  t.ok(reads[0] > 0 && reads[0] < 600, `of ~32 KiB (${reads[0]} records)`);

  const listener = await forwardListener({ port });
  t.teardown(() => listener.close());
  t.equal(await shipper.drain(real(30_000)), true);
  t.equal(listener.received().length, 40_000);
  t.ok(Math.max(...reads) < 600, 'every batch bounded');
  t.same(listener.received().map((r) => r.log), records(0, 40_000).map((r) => r.log));
});

t.test('records rotated away before delivery are counted and logged as lost, and shipping goes on', async (t) => {
  const dir = tmpStore();
  appendSegment(dir, 1, records(0, 10));
  appendSegment(dir, 2, records(10, 20));
  appendSegment(dir, 3, records(20, 30));
  saveCursor(dir, 'stdout', { segment: 1, offset: storeLine(records(0, 1)[0]).length }); // one record delivered
  // Rotation deletes segments 1 and 2 before the shipper gets to them.
  rmSync(join(dir, '000001.log'));
  rmSync(join(dir, '000002.log'));
  const dest = new FakeDestination();
  const { logger, entries } = captureLogger();
  const shipper = startShipper(opts(dir, fastClock(), { logger }), dest);
  t.teardown(() => shipper.close());
  t.equal(await shipper.drain(real(10_000)), true);
  t.same(dest.logs(), records(20, 30).map((r) => r.log));
  const lost = entries.find((e) => e.skippedSegments !== undefined);
  t.match(lost, { level: 40, skippedSegments: 2, lostSegmentsTotal: 2 });
  t.same(loadCursor(dir, 'stdout'), await new StoreReader(dir).end());
});

t.test('caught up, the shipper ships new records on wake() at once, or at the 1 s poll', async (t) => {
  const dir = tmpStore();
  const clock = new FakeClock();
  const recs = records(0, 3);
  const reader = new MemoryReader(recs);
  const dest = new FakeDestination();
  const shipper = startShipper(opts(dir, clock, { reader }), dest);
  t.teardown(() => shipper.close());
  await clock.advance(0);
  t.equal(dest.logs().length, 3);

  recs.push(...records(3, 5));
  await clock.advance(10);
  t.equal(dest.logs().length, 3, 'not before the poll');
  shipper.wake();
  await clock.advance(0);
  t.equal(dest.logs().length, 5, 'at once on wake()');

  recs.push(...records(5, 6));
  await clock.advance(999);
  t.equal(dest.logs().length, 5);
  await clock.advance(1);
  t.equal(dest.logs().length, 6, 'at the poll without wake()');
  t.same(dest.logs(), records(0, 6).map((r) => r.log));
});

t.test('drain: true once caught up, false at its timeout while the destination is down; close() ends it all', async (t) => {
  const dir = tmpStore();
  const clock = new FakeClock();
  const recs = records(0, 3);
  const dest = new FakeDestination();
  const shipper = startShipper(opts(dir, clock, { reader: new MemoryReader(recs) }), dest);

  const ok = shipper.drain(5000);
  await clock.advance(0);
  t.equal(await ok, true);

  dest.down = true;
  recs.push(...records(3, 6));
  const late = shipper.drain(5000);
  let settled: boolean | undefined;
  void late.then((v) => (settled = v));
  await clock.advance(4999);
  t.equal(settled, undefined, 'still waiting');
  await clock.advance(1);
  t.equal(settled, false, 'timed out');

  const pending = shipper.drain(60_000);
  await clock.advance(100);
  const closed = shipper.close(); // in the middle of a backoff
  await clock.advance(0);
  t.equal(await pending, false, 'a pending drain resolves false on close');
  await closed;
  t.same(dest.logs(), records(0, 3).map((r) => r.log));
  t.equal(await shipper.drain(10), false, 'drain after close');
});

t.test('the cursor is saved after each delivered batch, under the output name', async (t) => {
  const dir = tmpStore();
  appendSegment(dir, 1, records(0, 40));
  const saved: Array<StorePosition | undefined> = [];
  const dest = new FakeDestination();
  const send = dest.send.bind(dest);
  dest.send = (b) => {
    saved.push(loadCursor(dir, 'http'));
    return send(b);
  };
  const shipper = startShipper(
    { ...opts(dir, fastClock(), { batchBytes: 700 }), config: { output: 'http', http: { host: 'x', port: 1, uri: '/', tls: false, headers: {} } } },
    dest,
  );
  t.teardown(() => shipper.close());
  t.equal(await shipper.drain(real(10_000)), true);
  t.ok(dest.batches.length >= 4, `several batches (${dest.batches.length})`);
  t.equal(saved[0], undefined, 'no cursor before the first delivery');
  let offset = 0;
  dest.batches.forEach((b, i) => {
    if (i > 0) t.same(saved[i], { segment: 1, offset }, `batch ${i} sent with the cursor after batch ${i - 1}`);
    offset += b.map(storeLine).join('').length;
  });
  t.same(loadCursor(dir, 'http'), { segment: 1, offset });
  t.ok(readdirSync(dir).includes('cursor-http.json'));
});

t.test('createShipper: no shipper for the file output; the tag is the FireLens tag', async (t) => {
  t.equal(createShipper({ ...opts(tmpStore(), fastClock()), config: { output: 'file' } }), undefined);
  const dir = tmpStore();
  appendSegment(dir, 1, records(0, 1));
  const tags: string[] = [];
  const dest = new FakeDestination();
  const send = dest.send.bind(dest);
  dest.send = (b) => (tags.push(b.tag), send(b));
  const shipper = startShipper(opts(dir, fastClock()), dest);
  t.teardown(() => shipper.close());
  t.equal(await shipper.drain(real(10_000)), true);
  t.same(tags, [TAG]);
});
