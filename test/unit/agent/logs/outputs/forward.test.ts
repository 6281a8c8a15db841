import t from 'tap';
import { createServer } from 'node:net';
import { ExtData, encode } from '@msgpack/msgpack';
import { EventTime, forwardExtensionCodec } from '../../../../../agent/src/logs/outputs/forward.js';
import { parseRecordTime } from '../../../../../agent/src/logs/outputs/record-format.js';
import { createShipper, type ShipperOptions } from '../../../../../agent/src/logs/outputs/shipper.js';
import { StoreReader } from '../../../../../agent/src/logs/store/reader.js';
import { loadCursor } from '../../../../../agent/src/logs/store/cursor.js';
import { firelensRecord } from '../../../../../agent/src/logs/types.js';
import type { ForwardOutput } from '../../../../../common/log-options.js';
import { silentLogger } from '../../../../../agent/src/util/logger.js';
import { seededRandom } from '../../helpers/fake-clock.js';
import {
  BASE_SECONDS,
  META,
  TAG,
  appendSegment,
  eventTime,
  fastClock,
  forwardListener,
  freePort,
  record,
  records,
  real,
  tmpStore,
  until,
} from './fixture.js';

function options(dir: string, forward: Partial<ForwardOutput> & { port: number }, extra: Partial<ShipperOptions> = {}): ShipperOptions {
  return {
    dir,
    meta: META,
    config: { output: 'forward', forward: { host: '127.0.0.1', requireAck: false, ...forward } },
    clock: fastClock(),
    random: seededRandom(7),
    logger: silentLogger(),
    timeoutMs: real(5000),
    ...extra,
  };
}

t.test('forward: a batch is one Forward-mode message with the FireLens tag, records and EventTime nanoseconds', async (t) => {
  const dir = tmpStore();
  const rs = [record(0), record(1), record(2, { log: 'piece', partial: true })];
  appendSegment(dir, 1, rs);
  const listener = await forwardListener();
  t.teardown(() => listener.close());
  const shipper = createShipper(options(dir, { port: listener.port }))!;
  t.teardown(() => shipper.close());

  t.equal(await shipper.drain(real(10_000)), true);
  // Without acks a message counts as delivered once written: wait for the receiver to decode it.
  await until(() => listener.messages.length > 0, 10_000, 'the message');
  t.equal(listener.messages.length, 1);
  const [tag, entries, option] = listener.messages[0];
  t.equal(tag, TAG);
  t.same(option, { size: 3 });
  t.equal(entries.length, 3);
  entries.forEach(([time, rec], i) => {
    t.ok(time instanceof ExtData, 'EventTime is an ext');
    t.same(eventTime(time), { type: 0, length: 8, seconds: BASE_SECONDS, nanoseconds: i * 1_000_000 + 123_457 });
    t.same(rec, firelensRecord(META, rs[i]));
  });
  t.equal((entries[2][1] as { partial_message?: string }).partial_message, 'true');
  t.same(loadCursor(dir, 'forward'), await new StoreReader(dir).end(), 'cursor saved at the end');
});

t.test('forward: the tag option overrides the FireLens tag', async (t) => {
  const dir = tmpStore();
  appendSegment(dir, 1, records(0, 2));
  const listener = await forwardListener();
  t.teardown(() => listener.close());
  const shipper = createShipper(options(dir, { port: listener.port, tag: 'app.web' }))!;
  t.teardown(() => shipper.close());
  t.equal(await shipper.drain(real(10_000)), true);
  await until(() => listener.messages.length > 0, 10_000, 'the message');
  t.equal(listener.messages[0][0], 'app.web');
});

t.test('forward with requireAck: each message carries a chunk id and waits for its ack; no ack means a resend', async (t) => {
  const dir = tmpStore();
  appendSegment(dir, 1, records(0, 5));
  // The first message is never acknowledged: the shipper times out, reconnects and sends the batch again.
  const listener = await forwardListener({ ack: (_chunk, index) => index > 0 });
  t.teardown(() => listener.close());
  const shipper = createShipper(options(dir, { port: listener.port, requireAck: true }, { timeoutMs: real(200) }))!;
  t.teardown(() => shipper.close());

  t.equal(await shipper.drain(real(10_000)), true);
  t.equal(listener.messages.length, 2, 'sent twice: at-least-once');
  const [first, second] = listener.messages;
  t.match(first[2].chunk, /^[A-Za-z0-9+/]{22}==$/, '16 random bytes, base64');
  t.not(first[2].chunk, second[2].chunk, 'a resend has a new chunk id');
  t.same(second[2], { size: 5, chunk: second[2].chunk });
  t.same(first[1].map((e) => e[1]), second[1].map((e) => e[1]));
  t.same(loadCursor(dir, 'forward'), await new StoreReader(dir).end());
});

