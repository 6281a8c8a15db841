// The log driver a container is created with: routed containers (no logConfiguration, or awsfirelens) get
// Docker's `local` driver as the router's outage buffer; other drivers go to Docker as given when
// ECS_AVAILABLE_LOGGING_DRIVERS lists them; a driver not listed or a bad awsfirelens option fails the
// container at create, and the task stops with the reason.
import t from 'tap';
import { DEFAULT_CONTAINER_LOGGING, logConfigOf, type ContainerLogging } from '../../../../agent/src/engine/container-spec.js';
import { buildSpec } from '../../../../agent/src/engine/container-spec.js';
import { taskFromAssignment } from '../../../../agent/src/engine/task-state.js';
import { FakeRuntime } from '../../../../agent/src/runtime/fake-runtime.js';
import { toCreateOptions } from '../../../../agent/src/runtime/docker-runtime.js';
import type { ContainerDefinition } from '../../../../proto/gen/ecs/v1/ContainerDefinition.js';
import { engineRig } from '../helpers/engine-rig.js';
import { assignment } from '../helpers/tasks.js';

const logging: ContainerLogging = { availableDrivers: ['json-file', 'none', 'syslog'], dockerMaxSizeBytes: 1024 * 1024, dockerMaxFiles: 3 };
const containerOf = (d: Partial<ContainerDefinition>) => taskFromAssignment(assignment([{ name: 'app', image: 'img', ...d }])).containers[0];
const local = (size: number, files: number) => ({ type: 'local', options: { 'max-size': String(size), 'max-file': String(files), compress: 'false' } });

t.test('routed containers write to the local driver, sized by ECS_CONTAINER_LOG_DOCKER_*', async (t) => {
  t.same(logConfigOf(containerOf({}), logging), local(1024 * 1024, 3), 'no logConfiguration');
  t.same(logConfigOf(containerOf({ logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'stdout' } } }), logging), local(1024 * 1024, 3), 'awsfirelens');
  t.same(logConfigOf(containerOf({})), local(20 * 1024 * 1024, 5), 'the defaults: 20m × 5');
  t.same(DEFAULT_CONTAINER_LOGGING.availableDrivers, ['json-file', 'none']);
});

t.test('other drivers go to Docker as given, if allowed', async (t) => {
  t.same(logConfigOf(containerOf({ logConfiguration: { logDriver: 'json-file', options: { 'max-size': '5m' } } }), logging), { type: 'json-file', options: { 'max-size': '5m' } });
  t.same(logConfigOf(containerOf({ logConfiguration: { logDriver: 'syslog', options: {} } }), logging), { type: 'syslog', options: {} });
  t.throws(
    () => logConfigOf(containerOf({ logConfiguration: { logDriver: 'syslog', options: {} } })),
    /logging driver 'syslog' is not available on this container instance \(ECS_AVAILABLE_LOGGING_DRIVERS: json-file, none\)/,
  );
  t.throws(
    () => logConfigOf(containerOf({ logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'file', 'include-pattern': '(' } } }), logging),
    /^Invalid 'logConfiguration' setting for container 'app'\. options\.include-pattern: Invalid regular expression/,
  );
});

t.test('Docker is asked for the local driver', async (t) => {
  const task = taskFromAssignment(assignment([{ name: 'app', image: 'img' }]));
  const o = toCreateOptions(buildSpec(task, task.containers[0], { cluster: 'c', containerInstanceArn: 'arn:ci', dockerName: 'n', hostPorts: [], logging }));
  t.same(o.HostConfig?.LogConfig, { Type: 'local', Config: { 'max-size': '1048576', 'max-file': '3', compress: 'false' } });
});

t.test('a driver not allowed, or a bad awsfirelens option, stops the task with the reason', async (t) => {
  const runtime = new FakeRuntime();
  runtime.cachedImages.add('img');
  const r = await engineRig({ runtime });
  const cases: Array<[ContainerDefinition['logConfiguration'], RegExp]> = [
    [{ logDriver: 'syslog', options: {} }, /^CannotCreateContainerError: logging driver 'syslog' is not available on this container instance/],
    [
      { logDriver: 'awsfirelens', options: { Name: 'cloudwatch' } },
      /^CannotCreateContainerError: Invalid 'logConfiguration' setting for container 'app'\. options\.Name: unknown output 'cloudwatch'/,
    ],
  ];
  for (const [logConfiguration, reason] of cases) {
    const a = assignment([{ name: 'app', image: 'img', logConfiguration }]);
    await r.engine.assign(a);
    await r.settle();
    const report = r.sink.latest(a.taskArn!)!;
    t.equal(report.status, 'STOPPED');
    t.equal(report.stopCode, 'TaskFailedToStart');
    t.match(report.reason, reason);
    t.match(report.containers![0].reason, reason);
  }
  t.same(runtime.calls.filter((c) => c.startsWith('create')), [], 'nothing created');
});
