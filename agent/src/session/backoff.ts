// Reconnect delays: exponential with full jitter (AWS architecture blog "Exponential Backoff And Jitter"):
// delay = random() * min(max, base * 2^attempt). Pure, with the random source injected.
import type { Random } from '../util/clock.js';

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 30_000 };

/** The ceiling for the attempt-th retry (attempt 0 is the first). */
export function backoffCeiling(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
}

export function backoffDelay(attempt: number, random: Random, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.floor(random() * backoffCeiling(attempt, policy));
}
