// A shipper delivers one container's store to one output (forward, http, stdout), following the store
// from a persisted cursor (cursor-<output>.json):
//
//   read one batch (≤ batchBytes of store content) from the cursor → send it, retrying until it goes
//   through → save the cursor past it → next batch; when caught up, wait for wake() (records appended)
//   or a 1 s poll.
//
// Guarantees and bounds:
// - Delivery is at-least-once. The cursor is saved after each delivered batch, so an agent restart (or a
//   crash between a send and its cursor save) resends at most the batch in flight; a send that fails
//   part-way (connection lost after the receiver got some of it) is retried whole.
// - Memory is one batch whatever the destination does: nothing is read ahead of the batch being sent.
//   A slow or absent destination costs disk instead, bounded by the store's rotation.
// - A failing destination is retried forever with full-jitter exponential backoff (200 ms doubling to
//   30 s), with a warning at most every 30 s. Records rotated away before they were delivered are lost
//   to this output (still counted and logged, never a crash); the store itself only ever keeps its bound.
import type { Logger } from '../../util/logger.js';
import type { Clock, Random, TimerHandle } from '../../util/clock.js';
import type { RoutedLogConfig } from '../../../../common/log-options.js';
import { firelensTag, type ContainerLogMeta, type LogRecord, type StorePosition } from '../types.js';
import { StoreReader } from '../store/reader.js';
import { loadCursor, saveCursor } from '../store/cursor.js';
import type { Batch, Destination } from './destination.js';
import { ForwardDestination } from './forward.js';
import { HttpDestination } from './http.js';
import { StdoutDestination } from './stdout.js';

/** What a shipper needs of the store (StoreReader; tests substitute a counting one). */
export interface ShipperStoreReader {
  start(): Promise<StorePosition>;
  end(): Promise<StorePosition>;
  read(from: StorePosition, maxBytes: number): Promise<{ records: LogRecord[]; next: StorePosition; skippedSegments: number }>;
}

export interface ShipperOptions {
  dir: string; // the container's store dir
  meta: ContainerLogMeta;
  config: RoutedLogConfig; // config.output is forward | http | stdout (file needs no shipper)
  clock: Clock;
  random: Random;
  logger: Logger;
  stdout?: NodeJS.WritableStream; // for the stdout output; default process.stdout
  /** Store bytes per batch; default 1 MiB. */
  batchBytes?: number;
  /** Bound on one send attempt (connection, write, ack or response); default 30 s. */
  timeoutMs?: number;
  /** Default new StoreReader(dir). */
  reader?: ShipperStoreReader;
}

export interface Shipper {
  /** New records were appended to the store. */
  wake(): void;
  /** Resolves true once everything in the store at the time of the call was delivered, false after timeoutMs. */
  drain(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export const DEFAULT_BATCH_BYTES = 1024 * 1024;
export const POLL_MS = 1000;
export const BACKOFF_BASE_MS = 200;
export const BACKOFF_MAX_MS = 30_000;
export const WARN_EVERY_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;

/** undefined for output 'file'. */
export function createShipper(o: ShipperOptions): Shipper | undefined {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let dest: Destination;
  switch (o.config.output) {
    case 'file':
      return undefined;
    case 'forward':
      if (!o.config.forward) throw new Error('forward output without its options');
      dest = new ForwardDestination({ output: o.config.forward, clock: o.clock, random: o.random, timeoutMs });
      break;
    case 'http':
      if (!o.config.http) throw new Error('http output without its options');
      dest = new HttpDestination({ output: o.config.http, clock: o.clock, timeoutMs });
      break;
    case 'stdout':
      dest = new StdoutDestination(o.stdout ?? process.stdout);
      break;
  }
  return startShipper(o, dest);
}

/** A shipper of the store to a given destination (createShipper builds the destination from the config; tests pass fakes). */
export function startShipper(o: ShipperOptions, dest: Destination): Shipper {
  return new StoreShipper(o, dest);
}

interface DrainWaiter {
  target: StorePosition;
  /** The read generation at the call: a caught-up read of a later generation means everything was delivered. */
  generation: number;
  settle(ok: boolean): void;
}

class StoreShipper implements Shipper {
  private readonly output: string;
  private readonly tag: string;
  private readonly reader: ShipperStoreReader;
  private readonly batchBytes: number;
  private readonly log: Logger;
  private readonly done: Promise<void>;
  private closed = false;
  /** Where the next read starts: everything before it was delivered (or lost to rotation). */
  private position: StorePosition | undefined;
  private woken = false;
  private interruptIdle: (() => void) | undefined;
  private interruptBackoff: (() => void) | undefined;
  private generation = 0;
  private readonly drains = new Set<DrainWaiter>();
  private failures = 0;
  private lastWarnAt: number | undefined;
  private lostSegments = 0;

  constructor(private readonly o: ShipperOptions, private readonly dest: Destination) {
    this.output = o.config.output;
    this.tag = o.config.forward?.tag ?? firelensTag(o.meta);
    this.reader = o.reader ?? new StoreReader(o.dir);
    this.batchBytes = o.batchBytes ?? DEFAULT_BATCH_BYTES;
    this.log = o.logger.child({ output: this.output, destination: dest.describe, container: o.meta.container_name, taskArn: o.meta.ecs_task_arn });
    this.done = this.run();
  }

  wake(): void {
    this.woken = true;
    this.interruptIdle?.();
  }

  async drain(timeoutMs: number): Promise<boolean> {
    if (this.closed) return false;
    const generation = ++this.generation;
    let target: StorePosition;
    try {
      target = await this.reader.end();
    } catch {
      return false;
    }
    if (this.position && compare(this.position, target) >= 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = this.o.clock.setTimeout(() => waiter.settle(false), timeoutMs);
      const waiter: DrainWaiter = {
        target,
        generation,
        settle: (ok) => {
          timer.cancel();
          this.drains.delete(waiter);
          resolve(ok);
        },
      };
      this.drains.add(waiter);
      this.wake();
    });
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.dest.close();
      this.interruptIdle?.();
      this.interruptBackoff?.();
      for (const d of [...this.drains]) d.settle(false);
    }
    await this.done;
  }

