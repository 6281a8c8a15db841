import t from 'tap';
import { run } from './run-cli-harness.js';
import { parseArgv } from '../../../ecsctl/src/args/argv.js';
import { ServiceError } from '../../../ecsctl/src/errors.js';

/** A DescribeServices answer whose running count reaches the desired count on poll `stableOn`. */
function rollingOut(stableOn: number) {
  let polls = 0;
  return () => {
    polls++;
    const running = polls >= stableOn ? 2 : 0;
    return { services: [{ serviceName: 'web', status: 'ACTIVE', desiredCount: 2, runningCount: running, deployments: [{ status: 'PRIMARY' }] }], failures: [] };
  };
}

t.test('wait <waiter> takes the flags of its operation', async (t) => {
  const inv = parseArgv(['wait', 'services-stable', '--cluster', 'c', '--services', 'a', 'b']);
  t.equal(inv.kind, 'run');
  if (inv.kind !== 'run') return;
  t.equal(inv.waiter?.name, 'ServicesStable');
  t.equal(inv.command.rpc, 'DescribeServices');
  t.same(Object.fromEntries(inv.flags.map((f) => [f.spec.field, f.value])), { cluster: ['c'], services: ['a', 'b'] });
  const tasks = parseArgv(['wait', 'tasks-stopped', '--tasks', 't1']);
  t.equal(tasks.kind === 'run' && tasks.command.rpc, 'DescribeTasks');
});

t.test('services-stable: polls DescribeServices every 15 s until stable, prints nothing, exit 0', async (t) => {
  const r = await run(['wait', 'services-stable', '--cluster', 'c', '--services', 'web'], { server: rollingOut(3) });
  t.same({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 0, stdout: '', stderr: '' });
  t.same(r.calls, Array(3).fill({ rpc: 'DescribeServices', request: { cluster: 'c', services: ['web'] } }));
  t.same(r.sleeps, [15000, 15000]);
});

t.test('tasks-running polls every 6 s', async (t) => {
  let polls = 0;
  const r = await run(['wait', 'tasks-running', '--tasks', 't1'], {
    server: () => ({ tasks: [{ lastStatus: ++polls > 1 ? 'RUNNING' : 'PENDING' }], failures: [] }),
  });
  t.equal(r.code, 0, r.stderr);
  t.same(r.sleeps, [6000]);
});

t.test('ECSCTL_WAITER_DELAY_MS and ECSCTL_WAITER_MAX_ATTEMPTS override the delay and the attempts', async (t) => {
  const r = await run(['wait', 'services-stable', '--services', 'web'], {
    server: rollingOut(99),
    env: { ECSCTL_WAITER_DELAY_MS: '10', ECSCTL_WAITER_MAX_ATTEMPTS: '3' },
  });
  t.same({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 255, stdout: '', stderr: '\nWaiter ServicesStable failed: Max attempts exceeded\n' });
  t.equal(r.calls.length, 3);
  t.same(r.sleeps, [10, 10]);
  const bad = await run(['wait', 'services-stable', '--services', 'web'], { server: rollingOut(1), env: { ECSCTL_WAITER_DELAY_MS: 'soon' } });
  t.equal(bad.code, 252);
  t.match(bad.stderr, /ECSCTL_WAITER_DELAY_MS/);
  t.equal(bad.calls.length, 0);
});

t.test('a terminal failure state: the AWS CLI message on stderr, exit 255', async (t) => {
  const r = await run(['wait', 'services-stable', '--services', 'web'], {
    server: () => ({ services: [{ serviceName: 'web', status: 'DRAINING', desiredCount: 0, runningCount: 0, deployments: [] }], failures: [] }),
  });
  t.same(
    { code: r.code, stdout: r.stdout, stderr: r.stderr },
    {
      code: 255,
      stdout: '',
      stderr: '\nWaiter ServicesStable failed: Waiter encountered a terminal failure state: For expression "services[].status" we matched expected path: "DRAINING" at least once\n',
    },
  );
  t.equal(r.calls.length, 1);
});

t.test('an ECS exception while waiting ends it as a waiter failure (exit 255, not 254)', async (t) => {
  const r = await run(['wait', 'services-stable', '--cluster', 'nope', '--services', 'web'], {
    server: () => {
      throw new ServiceError('ClusterNotFoundException', 'DescribeServices', 'Cluster not found.');
    },
  });
  t.equal(r.code, 255);
  t.equal(r.stderr, '\nWaiter ServicesStable failed: An error occurred (ClusterNotFoundException): Cluster not found.\n');
});

t.test('usage errors: no waiter, an unknown waiter, a missing required flag, paging options', async (t) => {
  const none = await run(['wait']);
  t.equal(none.code, 252);
  t.match(none.stderr, /ecsctl: error: too few arguments\n$/);
  const unknown = await run(['wait', 'service-stable', '--services', 'x']);
  t.equal(unknown.code, 252);
  t.match(unknown.stderr, /argument subcommand: Invalid choice, valid choices are:\n\nservices-inactive\s+\| services-stable\ntasks-running\s+\| tasks-stopped\n$/);
  const req = await run(['wait', 'services-stable', '--cluster', 'c']);
  t.match(req.stderr, /the following arguments are required: --services\n$/);
  const paging = await run(['wait', 'services-stable', '--services', 'x', '--max-items', '1']);
  t.match(paging.stderr, /Unknown options: --max-items, 1\n$/);
});

t.test('--generate-cli-skeleton prints the operation\'s input, without polling', async (t) => {
  const r = await run(['wait', 'tasks-stopped', '--generate-cli-skeleton']);
  t.equal(r.code, 0);
  t.same(JSON.parse(r.stdout), { cluster: '', tasks: [''], include: [''] });
  t.equal(r.calls.length, 0);
});

t.test('`ecsctl wait help` lists the waiters; `wait <waiter> help` describes one', async (t) => {
  for (const argv of [['wait', 'help'], ['wait', '--help'], ['help', 'wait']]) {
    const r = await run(argv);
    t.equal(r.code, 0, argv.join(' '));
    for (const w of ['services-inactive', 'services-stable', 'tasks-running', 'tasks-stopped']) t.match(r.stdout, new RegExp(`o ${w} `), `${argv.join(' ')}: ${w}`);
    t.match(r.stdout, /ECSCTL_WAITER_DELAY_MS[\s\S]*ECSCTL_WAITER_MAX_ATTEMPTS/);
    t.match(r.stdout, /not in the AWS CLI/);
  }
  const one = await run(['wait', 'services-stable', 'help']);
  t.equal(one.code, 0);
  t.match(one.stdout, /NAME\n {7}services-stable -\n/);
  const description = one.stdout.split('SYNOPSIS')[0]!.replace(/\s+/g, ' ');
  t.match(description, 'It will poll every 15 seconds until a successful state has been reached. This will exit with a return code of 255 after 120 failed checks.');
  t.match(one.stdout, /SYNOPSIS\n {12}services-stable\n {10}\[--cluster <value>\]\n {10}--services <value> \[<value>\.\.\.\]\n/);
  t.match(one.stdout, /ECSCTL_WAITER_DELAY_MS/);
});
