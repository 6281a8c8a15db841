import t from 'tap';
import { buildSpec, mountsOf } from '../../../../agent/src/engine/container-spec.js';
import { projectTask } from '../../../../agent/src/engine/report.js';
import { taskFromAssignment, upgradeTask, type TaskState } from '../../../../agent/src/engine/task-state.js';
import { toCreateOptions, toRuntimeEvent } from '../../../../agent/src/runtime/docker-runtime.js';
import type { ContainerDefinition } from '../../../../proto/gen/ecs/v1/ContainerDefinition.js';
import { assignment } from '../helpers/tasks.js';

const ctx = { cluster: 'default', containerInstanceArn: 'arn:ci', dockerName: 'ecs-web-3-app-abc', hostPorts: [] };

function taskOf(defs: ContainerDefinition[], volumes = [{ name: 'scratch' }, { name: 'data', host: { sourcePath: '/srv/data' } }]): TaskState {
  const task = taskFromAssignment(assignment(defs, { volumes }));
  // The scratch volume as the engine has it once created.
  return { ...task, volumes: task.volumes.map((v) => (v.sourcePath ? v : { ...v, dockerName: `ecs-web-3-${v.name}-0123` })) };
}

const full: ContainerDefinition = {
  name: 'app',
  image: 'img',
  mountPoints: [
    { sourceVolume: 'scratch', containerPath: '/scratch' },
    { sourceVolume: 'data', containerPath: '/data', readOnly: true },
  ],
  healthCheck: { command: ['CMD-SHELL', 'wget -q -O- localhost || exit 1'], interval: 10, timeout: 2, retries: 4, startPeriod: 7 },
  ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 4096 }],
  privileged: true,
  readonlyRootFilesystem: true,
  disableNetworking: true,
  dnsServers: ['10.0.0.2', '1.1.1.1'],
  interactive: true,
  pseudoTerminal: true,
};

t.test('the assignment\'s volumes and the new container fields are kept in the task record', async (t) => {
  const task = taskFromAssignment(assignment([full], { volumes: [{ name: 'scratch' }, { name: 'empty-host', host: {} }, { name: 'data', host: { sourcePath: '/srv/data' } }] }));
  t.same(task.volumes, [{ name: 'scratch' }, { name: 'empty-host' }, { name: 'data', sourcePath: '/srv/data' }], 'host without sourcePath is a Docker volume, as in ECS');
  const d = task.containers[0].def;
  t.same(d.mountPoints, [
    { sourceVolume: 'scratch', containerPath: '/scratch', readOnly: false },
    { sourceVolume: 'data', containerPath: '/data', readOnly: true },
  ]);
  t.same(d.healthCheck, { command: ['CMD-SHELL', 'wget -q -O- localhost || exit 1'], interval: 10, timeout: 2, retries: 4, startPeriod: 7 });
  t.same(d.ulimits, [{ name: 'nofile', softLimit: 1024, hardLimit: 4096 }]);
  t.match(d, { privileged: true, readonlyRootFilesystem: true, disableNetworking: true, dnsServers: ['10.0.0.2', '1.1.1.1'] });
  const bare = taskFromAssignment(assignment([{ name: 'x', image: 'i', healthCheck: { command: ['CMD', 'true'] }, dependsOn: [{ containerName: 'y', condition: 'HEALTHY' }] }])).containers[0].def;
  t.same(bare.healthCheck, { command: ['CMD', 'true'], interval: 30, timeout: 5, retries: 3, startPeriod: 0 }, 'ECS\'s health check defaults');
  t.same(bare.dependsOn, [{ containerName: 'y', condition: 'HEALTHY' }]);
  t.match(bare, { privileged: false, readonlyRootFilesystem: false, disableNetworking: false, dnsServers: [], ulimits: [], mountPoints: [], startTimeout: undefined });
});

t.test('buildSpec: mounts, health check, ulimits and security settings', async (t) => {
  const task = taskOf([full]);
  const spec = buildSpec(task, task.containers[0], ctx);
  t.same(spec.mounts, [
    { kind: 'volume', source: 'ecs-web-3-scratch-0123', target: '/scratch', readOnly: false },
    { kind: 'bind', source: '/srv/data', target: '/data', readOnly: true },
  ]);
  t.same(spec.healthCheck, { test: ['CMD-SHELL', 'wget -q -O- localhost || exit 1'], intervalSec: 10, timeoutSec: 2, retries: 4, startPeriodSec: 7 });
  t.same(spec.ulimits, [{ name: 'nofile', soft: 1024, hard: 4096 }]);
  t.match(spec, { privileged: true, readonlyRootfs: true, networkDisabled: true, dns: ['10.0.0.2', '1.1.1.1'], openStdin: true, tty: true });
  const plain = taskOf([{ name: 'p', image: 'img' }]);
  t.match(buildSpec(plain, plain.containers[0], ctx), { mounts: [], healthCheck: undefined, ulimits: [], privileged: false, readonlyRootfs: false, networkDisabled: false, dns: [] });
});

