// The polling loop of a waiter (botocore's Waiter.wait): call the operation, judge the response,
// sleep `delay`, until success, a terminal failure, or maxAttempts calls. ECS exceptions from the
// call are judged like responses (error acceptors may match them); anything else (no connection, a
// read timeout) ends the wait as that error. The clock is injected: `sleep`.
import { CliError, EXIT_GENERIC, ServiceError } from '../errors.js';
import { decide, errorResponse, explanation, type WaiterResponse } from './acceptors.js';
import type { Acceptor, WaiterSpec } from './table.js';

/** botocore's WaiterError: "Waiter ServicesStable failed: <reason>", exit 255 as aws exits. */
export class WaiterError extends CliError {
  readonly exitCode = EXIT_GENERIC;
  constructor(readonly waiter: string, readonly reason: string) {
    super(`Waiter ${waiter} failed: ${reason}`);
  }
}

export interface WaitOptions {
  readonly delayMs: number;
  readonly maxAttempts: number;
  readonly sleep: (ms: number) => Promise<void>;
}

export type Poll = () => Promise<WaiterResponse>;

/** One poll, with an ECS exception turned into botocore's error response. */
async function pollOnce(poll: Poll): Promise<WaiterResponse> {
  try {
    return await poll();
  } catch (e) {
    if (e instanceof ServiceError) return errorResponse(e.code, e.serverMessage || 'Unknown');
    throw e;
  }
}

/** Resolves on success; throws WaiterError on failure or when the attempts run out. */
export async function waitFor(waiter: WaiterSpec, poll: Poll, opts: WaitOptions): Promise<{ attempts: number }> {
  let attempts = 0;
  let lastMatched: Acceptor | undefined;
  for (;;) {
    const response = await pollOnce(poll);
    attempts++;
    const d = decide(waiter, response);
    if (d.state === 'success') return { attempts };
    if (d.state === 'failure') throw new WaiterError(waiter.name, d.reason);
    lastMatched = d.matched ?? lastMatched;
    if (attempts >= opts.maxAttempts) {
      const reason =
        lastMatched === undefined || d.loopAcceptor === undefined
          ? 'Max attempts exceeded'
          : `Max attempts exceeded. Previously accepted state: ${explanation(d.loopAcceptor)}`;
      throw new WaiterError(waiter.name, reason);
    }
    await opts.sleep(opts.delayMs);
  }
}
