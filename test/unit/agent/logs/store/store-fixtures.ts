// Shared fixtures of the store tests.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeRecord } from '../../../../../agent/src/logs/store/format.js';
import { StoreReader } from '../../../../../agent/src/logs/store/reader.js';
import type { ContainerLogMeta, LogRecord, StorePosition } from '../../../../../agent/src/logs/types.js';

export const meta: ContainerLogMeta = {
  container_name: 'web',
  container_id: 'c0ffee',
  ecs_cluster: 'default',
  ecs_task_arn: 'arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef',
  ecs_task_definition: 'web:1',
};

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under os.tmpdir(), removed when the test process exits. */
export function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-logstore-'));
  made.push(dir);
  return dir;
}

/** A fixed-width time for record i (1 µs apart). */
export function timeOf(i: number): string {
  const d = new Date(Date.UTC(2026, 10, 22, 4, 0, 0) + Math.floor(i / 1_000_000) * 1000);
  return d.toISOString().slice(0, 19) + '.' + String((i % 1_000_000) * 1000).padStart(9, '0') + 'Z';
}

/** Record number i: its log starts with "#<i> " and is padded to `size` characters. */
export function rec(i: number, size = 20): LogRecord {
  const head = `#${i} `;
  return { time: timeOf(i), source: i % 3 === 0 ? 'stderr' : 'stdout', log: head + 'x'.repeat(Math.max(0, size - head.length)) };
}

export function numberOf(r: LogRecord): number {
  return Number(/^#(\d+) /.exec(r.log)![1]);
}

export function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => /^\d{6,}\.log(\.gz)?$/.test(n)).sort();
}

/** The records of every segment on disk, oldest first, with the segment file each came from. */
export function recordsOnDisk(dir: string): Array<{ file: string; records: LogRecord[]; bytes: number }> {
  return segmentFiles(dir).map((file) => {
    const raw = readFileSync(join(dir, file));
    const content = file.endsWith('.gz') ? gunzipSync(raw) : raw;
    const text = content.toString('utf8');
    const records = text === '' ? [] : text.slice(0, -1).split('\n').map(decodeRecord);
    return { file, records, bytes: content.length };
  });
}

export function fileBytes(dir: string): number {
  return segmentFiles(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/** Reads the whole store from `from` in pieces of maxBytes. */
export async function readAll(reader: StoreReader, from: StorePosition, maxBytes = 1 << 20): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  let pos = from;
  for (;;) {
    const got = await reader.read(pos, maxBytes);
    out.push(...got.records);
    if (got.records.length === 0 && got.next.segment === pos.segment && got.next.offset === pos.offset) return out;
    pos = got.next;
  }
}
