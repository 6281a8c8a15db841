// Serving logs_request: the agent dials back a ServeLogs call (agent.proto, 4) and streams one task's
// container stores through it.
//
// The call, as the agent writes it:
//   1. {request_id}: which request this call answers;
//   2. batches of events (≤ ~256 KiB each) merged across the task's containers in time order (each
//      container's records in store order), and notices ("container web: ...");
//   3. with follow only: one empty message once every container was read to its end (the backlog is
//      over: what follows is live), then more batches as the containers write;
//   4. the agent half-closes when the request is satisfied: without follow, every container read to the
//      end it had when the request came; with follow, every container's log complete (the container
//      exited and the collector stored all of it) and read.
// Each container starts at seekTime(start_time), tailPosition(tail), both (the later of the two), or its
// oldest record. A container whose store does not exist yet is waited for while following and while the
// task is still on this instance (a PENDING task); otherwise it gets a notice. Writes honour the call's
// flow control (a full buffer waits for 'drain'); the control plane ending or cancelling the call stops
// everything at once, timers included.
import { existsSync } from 'node:fs';
import type { AgentLogsMessage } from '../../../proto/gen/ecs/v1/AgentLogsMessage.js';
import type { LogEvent } from '../../../proto/gen/ecs/v1/LogEvent.js';
import type { LogsRequest__Output } from '../../../proto/gen/ecs/v1/LogsRequest.js';
import type { LogsCall } from '../session/transport.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { isComplete, listContainerStores, StoreReader } from './store/reader.js';
import { containerLogDir, type LogRecord, type StorePosition } from './types.js';

export const DEFAULT_BATCH_BYTES = 256 * 1024;
export const DEFAULT_POLL_MS = 250;
/** While following, a missing store is waited for at least this long, even for a task the engine does not know (yet). */
export const DEFAULT_MISSING_GRACE_MS = 5_000;

export interface ServeLogsOptions {
  /** ECS_DATADIR: the stores are under <dataDir>/logs/<task id>/<container>/. */
  dataDir: string;
  clock: Clock;
  logger: Logger;
  /** Whether the task is still on this instance (following waits for its missing stores only then). */
  taskKnown?: (taskArn: string) => boolean;
  batchBytes?: number;
  pollMs?: number;
  missingGraceMs?: number;
}

interface Source {
  name: string;
  dir: string;
  reader?: StoreReader;
  pos?: StorePosition;
  /** Without follow: the end of the store when it was opened; reading stops there. */
  target?: StorePosition;
  /** Records read and not sent yet: buf[head..]. */
  buf: LogRecord[];
  head: number;
  /** Read as far as there is (or as the target) for now; nothing to refill until the next poll. */
  atEnd: boolean;
  /** Finished: nothing more will be sent for this container. */
  done: boolean;
}

function left(s: Source): number {
  return s.buf.length - s.head;
}

function comparePos(a: StorePosition, b: StorePosition): number {
  return a.segment - b.segment || a.offset - b.offset;
}

function eventBytes(e: LogRecord, name: string): number {
  return Buffer.byteLength(e.log) + e.time.length + name.length + 24;
}

/** One ServeLogs call answering one LogsRequest. */
export class LogsServing {
  private stopped = false;
  private timer?: TimerHandle;
  private wakeUp?: () => void;
  /** Writers waiting for 'drain', released when the call is over. */
  private readonly blocked = new Set<() => void>();
  private readonly sources: Source[] = [];
  private out: LogEvent[] = [];
  private outBytes = 0;
  private notices: string[] = [];
  private readonly startedAt: number;
  readonly done: Promise<void>;

  constructor(
    private readonly req: LogsRequest__Output,
    private readonly call: LogsCall,
    private readonly o: ServeLogsOptions,
  ) {
    this.startedAt = o.clock.now();
    call.onClose(() => this.halt());
    this.done = this.run();
  }

  /** Stops at once and abandons the call (the agent is shutting down). */
  stop(): void {
    if (this.stopped) return;
    this.call.cancel();
    this.halt();
  }

