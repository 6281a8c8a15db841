import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import { encodeRecord } from '../../../../../agent/src/logs/store/format.js';
import { StoreWriter } from '../../../../../agent/src/logs/store/writer.js';
import { StoreReader, listContainerStores } from '../../../../../agent/src/logs/store/reader.js';
import { containerLogDir, type LogRecord, type StorePosition } from '../../../../../agent/src/logs/types.js';
import { seededRandom } from '../../helpers/fake-clock.js';
import { meta, numberOf, readAll, rec, segmentFiles, timeOf, tmp } from './store-fixtures.js';

const bytesOf = (r: LogRecord) => Buffer.byteLength(encodeRecord(r));

async function filledStore(count: number, limits: { maxSizeBytes: number; maxFiles: number; compress: boolean }, size = 40) {
  const dir = tmp();
  const w = await StoreWriter.open(dir, meta, limits);
  const all: LogRecord[] = [];
  for (let i = 0; i < count; i += 7) {
    const batch = Array.from({ length: Math.min(7, count - i) }, (_, k) => rec(i + k, size + ((i + k) % 5) * 9));
    all.push(...batch);
    await w.append(batch);
  }
  await w.close();
  return { dir, all };
}

t.test('an absent or empty store reads as empty', async (t) => {
  const r = new StoreReader(join(tmp(), 'nothing-here'));
  t.same(await r.start(), { segment: 1, offset: 0 });
  t.same(await r.end(), { segment: 1, offset: 0 });
  t.same(await r.read({ segment: 1, offset: 0 }, 1000), { records: [], next: { segment: 1, offset: 0 }, skippedSegments: 0 });
  t.same(await r.tailPosition(10), { segment: 1, offset: 0 });
  t.same(await r.seekTime(timeOf(0)), { segment: 1, offset: 0 });
  const dir = tmp();
  await (await StoreWriter.open(dir, meta, { maxSizeBytes: 100, maxFiles: 2, compress: false })).close();
  const r2 = new StoreReader(dir);
  t.same(await r2.read(await r2.start(), 1000), { records: [], next: { segment: 1, offset: 0 }, skippedSegments: 0 });
});

t.test('reading in small pieces returns every record once, in order, across segments of both kinds', async (t) => {
  for (const compress of [false, true]) {
    const { dir, all } = await filledStore(500, { maxSizeBytes: 1500, maxFiles: 1000, compress });
    const r = new StoreReader(dir);
    for (const maxBytes of [1, 100, 1000, 1 << 20]) {
      t.same(await readAll(r, await r.start(), maxBytes), all, `compress ${compress}, maxBytes ${maxBytes}`);
    }
  }
});

t.test('a read stops after about maxBytes, but always returns a record longer than that', async (t) => {
  const { dir, all } = await filledStore(200, { maxSizeBytes: 1 << 20, maxFiles: 2, compress: false }, 100);
  const r = new StoreReader(dir);
  const got = await r.read(await r.start(), 1000);
  const bytes = got.records.reduce((n, x) => n + bytesOf(x), 0);
  t.ok(bytes <= 1000 && bytes > 1000 - 200, `${bytes} bytes`);
  t.same(got.next, { segment: 1, offset: bytes });
  const dir2 = tmp();
  const w = await StoreWriter.open(dir2, meta, { maxSizeBytes: 1 << 20, maxFiles: 2, compress: false });
  await w.append([rec(0, 50_000), rec(1, 10)]);
  await w.close();
  const r2 = new StoreReader(dir2);
  const first = await r2.read(await r2.start(), 100);
  t.same(first.records.map(numberOf), [0]);
  t.same((await r2.read(first.next, 100)).records.map(numberOf), [1]);
  t.ok(all.length > 0);
});

t.test('a partially written last line is never returned, and is returned once when complete', async (t) => {
  const { dir, all } = await filledStore(20, { maxSizeBytes: 1 << 20, maxFiles: 2, compress: false });
  const seg = join(dir, '000001.log');
  const line = encodeRecord(rec(20));
  appendFileSync(seg, line.slice(0, 30)); // a write in progress
  const r = new StoreReader(dir);
  const end = await r.end();
  const got = await r.read(await r.start(), 1 << 20);
  t.same(got.records, all);
  t.same(got.next, end, 'next is the end, before the partial line');
  t.same((await r.read(got.next, 1 << 20)).records, [], 'still nothing new');
  t.equal((await r.tailPosition(1)).offset, end.offset - bytesOf(all[all.length - 1]), 'tailPosition ignores it');
  appendFileSync(seg, line.slice(30) + encodeRecord(rec(21)));
  const more = await r.read(got.next, 1 << 20);
  t.same(more.records.map(numberOf), [20, 21]);
  t.same((await r.read(more.next, 1 << 20)).records, []);
});

