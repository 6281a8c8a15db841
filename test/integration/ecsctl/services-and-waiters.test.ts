// The real ecsctl, as a child process, against the in-process fake control plane: the service
// commands and `ecsctl wait`, with what a user sees and the exit codes the AWS CLI gives.
import t from 'tap';
import { ACCOUNT_ARN, STABLE_ON_POLL, serviceArn, startFakeControlPlane, type FakeControlPlane } from './fake-control-plane.js';
import { ecsctl, useCompiled } from './run-ecsctl.js';

let cp: FakeControlPlane;
t.before(async () => {
  cp = await startFakeControlPlane();
});
t.teardown(() => cp.close());
t.comment(`running ${useCompiled ? 'the compiled dist/ecsctl/src/main.js' : 'ecsctl/src/main.ts through tsx'}`);

const at = () => ['--endpoint', cp.endpoint];
/** Fast polls for tests (an ecsctl extension; aws always waits 15 s). */
const FAST = { ECSCTL_WAITER_DELAY_MS: '20' };
const polls = (name: string) => cp.requests.filter((r) => r.rpc === 'DescribeServices' && (r.request.services as string[]).includes(name)).length;

t.test('create-service sends the nested shorthand as a structure and prints the service', async (t) => {
  cp.requests.length = 0;
  const r = await ecsctl([
    ...at(), 'create-service',
    '--cluster', 'C', '--service-name', 'web', '--task-definition', 'web:3', '--desired-count', '2',
    '--deployment-configuration', 'maximumPercent=200,minimumHealthyPercent=100,deploymentCircuitBreaker={enable=true,rollback=true}',
    '--placement-strategy', 'type=spread,field=attribute:ecs.availability-zone',
    '--enable-execute-command',
  ]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  const sent = cp.requests[0]!;
  t.equal(sent.rpc, 'CreateService');
  t.same(sent.request.deploymentConfiguration, { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: true, rollback: true } });
  t.equal(sent.request.desiredCount, 2);
  t.equal(sent.request.enableExecuteCommand, true);

  const printed = JSON.parse(r.stdout) as { service: Record<string, unknown> };
  t.same(Object.keys(printed), ['service']);
  t.match(printed.service, {
    serviceArn: serviceArn('C', 'web'),
    serviceName: 'web',
    clusterArn: `${ACCOUNT_ARN}:cluster/C`,
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 0,
    pendingCount: 2,
    taskDefinition: `${ACCOUNT_ARN}:task-definition/web:3`,
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 },
    deployments: [{ status: 'PRIMARY', rolloutState: 'IN_PROGRESS', createdAt: '2026-11-22T01:53:28.123000+00:00' }],
    createdAt: '2026-11-22T01:53:28.123000+00:00',
    schedulingStrategy: 'REPLICA',
    enableExecuteCommand: true,
  });
  t.match(
    r.stdout,
    /^\{\n {4}"service": \{\n {8}"serviceArn": "[^"]+",\n {8}"serviceName": "web",\n {8}"clusterArn": "[^"]+",\n {8}"status": "ACTIVE",\n/,
    'ECS field order, 4-space indentation',
  );
  t.match(r.stdout, /\n {12}"deploymentCircuitBreaker": \{\n {16}"enable": true,\n {16}"rollback": true\n {12}\},\n {12}"maximumPercent": 200,/);
});

t.test(`wait services-stable succeeds (exit 0, no output) once runningCount reaches desiredCount on poll ${STABLE_ON_POLL}`, async (t) => {
  const r = await ecsctl([...at(), 'wait', 'services-stable', '--cluster', 'C', '--services', 'web'], FAST);
  t.same(r, { code: 0, stdout: '', stderr: '' });
  t.equal(polls('web'), STABLE_ON_POLL, 'polled until the service was stable, and no more');
});

t.test('describe-services --query with a multiselect list prints what aws prints', async (t) => {
  const r = await ecsctl([
    ...at(), 'describe-services', '--cluster', 'C', '--services', 'web',
    '--query', 'services[0].[status,desiredCount,runningCount,pendingCount,deployments[*].status]',
  ]);
  t.same(r, { code: 0, stderr: '', stdout: '[\n    "ACTIVE",\n    2,\n    2,\n    0,\n    [\n        "PRIMARY"\n    ]\n]\n' });
  const text = await ecsctl([
    ...at(), 'describe-services', '--cluster', 'C', '--services', 'web', '--output', 'text',
    '--query', 'services[0].[status,desiredCount,runningCount,pendingCount,deployments[*].status]',
  ]);
  t.same(text, { code: 0, stderr: '', stdout: 'ACTIVE\t2\t2\t0\nPRIMARY\n' });
});

t.test('wait services-stable on a DRAINING service fails at once: the AWS CLI message, exit 255', async (t) => {
  cp.requests.length = 0;
  const r = await ecsctl([...at(), 'wait', 'services-stable', '--services', 'draining'], FAST);
  t.same(r, {
    code: 255,
    stdout: '',
    stderr:
      '\nWaiter ServicesStable failed: Waiter encountered a terminal failure state: ' +
      'For expression "services[].status" we matched expected path: "DRAINING" at least once\n',
  });
  t.equal(polls('draining'), 1);
});

t.test('wait services-stable on a missing service: the MISSING failure', async (t) => {
  const r = await ecsctl([...at(), 'wait', 'services-stable', '--cluster', 'C', '--services', 'nope'], FAST);
  t.equal(r.code, 255);
  t.equal(r.stderr, '\nWaiter ServicesStable failed: Waiter encountered a terminal failure state: For expression "failures[].reason" we matched expected path: "MISSING" at least once\n');
});

t.test('wait services-stable runs out of attempts: "Max attempts exceeded", exit 255', async (t) => {
  const created = await ecsctl([...at(), 'create-service', '--cluster', 'C', '--service-name', 'slow', '--desired-count', '1']);
  t.equal(created.code, 0, created.stderr);
  const r = await ecsctl([...at(), 'wait', 'services-stable', '--cluster', 'C', '--services', 'slow'], { ...FAST, ECSCTL_WAITER_MAX_ATTEMPTS: '2' });
  t.same(r, { code: 255, stdout: '', stderr: '\nWaiter ServicesStable failed: Max attempts exceeded\n' });
});

t.test('an ECS exception while waiting is a waiter failure', async (t) => {
  const r = await ecsctl([...at(), 'wait', 'services-stable', '--cluster', 'missing', '--services', 'web'], FAST);
  t.same(r, { code: 255, stdout: '', stderr: '\nWaiter ServicesStable failed: An error occurred (ClusterNotFoundException): Cluster not found.\n' });
});

t.test('wait tasks-running against DescribeTasks: RUNNING succeeds, a MISSING task fails', async (t) => {
  const ok = await ecsctl([...at(), 'wait', 'tasks-running', '--tasks', 't1'], FAST);
  t.same(ok, { code: 0, stdout: '', stderr: '' });
  const gone = await ecsctl([...at(), 'wait', 'tasks-running', '--tasks', 't1', 'gone-1'], FAST);
  t.same(gone, {
    code: 255,
    stdout: '',
    stderr: '\nWaiter TasksRunning failed: Waiter encountered a terminal failure state: For expression "failures[].reason" we matched expected path: "MISSING" at least once\n',
  });
});

t.test('list-services, update-service and delete-service reach their RPCs', async (t) => {
  const list = await ecsctl([...at(), 'list-services', '--cluster', 'C', '--query', 'serviceArns', '--output', 'text']);
  t.same(list, { code: 0, stderr: '', stdout: `${serviceArn('C', 'web')}\t${serviceArn('C', 'slow')}\n` });
  cp.requests.length = 0;
  const upd = await ecsctl([...at(), 'update-service', '--cluster', 'C', '--service', 'web', '--desired-count', '3', '--force-new-deployment', '--query', 'service.desiredCount']);
  t.same(upd, { code: 0, stderr: '', stdout: '3\n' });
  t.match(cp.requests[0]!.request, { cluster: 'C', service: 'web', desiredCount: 3, forceNewDeployment: true });
  const del = await ecsctl([...at(), 'delete-service', '--cluster', 'C', '--service', 'web', '--force', '--query', 'service.status', '--output', 'text']);
  t.same(del, { code: 0, stderr: '', stdout: 'DRAINING\n' });
});
