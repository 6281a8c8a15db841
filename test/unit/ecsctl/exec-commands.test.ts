// The commands of issue 6 as command lines: update-cluster, create-cluster --configuration,
// execute-command's flags, list-execute-command-sessions (pagination and output formats), help.
import t from 'tap';
import { run } from './run-cli-harness.js';
import { findCommand } from '../../../ecsctl/src/commands/table.js';

const echoCluster = (rpc: string, request: Record<string, unknown>) => ({
  cluster: { clusterName: request.clusterName ?? request.cluster, status: 'ACTIVE', ...(request.configuration ? { configuration: request.configuration } : {}) },
  rpc,
});

async function sent(argv: string[]): Promise<Record<string, unknown>> {
  const r = await run(argv, { server: echoCluster });
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r.calls[0]!.request;
}

t.test('the new commands are named and flagged as aws ecs names them', async (t) => {
  const flags = (name: string) => findCommand(name)!.flags.filter((f) => !f.hidden).map((f) => (f.required ? `${f.flag}!` : f.flag));
  t.same(flags('update-cluster'), ['--cluster!', '--settings', '--configuration']);
  t.same(flags('create-cluster'), ['--cluster-name', '--tags', '--settings', '--configuration']);
  t.same(flags('execute-command'), ['--cluster', '--container', '--command!', '--interactive', '--task!']);
  t.same(flags('list-execute-command-sessions'), ['--cluster', '--task', '--status']);
  t.same(findCommand('list-execute-command-sessions')!.paginate, { resultKey: 'sessions', inputToken: 'nextToken', outputToken: 'nextToken', limitKey: 'maxResults' });
});

t.test('create-cluster --configuration: aws shorthand with nested structures', async (t) => {
  let req = await sent(['create-cluster', '--cluster-name', 'prod', '--configuration', 'executeCommandConfiguration={logging=DEFAULT}']);
  t.same(req, { clusterName: 'prod', configuration: { executeCommandConfiguration: { logging: 'DEFAULT' } } });
  req = await sent([
    'create-cluster', '--cluster-name', 'prod', '--configuration',
    'executeCommandConfiguration={kmsKeyId=k,logging=OVERRIDE,logConfiguration={cloudWatchLogGroupName=ecs-exec,cloudWatchEncryptionEnabled=true,s3BucketName=b,s3KeyPrefix=p}}',
  ]);
  t.same(req.configuration, {
    executeCommandConfiguration: {
      kmsKeyId: 'k',
      logging: 'OVERRIDE',
      logConfiguration: { cloudWatchLogGroupName: 'ecs-exec', cloudWatchEncryptionEnabled: true, s3BucketName: 'b', s3KeyPrefix: 'p' },
    },
  });
});

t.test('create-cluster --configuration: JSON, and bad members named by their path', async (t) => {
  const req = await sent(['create-cluster', '--cluster-name', 'prod', '--configuration', '{"executeCommandConfiguration":{"logging":"NONE"}}']);
  t.same(req.configuration, { executeCommandConfiguration: { logging: 'NONE' } });
  const bad = await run(['create-cluster', '--configuration', 'executeCommandConfiguration={logs=DEFAULT}'], { server: echoCluster });
  t.equal(bad.code, 252);
  t.match(bad.stderr, /Unknown parameter in configuration\.executeCommandConfiguration: "logs", must be one of: kmsKeyId, logging, logConfiguration/);
  t.equal(bad.calls.length, 0);
});

t.test('update-cluster: --cluster required; --settings and --configuration; the cluster printed', async (t) => {
  const r = await run(['update-cluster', '--cluster', 'prod', '--settings', 'name=containerInsights,value=enabled', '--configuration', 'executeCommandConfiguration={logging=NONE}'], { server: echoCluster });
  t.equal(r.code, 0, r.stderr);
  t.same(r.calls, [
    {
      rpc: 'UpdateCluster',
      request: { cluster: 'prod', settings: [{ name: 'containerInsights', value: 'enabled' }], configuration: { executeCommandConfiguration: { logging: 'NONE' } } },
    },
  ]);
  t.same(JSON.parse(r.stdout).cluster.configuration, { executeCommandConfiguration: { logging: 'NONE' } });
  const missing = await run(['update-cluster', '--configuration', 'executeCommandConfiguration={logging=NONE}'], { server: echoCluster });
  t.equal(missing.code, 252);
  t.match(missing.stderr, /the following arguments are required: --cluster/);
});

t.test('update-cluster: ClusterNotFoundException prints as aws prints it (exit 254)', async (t) => {
  const { ServiceError } = await import('../../../ecsctl/src/errors.js');
  const r = await run(['update-cluster', '--cluster', 'nope', '--configuration', 'executeCommandConfiguration={logging=NONE}'], {
    server: () => {
      throw new ServiceError('ClusterNotFoundException', 'UpdateCluster', 'Cluster not found.');
    },
  });
  t.equal(r.code, 254);
  t.equal(r.stderr, '\nAn error occurred (ClusterNotFoundException) when calling the UpdateCluster operation: Cluster not found.\n');
});

