import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerDefinition } from '../../../../proto/gen/ecs/v1/ContainerDefinition.js';
import { LABEL_INSTANCE, LABEL_TASK_ARN } from '../../../../agent/src/engine/container-spec.js';
import { LABEL_VOLUME_NAME, planVolumeAdoption } from '../../../../agent/src/engine/volumes.js';
import { taskFromAssignment, type TaskState } from '../../../../agent/src/engine/task-state.js';
import { engineRig, RIG_INSTANCE } from '../helpers/engine-rig.js';
import { assignment } from '../helpers/tasks.js';

const writer: ContainerDefinition = { name: 'writer', image: 'w:1', mountPoints: [{ sourceVolume: 'shared', containerPath: '/out' }] };
const server: ContainerDefinition = {
  name: 'server',
  image: 's:1',
  mountPoints: [
    { sourceVolume: 'shared', containerPath: '/www', readOnly: true },
    { sourceVolume: 'conf', containerPath: '/etc/app', readOnly: true },
  ],
};
const volumes = [{ name: 'shared' }, { name: 'conf', host: { sourcePath: '/srv/conf' } }];

t.test('a scratch volume is created once per task, labelled, before the containers, and shared by them', async (t) => {
  const r = await engineRig();
  const a = assignment([writer, server], { volumes });
  await r.engine.assign(a);
  await r.settle();
  t.equal(r.sink.latest(a.taskArn!)!.status, 'RUNNING');
  t.equal(r.runtime.volumes.size, 1, 'no Docker volume for a host volume');
  const [vol] = [...r.runtime.volumes.values()];
  t.match(vol.name, /^ecs-web-3-shared-[0-9a-f]{20}$/);
  t.match(vol.labels, { [LABEL_TASK_ARN]: a.taskArn, [LABEL_INSTANCE]: RIG_INSTANCE, [LABEL_VOLUME_NAME]: 'shared' });
  const firstCreate = r.runtime.calls.findIndex((c) => c.startsWith('create ecs-'));
  t.ok(r.runtime.calls.indexOf(`create-volume ${vol.name}`) < firstCreate, 'the volume exists before any container');
  t.same(r.runtime.containers.get(r.idOf(a.taskArn!, 'writer'))!.spec.mounts, [{ kind: 'volume', source: vol.name, target: '/out', readOnly: false }]);
  t.same(r.runtime.containers.get(r.idOf(a.taskArn!, 'server'))!.spec.mounts, [
    { kind: 'volume', source: vol.name, target: '/www', readOnly: true },
    { kind: 'bind', source: '/srv/conf', target: '/etc/app', readOnly: true },
  ]);
  // The checkpoint carries the volumes, with the Docker name.
  const file = readdirSync(join(r.dir, 'tasks')).find((f) => f.endsWith('.json'))!;
  const saved = JSON.parse(readFileSync(join(r.dir, 'tasks', file), 'utf8')).value as TaskState;
  t.same(saved.volumes, [{ name: 'shared', dockerName: vol.name }, { name: 'conf', sourcePath: '/srv/conf' }]);
  r.engine.close();
});

t.test('each task gets its own scratch volume', async (t) => {
  const r = await engineRig();
  await r.engine.assign(assignment([writer], { volumes }));
  await r.engine.assign(assignment([writer], { volumes }));
  await r.settle();
  t.equal(r.runtime.volumes.size, 2);
  r.engine.close();
});

t.test('the volume is removed with the containers at cleanup, after them', async (t) => {
  const r = await engineRig();
  const a = assignment([writer, server], { volumes });
  await r.engine.assign(a);
  await r.settle();
  await r.engine.stopTask({ taskArn: a.taskArn });
  await r.settle();
  t.equal(r.runtime.volumes.size, 1, 'kept while the stopped task waits for cleanup');
  await r.clock.advance(3600_000);
  await r.settle();
  t.equal(r.runtime.containers.size, 0);
  t.equal(r.runtime.volumes.size, 0);
  const removals = r.runtime.calls.filter((c) => c.startsWith('remove'));
  t.match(removals, [/^remove ecs-web-3-writer-/, /^remove ecs-web-3-server-/, /^remove-volume ecs-web-3-shared-/]);
  t.same(r.engine.knownTaskArns(), []);
  r.engine.close();
});

t.test('a volume Docker cannot create fails the task to start', async (t) => {
  const r = await engineRig();
  r.runtime.volumeFailure = 'error while creating volume: disk full';
  const a = assignment([writer], { volumes });
  await r.engine.assign(a);
  await r.settle();
  const report = r.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'STOPPED');
  t.equal(report.reason, 'ResourceInitializationError: failed to create volume shared: error while creating volume: disk full');
  t.equal(report.stopCode, 'TaskFailedToStart');
  t.equal(r.runtime.containers.size, 0);
  r.engine.close();
});

t.test('re-adoption: the task keeps its volume; own orphan volumes go; other agents\' stay', async (t) => {
  const first = await engineRig();
  const a = assignment([writer], { volumes });
  await first.engine.assign(a);
  await first.settle();
  first.engine.close();
  const [kept] = [...first.runtime.volumes.keys()];
  await first.runtime.createVolume({ name: 'orphan', labels: { [LABEL_INSTANCE]: RIG_INSTANCE, [LABEL_TASK_ARN]: 'arn:gone', [LABEL_VOLUME_NAME]: 'x' } });
  await first.runtime.createVolume({ name: 'theirs', labels: { [LABEL_INSTANCE]: 'arn:other', [LABEL_TASK_ARN]: 'arn:gone' } });
  const second = await engineRig({ dir: first.dir, runtime: first.runtime, clock: first.clock, seed: 5 });
  await second.settle();
  t.same([...first.runtime.volumes.keys()].sort(), [kept, 'theirs'].sort());
  t.equal(second.engine.task(a.taskArn!)!.volumes[0].dockerName, kept);
  second.engine.close();
});

t.test('planVolumeAdoption: a volume created just before a crash is found by its labels', async (t) => {
  const task = taskFromAssignment(assignment([writer], { volumes }));
  const labels = { [LABEL_TASK_ARN]: task.arn, [LABEL_VOLUME_NAME]: 'shared', [LABEL_INSTANCE]: RIG_INSTANCE };
  const plan = planVolumeAdoption([task], [{ name: 'v1', labels }]);
  t.same(plan.events.get(task.arn), [{ kind: 'volume-created', volume: 'shared', dockerName: 'v1' }]);
  t.same(plan.remove, []);
  const known = { ...task, volumes: [{ name: 'shared', dockerName: 'v1' }, task.volumes[1]] };
  const dup = planVolumeAdoption([known], [{ name: 'v0', labels }, { name: 'v1', labels }]);
  t.same(dup.remove.map((v) => v.name), ['v0'], 'a duplicate goes, the checkpointed one stays');
  t.equal(dup.events.get(task.arn), undefined);
  const cleaned = planVolumeAdoption([{ ...known, cleanedUp: true }], [{ name: 'v1', labels }]);
  t.same(cleaned.remove.map((v) => v.name), ['v1'], 'a cleaned-up task keeps no volume');
});
