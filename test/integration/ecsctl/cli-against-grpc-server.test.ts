// The real ecsctl, as a child process, against a real grpc-js server implementing EcsControlPlane
// with canned answers: what a user sees on stdout/stderr, and the exit codes.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CLUSTER_ARNS, TASK_ARN, startFakeControlPlane, type FakeControlPlane } from './fake-control-plane.js';
import { ecsctl, useCompiled } from './run-ecsctl.js';

let cp: FakeControlPlane;
t.before(async () => {
  cp = await startFakeControlPlane();
});
t.teardown(() => cp.close());
t.comment(`running ${useCompiled ? 'the compiled dist/ecsctl/src/main.js' : 'ecsctl/src/main.ts through tsx'}`);

const at = () => ['--endpoint', cp.endpoint];

t.test('list-clusters follows nextToken over two pages and prints one merged list', async (t) => {
  cp.requests.length = 0;
  const r = await ecsctl([...at(), 'list-clusters']);
  t.same(r, { code: 0, stderr: '', stdout: `{\n    "clusterArns": [\n${CLUSTER_ARNS.map((a) => `        "${a}"`).join(',\n')}\n    ]\n}\n` });
  t.same(cp.requests.map((x) => x.request.nextToken ?? null), [null, '2'], 'the second call carried the first nextToken');
});

t.test('list-clusters --output text prints one CLUSTERARNS row per ARN', async (t) => {
  const r = await ecsctl(['list-clusters', '--output', 'text'], { ECSCTL_ENDPOINT: cp.endpoint });
  t.same(r, { code: 0, stderr: '', stdout: CLUSTER_ARNS.map((a) => `CLUSTERARNS\t${a}\n`).join('') });
});

t.test('--max-items prints a NextToken that --starting-token resumes from', async (t) => {
  const first = await ecsctl([...at(), 'list-clusters', '--max-items', '1']);
  t.equal(first.code, 0);
  const out = JSON.parse(first.stdout) as { clusterArns: string[]; NextToken: string };
  t.same(out.clusterArns, [CLUSTER_ARNS[0]]);
  const rest = await ecsctl([...at(), 'list-clusters', '--starting-token', out.NextToken, '--query', 'clusterArns', '--output', 'text']);
  t.same(rest, { code: 0, stderr: '', stdout: `${CLUSTER_ARNS[1]}\n${CLUSTER_ARNS[2]}\n` });
});

t.test('a server error carrying x-ecs-exception is printed as aws prints it, exit 254', async (t) => {
  const r = await ecsctl([...at(), 'run-task', '--cluster', 'missing', '--task-definition', 'web']);
  t.same(r, {
    code: 254,
    stdout: '',
    stderr: '\nAn error occurred (ClusterNotFoundException) when calling the RunTask operation: Cluster not found.\n',
  });
});