t.test('a record appended to a segment just before it rotates is not missed by a reader at its end', async (t) => {
  // The writer appends to segment 1 and rotates between the reader's read of segment 1 (which found
  // nothing new) and its look for a newer segment. (tsx serves the module as .ts, hence the mock key.)
  const segmentsPath = '../../../../../agent/src/logs/store/segments.ts';
  const actual = await import(segmentsPath);
  const { dir } = await filledStore(3, { maxSizeBytes: 1 << 20, maxFiles: 10, compress: false });
  let armed = 0; // the writer acts at this listing of the reader (1 = the first)
  const { StoreReader: Reader } = await t.mockImport<typeof import('../../../../../agent/src/logs/store/reader.js')>(
    '../../../../../agent/src/logs/store/reader.js',
    {
      [segmentsPath]: {
        ...actual,
        listSegments(d: string) {
          if (armed > 0 && --armed === 0) {
            appendFileSync(join(dir, '000001.log'), encodeRecord(rec(3)));
            writeFileSync(join(dir, '000002.log'), encodeRecord(rec(4)));
          }
          return actual.listSegments(d);
        },
      },
    },
  );
  const r = new Reader(dir);
  const first = await r.read({ segment: 1, offset: 0 }, 1 << 20);
  t.same(first.records.map(numberOf), [0, 1, 2]);
  armed = 2; // after the read that found segment 1 at its end
  const got = await r.read(first.next, 1 << 20);
  t.same(got.records.map(numberOf), [3, 4]);
  t.equal(got.skippedSegments, 0);
});

t.test('reading from a segment deleted by rotation continues at the oldest and counts the segments lost', async (t) => {
  const dir = tmp();
  const w = await StoreWriter.open(dir, meta, { maxSizeBytes: 200, maxFiles: 3, compress: false });
  await w.append([rec(0, 100), rec(1, 100)]);
  const r = new StoreReader(dir);
  const first = await r.read(await r.start(), 1);
  t.same(first.records.map(numberOf), [0]);
  t.same(first.next.segment, 1);
  for (let i = 2; i < 8; i++) await w.append([rec(i, 100)]);
  t.same(segmentFiles(dir), ['000006.log', '000007.log', '000008.log']);
  const got = await r.read(first.next, 1 << 20);
  t.equal(got.skippedSegments, 5, 'the rest of 1, and 2 to 5');
  t.same(got.records.map(numberOf), [5, 6, 7]);
  t.same(await r.read(got.next, 1 << 20), { records: [], next: got.next, skippedSegments: 0 });
  await w.close();
});

async function raceWriterAndReader(
  t: Test,
  limits: { maxSizeBytes: number; maxFiles: number; compress: boolean },
  count: number,
  readMax: number,
  readPause: () => Promise<unknown>,
) {
  const dir = tmp();
  const w = await StoreWriter.open(dir, meta, limits);
  const rnd = seededRandom(7);
  let done = false;
  const writer = (async () => {
    for (let i = 0; i < count; ) {
      const n = 1 + Math.floor(rnd() * 20);
      const batch: LogRecord[] = [];
      for (let k = 0; k < n && i < count; k++, i++) batch.push(rec(i, 10 + Math.floor(rnd() * 150)));
      await w.append(batch);
      if (rnd() < 0.3) await tick();
    }
    await w.close();
    done = true;
  })();
  const r = new StoreReader(dir);
  let pos: StorePosition = await r.start();
  let last = -1;
  let skipped = 0;
  let problems = 0;
  for (;;) {
    const finished = done;
    const got = await r.read(pos, readMax);
    const nums = got.records.map(numberOf);
    skipped += got.skippedSegments;
    for (const n of nums) {
      const ok = got.skippedSegments === 0 ? n === last + 1 : n > last;
      if (!ok && problems++ < 5) t.fail(`record ${n} after ${last} (skipped ${got.skippedSegments})`);
      last = n;
    }
    pos = got.next;
    if (finished && got.records.length === 0) break;
    await readPause();
  }
  await writer;
  t.equal(last, count - 1, 'the reader reached the last record');
  t.equal(problems, 0, 'every record once, in order, gaps only where segments were skipped');
  return { skipped };
}

t.test('a reader following a writer that appends and rotates sees every record exactly once, in order', async (t) => {
  for (const compress of [false, true]) {
    const { skipped } = await raceWriterAndReader(t, { maxSizeBytes: 3000, maxFiles: 10_000, compress }, 6000, 700, tick);
    t.equal(skipped, 0, `compress ${compress}: nothing skipped when nothing is deleted`);
  }
});

t.test('a slow reader loses only whole segments deleted by rotation, and says so', async (t) => {
  for (const compress of [false, true]) {
    const { skipped } = await raceWriterAndReader(t, { maxSizeBytes: 2000, maxFiles: 2, compress }, 6000, 300, () => sleep(1));
    t.ok(skipped > 0, `compress ${compress}: ${skipped} segments skipped`);
  }
});

