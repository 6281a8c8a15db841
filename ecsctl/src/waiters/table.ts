// The waiter table: `ecsctl wait <waiter>`, as data mirroring botocore's
// botocore/data/ecs/2014-11-13/waiters-2.json (same names, operations, delays, attempts and
// acceptors, in the same order). A waiter polls its operation with the operation's own flags until
// an acceptor decides success or failure; adding a waiter is one entry here.
import { COMMANDS, type CommandSpec } from '../commands/table.js';

/**
 * How an acceptor reads a response (botocore's matchers):
 * - path: the JMESPath `argument` evaluates to `expected`;
 * - pathAll: it evaluates to a non-empty list whose every element is `expected`;
 * - pathAny: it evaluates to a non-empty list with at least one element `expected`;
 * - error: the call failed with the ECS exception named `expected`.
 */
export type Matcher = 'path' | 'pathAll' | 'pathAny' | 'error';

/** What a matching acceptor makes of the wait: done, failed for good, or poll again. */
export type AcceptorState = 'success' | 'failure' | 'retry';

export interface Acceptor {
  readonly matcher: Matcher;
  /** The JMESPath expression (path matchers only). */
  readonly argument?: string;
  readonly expected: string | number | boolean;
  readonly state: AcceptorState;
}

export interface WaiterSpec {
  /** botocore's waiter name (ServicesStable): it is in the failure message. */
  readonly name: string;
  /** The ECS operation polled, an RPC of the command table. */
  readonly operation: string;
  /** Seconds between polls. */
  readonly delay: number;
  readonly maxAttempts: number;
  /** Tried in order on every response; the first that matches decides. */
  readonly acceptors: readonly Acceptor[];
  /** A description of its own; otherwise help builds one from the success acceptor, as aws does. */
  readonly description?: string;
}

export const WAITERS: readonly WaiterSpec[] = [
  {
    name: 'ServicesInactive',
    operation: 'DescribeServices',
    delay: 15,
    maxAttempts: 40,
    acceptors: [
      { matcher: 'pathAny', argument: 'failures[].reason', expected: 'MISSING', state: 'failure' },
      { matcher: 'pathAny', argument: 'services[].status', expected: 'INACTIVE', state: 'success' },
    ],
  },
  {
    name: 'ServicesStable',
    operation: 'DescribeServices',
    delay: 15,
    // botocore raised this from 40 to 120 (2025); the AWS CLI follows its bundled botocore.
    maxAttempts: 120,
    acceptors: [
      { matcher: 'pathAny', argument: 'failures[].reason', expected: 'MISSING', state: 'failure' },
      { matcher: 'pathAny', argument: 'services[].status', expected: 'DRAINING', state: 'failure' },
      { matcher: 'pathAny', argument: 'services[].status', expected: 'INACTIVE', state: 'failure' },
      {
        matcher: 'path',
        argument: 'length(services[?!(length(deployments) == `1` && runningCount == desiredCount)]) == `0`',
        expected: true,
        state: 'success',
      },
    ],
  },
  {
    name: 'TasksRunning',
    operation: 'DescribeTasks',
    delay: 6,
    maxAttempts: 100,
    acceptors: [
      { matcher: 'pathAny', argument: 'tasks[].lastStatus', expected: 'STOPPED', state: 'failure' },
      { matcher: 'pathAny', argument: 'failures[].reason', expected: 'MISSING', state: 'failure' },
      { matcher: 'pathAll', argument: 'tasks[].lastStatus', expected: 'RUNNING', state: 'success' },
    ],
  },
  {
    name: 'TasksStopped',
    operation: 'DescribeTasks',
    delay: 6,
    maxAttempts: 100,
    acceptors: [{ matcher: 'pathAll', argument: 'tasks[].lastStatus', expected: 'STOPPED', state: 'success' }],
  },
];

/** botocore's xform_name(name, '-'): ServicesStable → services-stable. */
export function kebabName(name: string): string {
  return name.replace(/(?<=[a-z0-9])([A-Z])/g, '-$1').toLowerCase();
}

export function waiterCliName(w: WaiterSpec): string {
  return kebabName(w.name);
}

export function findWaiter(cliName: string): WaiterSpec | undefined {
  return WAITERS.find((w) => waiterCliName(w) === cliName);
}

/** The command whose flags, request and validation a waiter uses: its operation's (describe-services). */
export function operationCommand(w: WaiterSpec): CommandSpec {
  const cmd = COMMANDS.find((c) => c.rpc === w.operation);
  if (!cmd) throw new Error(`waiter ${w.name}: no command for ${w.operation}`);
  return cmd;
}
