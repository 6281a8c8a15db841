// Instance facts and assertions for the cluster query language tests.
import { InvalidParameterException } from '../../../../../control-plane/src/domain/errors.js';
import type { InstanceFacts } from '../../../../../control-plane/src/placement/types.js';
import { evaluateQuery, parseQuery } from '../../../../../control-plane/src/placement/query/index.js';

/** Epoch seconds of an ISO timestamp. */
export function epoch(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad timestamp in test: ${iso}`);
  return ms / 1000;
}

export function facts(over: Partial<InstanceFacts> = {}): InstanceFacts {
  return {
    arn: 'arn:aws:ecs:us-east-1:123456789012:container-instance/default/0',
    ec2InstanceId: 'i-00000000',
    status: 'ACTIVE',
    agentConnected: true,
    agentVersion: '1.0.0',
    registeredAt: epoch('2018-01-01T00:00:00Z'),
    runningTasksCount: 0,
    attributes: {},
    taskGroups: {},
    ...over,
  };
}

/** The names of the instances the expression selects, in the table's order. */
export function selected(expr: string, instances: Record<string, InstanceFacts>): string[] {
  const q = parseQuery(expr);
  return Object.entries(instances)
    .filter(([, f]) => evaluateQuery(q, f))
    .map(([name]) => name);
}

/** What parseQuery threw for `src` (fails the test when it did not throw an InvalidParameterException). */
export function parseError(src: string): InvalidParameterException {
  try {
    parseQuery(src);
  } catch (e) {
    if (e instanceof InvalidParameterException) return e;
    throw new Error(`parseQuery(${JSON.stringify(src)}) threw ${String(e)}, not InvalidParameterException`);
  }
  throw new Error(`parseQuery(${JSON.stringify(src)}) did not throw`);
}
