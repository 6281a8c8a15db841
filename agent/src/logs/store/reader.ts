// Readers of one container's store, safe to run while the writer appends, rotates, compresses and deletes.
//
// A position is (segment, offset in the segment's uncompressed content), always at the start of a line,
// so it stays valid when the segment is compressed. A read returns only newline-terminated lines (a
// write in progress is never seen half), and `next` is just after the last line returned, so continuing
// from it never returns a record twice. Segment N+1 is created only after N's last write, so when a
// reader at the end of N sees N+1 it reads N once more before moving on: nothing appended to N is missed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerLogDir, taskLogDir, type ContainerLogMeta, type LogRecord, type StorePosition } from '../types.js';
import { decodeRecord } from './format.js';
import { listSegments, NL, openSegment, scanBack, type GzCache, type SegmentEntry, type SegmentSource } from './segments.js';

export const META_FILE = 'meta.json';
export const COMPLETE_FILE = 'complete';

export function readMeta(dir: string): ContainerLogMeta | undefined {
  try {
    const v = JSON.parse(readFileSync(join(dir, META_FILE), 'utf8')) as ContainerLogMeta;
    return typeof v === 'object' && v !== null && typeof v.container_id === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function isComplete(dir: string): boolean {
  return existsSync(join(dir, COMPLETE_FILE));
}

/** execute-command session ids (the control plane's ecs-execute-command-<hex>): their transcripts' store names. */
const SESSION_STORE_PREFIX = 'ecs-execute-command-';

/**
 * Whether a store under the task's logs is an execute-command session's transcript (agent/src/exec/transcript.ts)
 * rather than a container's: its meta has a session_id (or the meta is not written yet and the name is a
 * session id).
 */
export function isSessionStore(dir: string, name: string): boolean {
  const meta = readMeta(dir);
  return meta ? meta.session_id !== undefined : name.startsWith(SESSION_STORE_PREFIX);
}

/** The container stores of one task, sorted by container name, session transcripts left out; [] when none. */
export function listContainerStores(dataDir: string, taskArn: string): Array<{ containerName: string; dir: string }> {
  let entries;
  try {
    entries = readdirSync(taskLogDir(dataDir, taskArn), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((containerName) => ({ containerName, dir: containerLogDir(dataDir, taskArn, containerName) }))
    .filter((s) => !isSessionStore(s.dir, s.containerName));
}

const SCAN_CHUNK = 1024 * 1024;

export interface ReadResult {
  records: LogRecord[];
  next: StorePosition;
  /** Segments deleted by rotation before they were read (whole or the unread rest). */
  skippedSegments: number;
}

export class StoreReader {
  private readonly gz: { value?: GzCache } = {};

  constructor(readonly dir: string) {}

  /** Position of the oldest record still on disk. */
  async start(): Promise<StorePosition> {
    const segs = listSegments(this.dir);
    return { segment: segs.length ? segs[0].n : 1, offset: 0 };
  }

  /** Position just after the last complete (newline-terminated) record. */
  async end(): Promise<StorePosition> {
    const segs = listSegments(this.dir);
    if (segs.length === 0) return { segment: 1, offset: 0 };
    for (let i = segs.length - 1; i >= 0; i--) {
      const src = await openSegment(this.dir, segs[i].n, this.gz);
      if (!src) continue; // an unreadable .gz (the newest segment is never deleted while it is newest)
      try {
        return { segment: segs[i].n, offset: (await scanBack(src, 0, false)).end };
      } finally {
        await src.close();
      }
    }
    return { segment: segs[segs.length - 1].n, offset: 0 };
  }

  /**
   * Complete records from `from`, stopping after about maxBytes (at least one record is returned when
   * one is there, however long); `next` is where to continue. When `from`'s segment was deleted by
   * rotation, reading continues at the oldest segment and skippedSegments counts the segments lost.
   * Undecodable lines (only possible after a host crash) are skipped.
   */
  async read(from: StorePosition, maxBytes: number): Promise<ReadResult> {
    const records: LogRecord[] = [];
    let segment = from.segment;
    let offset = from.offset;
    let skippedSegments = 0;
    let budget = Math.max(1, maxBytes);
    let segs = listSegments(this.dir);
    let sawNewer = false;
    for (;;) {
      const placed = place(segs, segment);
      if (placed === undefined) break; // beyond the newest segment (or no segments): nothing yet
      if (placed !== segment) {
        skippedSegments += placed - segment;
        segment = placed;
        offset = 0;
        sawNewer = false;
      }
      const src = await openSegment(this.dir, segment, this.gz);
      if (!src) {
        segs = listSegments(this.dir); // deleted since the listing
        if (place(segs, segment) === segment) segs = segs.filter((s) => s.n !== segment); // unreadable .gz
        continue;
      }
      let got: { bytes: number; full: boolean };
      try {
        got = await readLines(src, offset, budget, records.length === 0, records);
      } finally {
        await src.close();
      }
      offset += got.bytes;
      budget -= got.bytes;
      if (got.full || budget <= 0) break; // the budget, not the data, ended this read
      // At the end of this segment's complete lines: move on only if a newer segment exists, and only
      // after one more read that started after seeing it.
      if (sawNewer) {
        segment++;
        offset = 0;
        sawNewer = false;
        continue;
      }
      segs = listSegments(this.dir);
      if (segs.length === 0 || segs[segs.length - 1].n <= segment) break;
      sawNewer = true;
    }
    return { records, next: { segment, offset }, skippedSegments };
  }

  /** Position of the n-th record from the end (start() when there are fewer). */
  async tailPosition(n: number): Promise<StorePosition> {
    if (n <= 0) return this.end();
    let left = n;
    for (const seg of listSegments(this.dir).reverse()) {
      const src = await openSegment(this.dir, seg.n, this.gz);
      if (!src) return { segment: seg.n + 1, offset: 0 }; // deleted meanwhile, or an unreadable .gz
      try {
        const scan = await scanBack(src, left, false);
        if (scan.count === left) return { segment: seg.n, offset: scan.start };
        left -= scan.count;
      } finally {
        await src.close();
      }
    }
    return this.start();
  }

  /** Position of the first record whose time >= time, scanning from the oldest; end() if none. */
  async seekTime(time: string): Promise<StorePosition> {
    const target = fixedWidth(time);
    const prefix = Buffer.from('{"time":"');
    for (const seg of listSegments(this.dir)) {
      const src = await openSegment(this.dir, seg.n, this.gz);
      if (!src) continue;
      try {
        let pos = 0;
        let chunk = SCAN_CHUNK;
        for (;;) {
          const buf = await src.readAt(pos, chunk);
          const last = buf.lastIndexOf(NL);
          if (last < 0) {
            if (buf.length < chunk) break; // end of the complete lines
            chunk *= 2; // a line longer than the chunk
            continue;
          }
          for (let s = 0; s < last; ) {
            const e = buf.indexOf(NL, s);
            if (e - s > prefix.length && buf.compare(prefix, 0, prefix.length, s, s + prefix.length) === 0) {
              const q = buf.indexOf(0x22, s + prefix.length); // closing quote
              if (q >= 0 && q < e && buf.toString('latin1', s + prefix.length, q) >= target) {
                return { segment: seg.n, offset: pos + s };
              }
            }
            s = e + 1;
          }
          pos += last + 1;
          chunk = SCAN_CHUNK;
        }
      } finally {
        await src.close();
      }
    }
    return this.end();
  }
}

/** The segment to read for `segment`: itself if present, else the next one present; undefined if none. */
function place(segs: SegmentEntry[], segment: number): number | undefined {
  for (const s of segs) if (s.n >= segment) return s.n;
  return undefined;
}

/**
 * Reads complete lines of src from offset into out, using at most about budget bytes (a longer single
 * line is read whole, and alone, when mustGetOne). The buffer is no bigger than the data there. Returns
 * the bytes consumed and whether the budget rather than the data ended the read (more may follow now).
 */
async function readLines(
  src: SegmentSource,
  offset: number,
  budget: number,
  mustGetOne: boolean,
  out: LogRecord[],
): Promise<{ bytes: number; full: boolean }> {
  const avail = (await src.size()) - offset;
  if (avail <= 0) return { bytes: 0, full: false };
  let want = Math.min(budget, avail);
  const limited = want === budget;
  let grown = false;
  for (;;) {
    const buf = await src.readAt(offset, want);
    const last = grown ? buf.indexOf(NL) : buf.lastIndexOf(NL);
    if (last < 0) {
      if (limited && mustGetOne && buf.length === want) {
        want *= 2; // a line longer than the budget
        grown = true;
        continue;
      }
      return { bytes: 0, full: limited && buf.length === want };
    }
    if (grown) {
      pushLine(out, buf.toString('utf8', 0, last));
      return { bytes: last + 1, full: true };
    }
    const text = buf.toString('utf8', 0, last);
    let s = 0;
    for (;;) {
      const e = text.indexOf('\n', s);
      pushLine(out, e < 0 ? text.slice(s) : text.slice(s, e));
      if (e < 0) break;
      s = e + 1;
    }
    return { bytes: last + 1, full: limited && buf.length === want };
  }
}

function pushLine(out: LogRecord[], line: string): void {
  try {
    out.push(decodeRecord(line));
  } catch {
    // skip an undecodable line
  }
}

/** RFC 3339 with the fraction padded to 9 digits, so it compares with stored times as a string. */
function fixedWidth(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z`;
}
