import t from 'tap';
import fc from 'fast-check';
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRecord } from '../../../../../agent/src/logs/store/format.js';
import { StoreWriter } from '../../../../../agent/src/logs/store/writer.js';
import { StoreReader, isComplete, readMeta } from '../../../../../agent/src/logs/store/reader.js';
import type { LogRecord } from '../../../../../agent/src/logs/types.js';
import { fileBytes, meta, numberOf, readAll, rec, recordsOnDisk, segmentFiles, tmp } from './store-fixtures.js';

const bytesOf = (r: LogRecord) => Buffer.byteLength(encodeRecord(r));

t.test('rotation never exceeds maxSizeBytes per segment nor maxFiles segments, and keeps a suffix in order (property)', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 0, maxLength: 12 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 60, max: 1500 }),
      fc.integer({ min: 1, max: 5 }),
      async (batches, maxSizeBytes, maxFiles) => {
        const dir = tmp();
        const w = await StoreWriter.open(dir, meta, { maxSizeBytes, maxFiles, compress: false });
        const all: LogRecord[] = [];
        let i = 0;
        for (const sizes of batches) {
          const batch = sizes.map((size) => rec(i++, size));
          all.push(...batch);
          await w.append(batch);
          t.ok(segmentFiles(dir).length <= maxFiles, 'at most maxFiles segments');
        }
        const disk = recordsOnDisk(dir);
        for (const seg of disk) {
          t.ok(seg.bytes <= maxSizeBytes || seg.records.length === 1, `${seg.file}: ${seg.bytes} bytes in ${seg.records.length} records`);
        }
        // segments were closed only when the next record did not fit
        for (let k = 0; k + 1 < disk.length; k++) {
          const next = disk[k + 1].records[0];
          if (next) t.ok(disk[k].bytes + bytesOf(next) > maxSizeBytes, `${disk[k].file} closed only when full`);
        }
        const kept = disk.flatMap((s) => s.records);
        t.same(kept, all.slice(all.length - kept.length), 'what is kept is the newest records, in order');
        t.equal(w.diskBytes(), fileBytes(dir));
        if (disk.length < maxFiles) t.equal(kept.length, all.length, 'nothing deleted before maxFiles is reached');
        await w.close();
      },
    ),
    { numRuns: 60 },
  );
});

t.test('a record bigger than maxSizeBytes gets a segment of its own', async (t) => {
  const dir = tmp();
  const w = await StoreWriter.open(dir, meta, { maxSizeBytes: 200, maxFiles: 10, compress: false });
  await w.append([rec(0, 10), rec(1, 500), rec(2, 10)]);
  await w.append([rec(3, 600)]);
  await w.close();
  t.same(
    recordsOnDisk(dir).map((s) => s.records.map(numberOf)),
    [[0], [1], [2], [3]],
  );
});

t.test('an append is one write per segment touched and onAppend fires after each append that wrote', async (t) => {
  const dir = tmp();
  const w = await StoreWriter.open(dir, meta, { maxSizeBytes: 1000, maxFiles: 10, compress: false });
  let calls = 0;
  w.onAppend = () => calls++;
  await w.append([]);
  t.equal(calls, 0, 'an empty append writes nothing');
  await Promise.all([w.append([rec(0)]), w.append([rec(1), rec(2)]), w.append([rec(3)])]);
  t.equal(calls, 3);
  await w.close();
  t.same(recordsOnDisk(dir)[0].records.map(numberOf), [0, 1, 2, 3], 'concurrent calls are serialized in call order');
});

