// Docker's log stream (GET /containers/{id}/logs?timestamps=1) in, records out. Pure and incremental: Buffer
// chunks go in as they arrive (a frame may be split anywhere); every complete message comes out at once.
//
// The hot path: a frame wholly inside a chunk is decoded in place with one utf8 decode (the time and the
// line are slices of that one string) and becomes one LogRecord, the only object made per line.
//
// What Docker sends (20.10, `local` and `json-file` drivers): one frame per message, the payload
// "<time> <message>" where time is RFC3339Nano with 9 fixed digits. Docker's copier cuts a line longer than
// 16 KiB into pieces of exactly 16 KiB and a last piece shorter than that, all stamped with the time of the
// first piece. A piece is sent without "\n"; so is the last piece by the `local` driver (json-file adds
// it), and so is what a container wrote without a newline before it exited. Hence the joiner's rule, per
// stream (stdout and stderr pieces may interleave): a message without "\n" of 16 KiB continues the line
// (unless the next message has another time: pieces of a line share one); anything else ends it. A line
// is joined up to the line limit; beyond it the line becomes consecutive records of the limit's size
// flagged partial (cut on a UTF-8 character boundary), the last piece unflagged. Nothing is dropped.
//
// A container with a TTY is not multiplexed: the same payloads come back to back, all stdout, with "\r\n"
// line ends (the "\r" is dropped). A 16 KiB piece is recognised by the timestamp that follows it; the
// local driver's unterminated last piece then ends where the next message's timestamp starts.
import { normalizeDockerTime } from '../runtime/docker-time.js';
import type { LogRecord, LogSource } from './types.js';

/** Docker's copier buffer: pieces of a longer line are exactly this long. */
export const DOCKER_PIECE_BYTES = 16 * 1024;
/** Length of "2026-11-22T04:00:11.427638524Z". */
const TIME_LEN = 30;
const HEADER = 8;
const NL = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const Z = 0x5a;
/** Docker's frames hold one message (at most 16 KiB and a timestamp); a bigger length means a corrupt stream. */
const MAX_FRAME = 16 * 1024 * 1024;
/** The longest time Docker may write (with a +hh:mm offset). */
const MAX_TIME_LEN = 35;
const EMPTY = Buffer.alloc(0);

/** Where the parser's messages go (the LineJoiner). */
export interface MessageSink {
  /** A whole message (it ended with "\n"), decoded; called only while `joining(source)` is false. */
  line(source: LogSource, time: string, line: string): void;
  /**
   * A message as bytes: one without "\n" (a piece of a long line, or the end of the log), or any message of
   * a source whose line is being joined. `newline` says whether it ended with "\n" (not included). The
   * buffer is the sink's to keep.
   */
  piece(source: LogSource, time: string, bytes: Buffer, newline: boolean): void;
  /** Whether a line of `source` is being joined (its next message is handed over as bytes). */
  joining(source: LogSource): boolean;
}

export interface ParserOptions {
  /** The container has a TTY: the stream is raw (not multiplexed), all stdout. */
  tty: boolean;
  /** Docker wrote an error into the stream (stream type 3), e.g. when it cannot read the log. */
  onDaemonError?: (message: string) => void;
}

/** The incremental parser of one log stream. */
export class DockerStreamParser {
  /** A frame (or, raw, the message) in progress across chunks. */
  private part: Buffer = EMPTY;
  private partLen = 0;
  /** Raw mode: after a 16 KiB piece, the rest of the line may end at the next message's timestamp. */
  private continuing = false;
  private lastTime = '1970-01-01T00:00:00.000000000Z';

