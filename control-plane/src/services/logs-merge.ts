// The k-way merge behind GetLogs: per-task streams of events, each in (near) time order, merged into one
// stream in time order. Pure: the caller pushes what the agents send and takes what may go out.
//
// An event may go out when no source could still deliver an older one: every source has a buffered
// head, has ended, or is caught up (following, its backlog is over, so an empty buffer means "nothing
// new yet" and does not hold the others back: live events go out as they arrive).
import type { LogEvent__Output } from '../../../proto/gen/ecs/v1/LogEvent.js';

export class MergeSource {
  private batches: LogEvent__Output[][] = [];
  private head = 0;
  private count = 0;
  ended = false;
  caughtUp = false;

  constructor(readonly key: string) {}

  push(events: LogEvent__Output[]): void {
    if (events.length === 0) return;
    this.batches.push(events);
    this.count += events.length;
  }

  get size(): number {
    return this.count;
  }

  peek(): LogEvent__Output | undefined {
    return this.batches[0]?.[this.head];
  }

  shift(): LogEvent__Output {
    const batch = this.batches[0]!;
    const e = batch[this.head++]!;
    this.count--;
    if (this.head >= batch.length) {
      this.batches.shift();
      this.head = 0;
    }
    return e;
  }

  /** An empty buffer that may still fill with older events: the merge must wait for it. */
  get holdsBack(): boolean {
    return this.count === 0 && !this.ended && !this.caughtUp;
  }
}

export function eventBytes(e: LogEvent__Output): number {
  return e.log.length + e.time.length + e.containerName.length + e.taskId.length + 24;
}

export class LogMerge {
  private readonly sources: MergeSource[] = [];

  add(key: string, opts: { caughtUp?: boolean } = {}): MergeSource {
    const s = new MergeSource(key);
    s.caughtUp = opts.caughtUp ?? false;
    this.sources.push(s);
    return s;
  }

  get all(): readonly MergeSource[] {
    return this.sources;
  }

  /** The events that may go out now, oldest first, up to about maxBytes. */
  take(maxBytes = Infinity): LogEvent__Output[] {
    const out: LogEvent__Output[] = [];
    let bytes = 0;
    while (bytes < maxBytes) {
      let min: MergeSource | undefined;
      let minTime = '';
      let blocked = false;
      for (const s of this.sources) {
        const e = s.peek();
        if (!e) {
          if (s.holdsBack) {
            blocked = true;
            break;
          }
          continue;
        }
        if (!min || e.time < minTime) {
          min = s;
          minTime = e.time;
        }
      }
      if (blocked || !min) break;
      const e = min.shift();
      out.push(e);
      bytes += eventBytes(e);
    }
    return out;
  }

  /** Every source ended and everything was taken. */
  get finished(): boolean {
    return this.sources.every((s) => s.ended && s.size === 0);
  }
}

/** The last `capacity` items pushed. */
export class Ring<T> {
  private readonly items: T[] = [];
  private start = 0;

  constructor(readonly capacity: number) {}

  push(xs: readonly T[]): void {
    if (this.capacity <= 0) return;
    for (const x of xs) {
      if (this.items.length < this.capacity) this.items.push(x);
      else {
        this.items[this.start] = x;
        this.start = (this.start + 1) % this.capacity;
      }
    }
  }

  drain(): T[] {
    const out = [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
    this.items.length = 0;
    this.start = 0;
    return out;
  }
}
