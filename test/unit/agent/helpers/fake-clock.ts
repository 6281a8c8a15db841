// A clock that moves only when told to; timers fire in time order as it moves.
import type { Clock, TimerHandle } from '../../../../agent/src/util/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Pending (not cancelled) timers' delays from now, soonest first. */
  pending(): number[] {
    return this.live().map((x) => x.at - this.t);
  }

  /** Moves time forward, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      await flush();
      const next = this.live()[0];
      if (!next || next.at > target) break;
      this.t = next.at;
      next.cancelled = true;
      next.fn();
    }
    this.t = target;
    await flush();
  }

  private live(): Timer[] {
    this.timers = this.timers.filter((x) => !x.cancelled);
    return [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}

/** Lets pending promise callbacks and microtasks run. */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A deterministic source of numbers in [0, 1) that cycles through `values`. */
export function sequenceRandom(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

/** A deterministic pseudo-random source (LCG) for tests that need many distinct values. */
export function seededRandom(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