t.test('run-task sends JSON, shorthand and boolean flags as one request; the task prints with ISO timestamps', async (t) => {
  cp.requests.length = 0;
  const r = await ecsctl([
    ...at(),
    'run-task',
    '--task-definition', 'web:3',
    '--count', '2',
    '--overrides', '{"containerOverrides":[{"name":"web","command":["sleep","60"]}]}',
    '--placement-strategy', 'type=spread,field=attribute:ecs.availability-zone', 'type=binpack,field=memory',
    '--tags', 'key=team,value=web', 'key=env,value=dev',
    '--enable-execute-command',
    '--region', 'us-east-1',
    '--no-cli-pager',
  ]);
  t.equal(r.code, 0, r.stderr);
  const sent = cp.requests[0]!.request;
  t.equal(sent.taskDefinition, 'web:3');
  t.equal(sent.count, 2);
  t.equal(sent.enableExecuteCommand, true);
  t.same(sent.placementStrategy, [
    { type: 'spread', field: 'attribute:ecs.availability-zone' },
    { type: 'binpack', field: 'memory' },
  ]);
  t.same(sent.tags, [{ key: 'team', value: 'web' }, { key: 'env', value: 'dev' }]);
  const printed = JSON.parse(r.stdout) as { tasks: Record<string, unknown>[]; failures: unknown[] };
  t.equal(printed.tasks[0]!.createdAt, '2026-11-22T01:53:28.123000+00:00');
  t.notOk('startedAt' in printed.tasks[0]!, 'absent fields are left out');
  t.notOk('stoppedReason' in printed.tasks[0]!, 'absent optional fields are left out');
  t.match(r.stdout, /^\{\n {4}"tasks": \[\n {8}\{\n {12}"taskArn": "/, '4-space indentation, declaration order');
});

t.test('describe-tasks --output table draws the boxed table titled DescribeTasks', async (t) => {
  const r = await ecsctl([...at(), 'describe-tasks', '--tasks', TASK_ARN, 'gone-1', '--output', 'table', '--query', 'failures']);
  t.same(r, {
    code: 0,
    stderr: '',
    stdout: [
      '-----------------------',
      '|    DescribeTasks    |',
      '+---------+-----------+',
      '|   arn   |  reason   |',
      '+---------+-----------+',
      '|  gone-1 |  MISSING  |',
      '+---------+-----------+',
      '',
    ].join('\n'),
  });
});

t.test('describe-tasks --output text: TASKS, CONTAINERS, NETWORKBINDINGS rows', async (t) => {
  const r = await ecsctl([...at(), 'describe-tasks', '--tasks', TASK_ARN, '--output', 'text', '--query', 'tasks[0].containers']);
  t.same(r, {
    code: 0,
    stderr: '',
    stdout:
      'arn:aws:ecs:us-east-1:123456789012:container/default/0123/abcd\tbusybox:latest\tRUNNING\tweb\t' + `${TASK_ARN}\n` +
      'NETWORKBINDINGS\t0.0.0.0\t80\t32768\ttcp\n',
  });
});

t.test('doubles print as floats and registeredAt as ISO text', async (t) => {
  const r = await ecsctl([...at(), 'describe-container-instances', '--container-instances', 'x']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /"doubleValue": 0\.0,\n/);
  t.match(r.stdout, /"registeredAt": "2026-11-22T01:53:20\+00:00",\n/);
});

t.test('register-task-definition --cli-input-json file:// with a flag overriding the family', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ecsctl-'));
  const file = join(dir, 'task.json');
  writeFileSync(file, JSON.stringify({ family: 'from-file', containerDefinitions: [{ name: 'web', image: 'busybox', memory: 64, dockerLabels: { 'com.example.team': 'web' } }] }));
  cp.requests.length = 0;
  const r = await ecsctl([...at(), 'register-task-definition', '--cli-input-json', `file://${file}`, '--family', 'web', '--query', 'taskDefinition.[family, containerDefinitions[0].dockerLabels."com.example.team"]', '--output', 'text']);
  t.same(r, { code: 0, stderr: '', stdout: 'web\tweb\n' });
  t.equal(cp.requests[0]!.request.family, 'web');
});

t.test('invalid parameters are refused before any call, exit 252', async (t) => {
  cp.requests.length = 0;
  const r = await ecsctl([...at(), 'register-task-definition', '--family', 'web', '--container-definitions', '[{"name":"web","cpu":"abc","foo":1}]']);
  t.equal(r.code, 252);
  t.equal(r.stdout, '');
  t.match(r.stderr, /^\nParameter validation failed:\nUnknown parameter in containerDefinitions\[0\]: "foo", must be one of: name, image, cpu, /);
  t.match(r.stderr, /\nInvalid type for parameter containerDefinitions\[0\]\.cpu, value: abc, type: <class 'str'>, valid types: <class 'int'>\n$/);
  t.equal(cp.requests.length, 0);
  const usage = await ecsctl([...at(), 'run-task']);
  t.equal(usage.code, 252);
  t.match(usage.stderr, /\necsctl: error: the following arguments are required: --task-definition\n$/);
});

t.test('nothing listening: "Could not connect to the endpoint URL", exit 255', async (t) => {
  const probe = new grpc.Server();
  const port = await new Promise<number>((ok, no) => probe.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? no(e) : ok(p))));
  await new Promise<void>((ok) => probe.tryShutdown(() => ok()));
  const r = await ecsctl(['--endpoint', `127.0.0.1:${port}`, 'list-clusters']);
  t.same(r, { code: 255, stdout: '', stderr: `\nCould not connect to the endpoint URL: "127.0.0.1:${port}"\n` });
});

t.test('no answer within --cli-read-timeout: "Read timeout on endpoint URL", exit 255', async (t) => {
  const r = await ecsctl([...at(), 'stop-task', '--task', 't', '--reason', 'hang', '--cli-read-timeout', '1']);
  t.same(r, { code: 255, stdout: '', stderr: `\nRead timeout on endpoint URL: "${cp.endpoint}"\n` });
});

t.test('help prints usage and exits 0', async (t) => {
  const r = await ecsctl(['describe-tasks', 'help']);
  t.equal(r.code, 0);
  t.match(r.stdout, /SYNOPSIS\n {12}describe-tasks\n {10}\[--cluster <value>\]\n {10}--tasks <value> \[<value>\.\.\.\]\n/);
});
