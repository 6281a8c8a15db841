// Evaluating a waiter's acceptors against one response, as botocore's AcceptorConfig does: JMESPath
// (the jmespath package) for the path matchers, Python's == for the comparison, and the same
// explanation text that ends up in "Waiter X failed: ..." messages. Pure: no I/O, no clock.
import jmespath from 'jmespath';
import { pyStr } from '../output/py.js';
import type { Acceptor, WaiterSpec } from './table.js';

/** What a poll returned: the response, or the error as botocore hands it to a waiter. */
export type WaiterResponse = Record<string, unknown>;

/** botocore's parsed error response: {"Error": {"Code": ..., "Message": ...}}. */
export function errorResponse(code: string, message: string): WaiterResponse {
  return { Error: { Code: code, Message: message } };
}

function errorOf(response: WaiterResponse): { Code: string; Message?: string } | undefined {
  const e = response.Error;
  if (typeof e === 'object' && e !== null && !Array.isArray(e) && 'Code' in e) return e as { Code: string; Message?: string };
  return undefined;
}

/** Python's ==: True == 1, 1 == 1.0, lists and dicts compared member by member. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const numeric = (v: unknown) => typeof v === 'number' || typeof v === 'boolean';
  if (numeric(a) && numeric(b)) return Number(a) === Number(b);
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    const ob = b as Record<string, unknown>;
    return ka.length === kb.length && ka.every((k) => k in ob && pyEquals((a as Record<string, unknown>)[k], ob[k]));
  }
  return a === b;
}

function search(response: WaiterResponse, expression: string): unknown {
  return jmespath.search(response as never, expression) as unknown;
}

/** Does this acceptor match this response? Path matchers never match an error response. */
export function acceptorMatches(acceptor: Acceptor, response: WaiterResponse): boolean {
  const error = errorOf(response);
  if (acceptor.matcher === 'error') return error?.Code === acceptor.expected;
  if (error) return false;
  const result = search(response, acceptor.argument ?? '@');
  switch (acceptor.matcher) {
    case 'path':
      return pyEquals(result, acceptor.expected);
    case 'pathAll':
      return Array.isArray(result) && result.length > 0 && result.every((e) => pyEquals(e, acceptor.expected));
    case 'pathAny':
      return Array.isArray(result) && result.length > 0 && result.some((e) => pyEquals(e, acceptor.expected));
  }
}

/** botocore's AcceptorConfig.explanation (expected printed as Python's str(): True, not true). */
export function explanation(acceptor: Acceptor): string {
  const expected = pyStr(acceptor.expected);
  switch (acceptor.matcher) {
    case 'path':
      return `For expression "${acceptor.argument}" we matched expected path: "${expected}"`;
    case 'pathAll':
      return `For expression "${acceptor.argument}" all members matched expected path: "${expected}"`;
    case 'pathAny':
      return `For expression "${acceptor.argument}" we matched expected path: "${expected}" at least once`;
    case 'error':
      return `Matched expected service error code: ${expected}`;
  }
}

/** One poll judged: what the waiter does next, and the reason it would give if it stopped here. */
export type Decision =
  | { readonly state: 'success'; readonly acceptor: Acceptor }
  | { readonly state: 'failure'; readonly reason: string }
  /** Poll again. `matched`: the acceptor that said so (a retry acceptor), if any. */
  | { readonly state: 'retry'; readonly matched?: Acceptor; readonly loopAcceptor: Acceptor | undefined };

/**
 * The acceptors, in order, against one response (the body of botocore's Waiter.wait loop):
 * the first match decides; no match on an error response is a failure; no match otherwise polls again.
 */
export function decide(waiter: WaiterSpec, response: WaiterResponse): Decision {
  for (const acceptor of waiter.acceptors) {
    if (!acceptorMatches(acceptor, response)) continue;
    if (acceptor.state === 'success') return { state: 'success', acceptor };
    if (acceptor.state === 'failure') {
      return { state: 'failure', reason: `Waiter encountered a terminal failure state: ${explanation(acceptor)}` };
    }
    return { state: 'retry', matched: acceptor, loopAcceptor: acceptor };
  }
  const error = errorOf(response);
  if (error) return { state: 'failure', reason: `An error occurred (${error.Code}): ${error.Message ?? 'Unknown'}` };
  // Python's for-loop variable outlives the loop: botocore's "Previously accepted state" message
  // explains the last acceptor tried, which is the last one in the list when none matched.
  return { state: 'retry', loopAcceptor: waiter.acceptors[waiter.acceptors.length - 1] };
}
