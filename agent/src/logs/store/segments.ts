// Segment files of one container's store, shared by the writer and the readers.
//
// A segment is NNNNNN.log (the current one, and closed ones when compression is off) or NNNNNN.log.gz
// (a closed one, compressed). While a segment is being compressed, NNNNNN.log.gz.tmp exists beside the
// .log; after the rename both .log and .log.gz exist until the .log is unlinked. The two hold the same
// bytes, so a position (segment, offset in the uncompressed content) is valid in either. Readers open
// the .log and fall back to the .log.gz; a file opened stays readable after it is unlinked.
import { readdirSync, type Dirent } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';

const gunzip = promisify(gunzipCb);

export const NL = 0x0a;

const SEGMENT_RE = /^(\d{6,})\.log(\.gz)?$/;

export function segmentFileName(n: number): string {
  return `${String(n).padStart(6, '0')}.log`;
}

export function segmentLogPath(dir: string, n: number): string {
  return join(dir, segmentFileName(n));
}

export function segmentGzPath(dir: string, n: number): string {
  return join(dir, segmentFileName(n) + '.gz');
}

export function segmentGzTmpPath(dir: string, n: number): string {
  return join(dir, segmentFileName(n) + '.gz.tmp');
}

export interface SegmentEntry {
  n: number;
  log: boolean;
  gz: boolean;
}

/** The segments present in dir, oldest first; [] when dir is absent. */
export function listSegments(dir: string): SegmentEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  const byNumber = new Map<number, SegmentEntry>();
  for (const name of names) {
    const m = SEGMENT_RE.exec(name);
    if (!m) continue;
    const n = Number(m[1]);
    let e = byNumber.get(n);
    if (!e) byNumber.set(n, (e = { n, log: false, gz: false }));
    if (m[2]) e.gz = true;
    else e.log = true;
  }
  return [...byNumber.values()].sort((a, b) => a.n - b.n);
}

/** Names in dir that are leftovers of an interrupted compression. */
export function compressionLeftovers(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  return entries.filter((e) => e.isFile() && /^\d{6,}\.log\.gz\.tmp$/.test(e.name)).map((e) => e.name);
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** Random access to one segment's uncompressed content. */
export interface SegmentSource {
  readonly compressed: boolean;
  /** Bytes available now (a .log may grow while open; read past this is allowed). */
  size(): Promise<number>;
  /** Up to len bytes at pos (fewer at the end). */
  readAt(pos: number, len: number): Promise<Buffer>;
  close(): Promise<void>;
}

class FileSource implements SegmentSource {
  readonly compressed = false;
  constructor(private readonly fh: FileHandle) {}
  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }
  async readAt(pos: number, len: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(buf, got, len - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === len ? buf : buf.subarray(0, got);
  }
  close(): Promise<void> {
    return this.fh.close();
  }
}

class BufferSource implements SegmentSource {
  readonly compressed = true;
  constructor(private readonly data: Buffer) {}
  async size(): Promise<number> {
    return this.data.length;
  }
  async readAt(pos: number, len: number): Promise<Buffer> {
    return this.data.subarray(Math.min(pos, this.data.length), Math.min(pos + len, this.data.length));
  }
  async close(): Promise<void> {}
}

/** A one-entry cache of a decompressed segment, so reading a .gz piecewise decompresses it once. */
export interface GzCache {
  segment: number;
  data: Buffer;
}

/**
 * Opens segment n: its .log, else its .log.gz (decompressed whole). undefined when neither exists
 * (deleted by rotation) or the .gz is unreadable.
 */
export async function openSegment(
  dir: string,
  n: number,
  cache?: { value?: GzCache },
): Promise<SegmentSource | undefined> {
  try {
    return new FileSource(await open(segmentLogPath(dir, n), 'r'));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (cache?.value?.segment === n) return new BufferSource(cache.value.data);
  let data: Buffer;
  try {
    data = await gunzip(await readFile(segmentGzPath(dir, n)));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_')) return undefined; // corrupt: treat as lost
    throw err;
  }
  if (cache) cache.value = { segment: n, data };
  return new BufferSource(data);
}

const BACK_CHUNK = 64 * 1024;

export interface BackScan {
  /** Offset just after the last newline (the end of the last complete line); 0 when none. */
  end: number;
  /** Complete lines found before end, at most the number asked for. */
  count: number;
  /** Offset of the first of those lines (end when count is 0). */
  start: number;
  /** The lines themselves without newlines, newest first, when asked for. */
  lines?: Buffer[];
}

/**
 * Walks a segment backwards from `size` (or its current size): skips an unterminated tail, then finds up
 * to n complete lines. Reads in 64 KiB chunks; lines longer than a chunk are joined.
 */
export async function scanBack(src: SegmentSource, n: number, collect: boolean, size?: number): Promise<BackScan> {
  let pos = size ?? (await src.size());
  let lineEnd = -1; // offset of the newline ending the line being scanned
  let end = 0;
  let count = 0;
  const lines: Buffer[] | undefined = collect ? [] : undefined;
  let pieces: Buffer[] = [];
  while (pos > 0) {
    const len = Math.min(BACK_CHUNK, pos);
    const base = pos - len;
    const buf = await src.readAt(base, len);
    if (buf.length < len) {
      // The file shrank under us (a torn tail truncated by a reopening writer): start over from there.
      pos = base + buf.length;
      if (buf.length === 0) continue;
    }
    let i = buf.length; // bytes [0, i) of buf still to examine
    while (i > 0) {
      const j = buf.lastIndexOf(NL, i - 1);
      if (j < 0) {
        if (lineEnd >= 0 && lines) pieces.push(buf.subarray(0, i));
        break;
      }
      if (lineEnd < 0) {
        lineEnd = base + j;
        end = lineEnd + 1;
        if (n === 0) return { end, count: 0, start: end, lines };
      } else {
        if (lines) {
          pieces.push(buf.subarray(j + 1, i));
          lines.push(joinPieces(pieces));
          pieces = [];
        }
        count++;
        if (count === n) return { end, count, start: base + j + 1, lines };
        lineEnd = base + j;
      }
      i = j;
    }
    pos = base;
  }
  if (lineEnd >= 0) {
    // the first line of the segment
    if (lines) lines.push(joinPieces(pieces));
    count++;
    return { end, count, start: 0, lines };
  }
  return { end: 0, count: 0, start: 0, lines };
}

function joinPieces(pieces: Buffer[]): Buffer {
  if (pieces.length === 1) return pieces[0];
  return Buffer.concat(pieces.reverse());
}