  constructor(
    private readonly sink: MessageSink,
    private readonly o: ParserOptions = { tty: false },
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.o.tty) this.pushRaw(chunk);
    else this.pushFrames(chunk);
  }

  /** The end of the stream: what a raw stream left unterminated is the last message (no newline). */
  end(): void {
    if (this.o.tty && this.partLen > 0) {
      const buf = this.part.subarray(0, this.partLen);
      if (this.timeEnd(buf, 0) >= 0) this.emitRawPiece(buf, 0, buf.length, false);
    }
    this.partLen = 0;
    this.continuing = false;
  }

  /** Forgets a frame in progress (a new stream starts). */
  reset(): void {
    this.partLen = 0;
    this.part = EMPTY;
    this.continuing = false;
  }

  // ---- multiplexed ----

  private pushFrames(chunk: Buffer): void {
    let i = 0;
    const len = chunk.length;
    if (this.partLen > 0) {
      i = this.completePart(chunk);
      if (i < 0) return;
    }
    while (len - i >= HEADER) {
      const size = frameSize(chunk, i);
      const end = i + HEADER + size;
      if (end > len) break;
      this.frame(chunk[i], chunk, i + HEADER, end);
      i = end;
    }
    if (i < len) this.keep(chunk, i, len, len - i >= HEADER ? HEADER + frameSize(chunk, i) : HEADER);
  }

  /** Adds to the frame in progress; returns where the chunk's next frame starts, or -1 when the chunk is used up. */
  private completePart(chunk: Buffer): number {
    let used = 0;
    if (this.partLen < HEADER) {
      used = Math.min(HEADER - this.partLen, chunk.length);
      this.append(chunk, 0, used);
      if (this.partLen < HEADER) return -1;
    }
    const total = HEADER + frameSize(this.part, 0);
    if (this.part.length < total) this.grow(total);
    const take = Math.min(total - this.partLen, chunk.length - used);
    this.append(chunk, used, used + take);
    used += take;
    if (this.partLen < total) return -1;
    const frame = this.part;
    this.partLen = 0;
    this.part = EMPTY;
    this.frame(frame[0], frame, HEADER, total);
    return used;
  }

  private frame(type: number, buf: Buffer, start: number, end: number): void {
    if (type === 3) {
      this.o.onDaemonError?.(buf.toString('utf8', start, end).trim());
      return;
    }
    const source: LogSource = type === 2 ? 'stderr' : 'stdout';
    let contentStart: number;
    let time: string;
    if (end - start > TIME_LEN && buf[start + TIME_LEN - 1] === Z && buf[start + TIME_LEN] === SP) {
      contentStart = start + TIME_LEN + 1;
      time = '';
    } else {
      contentStart = this.timeEnd(buf, start);
      if (contentStart < 0) contentStart = start; // no timestamp: the whole payload is the message
      time = this.slowTime(buf, start, contentStart);
    }
    const newline = end > contentStart && buf[end - 1] === NL;
    if (newline && !this.sink.joining(source)) {
      // The hot path: one decode, two slices.
      if (time === '') {
        const s = buf.toString('utf8', start, end - 1);
        this.lastTime = time = s.slice(0, TIME_LEN);
        this.sink.line(source, time, s.slice(TIME_LEN + 1));
      } else {
        this.sink.line(source, time, buf.toString('utf8', contentStart, end - 1));
      }
      return;
    }
    if (time === '') this.lastTime = time = buf.toString('latin1', start, start + TIME_LEN);
    this.sink.piece(source, time, Buffer.from(buf.subarray(contentStart, newline ? end - 1 : end)), newline);
  }

  // ---- raw (TTY) ----

  private pushRaw(chunk: Buffer): void {
    let buf: Buffer;
    if (this.partLen > 0) {
      this.append(chunk, 0, chunk.length);
      buf = this.part.subarray(0, this.partLen);
    } else {
      buf = chunk;
    }
    const len = buf.length;
    let i = 0;
    for (;;) {
      const contentStart = this.timeEnd(buf, i);
      if (contentStart < 0) {
        if (len - i > MAX_TIME_LEN) {
          // Not a timestamp where one must be: resynchronise on the next line.
          const nl = buf.indexOf(NL, i);
          if (nl < 0) {
            i = len;
            break;
          }
          i = nl + 1;
          continue;
        }
        break; // wait for the rest of the timestamp
      }
      const limit = contentStart + DOCKER_PIECE_BYTES;
      const searchEnd = Math.min(len, limit + 1);
      let nl = buf.indexOf(NL, contentStart);
      if (nl >= searchEnd) nl = -1;
      if (this.continuing) {
        const ts = findTimestamp(buf, contentStart, nl >= 0 ? nl : searchEnd);
        if (ts >= 0) {
          this.emitRawPiece(buf, i, ts, false);
          i = ts;
          continue;
        }
      }
      if (nl >= 0) {
        this.emitRawPiece(buf, i, nl, true);
        i = nl + 1;
        continue;
      }
      // No newline: a full 16 KiB piece once it and the next message's timestamp are here.
      if (len >= limit + TIME_LEN + 1 && this.timeEnd(buf, limit) >= 0) {
        this.emitRawPiece(buf, i, limit, false);
        i = limit;
        continue;
      }
      if (len - contentStart > DOCKER_PIECE_BYTES + MAX_TIME_LEN + 1) {
        // More than a piece without a newline or a timestamp after it: Docker never sends this; keep a piece.
        this.emitRawPiece(buf, i, limit, false);
        i = limit;
        continue;
      }
      break;
    }
    if (i >= len) {
      this.partLen = 0;
      if (this.part.length > 4 * DOCKER_PIECE_BYTES) this.part = EMPTY;
    } else if (buf === chunk) {
      this.partLen = 0;
      this.append(chunk, i, len);
    } else {
      this.part.copy(this.part, 0, i, len);
      this.partLen = len - i;
    }
  }

  /** A raw message from its timestamp at `start` to `end` (exclusive; the "\n" when newline). */
  private emitRawPiece(buf: Buffer, start: number, end: number, newline: boolean): void {
    const contentStart = this.timeEnd(buf, start);
    const time = this.slowTime(buf, start, contentStart);
    let contentEnd = end;
    const piece = !newline && end - contentStart === DOCKER_PIECE_BYTES;
    if (!piece && contentEnd > contentStart && buf[contentEnd - 1] === CR) contentEnd--;
    this.continuing = piece;
    if (newline && !this.sink.joining('stdout')) {
      this.sink.line('stdout', time, buf.toString('utf8', contentStart, contentEnd));
    } else {
      this.sink.piece('stdout', time, Buffer.from(buf.subarray(contentStart, contentEnd)), newline);
    }
  }

  // ---- helpers ----

  /** Where the message starts after the timestamp at `start` and its space, or -1 when there is none (yet). */
  private timeEnd(buf: Buffer, start: number): number {
    if (buf.length - start > TIME_LEN && buf[start + TIME_LEN - 1] === Z && buf[start + TIME_LEN] === SP && isTimestampAt(buf, start)) {
      return start + TIME_LEN + 1;
    }
    const end = Math.min(buf.length, start + MAX_TIME_LEN + 1);
    for (let k = start + 20; k < end; k++) {
      if (buf[k] === SP) return normalizeDockerTime(buf.toString('latin1', start, k)) !== undefined ? k + 1 : -1;
    }
    return -1;
  }

  /** The time of a message whose timestamp spans [start, contentStart - 1), in the fixed UTC format. */
  private slowTime(buf: Buffer, start: number, contentStart: number): string {
    if (contentStart <= start) return this.lastTime;
    const t = normalizeDockerTime(buf.toString('latin1', start, contentStart - 1));
    if (t !== undefined) this.lastTime = t;
    return this.lastTime;
  }

  private keep(chunk: Buffer, from: number, to: number, expected: number): void {
    this.partLen = 0;
    this.grow(Math.max(expected, to - from));
    this.append(chunk, from, to);
  }

  private append(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    if (this.partLen + n > this.part.length) this.grow(Math.max(this.partLen + n, this.part.length * 2, 64));
    chunk.copy(this.part, this.partLen, from, to);
    this.partLen += n;
  }

  private grow(size: number): void {
    if (size <= this.part.length) return;
    const next = Buffer.allocUnsafe(size);
    if (this.partLen > 0) this.part.copy(next, 0, 0, this.partLen);
    this.part = next;
  }
}