t.test('forward: a receiver down at first gets everything once it is up, in order, and the cursor is persisted', async (t) => {
  const dir = tmpStore();
  appendSegment(dir, 1, records(0, 300));
  appendSegment(dir, 2, records(300, 600));
  const port = await freePort();
  const shipper = createShipper(options(dir, { port, requireAck: true }, { batchBytes: 4096 }))!;
  t.teardown(() => shipper.close());

  t.equal(await shipper.drain(real(200)), false, 'nothing delivered while the receiver is down');
  t.equal(loadCursor(dir, 'forward'), undefined);
  const listener = await forwardListener({ port });
  t.teardown(() => listener.close());
  t.equal(await shipper.drain(real(20_000)), true);

  const got = listener.received().map((r) => r.log);
  t.same(got, records(0, 600).map((r) => r.log), 'every record once, in order');
  t.ok(listener.messages.length > 10, `several batches (${listener.messages.length})`);
  t.same(loadCursor(dir, 'forward'), { segment: 2, offset: (await new StoreReader(dir).end()).offset });

  // Records appended later are shipped after wake().
  appendSegment(dir, 2, records(600, 610));
  shipper.wake();
  await until(() => listener.received().length === 610, 10_000, 'the appended records');
  t.same(listener.received().slice(600).map((r) => r.log), records(600, 610).map((r) => r.log));
});

t.test('forward: a new shipper on the same store resumes from the cursor after a partial delivery', async (t) => {
  const dir = tmpStore();
  appendSegment(dir, 1, records(0, 100));
  // The first receiver acknowledges three messages and then goes silent.
  const first = await forwardListener({ ack: (_c, index) => index < 3 });
  t.teardown(() => first.close());
  const s1 = createShipper(options(dir, { port: first.port, requireAck: true }, { batchBytes: 500, timeoutMs: real(60_000) }))!;
  t.teardown(() => s1.close());
  await until(() => first.messages.length >= 4, 10_000, 'the fourth message');
  await s1.close();
  const delivered = first.messages.slice(0, 3).flatMap((m) => m[1].map((e) => e[1].log));
  t.ok(delivered.length >= 3 && delivered.length < 100, `a partial delivery (${delivered.length} records)`);
  t.same(delivered, records(0, delivered.length).map((r) => r.log));
  t.ok(loadCursor(dir, 'forward'), 'a cursor was saved');

  const second = await forwardListener();
  t.teardown(() => second.close());
  const s2 = createShipper(options(dir, { port: second.port, requireAck: true }, { batchBytes: 500 }))!;
  t.teardown(() => s2.close());
  t.equal(await s2.drain(real(10_000)), true);
  t.same(
    second.received().map((r) => r.log),
    records(delivered.length, 100).map((r) => r.log),
    'the rest, starting right after the acknowledged batches',
  );
});

t.test('forward: a receiver that closes connections between batches is reconnected to', async (t) => {
  const dir = tmpStore();
  appendSegment(dir, 1, records(0, 50));
  const listener = await forwardListener({ ack: () => true });
  t.teardown(() => listener.close());
  const shipper = createShipper(options(dir, { port: listener.port, requireAck: true }, { batchBytes: 1000 }))!;
  t.teardown(() => shipper.close());
  t.equal(await shipper.drain(real(10_000)), true);
  await listener.close(); // drops the shipper's connection
  const again = await forwardListener({ port: listener.port });
  t.teardown(() => again.close());
  appendSegment(dir, 1, records(50, 60));
  shipper.wake();
  t.equal(await shipper.drain(real(10_000)), true);
  await until(() => again.received().length === 10, 10_000, 'the records');
  t.same(again.received().map((r) => r.log), records(50, 60).map((r) => r.log));
});

t.test('forward: the message bytes are exactly what @msgpack/msgpack encodes for it', async (t) => {
  const dir = tmpStore();
  const rs = [record(0), record(1), record(2, { log: 'ünïcödé ' + 'x'.repeat(70_000), partial: true }), record(3, { log: '' })];
  appendSegment(dir, 1, rs);
  const chunks: Buffer[] = [];
  const server = createServer((s) => s.on('data', (c: Buffer) => chunks.push(c)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  const shipper = createShipper(options(dir, { port: (server.address() as { port: number }).port }))!;
  t.teardown(() => shipper.close());
  t.equal(await shipper.drain(real(10_000)), true);
  const entries = rs.map((r) => {
    const time = parseRecordTime(r.time);
    return [new EventTime(time.seconds, time.nanoseconds), firelensRecord(META, r)];
  });
  const expected = Buffer.from(encode([TAG, entries, { size: rs.length }], { extensionCodec: forwardExtensionCodec }));
  await until(() => Buffer.concat(chunks).length >= expected.length, 10_000, 'the bytes');
  t.ok(Buffer.concat(chunks).equals(expected));
});