t.test('with compression, closed segments become .log.gz and stay readable; the current one stays .log', async (t) => {
  const dir = tmp();
  const w = await StoreWriter.open(dir, meta, { maxSizeBytes: 2000, maxFiles: 100, compress: true });
  const all: LogRecord[] = [];
  for (let b = 0; b < 20; b++) {
    const batch = Array.from({ length: 10 }, (_, k) => rec(b * 10 + k, 60));
    all.push(...batch);
    await w.append(batch);
  }
  await w.close();
  const files = readdirSync(dir);
  t.notOk(files.some((f) => f.endsWith('.tmp')), 'no temp files left');
  const segs = segmentFiles(dir);
  t.ok(segs.length > 3);
  t.ok(segs.slice(0, -1).every((f) => f.endsWith('.log.gz')), `closed segments compressed: ${segs.join(' ')}`);
  t.match(segs[segs.length - 1], /^\d{6}\.log$/);
  t.same(recordsOnDisk(dir).flatMap((s) => s.records), all);
  t.equal(w.diskBytes(), fileBytes(dir), 'diskBytes counts the compressed sizes');
  t.ok(w.diskBytes() < all.reduce((n, r) => n + bytesOf(r), 0) / 2, 'compression saves space');
  t.same(await readAll(new StoreReader(dir), { segment: 1, offset: 0 }, 500), all);
});

t.test('compression with maxFiles deletes old segments whatever their state', async (t) => {
  const dir = tmp();
  const w = await StoreWriter.open(dir, meta, { maxSizeBytes: 300, maxFiles: 3, compress: true });
  for (let i = 0; i < 300; i++) await w.append([rec(i, 100)]);
  await w.close();
  const segs = segmentFiles(dir);
  t.equal(segs.length, 3);
  t.same(recordsOnDisk(dir).flatMap((s) => s.records.map(numberOf)), [297, 298, 299]);
  t.notOk(readdirSync(dir).some((f) => f.endsWith('.tmp')));
});

t.test('open creates meta.json, rewrites it for another container id, and removes the complete marker', async (t) => {
  const dir = join(tmp(), 'deep', 'web');
  const limits = { maxSizeBytes: 1000, maxFiles: 3, compress: false };
  let w = await StoreWriter.open(dir, meta, limits);
  t.same(readMeta(dir), meta);
  t.same(segmentFiles(dir), ['000001.log'], 'the first segment exists from the start');
  await w.append([rec(0)]);
  await w.markComplete();
  t.ok(isComplete(dir));
  await w.close();
  w = await StoreWriter.open(dir, { ...meta, ecs_cluster: 'ignored when the id is the same' }, limits);
  t.same(readMeta(dir), meta);
  t.notOk(isComplete(dir), 'reopening means more records may come');
  await w.close();
  w = await StoreWriter.open(dir, { ...meta, container_id: 'beef' }, limits);
  t.equal(readMeta(dir)?.container_id, 'beef');
  await w.append([rec(1)]);
  await w.close();
  t.same(recordsOnDisk(dir).flatMap((s) => s.records.map(numberOf)), [0, 1], 'appends continue the same segment');
});

t.test('a torn last line is truncated on open, then appends continue cleanly', async (t) => {
  const limits = { maxSizeBytes: 10_000, maxFiles: 3, compress: false };
  const torn = [
    encodeRecord(rec(99)).slice(0, 25), // unterminated
    '\u0000\u0000\u0000\u0000\n', // terminated garbage (zeroed blocks after a host crash)
    '{"time":"x"}\n' + '{"time":"2026', // undecodable, then unterminated
  ];
  for (const tail of torn) {
    const dir = tmp();
    let w = await StoreWriter.open(dir, meta, limits);
    await w.append([rec(0), rec(1)]);
    await w.close();
    const seg = join(dir, '000001.log');
    const good = statSync(seg).size;
    appendFileSync(seg, tail);
    w = await StoreWriter.open(dir, meta, limits);
    t.equal(statSync(seg).size, good, `truncated ${JSON.stringify(tail.slice(0, 20))}`);
    await w.append([rec(2)]);
    t.same((await w.lastRecords(10)).map(numberOf), [0, 1, 2]);
    await w.close();
    t.same(recordsOnDisk(dir)[0].records.map(numberOf), [0, 1, 2]);
  }
});

