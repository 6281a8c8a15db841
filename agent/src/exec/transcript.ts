// The transcript of an execute-command session: its output as log records in a store of its own,
// ECS_DATADIR/logs/<task id>/<session id>/, written by the container stores' writer (logs/store/writer.ts)
// and read by the same ServeLogs path (a logs_request for container name <session id>). meta.json says which
// container it ran in (container_name is the container, not the session: that is how a session's store is
// told from a container's). The store is removed with the task's logs at its cleanup.
//
// Lines: output is split on "\n" per stream (stdout and stderr keep separate partial lines), a trailing "\r"
// is dropped (a terminal's "\r\n"), a line longer than maxLineBytes becomes records of that size flagged
// partial (cut on a UTF-8 boundary), and a partial last line is stored when the session ends; then the
// store is marked complete.
import { formatRfc3339Nano } from '../runtime/docker-time.js';
import type { ExecStream } from '../runtime/runtime.js';
import { StoreWriter } from '../logs/store/writer.js';
import type { ContainerLogMeta, LogRecord, StoreLimits } from '../logs/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

const NL = 0x0a;
const CR = 0x0d;

export interface TranscriptLine {
  source: ExecStream;
  log: string;
  partial?: boolean;
}

/** Bytes in, lines out, per stream. Pure. */
export class LineSplitter {
  private readonly pending: Record<ExecStream, Buffer[]> = { stdout: [], stderr: [] };
  private readonly pendingBytes: Record<ExecStream, number> = { stdout: 0, stderr: 0 };

  constructor(private readonly maxLineBytes: number) {}

  push(source: ExecStream, data: Buffer): TranscriptLine[] {
    const out: TranscriptLine[] = [];
    let at = 0;
    for (;;) {
      const nl = data.indexOf(NL, at);
      if (nl < 0) break;
      this.add(source, data.subarray(at, nl), out);
      out.push(this.line(source, this.take(source), false));
      at = nl + 1;
    }
    if (at < data.length) this.add(source, data.subarray(at), out);
    return out;
  }

  /** The partial last lines (the session is over). */
  end(): TranscriptLine[] {
    const out: TranscriptLine[] = [];
    for (const source of ['stdout', 'stderr'] as const) {
      if (this.pendingBytes[source] > 0) out.push(this.line(source, this.take(source), false));
    }
    return out;
  }

  /** Adds bytes of an unfinished line, cutting pieces of maxLineBytes off as it grows. */
  private add(source: ExecStream, part: Buffer, out: TranscriptLine[]): void {
    if (part.length === 0) return;
    this.pending[source].push(part);
    this.pendingBytes[source] += part.length;
    while (this.pendingBytes[source] > this.maxLineBytes) {
      const all = this.take(source);
      let cut = this.maxLineBytes;
      while (cut > 0 && (all[cut]! & 0xc0) === 0x80) cut--; // not inside a UTF-8 character
      if (cut === 0) cut = this.maxLineBytes;
      out.push({ source, log: all.subarray(0, cut).toString('utf8'), partial: true });
      const rest = all.subarray(cut);
      if (rest.length > 0) {
        this.pending[source].push(Buffer.from(rest));
        this.pendingBytes[source] = rest.length;
      }
    }
  }

  private take(source: ExecStream): Buffer {
    const parts = this.pending[source];
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.pending[source] = [];
    this.pendingBytes[source] = 0;
    return buf;
  }

  private line(source: ExecStream, buf: Buffer, partial: boolean): TranscriptLine {
    const end = buf.length > 0 && buf[buf.length - 1] === CR ? buf.length - 1 : buf.length;
    const line: TranscriptLine = { source, log: buf.subarray(0, end).toString('utf8') };
    if (partial) line.partial = true;
    return line;
  }
}

export interface TranscriptOptions {
  dir: string;
  meta: ContainerLogMeta;
  limits: StoreLimits;
  maxLineBytes: number;
  clock: Clock;
  logger: Logger;
}

/** Appends a session's output to its store; every method is safe to call after a failure (logged once). */
export class Transcript {
  private readonly splitter: LineSplitter;
  private readonly writer: Promise<StoreWriter | undefined>;
  private queue: Promise<void> = Promise.resolve();
  private failed = false;
  private lastMs = 0;
  private seq = 0;
  /** Bytes handed to push and not stored yet (the session pauses the output when this grows). */
  queuedBytes = 0;
  /** Called whenever queuedBytes went down. */
  onStored?: () => void;

  constructor(private readonly o: TranscriptOptions) {
    this.splitter = new LineSplitter(o.maxLineBytes);
    this.writer = StoreWriter.open(o.dir, o.meta, o.limits).catch((err) => {
      this.fail(err);
      return undefined;
    });
  }

  push(source: ExecStream, data: Buffer): void {
    if (this.failed) return;
    const lines = this.splitter.push(source, data);
    if (lines.length === 0) return;
    this.append(lines, data.length);
  }

  /** Stores the partial last lines, marks the store complete and closes it. */
  async finish(): Promise<void> {
    if (!this.failed) {
      const lines = this.splitter.end();
      if (lines.length > 0) this.append(lines, 0);
    }
    await this.queue;
    const w = await this.writer;
    if (!w) return;
    try {
      if (!this.failed) await w.markComplete();
    } catch (err) {
      this.fail(err);
    }
    await w.close().catch(() => undefined);
  }

  private append(lines: TranscriptLine[], bytes: number): void {
    const records = lines.map((l) => this.record(l));
    this.queuedBytes += bytes;
    this.queue = this.queue.then(async () => {
      const w = await this.writer;
      try {
        if (w && !this.failed) await w.append(records);
      } catch (err) {
        this.fail(err);
      } finally {
        this.queuedBytes -= bytes;
        this.onStored?.();
      }
    });
  }

  /** Times are the clock's, unique and increasing (nanoseconds count records within a millisecond). */
  private record(l: TranscriptLine): LogRecord {
    let ms = this.o.clock.now();
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.seq++;
    } else {
      this.lastMs = ms;
      this.seq = 0;
    }
    const nsec = (((ms % 1000) + 1000) % 1000) * 1_000_000 + Math.min(this.seq, 999_999);
    const r: LogRecord = { time: formatRfc3339Nano({ sec: Math.floor(ms / 1000), nsec }), source: l.source, log: l.log };
    if (l.partial) r.partial = true;
    return r;
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.o.logger.warn({ dir: this.o.dir, err: (err as Error).message }, 'the session transcript could not be written; the session goes on without it');
  }
}
