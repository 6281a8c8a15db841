import t from 'tap';
import { run, type FakeServer } from './run-cli-harness.js';

const echo: FakeServer = (_rpc, request) => ({ taskDefinition: { ...request, revision: 1 } });

const TASK_JSON = JSON.stringify({
  family: 'web',
  networkMode: 'bridge',
  containerDefinitions: [{ name: 'web', image: 'busybox', cpu: 128, memory: 64, essential: true }],
});

t.test('--cli-input-json file:// supplies the whole request (aws register-task-definition habit)', async (t) => {
  const r = await run(['register-task-definition', '--cli-input-json', 'file://task.json'], { server: echo, files: { 'task.json': TASK_JSON } });
  t.equal(r.code, 0, r.stderr);
  t.same(r.calls[0]!.request, JSON.parse(TASK_JSON));
});

t.test('--cli-input-json also takes inline JSON', async (t) => {
  const r = await run(['register-task-definition', '--cli-input-json', TASK_JSON], { server: echo });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.calls[0]!.request.family, 'web');
});

t.test('flags given explicitly override the JSON keys', async (t) => {
  const r = await run(['register-task-definition', '--cli-input-json', TASK_JSON, '--family', 'api', '--network-mode', 'host'], { server: echo });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.calls[0]!.request.family, 'api');
  t.equal(r.calls[0]!.request.networkMode, 'host');
  t.same(r.calls[0]!.request.containerDefinitions, JSON.parse(TASK_JSON).containerDefinitions);
});

t.test('required flags may come from the JSON instead of the command line', async (t) => {
  const r = await run(['run-task', '--cli-input-json', '{"taskDefinition":"web"}'], { server: () => ({ tasks: [], failures: [] }) });
  t.equal(r.code, 0, r.stderr);
  t.same(r.calls[0]!.request, { taskDefinition: 'web' });
});

t.test('a required key missing from the JSON is a validation error', async (t) => {
  const r = await run(['run-task', '--cli-input-json', '{"cluster":"c"}']);
  t.equal(r.code, 252);
  t.equal(r.stderr, '\nParameter validation failed:\nMissing required parameter in input: "taskDefinition"\n');
  t.equal(r.calls.length, 0, 'nothing was sent');
});

t.test('any flag value may be file://path (read as text)', async (t) => {
  const defs = JSON.stringify([{ name: 'web', image: 'busybox' }]);
  const r = await run(['register-task-definition', '--family', 'web', '--container-definitions', 'file://defs.json'], {
    server: echo,
    files: { 'defs.json': defs },
  });
  t.equal(r.code, 0, r.stderr);
  t.same(r.calls[0]!.request.containerDefinitions, JSON.parse(defs));
});

t.test('file:// with ~ is relative to HOME', async (t) => {
  const r = await run(['describe-tasks', '--tasks', 'file://~/arn.txt'], {
    server: () => ({ tasks: [], failures: [] }),
    files: { '/home/u/arn.txt': 'task-1' },
    env: { HOME: '/home/u' },
  });
  t.equal(r.code, 0, r.stderr);
  t.same(r.calls[0]!.request.tasks, ['task-1']);
});

t.test('a missing file is reported as aws reports it', async (t) => {
  const r = await run(['register-task-definition', '--cli-input-json', 'file://nope.json']);
  t.equal(r.code, 252);
  t.equal(
    r.stderr,
    "\nError parsing parameter '--cli-input-json': Unable to load paramfile file://nope.json: [Errno 2] No such file or directory: 'nope.json'\n",
  );
});

t.test('invalid JSON names the parameter and echoes what it received', async (t) => {
  const r = await run(['register-task-definition', '--cli-input-json', '{"family":']);
  t.equal(r.code, 252);
  t.match(r.stderr, /^\nError parsing parameter '--cli-input-json': Invalid JSON: .*\nJSON received: \{"family":\n$/);
});

t.test('--cli-input-json must be a JSON object', async (t) => {
  const r = await run(['list-clusters', '--cli-input-json', '[1]']);
  t.equal(r.code, 252);
  t.equal(r.stderr, "\nError parsing parameter '--cli-input-json': Invalid type: expecting map, received <class 'list'>\n");
});

t.test('--generate-cli-skeleton prints the request shape to fill in', async (t) => {
  const r = await run(['stop-task', '--generate-cli-skeleton']);
  t.equal(r.code, 0);
  t.equal(r.stdout, '{\n    "cluster": "",\n    "task": "",\n    "reason": ""\n}\n');
});