t.test('open after a crash mid-compression keeps one copy of each segment and finishes the work', async (t) => {
  const dir = tmp();
  const limits = { maxSizeBytes: 300, maxFiles: 20, compress: false };
  let w = await StoreWriter.open(dir, meta, limits);
  for (let i = 0; i < 12; i++) await w.append([rec(i, 100)]);
  await w.close();
  const before = recordsOnDisk(dir).flatMap((s) => s.records);
  // a leftover temp file and a .gz beside its .log (crash between the rename and the unlink)
  writeFileSync(join(dir, '000001.log.gz.tmp'), 'partial gzip');
  const { gzipSync } = await import('node:zlib');
  writeFileSync(join(dir, '000002.log.gz'), gzipSync(readFileSync(join(dir, '000002.log'))));
  w = await StoreWriter.open(dir, meta, { ...limits, compress: true });
  await w.close();
  const files = readdirSync(dir);
  t.notOk(files.some((f) => f.endsWith('.tmp')));
  t.notOk(existsSync(join(dir, '000002.log')));
  t.same(recordsOnDisk(dir).flatMap((s) => s.records), before);
  t.ok(segmentFiles(dir).slice(0, -1).every((f) => f.endsWith('.gz')), 'closed segments compressed on open');
});

t.test('lastRecords reads across rotation boundaries, compressed segments included', async (t) => {
  for (const compress of [false, true]) {
    const dir = tmp();
    const w = await StoreWriter.open(dir, meta, { maxSizeBytes: 250, maxFiles: 100, compress });
    t.same(await w.lastRecords(5), [], 'an empty store has no last records');
    for (let i = 0; i < 30; i++) await w.append([rec(i, 40 + (i % 7) * 13)]);
    t.ok(segmentFiles(dir).length >= 8, 'several segments');
    t.same((await w.lastRecords(1)).map(numberOf), [29]);
    t.same((await w.lastRecords(7)).map(numberOf), [23, 24, 25, 26, 27, 28, 29]);
    t.same((await w.lastRecords(1000)).map(numberOf), Array.from({ length: 30 }, (_, i) => i));
    await w.append([rec(30)]);
    t.same((await w.lastRecords(2)).map(numberOf), [29, 30], 'the current segment is seen as written');
    await w.close();
  }
});

t.test('lastRecords gives whole records longer than the read chunk', async (t) => {
  const dir = tmp();
  const w = await StoreWriter.open(dir, meta, { maxSizeBytes: 1 << 20, maxFiles: 2, compress: false });
  const big = [rec(0, 200_000), rec(1, 10), rec(2, 150_000)];
  await w.append(big);
  t.same(await w.lastRecords(3), big);
  await w.close();
});

t.test('close waits for appends called before it; append after close is refused; close twice is fine', async (t) => {
  const dir = tmp();
  const w = await StoreWriter.open(dir, meta, { maxSizeBytes: 100, maxFiles: 5, compress: true });
  const pending = [w.append([rec(0, 80)]), w.append([rec(1, 80)]), w.append([rec(2, 80)])];
  await w.close();
  await Promise.all(pending);
  await w.close();
  await t.rejects(w.append([rec(3)]));
  t.same(recordsOnDisk(dir).flatMap((s) => s.records.map(numberOf)), [0, 1, 2]);
  t.notOk(readdirSync(dir).some((f) => f.endsWith('.tmp')), 'compression finished before close resolved');
});

t.test('a corrupt compressed segment is skipped by readers, not fatal', async (t) => {
  const dir = tmp();
  const w = await StoreWriter.open(dir, meta, { maxSizeBytes: 200, maxFiles: 10, compress: true });
  for (let i = 0; i < 4; i++) await w.append([rec(i, 100)]);
  await w.close();
  writeFileSync(join(dir, '000002.log.gz'), 'not gzip at all');
  const r = new StoreReader(dir);
  const first = await r.read(await r.start(), 1 << 20);
  t.same(first.records.map(numberOf), [0, 2, 3]);
  t.equal(first.skippedSegments, 1);
  t.same(await r.tailPosition(10), { segment: 3, offset: 0 }, 'the tail starts after the unreadable segment');
  t.same((await readAll(r, await r.seekTime('2000-01-01T00:00:00Z'))).map(numberOf), [0, 2, 3]);
});