t.test('execute-command: flags → ExecuteCommandRequest; --interactive | --non-interactive', async (t) => {
  const argv = ['execute-command', '--cluster', 'prod', '--task', 'abc', '--container', 'web', '--command', 'sh -c "echo hi"'];
  let r = await run([...argv, '--interactive']);
  t.same(r.calls[0], { rpc: 'ExecuteCommand', request: { cluster: 'prod', task: 'abc', container: 'web', command: 'sh -c "echo hi"', interactive: true } });
  r = await run([...argv, '--non-interactive']);
  t.same(r.calls[0]!.request.interactive, false);
  r = await run(argv);
  t.same(r.calls[0]!.request.interactive, false, 'omitted: non-interactive (piped) mode');
  r = await run(['execute-command', '--task', 'abc', '--command', 'ls', '--no-interactive']);
  t.equal(r.code, 252, 'the negation is --non-interactive, as in aws');
  t.match(r.stderr, /Unknown options: --no-interactive/);
  r = await run(['execute-command', '--task', 'abc']);
  t.equal(r.code, 252);
  t.match(r.stderr, /the following arguments are required: --command/);
  r = await run(['execute-command', '--command', 'ls']);
  t.match(r.stderr, /the following arguments are required: --task/);
});

const SESSION = (i: number, over: Record<string, unknown> = {}) => ({
  sessionId: `ecs-execute-command-0000000000000000${i}`,
  clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/prod',
  taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/prod/abc',
  containerName: 'web',
  containerArn: 'arn:aws:ecs:us-east-1:000000000000:container/prod/abc/c1',
  command: 'sh',
  interactive: true,
  status: 'STOPPED',
  createdAt: 1_790_000_000 + i,
  startedAt: 1_790_000_001 + i,
  stoppedAt: 1_790_000_002 + i,
  exitCode: i,
  logging: 'DEFAULT',
  ...over,
});

const pagedSessions = (rpc: string, request: Record<string, unknown>) => {
  if (rpc !== 'ListExecuteCommandSessions') throw new Error(rpc);
  return request.nextToken === undefined ? { sessions: [SESSION(1), SESSION(2)], nextToken: 't2' } : { sessions: [SESSION(3, { status: 'RUNNING', exitCode: undefined, stoppedAt: undefined })] };
};

t.test('list-execute-command-sessions: flags → request; every page merged (json)', async (t) => {
  const r = await run(['list-execute-command-sessions', '--cluster', 'prod', '--task', 'abc', '--status', 'STOPPED'], { server: pagedSessions });
  t.equal(r.code, 0, r.stderr);
  t.same(r.calls.map((c) => c.request), [
    { cluster: 'prod', task: 'abc', status: 'STOPPED' },
    { cluster: 'prod', task: 'abc', status: 'STOPPED', nextToken: 't2' },
  ]);
  const out = JSON.parse(r.stdout);
  t.same(out.sessions.map((s: { sessionId: string }) => s.sessionId.slice(-1)), ['1', '2', '3']);
  t.equal(out.sessions[0].createdAt, '2026-09-21T14:13:21+00:00', 'timestamps as aws prints them');
  t.notOk('exitCode' in out.sessions[2], 'absent members are left out');
  t.notOk('nextToken' in out);
});

t.test('list-execute-command-sessions: --max-items / --no-paginate / --max-results', async (t) => {
  let r = await run(['list-execute-command-sessions', '--max-items', '1'], { server: pagedSessions });
  let out = JSON.parse(r.stdout);
  t.equal(out.sessions.length, 1);
  t.type(out.NextToken, 'string');
  r = await run(['list-execute-command-sessions', '--no-paginate'], { server: pagedSessions });
  out = JSON.parse(r.stdout);
  t.equal(out.sessions.length, 2);
  t.equal(out.nextToken, 't2');
  r = await run(['list-execute-command-sessions', '--max-results', '5'], { server: pagedSessions });
  t.same(r.calls.map((c) => c.request), [{ maxResults: 5 }], 'raw paging turns auto-pagination off');
});

t.test('list-execute-command-sessions: text and table output', async (t) => {
  const r = await run(['list-execute-command-sessions', '--output', 'text'], { server: pagedSessions });
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.equal(lines.length, 3);
  t.match(lines[0], /^SESSIONS\t/);
  t.match(lines[0], /ecs-execute-command-00000000000000001/);
  const tb = await run(['list-execute-command-sessions', '--output', 'table'], { server: pagedSessions, env: { COLUMNS: '400' } });
  t.equal(tb.code, 0, tb.stderr);
  t.match(tb.stdout, /ListExecuteCommandSessions/);
  t.match(tb.stdout, /sessions/);
  t.match(tb.stdout, /ecs-execute-command-00000000000000003/);
});

t.test('help: the new commands are listed and explained', async (t) => {
  const main = await run(['help']);
  for (const name of ['update-cluster', 'execute-command', 'list-execute-command-sessions']) t.match(main.stdout, new RegExp(`o ${name} `), name);
  const ex = await run(['execute-command', 'help']);
  t.equal(ex.code, 0);
  t.match(ex.stdout, /\[--interactive \| --non-interactive\]/);
  t.match(ex.stdout, /\n {10}--command <value>\n/, '--command is required');
  t.match(ex.stdout, /\n {10}--task <value>\n/, '--task is required');
  t.match(ex.stdout, /Without --interactive \(or with\n\s+--non-interactive; beyond aws ecs\)/);
  t.match(ex.stdout, /stdin is piped/);
  t.match(ex.stdout, /then StartSession/);
  const uc = await run(['update-cluster', 'help']);
  t.match(uc.stdout, /executeCommandConfiguration=\{kmsKeyId=string,logging=string,logConfiguration=\{/);
  const ls = await run(['list-execute-command-sessions', 'help']);
  t.match(ls.stdout, /paginated operation/);
});