  /** Polls now rather than at the next tick (new records were appended). */
  wake(): void {
    if (!this.stopped) this.wakeUp?.();
  }

  /** Stops every loop and timer; the call is over (or about to be). */
  private halt(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.wakeUp?.();
    for (const release of this.blocked) release();
    this.blocked.clear();
  }

  private get batchBytes(): number {
    return this.o.batchBytes ?? DEFAULT_BATCH_BYTES;
  }

  private async run(): Promise<void> {
    const log = this.o.logger.child({ taskArn: this.req.taskArn, requestId: this.req.requestId });
    try {
      await this.write({ requestId: this.req.requestId });
      this.discover();
      if (this.sources.length === 0 && !this.req.follow) this.missing('no logs are stored for this task on this instance');
      for (const s of this.sources) await this.open(s, true);
      await this.pump();
      await this.flush();
      if (this.req.follow && !this.stopped) {
        await this.write({}); // caught up: the backlog is over
        await this.follow();
      }
      await this.flush();
      if (!this.stopped) this.call.end();
    } catch (err) {
      if (this.stopped) return;
      log.warn({ err: (err as Error).message }, 'serving logs failed');
      try {
        this.notices.push(`reading the log store failed: ${(err as Error).message}`);
        await this.flush();
        this.call.end();
      } catch {
        this.call.cancel();
      }
    } finally {
      this.halt();
    }
  }

  /** Adds a source for every requested container (or, with none requested, every stored one) not known yet. */
  private discover(): void {
    const names = this.req.containerNames.length
      ? this.req.containerNames
      : listContainerStores(this.o.dataDir, this.req.taskArn).map((c) => c.containerName);
    for (const name of names) {
      if (this.sources.some((s) => s.name === name)) continue;
      this.sources.push({ name, dir: containerLogDir(this.o.dataDir, this.req.taskArn, name), buf: [], head: 0, atEnd: false, done: false });
    }
  }

  /**
   * Opens a container's store if it exists; a missing one gets a notice unless it is worth waiting for.
   * tail applies to what was stored when the request came (initial): a store that appears later is all new.
   */
  private async open(s: Source, initial: boolean): Promise<void> {
    if (s.reader || s.done) return;
    if (!existsSync(s.dir)) {
      if (this.req.follow && this.worthWaiting()) return;
      this.missing(`container ${s.name}: no logs are stored on this instance`);
      s.done = true;
      return;
    }
    const reader = new StoreReader(s.dir);
    let pos = await reader.start();
    if (this.req.startTime !== undefined) pos = await reader.seekTime(this.req.startTime);
    if (this.req.tail !== undefined && initial) {
      const tail = await reader.tailPosition(Math.max(0, this.req.tail));
      if (comparePos(tail, pos) > 0) pos = tail;
    }
    s.pos = pos;
    if (!this.req.follow) s.target = await reader.end();
    s.reader = reader;
  }

  private missing(notice: string): void {
    if (!this.req.quietIfMissing) this.notices.push(notice);
  }

  private worthWaiting(): boolean {
    if (this.o.clock.now() - this.startedAt < (this.o.missingGraceMs ?? DEFAULT_MISSING_GRACE_MS)) return true;
    return this.o.taskKnown?.(this.req.taskArn) ?? true;
  }

