// The collector of one routed container: follows Docker's log of it (the Engine API, timestamps on) and
// appends its records to the container's store, which is also the checkpoint.
//
//   open the store → resume point from its last records → follow Docker's log from there → parse, join,
//   filter, skip what is already stored → append in batches (reading pauses while an append is in flight
//   and the next batch is full: memory stays bounded) → wake the shipper.
//
// Exactly once across restarts: records are stored in Docker's stream order, each keyed by (time, source).
// On (re)start the collector asks Docker for everything since (newest stored time − window) and skips the
// records whose key is among the stored records of that window, counting equal keys (a multiset). The
// window covers stdout and stderr being stamped by separate goroutines (a record may follow one stamped a
// little later). What was stored is never asked for again with a key that is not in the multiset.
//
// When the stream ends the container is inspected: if it no longer runs (exited, dead or gone) one last
// read without follow picks up anything the follow missed, the lines still being joined are complete as
// they are, and the store is marked complete. If it still runs (the daemon hiccupped) reading resumes
// from the store as on start. Errors are logged and retried with backoff; they never reach the agent.
import { backoffDelay } from '../session/backoff.js';
import { RuntimeError, type ContainerRuntime } from '../runtime/runtime.js';
import { addNanos, formatRfc3339Nano, parseRfc3339, shiftRfc3339 } from '../runtime/docker-time.js';
import type { Clock, Random, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { DockerStreamParser, LineJoiner } from './docker-stream.js';
import { StoreReader } from './store/reader.js';
import { StoreWriter } from './store/writer.js';
import type { ContainerLogMeta, LogRecord, StoreLimits } from './types.js';

export interface CollectorOptions {
  runtime: ContainerRuntime;
  /** Docker's id of the container. */
  containerId: string;
  /** The container's store directory. */
  dir: string;
  meta: ContainerLogMeta;
  limits: StoreLimits;
  /** The container has a TTY (its log stream is raw). */
  tty: boolean;
  /** Lines are joined up to this many bytes (ECS_CONTAINER_LOG_MAX_LINE_SIZE). */
  maxLineBytes: number;
  /** Keeps a record iff it returns true (include/exclude patterns). */
  filter?: (log: string) => boolean;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Called after records were appended (wakes the shipper). */
  onAppend?: () => void;
  /** How far back from the newest stored record reading resumes (default 2 s). */
  resumeWindowMs?: number;
  /**
   * The window of the last read after the container stopped, a check that the follow missed nothing
   * (default 100 ms: only the stamping skew of stdout and stderr, not an agent restart, is covered there).
   */
  finalWindowMs?: number;
  /** Records read back from the store to resume at most, divided by 4 (default 100,000: up to 400,000 when the window holds that many). */
  resumeRecords?: number;
  /** Delay before following again a container that still runs after its stream ended (default 1 s). */
  retryMs?: number;
  /** Records per append, and the point at which reading pauses while an append is in flight (default 8,192). */
  batchRecords?: number;
  /** Bytes of log per batch, likewise (default 4 MiB). */
  batchBytes?: number;
  /** Records are appended at most this long after they were read, unless a batch fills first (default 5 ms). */
  flushDelayMs?: number;
}

/** Where reading resumes: Docker's since and the stored keys at or after it. */
export interface ResumePoint {
  since?: string;
  /** (time, source) key → how many stored records have it. */
  skip?: Map<string, number>;
  /** Records stamped after this cannot be stored ones: the skip set is dropped then. */
  skipUntil?: string;
}

export const DEFAULT_RESUME_WINDOW_MS = 2_000;
export const DEFAULT_FINAL_WINDOW_MS = 100;
export const DEFAULT_RESUME_RECORDS = 100_000;
const DEFAULT_RETRY_MS = 1_000;
const DEFAULT_BATCH_RECORDS = 8_192;
const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;
const DEFAULT_FLUSH_DELAY_MS = 5;

/** Per source, within one stream: the newest time seen, the lines seen at it, and a replay in progress. */
export interface SourceOrder {
  last: string;
  /** The lines seen stamped `last`, in order (almost always one). */
  atLast: string[];
  /** While a replay that went back in time reaches `last`: how many of atLast it has still to repeat. */
  replaying: number;
}

function newOrder(): Record<LogRecord['source'], SourceOrder> {
  return { stdout: { last: '', atLast: [], replaying: -1 }, stderr: { last: '', atLast: [], replaying: -1 } };
}

/**
 * The replay guard. Docker 20.10 (local driver) may send a stretch of the log again within one follow
 * stream when its file rotates. Each source is stamped by one goroutine, so within a source times never
 * go back: a record older than the newest seen of its source is a replay, and so are as many records
 * stamped exactly that newest time as were seen. A stretch sent again may also begin exactly at the newest
 * record, with nothing older before it: a record stamped the newest time with the same line as one already
 * seen at that time is a replay too (one goroutine stamping two equal lines in the same nanosecond does not
 * happen). Records with the newest time and another line are genuine ties. (A wall clock stepped back
 * breaks this, as it breaks Docker's own `since`.) Pure apart from updating `o`.
 */
export function isReplay(o: SourceOrder, time: string, log: string): boolean {
  if (time > o.last) {
    o.last = time;
    o.atLast = [log];
    o.replaying = -1;
    return false;
  }
  if (time < o.last) {
    if (o.replaying < 0) o.replaying = o.atLast.length;
    return true;
  }
  // time === o.last: a replay reaching the newest time, or a genuine tie.
  if (o.replaying > 0) {
    o.replaying--;
    return true;
  }
  o.replaying = -1;
  if (o.atLast.includes(log)) return true;
  o.atLast.push(log);
  return false;
}

export function recordKey(r: Pick<LogRecord, 'time' | 'source'>): string {
  return r.source === 'stdout' ? r.time + 'o' : r.time + 'e';
}

/**
 * The resume point for a store whose last records are `last` (oldest first; `complete` when they are all
 * the store has). Pure.
 */
export function resumePointOf(last: LogRecord[], windowMs: number, complete: boolean): ResumePoint & { covered: boolean } {
  if (last.length === 0) return { covered: true };
  let max = last[0].time;
  for (const r of last) if (r.time > max) max = r.time;
  let since = shiftRfc3339(max, -windowMs);
  const covered = complete || last[0].time < since;
  // The window holds more records than were read: resume right after the oldest one read, so that every
  // stored record Docker sends again is in the skip set.
  if (!covered) since = formatRfc3339Nano(addNanos(parseRfc3339(last[0].time)!, 1));
  const skip = new Map<string, number>();
  for (const r of last) {
    if (r.time < since) continue;
    const k = recordKey(r);
    skip.set(k, (skip.get(k) ?? 0) + 1);
  }
  return { since, skip, skipUntil: shiftRfc3339(max, windowMs), covered };
}

type Readable = NodeJS.ReadableStream & { destroy?: (err?: Error) => void };

export class LogCollector {
  /** Resolves once the container's whole log is stored and the store marked complete. */
  readonly done: Promise<void>;
  /** Resolves once the store is open (or the collector closed before it could be). */
  readonly opened: Promise<void>;
  private resolveDone!: () => void;
  private resolveOpened!: () => void;
  private writer?: StoreWriter;
  private closed = false;
  private isComplete = false;
  private running?: Promise<void>;
  private stream?: Readable;
  private sleeping?: { timer: TimerHandle; wake: () => void };
  private readonly log: Logger;
  private readonly joiner: LineJoiner;

  // The read in progress.
  private batch: LogRecord[] = [];
  private batchBytes = 0;
  private appending?: Promise<void>;
  private appendError?: unknown;
  private skip?: Map<string, number>;
  private skipUntil = '';
  /** Per source, within one stream: the newest time seen and how many records had it (the replay guard). */
  private order: Record<LogRecord['source'], SourceOrder> = newOrder();
  private paused = false;
  /** Records Docker sent again within one stream (counted, dropped). */
  private replayed = 0;
  private pumpScheduled = false;

  constructor(private readonly o: CollectorOptions) {
    this.log = o.logger.child({ containerId: o.containerId.slice(0, 12), container: o.meta.container_name, taskArn: o.meta.ecs_task_arn });
    this.done = new Promise((r) => (this.resolveDone = r));
    this.opened = new Promise((r) => (this.resolveOpened = r));
    this.joiner = new LineJoiner(o.maxLineBytes, (r) => this.onRecord(r));
  }

  get complete(): boolean {
    return this.isComplete;
  }

  start(): void {
    this.running ??= this.run().catch((err) => this.log.error({ err: (err as Error).message }, 'log collector stopped'));
  }

  /** Stops reading, stores what was read, closes the store. The log is resumed from the store next time. */
  async close(): Promise<void> {
    this.closed = true;
    this.stream?.destroy?.();
    this.sleeping?.timer.cancel();
    this.sleeping?.wake();
    this.resolveOpened();
    await this.running;
    await this.writer?.close().catch((err) => this.log.warn({ err: (err as Error).message }, 'could not close the log store'));
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let follow = true;
    while (!this.closed) {
      try {
        if (!this.writer) {
          this.writer = await StoreWriter.open(this.o.dir, this.o.meta, this.o.limits);
          if (this.o.onAppend) this.writer.onAppend = this.o.onAppend;
          this.resolveOpened();
        }
        const resume = await this.resumePoint(this.writer, follow ? (this.o.resumeWindowMs ?? DEFAULT_RESUME_WINDOW_MS) : (this.o.finalWindowMs ?? DEFAULT_FINAL_WINDOW_MS));
        if (this.closed) break;
        const stream = (await this.o.runtime.containerLogs(this.o.containerId, { since: resume.since, follow })) as Readable;
        await this.read(stream, resume, !follow);
        if (this.closed) break;
        attempt = 0;
        if (!follow) {
          await this.writer.markComplete();
          this.finished();
          return;
        }
        const info = await this.o.runtime.inspectContainer(this.o.containerId);
        if (!info || info.state === 'exited' || info.state === 'dead') {
          follow = false; // one last read, not following, catches anything the follow missed
          continue;
        }
        await this.sleep(this.o.retryMs ?? DEFAULT_RETRY_MS);
      } catch (err) {
        if (this.closed) break;
        if (err instanceof RuntimeError && err.kind === 'not-found' && this.writer && !this.appendError) {
          // The container is gone, and its log with it: what was stored is all there is.
          this.log.info('container removed; its log is complete as stored');
          try {
            await this.writer.markComplete();
            this.finished();
            return;
          } catch (markErr) {
            err = markErr;
          }
        }
        if (this.appendError !== undefined) await this.reopen();
        const delay = backoffDelay(attempt++, this.o.random);
        this.log.warn({ err: (err as Error).message, delayMs: delay }, 'collecting the container log failed; retrying');
        await this.sleep(delay);
      }
    }
  }

  private finished(): void {
    this.isComplete = true;
    this.log.debug('container log complete');
    this.resolveDone();
  }

  /** After a failed append the store is opened again (which repairs a torn tail) and reading resumes from it. */
  private async reopen(): Promise<void> {
    this.appendError = undefined;
    const w = this.writer;
    this.writer = undefined;
    await w?.close().catch(() => undefined);
  }

  /** Reads back as few records as cover the window (1,024, then 4× more at a time, up to 4× resumeRecords). */
  private async resumePoint(writer: StoreWriter, window: number): Promise<ResumePoint> {
    const max = 4 * (this.o.resumeRecords ?? DEFAULT_RESUME_RECORDS);
    for (let n = Math.min(1024, max); ; n = Math.min(n * 4, max)) {
      const last = await writer.lastRecords(n);
      // All the store has is all there ever was only while rotation has deleted nothing (segment 1 is there):
      // otherwise Docker still has records older than the store's oldest, and they were stored once.
      const whole = last.length < n && (await new StoreReader(this.o.dir).start()).segment === 1;
      const point = resumePointOf(last, window, whole);
      if (point.covered || n >= max) {
        if (!point.covered) this.log.warn({ records: last.length }, 'more records than read back in the resume window; resuming after the oldest read');
        return point;
      }
    }
  }

  /** Reads one stream to its end (or the collector's close), storing what it carries. */
  private read(stream: Readable, resume: ResumePoint, final: boolean): Promise<void> {
    this.stream = stream;
    this.skip = resume.skip && resume.skip.size > 0 ? resume.skip : undefined;
    this.skipUntil = resume.skipUntil ?? '';
    this.joiner.reset();
    this.order = newOrder();
    this.paused = false;
    let failure: Error | undefined;
    const parser = new DockerStreamParser(this.joiner, {
      tty: this.o.tty,
      onDaemonError: (message) => (failure ??= new Error(`docker: ${message}`)),
    });
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        stream.removeListener('data', onData);
        stream.removeListener('end', onEnd);
        stream.removeListener('error', onError);
        stream.removeListener('close', onClose);
        stream.on('error', () => undefined); // late errors of a destroyed stream
        if (err) stream.destroy?.();
        this.stream = undefined;
        void this.drain().then(
          () => (err ? reject(err) : this.appendError !== undefined ? reject(this.appendError) : resolve()),
          reject,
        );
      };
      const onData = (chunk: Buffer | string) => {
        try {
          parser.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        } catch (err) {
          return settle(err as Error);
        }
        if (failure) return settle(failure);
        if (this.full()) this.pump();
        else this.schedulePump();
        if (this.appending && this.full() && !this.paused) {
          this.paused = true;
          stream.pause();
        }
      };
      const onEnd = () => {
        parser.end();
        if (final) this.joiner.flush();
        settle(failure);
      };
      const onError = (err: Error) => settle(err);
      const onClose = () => settle(this.closed ? undefined : new Error('log stream closed before its end'));
      stream.on('data', onData);
      stream.once('end', onEnd);
      stream.once('error', onError);
      stream.once('close', onClose);
      if (this.closed) settle();
    }).finally(() => {
      this.skip = undefined;
      if (this.replayed > 0) this.log.info({ records: this.replayed }, 'docker sent part of the log again (file rotation); dropped the repeats');
      this.replayed = 0;
    });
  }

  private onRecord(r: LogRecord): void {
    if (isReplay(this.order[r.source], r.time, r.log)) {
      this.replayed++;
      return;
    }
    if (this.o.filter && !this.o.filter(r.log)) return;
    if (this.skip) {
      if (r.time > this.skipUntil) {
        this.endSkip();
      } else {
        const k = recordKey(r);
        const n = this.skip.get(k);
        if (n !== undefined) {
          if (n > 1) this.skip.set(k, n - 1);
          else if (this.skip.delete(k) && this.skip.size === 0) this.skip = undefined;
          return;
        }
      }
    }
    this.batch.push(r);
    this.batchBytes += r.log.length;
  }

  private endSkip(): void {
    let missing = 0;
    for (const n of this.skip!.values()) missing += n;
    this.skip = undefined;
    // Stored records Docker no longer has: its buffer rotated past them while the agent was away.
    if (missing > 0) this.log.warn({ records: missing }, 'stored records not found again in the docker log; lines written meanwhile may be lost');
  }

  private full(): boolean {
    return this.batch.length >= (this.o.batchRecords ?? DEFAULT_BATCH_RECORDS) || this.batchBytes >= (this.o.batchBytes ?? DEFAULT_BATCH_BYTES);
  }

  /**
   * Appends are batched over a few milliseconds (an I/O detail, on the real timer): Docker sends a frame
   * per message, so appending at every event would cost a write per few records.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    const run = () => {
      this.pumpScheduled = false;
      this.pump();
    };
    const ms = this.o.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS;
    if (ms > 0) setTimeout(run, ms);
    else setImmediate(run);
  }

  /** Starts an append of the batch unless one is in flight (then the batch grows until that one is done). */
  private pump(): void {
    if (this.appending || this.batch.length === 0 || !this.writer || this.appendError !== undefined) return;
    const records = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    this.appending = this.writer.append(records).then(
      () => {
        this.appending = undefined;
        if (this.paused && !this.full()) {
          this.paused = false;
          this.stream?.resume();
        }
        this.pump();
      },
      (err) => {
        // The store is reopened and reading resumes from it: nothing read since is kept.
        this.appending = undefined;
        this.appendError = err;
        this.batch = [];
        this.batchBytes = 0;
        this.stream?.destroy?.(err as Error);
      },
    );
  }

  /** Waits for the appends in flight and appends what is left. */
  private async drain(): Promise<void> {
    for (;;) {
      if (this.appending) {
        await this.appending;
        continue;
      }
      if (this.batch.length === 0 || this.appendError !== undefined) return;
      this.pump();
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.sleeping = undefined;
        resolve();
      };
      this.sleeping = { timer: this.o.clock.setTimeout(wake, ms), wake };
    });
  }
}