  private async run(): Promise<void> {
    try {
      await this.loop();
    } catch (err) {
      // Not expected (every step catches its own failures); never an unhandled rejection.
      this.log.error({ err }, 'log shipper stopped');
    }
  }

  private async loop(): Promise<void> {
    let readFailures = 0;
    while (!this.closed && !this.position) {
      try {
        this.position = loadCursor(this.o.dir, this.output) ?? (await this.reader.start());
      } catch (err) {
        await this.retryAfter(err, 'reading the log store', readFailures++);
      }
    }
    while (!this.closed) {
      const from = this.position!;
      const generation = this.generation;
      this.woken = false;
      let batch: Awaited<ReturnType<ShipperStoreReader['read']>>;
      try {
        batch = await this.reader.read(from, this.batchBytes);
      } catch (err) {
        await this.retryAfter(err, 'reading the log store', readFailures++);
        continue;
      }
      readFailures = 0;
      if (batch.skippedSegments > 0) {
        this.lostSegments += batch.skippedSegments;
        this.log.warn(
          { skippedSegments: batch.skippedSegments, lostSegmentsTotal: this.lostSegments },
          'log records rotated away before this output delivered them: lost to this output',
        );
      }
      if (batch.records.length === 0) {
        if (compare(batch.next, from) !== 0) {
          this.advance(batch.next);
          continue;
        }
        this.caughtUp(generation);
        await this.idle();
        continue;
      }
      if (!(await this.deliver({ tag: this.tag, meta: this.o.meta, records: batch.records }))) break;
      this.advance(batch.next);
    }
  }

  /** Sends the batch until it goes through; false when closed first. */
  private async deliver(batch: Batch): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) return false;
      try {
        await this.dest.send(batch);
        if (this.failures > 0) this.log.info({ failures: this.failures }, 'log output recovered');
        this.failures = 0;
        this.lastWarnAt = undefined;
        return true;
      } catch (err) {
        if (this.closed) return false;
        this.failures++;
        await this.retryAfter(err, 'delivering logs', attempt);
      }
    }
  }

  /** Logs the failure (at most every WARN_EVERY_MS) and waits the backoff of this attempt; close() cuts it short. */
  private async retryAfter(err: unknown, doing: string, attempt: number): Promise<void> {
    if (this.closed) return;
    const now = this.o.clock.now();
    if (this.lastWarnAt === undefined || now - this.lastWarnAt >= WARN_EVERY_MS) {
      this.lastWarnAt = now;
      this.log.warn({ err, failures: this.failures }, `${doing} failed; retrying with backoff`);
    }
    const delay = backoffDelay(attempt, this.o.random);
    await new Promise<void>((resolve) => {
      const timer = this.o.clock.setTimeout(done, delay);
      this.interruptBackoff = done;
      function done() {
        timer.cancel();
        resolve();
      }
    });
    this.interruptBackoff = undefined;
  }

  private advance(next: StorePosition): void {
    this.position = next;
    try {
      saveCursor(this.o.dir, this.output, next);
    } catch (err) {
      // The position still moves on in memory; a restart resends from the last saved cursor.
      this.log.warn({ err }, 'could not save the log output cursor');
    }
    for (const d of [...this.drains]) if (compare(next, d.target) >= 0) d.settle(true);
  }

  private caughtUp(generation: number): void {
    for (const d of [...this.drains]) if (d.generation <= generation) d.settle(true);
  }

  /** Waits for wake(), close() or the poll interval. */
  private idle(): Promise<void> {
    if (this.woken || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: TimerHandle | undefined = undefined;
      const done = () => {
        timer?.cancel();
        this.interruptIdle = undefined;
        resolve();
      };
      timer = this.o.clock.setTimeout(done, POLL_MS);
      this.interruptIdle = done;
    });
  }
}

/** Full jitter: uniform in [0, min(max, base·2^attempt)). */
export function backoffDelay(attempt: number, random: Random): number {
  return random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 20));
}

function compare(a: StorePosition, b: StorePosition): number {
  return a.segment - b.segment || a.offset - b.offset;
}