t.test('a mount point naming an unknown or not yet created volume is an error, never skipped', async (t) => {
  const unknown = taskOf([{ name: 'a', image: 'i', mountPoints: [{ sourceVolume: 'nope', containerPath: '/x' }] }]);
  t.throws(() => mountsOf(unknown, unknown.containers[0]), /unknown volume 'nope'/);
  const uncreated = taskFromAssignment(assignment([{ name: 'a', image: 'i', mountPoints: [{ sourceVolume: 's', containerPath: '/x' }] }], { volumes: [{ name: 's' }] }));
  t.throws(() => mountsOf(uncreated, uncreated.containers[0]), /has not been created/);
});

t.test('toCreateOptions: what Docker is asked for', async (t) => {
  const task = taskOf([full]);
  const o = toCreateOptions(buildSpec(task, task.containers[0], ctx));
  t.same(o.Healthcheck, { Test: ['CMD-SHELL', 'wget -q -O- localhost || exit 1'], Interval: 10e9, Timeout: 2e9, Retries: 4, StartPeriod: 7e9 }, 'seconds become nanoseconds');
  t.equal(o.NetworkDisabled, true);
  t.equal(o.OpenStdin, true);
  t.equal(o.Tty, true);
  t.same(o.HostConfig?.Binds, ['ecs-web-3-scratch-0123:/scratch', '/srv/data:/data:ro']);
  t.same(o.HostConfig?.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 4096 }]);
  t.equal(o.HostConfig?.Privileged, true);
  t.equal(o.HostConfig?.ReadonlyRootfs, true);
  t.same(o.HostConfig?.Dns, ['10.0.0.2', '1.1.1.1']);
  const plain = taskOf([{ name: 'p', image: 'img' }]);
  const p = toCreateOptions(buildSpec(plain, plain.containers[0], ctx));
  for (const k of ['Binds', 'Ulimits', 'Privileged', 'ReadonlyRootfs', 'Dns'] as const) t.equal(p.HostConfig?.[k], undefined, `no ${k} unless asked`);
  t.equal(p.Healthcheck, undefined, 'no health check: the image\'s own HEALTHCHECK applies, as with ECS');
});

t.test('toRuntimeEvent: Docker\'s health_status events; exec events of health checks are ignored', async (t) => {
  const actor = { ID: 'abc', Attributes: { a: 'b' } };
  t.same(toRuntimeEvent({ Type: 'container', Action: 'health_status: healthy', Actor: actor }), { kind: 'health', id: 'abc', labels: { a: 'b' }, health: 'healthy' });
  t.same(toRuntimeEvent({ Type: 'container', Action: 'health_status: unhealthy', Actor: actor })?.health, 'unhealthy');
  t.equal(toRuntimeEvent({ Type: 'container', Action: 'exec_start: /bin/sh -c true', Actor: actor }), undefined);
  t.same(toRuntimeEvent({ Type: 'container', Action: 'die', Actor: actor }), { kind: 'die', id: 'abc', labels: { a: 'b' } });
});

t.test('healthStatus is reported for containers with a health check only', async (t) => {
  const task = taskOf([{ name: 'checked', image: 'i', healthCheck: { command: ['CMD', 'true'] } }, { name: 'plain', image: 'i' }]);
  const [checked, plain] = projectTask(task).containers!;
  t.equal(checked.healthStatus, 'UNKNOWN');
  t.equal(plain.healthStatus, undefined);
  const healthy = { ...task, containers: [{ ...task.containers[0], health: 'HEALTHY' as const }, task.containers[1]] };
  t.equal(projectTask(healthy).containers![0].healthStatus, 'HEALTHY');
});

t.test('a checkpoint written before volumes, health and dependsOn existed is read with their defaults', async (t) => {
  const task = taskOf([{ name: 'a', image: 'i' }]);
  const old = JSON.parse(JSON.stringify(task)) as Record<string, unknown> & TaskState;
  delete (old as Partial<TaskState>).volumes;
  for (const c of old.containers) {
    for (const k of ['mountPoints', 'ulimits', 'dnsServers', 'dependsOn', 'privileged', 'readonlyRootFilesystem', 'disableNetworking', 'interactive', 'pseudoTerminal']) {
      delete (c.def as unknown as Record<string, unknown>)[k];
    }
  }
  const up = upgradeTask(old);
  t.same(up.volumes, []);
  t.match(up.containers[0].def, { mountPoints: [], ulimits: [], dnsServers: [], dependsOn: [], privileged: false });
  t.equal(upgradeTask(task), task, 'a current record is returned as is');
});
