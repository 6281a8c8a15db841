import t from 'tap';
import { PassThrough } from 'node:stream';
import { createShipper } from '../../../../../agent/src/logs/outputs/shipper.js';
import { StoreReader } from '../../../../../agent/src/logs/store/reader.js';
import { loadCursor } from '../../../../../agent/src/logs/store/cursor.js';
import { firelensRecord } from '../../../../../agent/src/logs/types.js';
import { silentLogger } from '../../../../../agent/src/util/logger.js';
import { seededRandom } from '../../helpers/fake-clock.js';
import { BASE_SECONDS, META, TAG, appendSegment, fastClock, real, record, records, tmpStore, until } from './fixture.js';

t.test('stdout: JSON lines {"date","tag",...record} on the given stream', async (t) => {
  const dir = tmpStore();
  const rs = [record(0), record(1, { partial: true })];
  appendSegment(dir, 1, rs);
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (c: string) => (text += c));
  const shipper = createShipper({ dir, meta: META, config: { output: 'stdout' }, clock: fastClock(), random: seededRandom(1), logger: silentLogger(), stdout: out })!;
  t.teardown(() => shipper.close());
  t.equal(await shipper.drain(real(10_000)), true);
  await until(() => text.split('\n').length === 3);
  const lines = text.trimEnd().split('\n');
  lines.forEach((line, i) => {
    t.match(line, new RegExp(`^\\{"date":${BASE_SECONDS}\\.${String(i * 1_000_000 + 123_457).padStart(9, '0')},"tag":"${TAG}","source":`));
    const { date, tag, ...rest } = JSON.parse(line);
    t.equal(typeof date, 'number');
    t.equal(tag, TAG);
    t.same(rest, firelensRecord(META, rs[i]));
  });
  t.same(loadCursor(dir, 'stdout'), await new StoreReader(dir).end());
});

t.test('stdout: a stream nobody reads holds the shipper back (backpressure), then everything follows in order', async (t) => {
  const dir = tmpStore();
  appendSegment(dir, 1, records(0, 2000));
  const out = new PassThrough({ highWaterMark: 1024 });
  const shipper = createShipper({
    dir,
    meta: META,
    config: { output: 'stdout' },
    clock: fastClock(),
    random: seededRandom(1),
    logger: silentLogger(),
    stdout: out,
    batchBytes: 4096,
  })!;
  t.teardown(() => shipper.close());

  t.equal(await shipper.drain(real(300)), false, 'not delivered while the stream is full');
  // The first batch (4 KiB of store, ~21 KiB of output with the FireLens fields) overfills the 1 KiB
  // buffer: the shipper waits for 'drain' without counting it delivered or reading the next batch.
  t.equal(loadCursor(dir, 'stdout'), undefined, 'the first batch is not delivered yet');
  // (writableLength counts every byte written that the reader has not taken, the chunk in transit included.)
  t.ok(out.writableLength > 0 && out.writableLength < 4096 * 6, `one batch buffered (${out.writableLength} bytes)`);

  let text = '';
  out.setEncoding('utf8').on('data', (c: string) => (text += c));
  t.equal(await shipper.drain(real(10_000)), true);
  await until(() => text.split('\n').length === 2001);
  t.same(
    text.trimEnd().split('\n').map((l) => JSON.parse(l).log),
    records(0, 2000).map((r) => r.log),
  );
});