  /** Reads and sends until every open container is at its end (for now). */
  private async pump(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      for (const s of this.sources) {
        if (s.reader && !s.done && !s.atEnd && left(s) === 0) await this.refill(s);
      }
      if (this.stopped) return;
      // Merge: the oldest head goes first, as long as no open container still has records to read.
      for (;;) {
        let min: Source | undefined;
        let mustRead = false;
        for (const s of this.sources) {
          if (left(s) === 0) {
            if (s.reader && !s.done && !s.atEnd) mustRead = true;
            continue;
          }
          if (!min || s.buf[s.head]!.time < min.buf[min.head]!.time) min = s;
        }
        if (mustRead) break;
        if (!min) return;
        const r = min.buf[min.head++]!;
        this.out.push({ time: r.time, source: r.source, log: r.log, containerName: min.name, partial: !!r.partial });
        this.outBytes += eventBytes(r, min.name);
        if (this.outBytes >= this.batchBytes) {
          await this.flush();
          if (this.stopped) return;
        }
      }
    }
  }

  private async refill(s: Source): Promise<void> {
    try {
      const { records, next, skippedSegments } = await s.reader!.read(s.pos!, this.batchBytes);
      s.pos = next;
      if (skippedSegments > 0) {
        this.notices.push(`container ${s.name}: ${skippedSegments} log segment(s) were rotated away before they could be read`);
      }
      s.buf = records;
      s.head = 0;
      if (records.length === 0 || (s.target && comparePos(next, s.target) >= 0)) s.atEnd = true;
    } catch (err) {
      this.notices.push(`container ${s.name}: the log store could not be read: ${(err as Error).message}`);
      s.buf = [];
      s.head = 0;
      s.done = true;
    }
  }

  /** Polls until every container's log is complete and read (or the call is stopped). */
  private async follow(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      if (this.sources.length > 0 && this.sources.every((s) => s.done)) return;
      if (this.sources.length === 0 && !this.worthWaiting()) {
        this.missing('no logs are stored for this task on this instance');
        return;
      }
      await this.idle(this.o.pollMs ?? DEFAULT_POLL_MS);
      if (this.stopped) return;
      if (this.req.containerNames.length === 0) this.discover();
      // Completeness is seen before the read, so a read that finds nothing after it has it all.
      const complete = new Map<Source, boolean>();
      for (const s of this.sources) {
        if (s.done) continue;
        await this.open(s, false);
        complete.set(s, isComplete(s.dir));
        s.atEnd = false;
      }
      await this.pump();
      for (const [s, wasComplete] of complete) {
        if (wasComplete && s.reader && s.atEnd && left(s) === 0) s.done = true;
      }
      await this.flush();
    }
  }

  /** Sends the pending events and notices, if any. */
  private async flush(): Promise<void> {
    if (this.stopped || (this.out.length === 0 && this.notices.length === 0)) return;
    const msg: AgentLogsMessage = { events: this.out, notices: this.notices };
    this.out = [];
    this.outBytes = 0;
    this.notices = [];
    await this.write(msg);
  }

  /** Writes one message, waiting for the call to drain when its buffer is full. */
  private async write(msg: AgentLogsMessage): Promise<void> {
    if (this.stopped) return;
    if (this.call.write(msg)) return;
    await new Promise<void>((resolve) => {
      const release = () => {
        this.blocked.delete(release);
        resolve();
      };
      this.blocked.add(release);
      this.call.onDrain(release);
    });
  }

  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.timer?.cancel();
        this.timer = undefined;
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = done;
      this.timer = this.o.clock.setTimeout(done, ms);
    });
  }
}

export interface LogsServerOptions extends ServeLogsOptions {
  /** Dials a ServeLogs call back to the control plane. */
  openCall: () => LogsCall;
}

/** Answers logs_request messages: one LogsServing per request, all stopped when the agent shuts down. */
export class LogsServer {
  private readonly active = new Set<LogsServing>();

  constructor(private readonly o: LogsServerOptions) {}

  serve(req: LogsRequest__Output): LogsServing {
    const serving = new LogsServing(req, this.o.openCall(), this.o);
    this.active.add(serving);
    void serving.done.finally(() => this.active.delete(serving));
    return serving;
  }

  /** Wakes every follower (new records may have been stored). */
  wake(): void {
    for (const s of this.active) s.wake();
  }

  get size(): number {
    return this.active.size;
  }

  /** Stops every call and waits for them to finish. */
  async close(): Promise<void> {
    const all = [...this.active];
    for (const s of all) s.stop();
    await Promise.all(all.map((s) => s.done));
  }
}
