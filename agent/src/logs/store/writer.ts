// The writer of one container's store (one writer per store; readers may run concurrently, see reader.ts).
//
// The current segment stays open in append mode and its size is tracked in memory, so an append is one
// Buffer.from of the batch and one write(2) per segment it touches: no per-record syscalls. Rotation
// closes the current segment before a record would take it past maxSizeBytes and opens the next, then
// deletes the oldest segments beyond maxFiles and (with compression) queues the closed one for gzip.
// Nothing is fsynced per append: the store is a checkpoint of Docker's own log files, and a crash of the
// agent (not of the host) keeps whatever write(2) accepted.
import { mkdirSync, rmSync } from 'node:fs';
import { open, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../state/atomic-write.js';
import type { ContainerLogMeta, LogRecord, StoreLimits } from '../types.js';
import { Compressor } from './compressor.js';
import { decodeRecord, encodeRecord } from './format.js';
import { COMPLETE_FILE, META_FILE, readMeta } from './reader.js';
import {
  compressionLeftovers,
  isNotFound,
  listSegments,
  NL,
  openSegment,
  scanBack,
  segmentGzPath,
  segmentGzTmpPath,
  segmentLogPath,
} from './segments.js';

interface ClosedSegment {
  n: number;
  logBytes: number;
  gzBytes: number;
}

export class StoreWriter {
  /** Called after every append that wrote something (shippers and followers wake on it). */
  onAppend?: () => void;

  private readonly closed: ClosedSegment[] = []; // oldest first
  private readonly compressor: Compressor | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closing = false;

  private constructor(
    readonly dir: string,
    private readonly limits: StoreLimits,
    private current: number,
    private fh: FileHandle,
    private size: number,
  ) {
    if (limits.compress) {
      this.compressor = new Compressor(dir, {
        wanted: (n) => this.closed.some((s) => s.n === n),
        compressed: (n, gzBytes) => {
          const s = this.closed.find((c) => c.n === n);
          if (s) {
            s.logBytes = 0;
            s.gzBytes = gzBytes;
          }
        },
      });
    }
  }

  /**
   * Creates dir and meta.json (rewritten when the container id differs), repairs a torn last line of the
   * current segment, removes the `complete` marker, deletes segments beyond maxFiles and queues closed,
   * uncompressed segments for compression.
   */
  static async open(dir: string, meta: ContainerLogMeta, limits: StoreLimits): Promise<StoreWriter> {
    if (!(limits.maxSizeBytes >= 1) || !(limits.maxFiles >= 1)) {
      throw new RangeError(`bad store limits: maxSizeBytes ${limits.maxSizeBytes}, maxFiles ${limits.maxFiles}`);
    }
    mkdirSync(dir, { recursive: true });
    const known = readMeta(dir);
    if (!known || known.container_id !== meta.container_id) {
      writeFileAtomic(join(dir, META_FILE), JSON.stringify(meta) + '\n');
    }
    rmSync(join(dir, COMPLETE_FILE), { force: true });
    for (const name of compressionLeftovers(dir)) rmSync(join(dir, name), { force: true });

    const segs = listSegments(dir);
    const last = segs[segs.length - 1];
    let current: number;
    let closedEntries = segs;
    if (last && last.log && !last.gz) {
      current = last.n;
      closedEntries = segs.slice(0, -1);
    } else {
      // empty store, or the newest segment is already compressed (drop a stale .log beside it)
      current = last ? last.n + 1 : 1;
      if (last?.log) rmSync(segmentLogPath(dir, last.n), { force: true });
      if (last) last.log = false;
    }
    await repairTail(dir, current);
    const fh = await open(segmentLogPath(dir, current), 'a');
    const size = (await fh.stat()).size;
    const w = new StoreWriter(dir, limits, current, fh, size);

    for (const e of closedEntries) {
      if (e.gz && e.log) {
        // interrupted between the rename and the unlink: the .gz is whole (fsynced before the rename)
        rmSync(segmentLogPath(dir, e.n), { force: true });
        e.log = false;
      }
      const bytes = await fileSize(e.gz ? segmentGzPath(dir, e.n) : segmentLogPath(dir, e.n));
      w.closed.push({ n: e.n, logBytes: e.log ? bytes : 0, gzBytes: e.gz ? bytes : 0 });
    }
    await w.enforceMaxFiles();
    if (w.compressor) for (const s of w.closed) if (s.logBytes > 0) w.compressor.enqueue(s.n);
    return w;
  }

  /** The last n records, across segments, oldest first (for the collector's resume window). */
  lastRecords(n: number): Promise<LogRecord[]> {
    return this.serialize(async () => {
      const out: LogRecord[] = [];
      if (n <= 0) return out;
      const segs = [...this.closed.map((s) => s.n), this.current];
      for (let i = segs.length - 1; i >= 0 && out.length < n; i--) {
        const src = await openSegment(this.dir, segs[i]);
        if (!src) continue;
        try {
          const size = segs[i] === this.current ? this.size : undefined;
          const scan = await scanBack(src, n - out.length, true, size);
          for (const line of scan.lines!) {
            try {
              out.push(decodeRecord(line.toString('utf8')));
            } catch {
              // an undecodable line (only after a host crash) is not a record
            }
          }
        } finally {
          await src.close();
        }
      }
      return out.reverse();
    });
  }

  /** Appends in order; resolves once written. Calls are serialized. */
  append(records: LogRecord[]): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`log store ${this.dir} is closed`));
    return this.serialize(() => this.write(records));
  }

  /** Bytes currently used by the segments. */
  diskBytes(): number {
    let total = this.size;
    for (const s of this.closed) total += s.logBytes + s.gzBytes;
    return total;
  }

  /** Creates the `complete` marker: the container exited and its whole log is collected. */
  markComplete(): Promise<void> {
    return this.serialize(async () => {
      await this.fh.datasync();
      writeFileAtomic(join(this.dir, COMPLETE_FILE), '');
    });
  }

  /** Closes the current segment; waits for pending appends and background compression. */
  close(): Promise<void> {
    if (this.closing) return this.queue.then(() => undefined);
    this.closing = true;
    return this.serialize(async () => {
      try {
        await this.fh.close();
      } finally {
        await this.compressor?.idle();
      }
    });
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(records: LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const parts = new Array<string>(records.length);
    for (let i = 0; i < records.length; i++) parts[i] = encodeRecord(records[i]);
    const buf = Buffer.from(parts.join(''), 'utf8');
    const max = this.limits.maxSizeBytes;
    if (this.size + buf.length <= max) {
      await this.writeAll(buf);
    } else {
      // Split at the records where the segment would overflow.
      let groupStart = 0; // byte offset in buf of the group for the current segment
      let at = 0;
      for (let i = 0; i < parts.length; i++) {
        const b = Buffer.byteLength(parts[i], 'utf8');
        if (this.size + (at - groupStart) > 0 && this.size + (at - groupStart) + b > max) {
          if (at > groupStart) await this.writeAll(buf.subarray(groupStart, at));
          groupStart = at;
          await this.rotate();
        }
        at += b;
      }
      if (at > groupStart) await this.writeAll(buf.subarray(groupStart, at));
    }
    try {
      this.onAppend?.();
    } catch {
      // a listener's failure is not the writer's
    }
  }

  /**
   * One write(2) (more only if the kernel takes part of it). If it fails part way (ENOSPC, EIO), the
   * segment is cut back to the last whole record written, so it never holds a torn line that the next
   * append would glue to its first record; the append rejects with the records before the cut stored.
   */
  private async writeAll(buf: Buffer): Promise<void> {
    let off = 0;
    try {
      while (off < buf.length) {
        const { bytesWritten } = await this.fh.write(buf, off, buf.length - off, null);
        off += bytesWritten;
        this.size += bytesWritten;
      }
    } catch (err) {
      if (off > 0) {
        const keep = this.size - off + buf.lastIndexOf(NL, off - 1) + 1;
        try {
          await this.fh.truncate(keep);
          this.size = keep;
        } catch {
          // the tail stays torn; the next open repairs it
        }
      }
      throw err;
    }
  }

  private async rotate(): Promise<void> {
    const prev = this.current;
    const next = prev + 1;
    if (this.compressor) {
      // The closed segment is compressed before the next one starts to fill: while its .gz is being
      // written beside it, the store holds at most maxFiles - 1 segments plus that .gz (smaller than a
      // segment), so disk use never passes maxFiles × maxSizeBytes. Appends wait meanwhile (backpressure).
      await this.fh.close();
      this.closed.push({ n: prev, logBytes: this.size, gzBytes: 0 });
      await this.enforceMaxFiles();
      if (this.closed.some((s) => s.n === prev)) this.compressor.enqueue(prev);
      await this.compressor.idle();
      this.fh = await open(segmentLogPath(this.dir, next), 'a');
      this.current = next;
      this.size = (await this.fh.stat()).size;
      return;
    }
    const fh = await open(segmentLogPath(this.dir, next), 'a');
    const size = (await fh.stat()).size;
    await this.fh.close();
    this.closed.push({ n: prev, logBytes: this.size, gzBytes: 0 });
    this.fh = fh;
    this.current = next;
    this.size = size;
    await this.enforceMaxFiles();
  }

  private async enforceMaxFiles(): Promise<void> {
    const excess = this.closed.length + 1 - this.limits.maxFiles;
    if (excess <= 0) return;
    const doomed = this.closed.splice(0, excess); // forgotten first, so the compressor drops them
    for (const s of doomed) {
      await rm(segmentLogPath(this.dir, s.n), { force: true });
      await rm(segmentGzPath(this.dir, s.n), { force: true });
      await rm(segmentGzTmpPath(this.dir, s.n), { force: true });
    }
  }
}

/** Truncates an unterminated or undecodable tail of the current segment (a write torn by a crash). */
async function repairTail(dir: string, n: number): Promise<void> {
  const src = await openSegment(dir, n);
  if (!src) return;
  if (src.compressed) return src.close();
  let keep: number;
  try {
    const size = await src.size();
    let scan = await scanBack(src, 1, true, size);
    keep = scan.end;
    while (scan.count === 1 && !decodable(scan.lines![0])) {
      keep = scan.start;
      scan = await scanBack(src, 1, true, keep);
    }
    if (keep === size) return;
  } finally {
    await src.close();
  }
  await truncate(segmentLogPath(dir, n), keep);
}

function decodable(line: Buffer): boolean {
  try {
    decodeRecord(line.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if (isNotFound(err)) return 0;
    throw err;
  }
}
