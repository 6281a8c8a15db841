import t from 'tap';
import { acceptorMatches, decide, errorResponse, explanation, pyEquals } from '../../../ecsctl/src/waiters/acceptors.js';
import { findWaiter, WAITERS, waiterCliName, type WaiterSpec } from '../../../ecsctl/src/waiters/table.js';
import { waitFor, WaiterError } from '../../../ecsctl/src/waiters/wait.js';
import { waiterDescription } from '../../../ecsctl/src/waiters/describe.js';
import { ConnectError, ServiceError } from '../../../ecsctl/src/errors.js';

const waiter = (cli: string): WaiterSpec => findWaiter(cli)!;

function svc(status: string, desired: number, running: number, deployments = 1): Record<string, unknown> {
  return { serviceName: 's', status, desiredCount: desired, runningCount: running, deployments: Array.from({ length: deployments }, (_, i) => ({ status: i ? 'ACTIVE' : 'PRIMARY' })) };
}
const services = (...s: Record<string, unknown>[]) => ({ services: s, failures: [] });
const missing = (arn = 'arn:s') => ({ services: [], failures: [{ arn, reason: 'MISSING' }] });
const tasks = (...st: string[]) => ({ tasks: st.map((lastStatus) => ({ lastStatus })), failures: [] });

const STABLE_FAIL = (status: string) => `Waiter encountered a terminal failure state: For expression "services[].status" we matched expected path: "${status}" at least once`;

// [waiter, response, expected state, failure reason if any]
const CASES: [string, string, Record<string, unknown>, 'success' | 'failure' | 'retry', string?][] = [
  ['services-stable', 'one deployment, running == desired', services(svc('ACTIVE', 2, 2)), 'success'],
  ['services-stable', 'running < desired', services(svc('ACTIVE', 2, 1)), 'retry'],
  ['services-stable', 'two deployments (a rollout in progress)', services(svc('ACTIVE', 2, 2, 2)), 'retry'],
  ['services-stable', 'scaled to zero is stable', services(svc('ACTIVE', 0, 0)), 'success'],
  ['services-stable', 'every service must be stable', services(svc('ACTIVE', 1, 1), svc('ACTIVE', 3, 2)), 'retry'],
  ['services-stable', 'all stable', services(svc('ACTIVE', 1, 1), svc('ACTIVE', 3, 3)), 'success'],
  ['services-stable', 'DRAINING fails', services(svc('DRAINING', 0, 0)), 'failure', STABLE_FAIL('DRAINING')],
  ['services-stable', 'INACTIVE fails even when the counts match', services(svc('INACTIVE', 0, 0)), 'failure', STABLE_FAIL('INACTIVE')],
  ['services-stable', 'one DRAINING among stable ones fails', services(svc('ACTIVE', 1, 1), svc('DRAINING', 1, 1)), 'failure', STABLE_FAIL('DRAINING')],
  ['services-stable', 'MISSING fails', missing(), 'failure', 'Waiter encountered a terminal failure state: For expression "failures[].reason" we matched expected path: "MISSING" at least once'],
  ['services-stable', 'MISSING beats a stable service (acceptor order)', { ...services(svc('ACTIVE', 1, 1)), failures: [{ arn: 'x', reason: 'MISSING' }] }, 'failure'],
  ['services-stable', 'no services and no failures: vacuously stable, as in aws', { services: [], failures: [] }, 'success'],
  ['services-stable', 'an ECS exception nobody expects fails', errorResponse('ClusterNotFoundException', 'Cluster not found.'), 'failure', 'An error occurred (ClusterNotFoundException): Cluster not found.'],
  ['services-inactive', 'INACTIVE succeeds', services(svc('INACTIVE', 0, 0)), 'success'],
  ['services-inactive', 'one INACTIVE is enough (pathAny)', services(svc('ACTIVE', 1, 1), svc('INACTIVE', 0, 0)), 'success'],
  ['services-inactive', 'DRAINING waits', services(svc('DRAINING', 0, 0)), 'retry'],
  ['services-inactive', 'MISSING fails', missing(), 'failure'],
  ['tasks-running', 'all RUNNING', tasks('RUNNING', 'RUNNING'), 'success'],
  ['tasks-running', 'one still PENDING', tasks('RUNNING', 'PENDING'), 'retry'],
  ['tasks-running', 'PROVISIONING', tasks('PROVISIONING'), 'retry'],
  ['tasks-running', 'a STOPPED task fails', tasks('RUNNING', 'STOPPED'), 'failure', 'Waiter encountered a terminal failure state: For expression "tasks[].lastStatus" we matched expected path: "STOPPED" at least once'],
  ['tasks-running', 'a MISSING task fails', { tasks: [{ lastStatus: 'RUNNING' }], failures: [{ arn: 'x', reason: 'MISSING' }] }, 'failure', 'Waiter encountered a terminal failure state: For expression "failures[].reason" we matched expected path: "MISSING" at least once'],
  ['tasks-running', 'no tasks at all: pathAll needs a non-empty list', { tasks: [], failures: [] }, 'retry'],
  ['tasks-stopped', 'all STOPPED', tasks('STOPPED', 'STOPPED'), 'success'],
  ['tasks-stopped', 'one DEPROVISIONING', tasks('STOPPED', 'DEPROVISIONING'), 'retry'],
  ['tasks-stopped', 'MISSING tasks are not an acceptor here: retry', { tasks: [], failures: [{ arn: 'x', reason: 'MISSING' }] }, 'retry'],
];

