import t from 'tap';
import * as grpc from '@grpc/grpc-js';
import { toCliError } from '../../../ecsctl/src/transport/grpc-transport.js';
import { ConnectError, ServiceError } from '../../../ecsctl/src/errors.js';
import { run } from './run-cli-harness.js';

function grpcError(code: grpc.status, details: string, exception?: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (exception) metadata.set('x-ecs-exception', exception);
  return Object.assign(new Error(details), { code, details, metadata });
}

t.test('an ECS exception in the trailing metadata is printed as aws prints ClientErrors (exit 254)', async (t) => {
  const e = toCliError(grpcError(grpc.status.NOT_FOUND, 'Cluster not found.', 'ClusterNotFoundException'), 'RunTask', 'h:1');
  t.equal(e.exitCode, 254);
  t.equal(e.render(), '\nAn error occurred (ClusterNotFoundException) when calling the RunTask operation: Cluster not found.\n');
});

t.test('the exception name wins even on UNAVAILABLE (the server said it)', async (t) => {
  const e = toCliError(grpcError(grpc.status.UNAVAILABLE, 'Agent is not connected.', 'TargetNotConnectedException'), 'X', 'h:1');
  t.equal(e.exitCode, 254);
});

t.test('UNAVAILABLE without an exception is a connection failure (exit 255)', async (t) => {
  const e = toCliError(grpcError(grpc.status.UNAVAILABLE, 'No connection established'), 'ListClusters', '127.0.0.1:7400');
  t.equal(e.exitCode, 255);
  t.equal(e.render(), '\nCould not connect to the endpoint URL: "127.0.0.1:7400"\n');
});

t.test('a deadline is a read timeout (exit 255)', async (t) => {
  const e = toCliError(grpcError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded'), 'ListClusters', '127.0.0.1:7400');
  t.equal(e.exitCode, 255);
  t.equal(e.render(), '\nRead timeout on endpoint URL: "127.0.0.1:7400"\n');
});

t.test('other statuses without an exception get an ECS-style name', async (t) => {
  t.equal(toCliError(grpcError(grpc.status.UNIMPLEMENTED, ''), 'RunTask', 'h').render(), '\nAn error occurred (UnknownOperationException) when calling the RunTask operation: Unknown\n');
  t.match(toCliError(grpcError(grpc.status.INTERNAL, 'boom'), 'RunTask', 'h').render(), /\(ServerException\)/);
});

t.test('runCli writes errors to stderr only, with the exit code', async (t) => {
  const r = await run(['run-task', '--cluster', 'missing', '--task-definition', 'web'], {
    server: () => {
      throw new ServiceError('ClusterNotFoundException', 'RunTask', 'Cluster not found.');
    },
  });
  t.equal(r.code, 254);
  t.equal(r.stdout, '');
  t.equal(r.stderr, '\nAn error occurred (ClusterNotFoundException) when calling the RunTask operation: Cluster not found.\n');
  const down = await run(['list-clusters'], {
    server: () => {
      throw new ConnectError('127.0.0.1:7400');
    },
  });
  t.equal(down.code, 255);
  t.equal(down.stderr, '\nCould not connect to the endpoint URL: "127.0.0.1:7400"\n');
});

t.test('the endpoint: --endpoint, else ECSCTL_ENDPOINT, else 127.0.0.1:7400 (--endpoint-url too)', async (t) => {
  const server = () => ({ clusterArns: [] });
  t.equal((await run(['list-clusters'], { server })).endpoint, '127.0.0.1:7400');
  t.equal((await run(['list-clusters'], { server, env: { ECSCTL_ENDPOINT: 'cp:9000' } })).endpoint, 'cp:9000');
  t.equal((await run(['--endpoint', 'a:1', 'list-clusters'], { server, env: { ECSCTL_ENDPOINT: 'cp:9000' } })).endpoint, 'a:1');
  t.equal((await run(['list-clusters', '--endpoint-url', 'http://b:2/'], { server })).endpoint, 'b:2');
});

t.test('unknown options are listed together (exit 252)', async (t) => {
  const r = await run(['describe-clusters', '--bogus', 'x', '--max-items', '2']);
  t.equal(r.code, 252);
  t.match(r.stderr, /ecsctl: error: Unknown options: --max-items, 2, --bogus, x\n$/);
});

t.test('an unknown command suggests close ones', async (t) => {
  const r = await run(['descibe-tasks']);
  t.equal(r.code, 252);
  t.match(r.stderr, /Invalid choice: 'descibe-tasks', maybe you meant:\n\n  \* describe-tasks\n$/);
  const far = await run(['frobnicate']);
  t.match(far.stderr, /Invalid choice, valid choices are:\n\ncreate-cluster\s+\| delete-cluster\n/);
  const none = await run([]);
  t.match(none.stderr, /the following arguments are required: command\n$/);
});

t.test('a flag missing its value is a usage error', async (t) => {
  const r = await run(['describe-tasks', '--tasks']);
  t.equal(r.code, 252);
  t.match(r.stderr, /argument --tasks: expected at least one argument\n$/);
  const one = await run(['stop-task', '--task', '--reason', 'x']);
  t.match(one.stderr, /argument --task: expected one argument\n$/);
});