function frameSize(buf: Buffer, i: number): number {
  const size = buf.readUInt32BE(i + 4);
  if (size > MAX_FRAME || buf[i] > 3) throw new Error(`corrupt log stream: frame of type ${buf[i]} and ${size} bytes`);
  return size;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** "dddd-dd-ddTdd:dd:dd.ddddddddd" at i, followed by Z or an offset and a space. */
export function isTimestampAt(buf: Buffer, i: number): boolean {
  if (buf.length - i < TIME_LEN + 1) return false;
  for (const k of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) if (!isDigit(buf[i + k])) return false;
  if (buf[i + 4] !== 0x2d || buf[i + 7] !== 0x2d || buf[i + 10] !== 0x54 || buf[i + 13] !== 0x3a || buf[i + 16] !== 0x3a || buf[i + 19] !== 0x2e) return false;
  for (let k = 20; k < 29; k++) if (!isDigit(buf[i + k])) return false;
  if (buf[i + 29] === Z) return buf[i + 30] === SP;
  return (buf[i + 29] === 0x2b || buf[i + 29] === 0x2d) && buf.length - i > MAX_TIME_LEN && buf[i + MAX_TIME_LEN] === SP;
}

/** The first timestamp (of a following message) in [from, to), or -1. */
function findTimestamp(buf: Buffer, from: number, to: number): number {
  for (let k = buf.indexOf(0x54 /* T */, from + 10); k >= 0 && k - 10 < to; k = buf.indexOf(0x54, k + 1)) {
    if (isTimestampAt(buf, k - 10)) return k - 10;
  }
  return -1;
}

/**
 * Joins pieces into lines, per source, up to `maxLineBytes`, and hands out records in stream order (a
 * joined line when its last piece arrives).
 */
export class LineJoiner implements MessageSink {
  private readonly pending: [Buffer[], Buffer[]] = [[], []];
  private readonly size = [0, 0];
  private readonly times = ['', ''];
  private readonly order = [0, 0];
  private seq = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly emit: (r: LogRecord) => void,
  ) {
    if (!(maxLineBytes >= 4)) throw new Error(`line limit too small: ${maxLineBytes}`);
  }

  joining(source: LogSource): boolean {
    return this.pending[source === 'stdout' ? 0 : 1].length > 0;
  }

  line(source: LogSource, time: string, line: string): void {
    this.emit({ time, source, log: line });
  }

  piece(source: LogSource, time: string, bytes: Buffer, newline: boolean): void {
    const k = source === 'stdout' ? 0 : 1;
    // Pieces of one line share its time: another time means the line in progress had ended (what a
    // container wrote without a newline, exactly 16 KiB of it, before another message).
    if (this.pending[k].length > 0 && time !== this.times[k]) this.finish(k, source);
    const parts = this.pending[k];
    if (parts.length === 0) this.order[k] = this.seq++;
    parts.push(bytes);
    this.size[k] += bytes.length;
    this.times[k] = time;
    while (this.size[k] > this.maxLineBytes) this.cut(k, source);
    // (At least a piece: a daemon whose log driver cuts bigger pieces is joined the same way.)
    if (newline || bytes.length < DOCKER_PIECE_BYTES) this.finish(k, source);
  }

  /** The end of the container's log: lines in progress are complete as they are (in the order they began). */
  flush(): void {
    const ks = [0, 1].filter((k) => this.pending[k].length > 0).sort((a, b) => this.order[a] - this.order[b]);
    for (const k of ks) this.finish(k, k === 0 ? 'stdout' : 'stderr');
  }

  /** Drops lines in progress (the stream was cut; they come again when it resumes). */
  reset(): void {
    for (const k of [0, 1]) {
      this.pending[k] = [];
      this.size[k] = 0;
    }
  }

  private finish(k: number, source: LogSource): void {
    const parts = this.pending[k];
    if (parts.length === 0) return;
    const all = parts.length === 1 ? parts[0] : Buffer.concat(parts, this.size[k]);
    this.pending[k] = [];
    this.size[k] = 0;
    this.emit({ time: this.times[k], source, log: all.toString('utf8') });
  }

  /** Emits the first maxLineBytes of the line in progress as a partial record (not splitting a character). */
  private cut(k: number, source: LogSource): void {
    const all = Buffer.concat(this.pending[k], this.size[k]);
    let at = this.maxLineBytes;
    for (let back = 0; back < 3 && (all[at] & 0xc0) === 0x80; back++) at--;
    if ((all[at] & 0xc0) === 0x80) at = this.maxLineBytes; // not UTF-8: cut where the limit says
    const rest = all.subarray(at);
    this.pending[k] = rest.length > 0 ? [rest] : [];
    this.size[k] = rest.length;
    this.emit({ time: this.times[k], source, log: all.toString('utf8', 0, at), partial: true });
  }
}

/** Parses a whole stream at once (tests, tools): the records in order, lines in progress flushed at the end. */
export function parseDockerLog(chunks: Iterable<Buffer>, o: { tty?: boolean; maxLineBytes?: number } = {}): LogRecord[] {
  const out: LogRecord[] = [];
  const joiner = new LineJoiner(o.maxLineBytes ?? 1024 * 1024, (r) => out.push(r));
  const parser = new DockerStreamParser(joiner, { tty: o.tty ?? false });
  for (const c of chunks) parser.push(c);
  parser.end();
  joiner.flush();
  return out;
}