t.test('acceptors: responses → success / failure / retry', async (t) => {
  for (const [name, what, response, state, reason] of CASES) {
    const d = decide(waiter(name), response);
    t.equal(d.state, state, `${name}: ${what}`);
    if (reason !== undefined) t.equal(d.state === 'failure' && d.reason, reason, `${name}: ${what} (reason)`);
  }
});

t.test('the waiter table mirrors botocore waiters-2.json', async (t) => {
  t.same(
    WAITERS.map((w) => [waiterCliName(w), w.name, w.operation, w.delay, w.maxAttempts, w.acceptors.length]),
    [
      ['services-inactive', 'ServicesInactive', 'DescribeServices', 15, 40, 2],
      ['services-stable', 'ServicesStable', 'DescribeServices', 15, 120, 4],
      ['tasks-running', 'TasksRunning', 'DescribeTasks', 6, 100, 3],
      ['tasks-stopped', 'TasksStopped', 'DescribeTasks', 6, 100, 1],
    ],
  );
});

t.test('explanations are botocore\'s, with expected printed as Python prints it', async (t) => {
  const [, , , stable] = waiter('services-stable').acceptors;
  t.equal(
    explanation(stable!),
    'For expression "length(services[?!(length(deployments) == `1` && runningCount == desiredCount)]) == `0`" we matched expected path: "True"',
  );
  t.equal(explanation({ matcher: 'pathAll', argument: 'tasks[].lastStatus', expected: 'RUNNING', state: 'success' }), 'For expression "tasks[].lastStatus" all members matched expected path: "RUNNING"');
  t.equal(explanation({ matcher: 'error', expected: 'ServiceNotFoundException', state: 'success' }), 'Matched expected service error code: ServiceNotFoundException');
});

t.test('matchers: error codes, and path matchers never match an error response', async (t) => {
  const err = errorResponse('ServiceNotFoundException', 'gone');
  t.ok(acceptorMatches({ matcher: 'error', expected: 'ServiceNotFoundException', state: 'success' }, err));
  t.notOk(acceptorMatches({ matcher: 'error', expected: 'Other', state: 'success' }, err));
  t.notOk(acceptorMatches({ matcher: 'path', argument: 'Error.Code', expected: 'ServiceNotFoundException', state: 'success' }, err));
  t.notOk(acceptorMatches({ matcher: 'error', expected: 'X', state: 'success' }, { services: [] }));
  t.notOk(acceptorMatches({ matcher: 'pathAny', argument: 'services[0].status', expected: 'ACTIVE', state: 'success' }, services(svc('ACTIVE', 1, 1))), 'pathAny needs a list');
});

t.test("Python's == (True == 1, 1 == 1.0, deep lists and dicts)", async (t) => {
  t.ok(pyEquals(true, 1));
  t.ok(pyEquals(1, 1.0));
  t.notOk(pyEquals('1', 1));
  t.ok(pyEquals([1, { a: 'x' }], [1, { a: 'x' }]));
  t.notOk(pyEquals({ a: 1 }, { a: 1, b: 2 }));
  t.ok(pyEquals(null, undefined));
});

