import t from 'tap';
import { run } from './run-cli-harness.js';
import { findCommand } from '../../../ecsctl/src/commands/table.js';
import { ecsShapes } from '../../../ecsctl/src/schema/shapes.js';
import { shorthandSyntax } from '../../../ecsctl/src/schema/skeleton.js';

const echoService = (rpc: string, request: Record<string, unknown>) => ({ service: { serviceName: request.serviceName ?? request.service, status: 'ACTIVE' }, rpc });

async function sent(argv: string[]): Promise<Record<string, unknown>> {
  const r = await run(argv, { server: echoService });
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r.calls[0]!.request;
}

t.test('the service commands are named and flagged as aws ecs names them', async (t) => {
  const flags = (name: string) => findCommand(name)!.flags.filter((f) => !f.hidden).map((f) => (f.required ? `${f.flag}!` : f.flag));
  t.same(flags('create-service'), [
    '--cluster', '--service-name!', '--task-definition', '--desired-count', '--client-token', '--launch-type',
    '--deployment-configuration', '--placement-constraints', '--placement-strategy', '--health-check-grace-period-seconds',
    '--scheduling-strategy', '--deployment-controller', '--tags', '--propagate-tags', '--enable-execute-command',
  ]);
  t.same(flags('update-service'), [
    '--cluster', '--service!', '--desired-count', '--task-definition', '--deployment-configuration', '--placement-constraints',
    '--placement-strategy', '--force-new-deployment', '--health-check-grace-period-seconds', '--enable-execute-command',
  ]);
  t.same(flags('delete-service'), ['--cluster', '--service!', '--force']);
  t.same(flags('describe-services'), ['--cluster', '--services!', '--include']);
  t.same(flags('list-services'), ['--cluster', '--launch-type', '--scheduling-strategy']);
  t.same(findCommand('list-services')!.paginate?.resultKey, 'serviceArns');
});

t.test('--deployment-configuration: shorthand with a nested {...} structure, typed by the model', async (t) => {
  const req = await sent([
    'create-service', '--service-name', 'web', '--task-definition', 'web:3', '--desired-count', '2',
    '--deployment-configuration', 'maximumPercent=200,minimumHealthyPercent=100,deploymentCircuitBreaker={enable=true,rollback=true}',
  ]);
  t.same(req.deploymentConfiguration, { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: true, rollback: true } });
  t.equal(req.desiredCount, 2);
});

t.test('--deployment-configuration: the nested structure may come first, with spaces and false', async (t) => {
  const req = await sent([
    'update-service', '--service', 'web',
    '--deployment-configuration', 'deploymentCircuitBreaker={ enable=false, rollback=true },maximumPercent=150',
  ]);
  t.same(req.deploymentConfiguration, { deploymentCircuitBreaker: { enable: false, rollback: true }, maximumPercent: 150 });
});

t.test('--deployment-configuration: JSON works too, and a bad nested member is reported with its path', async (t) => {
  const req = await sent(['create-service', '--service-name', 'web', '--deployment-configuration', '{"deploymentCircuitBreaker":{"enable":true,"rollback":false}}']);
  t.same(req.deploymentConfiguration, { deploymentCircuitBreaker: { enable: true, rollback: false } });
  const bad = await run(['create-service', '--service-name', 'web', '--deployment-configuration', 'deploymentCircuitBreaker={enable=yes},maximumPercent=x'], { server: echoService });
  t.equal(bad.code, 252);
  t.match(bad.stderr, /Invalid type for parameter deploymentConfiguration\.deploymentCircuitBreaker\.enable, value: yes, type: <class 'str'>, valid types: <class 'bool'>/);
  t.match(bad.stderr, /Invalid type for parameter deploymentConfiguration\.maximumPercent, value: x, type: <class 'str'>/);
  t.equal(bad.calls.length, 0, 'nothing was sent');
  const unknown = await run(['create-service', '--service-name', 'web', '--deployment-configuration', 'deploymentCircuitBreaker={enabled=true}'], { server: echoService });
  t.match(unknown.stderr, /Unknown parameter in deploymentConfiguration\.deploymentCircuitBreaker: "enabled", must be one of: enable, rollback/);
});