t.test('a reader racing a writer in another process never sees a torn or doubled record', async (t) => {
  const child = join(dirname(fileURLToPath(import.meta.url)), 'writer-child.ts');
  for (const [maxFiles, compress] of [[100_000, false], [100_000, true], [3, true]] as const) {
    const dir = tmp();
    const count = 25_000;
    await (await StoreWriter.open(dir, meta, { maxSizeBytes: 20_000, maxFiles, compress })).close();
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, String(count), '20000', String(maxFiles), String(compress)], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    let exited = false;
    const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => ((exited = true), resolve(code))));
    const r = new StoreReader(dir);
    let pos = await r.start();
    let last = -1;
    let skipped = 0;
    let problems = 0;
    let reads = 0;
    for (;;) {
      const finished = exited;
      const got = await r.read(pos, 4000);
      reads++;
      skipped += got.skippedSegments;
      for (const x of got.records) {
        const n = numberOf(x);
        const ok = got.skippedSegments === 0 ? n === last + 1 : n > last;
        if (!ok && problems++ < 5) t.fail(`record ${n} after ${last} (skipped ${got.skippedSegments})`);
        last = n;
      }
      pos = got.next;
      if (finished && got.records.length === 0) break;
      if (got.records.length === 0) await sleep(1);
    }
    t.equal(await exit, 0, 'the writer finished');
    t.equal(last, count - 1, `maxFiles ${maxFiles}, compress ${compress}: reached the end in ${reads} reads`);
    t.equal(problems, 0);
    if (maxFiles > 1000) t.equal(skipped, 0, 'nothing skipped when nothing is deleted');
  }
});

t.test('tailPosition counts records back from the end, across segments', async (t) => {
  for (const compress of [false, true]) {
    const { dir, all } = await filledStore(100, { maxSizeBytes: 700, maxFiles: 1000, compress });
    const r = new StoreReader(dir);
    for (const n of [1, 2, 5, 17, 60, 99, 100]) {
      t.same(await readAll(r, await r.tailPosition(n)), all.slice(-n), `compress ${compress}, tail ${n}`);
    }
    t.same(await r.tailPosition(101), await r.start());
    t.same(await r.tailPosition(10_000), await r.start());
    t.same(await r.tailPosition(0), await r.end());
  }
});

t.test('tailPosition with rotation that deleted old segments starts at the oldest kept', async (t) => {
  const { dir } = await filledStore(100, { maxSizeBytes: 500, maxFiles: 3, compress: false });
  const r = new StoreReader(dir);
  t.same(await r.tailPosition(1000), await r.start());
  t.not((await r.start()).segment, 1);
});

t.test('seekTime finds the first record at or after a time', async (t) => {
  for (const compress of [false, true]) {
    const { dir, all } = await filledStore(300, { maxSizeBytes: 900, maxFiles: 1000, compress });
    const r = new StoreReader(dir);
    for (const k of [0, 1, 13, 150, 299]) {
      t.same(await readAll(r, await r.seekTime(all[k].time)), all.slice(k), `compress ${compress}, at record ${k}`);
    }
    // between two records
    const between = all[41].time.replace(/(\d)Z$/, (_, d) => `${Number(d) + 1}Z`);
    t.same((await readAll(r, await r.seekTime(between)))[0], all[42]);
    t.same(await r.seekTime('2000-01-01T00:00:00.000000000Z'), await r.start());
    t.same(await r.seekTime('2100-01-01T00:00:00.000000000Z'), await r.end());
    t.same(await r.seekTime('2026-11-22T04:00:00Z'), await r.start(), 'a time without fraction compares as .000000000');
  }
});

t.test('listContainerStores lists the container stores of a task by name', async (t) => {
  const dataDir = tmp();
  const arn = 'arn:aws:ecs:us-east-1:123456789012:task/default/abc123';
  t.same(listContainerStores(dataDir, arn), []);
  for (const name of ['web', 'app', 'sidecar']) {
    await (await StoreWriter.open(containerLogDir(dataDir, arn, name), meta, { maxSizeBytes: 100, maxFiles: 2, compress: false })).close();
  }
  writeFileSync(join(containerLogDir(dataDir, arn, 'web'), '..', 'stray-file'), '');
  mkdirSync(containerLogDir(dataDir, 'arn:aws:ecs:us-east-1:123456789012:task/default/other', 'x'), { recursive: true });
  t.same(listContainerStores(dataDir, arn), [
    { containerName: 'app', dir: containerLogDir(dataDir, arn, 'app') },
    { containerName: 'sidecar', dir: containerLogDir(dataDir, arn, 'sidecar') },
    { containerName: 'web', dir: containerLogDir(dataDir, arn, 'web') },
  ]);
});