// --- the polling loop ---

function poller(responses: (Record<string, unknown> | Error)[]) {
  let i = 0;
  const poll = async () => {
    const r = responses[Math.min(i++, responses.length - 1)]!;
    if (r instanceof Error) throw r;
    return r;
  };
  return { poll, calls: () => i };
}

t.test('waitFor polls until success, sleeping the delay between polls', async (t) => {
  const sleeps: number[] = [];
  const p = poller([services(svc('ACTIVE', 2, 0)), services(svc('ACTIVE', 2, 1)), services(svc('ACTIVE', 2, 2))]);
  const r = await waitFor(waiter('services-stable'), p.poll, { delayMs: 15000, maxAttempts: 120, sleep: async (ms) => void sleeps.push(ms) });
  t.same(r, { attempts: 3 });
  t.same(sleeps, [15000, 15000]);
});

t.test('waitFor: "Max attempts exceeded" after maxAttempts polls, with no sleep after the last', async (t) => {
  const sleeps: number[] = [];
  const p = poller([services(svc('ACTIVE', 2, 0))]);
  await t.rejects(waitFor(waiter('services-stable'), p.poll, { delayMs: 5, maxAttempts: 4, sleep: async (ms) => void sleeps.push(ms) }), {
    message: 'Waiter ServicesStable failed: Max attempts exceeded',
    exitCode: 255,
  });
  t.equal(p.calls(), 4);
  t.equal(sleeps.length, 3);
});

t.test('waitFor: a retry acceptor that matched earlier is named in the max-attempts message', async (t) => {
  const w: WaiterSpec = {
    name: 'ThingReady',
    operation: 'DescribeServices',
    delay: 1,
    maxAttempts: 2,
    acceptors: [
      { matcher: 'error', expected: 'ThrottlingException', state: 'retry' },
      { matcher: 'pathAll', argument: 'services[].status', expected: 'ACTIVE', state: 'success' },
    ],
  };
  const p = poller([errorResponse('ThrottlingException', 'slow down'), services(svc('DRAINING', 0, 0))]);
  await t.rejects(waitFor(w, p.poll, { delayMs: 0, maxAttempts: 2, sleep: async () => {} }), {
    // botocore explains the loop's last acceptor (Python's loop variable), here the pathAll one.
    message: 'Waiter ThingReady failed: Max attempts exceeded. Previously accepted state: For expression "services[].status" all members matched expected path: "ACTIVE"',
  });
});

t.test('waitFor: ECS exceptions are judged as error responses; transport failures end the wait as they are', async (t) => {
  const p = poller([new ServiceError('ClusterNotFoundException', 'DescribeServices', 'Cluster not found.')]);
  const err = await waitFor(waiter('services-stable'), p.poll, { delayMs: 0, maxAttempts: 3, sleep: async () => {} }).catch((e: unknown) => e);
  t.type(err, WaiterError);
  t.equal((err as WaiterError).render(), '\nWaiter ServicesStable failed: An error occurred (ClusterNotFoundException): Cluster not found.\n');
  const down = poller([new ConnectError('127.0.0.1:7400')]);
  const downErr = await waitFor(waiter('services-stable'), down.poll, { delayMs: 0, maxAttempts: 3, sleep: async () => {} }).catch((e: unknown) => e);
  t.type(downErr, ConnectError);
  t.equal(down.calls(), 1, 'no retry on a transport failure');
});

t.test('help descriptions are generated from the success acceptor, as aws does', async (t) => {
  t.equal(
    waiterDescription(waiter('tasks-running')),
    'Wait until JMESPath query tasks[].lastStatus returns RUNNING for all elements when polling with ``describe-tasks``. ' +
      'It will poll every 6 seconds until a successful state has been reached. This will exit with a return code of 255 after 100 failed checks.',
  );
  t.match(waiterDescription(waiter('services-inactive')), /^Wait until JMESPath query services\[\]\.status returns INACTIVE for any element when polling with ``describe-services``\./);
});