t.test('create-service: every kind of flag in one request', async (t) => {
  const req = await sent([
    'create-service', '--cluster', 'prod', '--service-name', 'web', '--task-definition', 'web', '--desired-count', '3',
    '--client-token', 'tok-1', '--launch-type', 'EC2', '--scheduling-strategy', 'REPLICA',
    '--placement-constraints', 'type=distinctInstance',
    '--placement-strategy', 'type=spread,field=attribute:ecs.availability-zone', 'type=binpack,field=memory',
    '--health-check-grace-period-seconds', '30', '--deployment-controller', 'type=ECS',
    '--tags', 'key=team,value=web', '--propagate-tags', 'SERVICE', '--no-enable-execute-command',
  ]);
  t.same(req, {
    cluster: 'prod',
    serviceName: 'web',
    taskDefinition: 'web',
    desiredCount: 3,
    clientToken: 'tok-1',
    launchType: 'EC2',
    schedulingStrategy: 'REPLICA',
    placementConstraints: [{ type: 'distinctInstance' }],
    placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }, { type: 'binpack', field: 'memory' }],
    healthCheckGracePeriodSeconds: 30,
    deploymentController: { type: 'ECS' },
    tags: [{ key: 'team', value: 'web' }],
    propagateTags: 'SERVICE',
    enableExecuteCommand: false,
  });
});

t.test('update-service / delete-service booleans: --x and --no-x', async (t) => {
  t.equal((await sent(['update-service', '--service', 'web', '--force-new-deployment'])).forceNewDeployment, true);
  t.equal((await sent(['update-service', '--service', 'web', '--no-force-new-deployment'])).forceNewDeployment, false);
  t.equal((await sent(['update-service', '--service', 'web', '--enable-execute-command'])).enableExecuteCommand, true);
  t.same(await sent(['delete-service', '--cluster', 'c', '--service', 'web', '--force']), { cluster: 'c', service: 'web', force: true });
  t.same(await sent(['delete-service', '--service', 'web', '--no-force']), { service: 'web', force: false });
});

t.test('required flags: --service-name, --service, --services', async (t) => {
  for (const [argv, flag] of [
    [['create-service', '--desired-count', '1'], '--service-name'],
    [['update-service', '--desired-count', '1'], '--service'],
    [['delete-service'], '--service'],
    [['describe-services', '--cluster', 'c'], '--services'],
  ] as const) {
    const r = await run([...argv]);
    t.equal(r.code, 252);
    t.match(r.stderr, new RegExp(`the following arguments are required: ${flag}\\n$`));
  }
});

t.test('describe-services takes several services; list-services merges every page of serviceArns', async (t) => {
  t.same(await sent(['describe-services', '--cluster', 'c', '--services', 'a', 'b', '--include', 'TAGS']), { cluster: 'c', services: ['a', 'b'], include: ['TAGS'] });
  const pages: Record<string, Record<string, unknown>> = {
    first: { serviceArns: ['arn:1', 'arn:2'], nextToken: 't2' },
    t2: { serviceArns: ['arn:3'] },
  };
  const r = await run(['list-services', '--cluster', 'c', '--scheduling-strategy', 'REPLICA'], {
    server: (_rpc, req) => pages[String(req.nextToken ?? 'first')]!,
  });
  t.equal(r.code, 0, r.stderr);
  t.same(JSON.parse(r.stdout), { serviceArns: ['arn:1', 'arn:2', 'arn:3'] });
  t.same(r.calls.map((c) => c.request), [
    { cluster: 'c', schedulingStrategy: 'REPLICA' },
    { cluster: 'c', schedulingStrategy: 'REPLICA', nextToken: 't2' },
  ]);
});

t.test('help documents the nested shorthand as aws does', async (t) => {
  t.equal(
    shorthandSyntax(ecsShapes().structure('CreateServiceRequest').members.get('deploymentConfiguration')!),
    'deploymentCircuitBreaker={enable=boolean,rollback=boolean},maximumPercent=integer,minimumHealthyPercent=integer',
  );
  const r = await run(['create-service', 'help']);
  t.match(r.stdout, /--deployment-configuration \(structure\)[\s\S]*?Shorthand Syntax:\s+deploymentCircuitBreaker=\{enable=boolean,rollback=boolean\},maximumPercent=integer/);
  t.match(r.stdout, /\[--enable-execute-command \| --no-enable-execute-command\]/);
  const main = await run(['help']);
  for (const c of ['create-service', 'update-service', 'delete-service', 'describe-services', 'list-services', 'wait']) {
    t.match(main.stdout, new RegExp(`o ${c} `));
  }
});
