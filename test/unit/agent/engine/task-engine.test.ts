import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LABEL_CONTAINER_NAME, LABEL_INSTANCE, LABEL_TASK_ARN } from '../../../../agent/src/engine/container-spec.js';
import { FakeRuntime } from '../../../../agent/src/runtime/fake-runtime.js';
import { engineRig, type Rig, type RigOptions } from '../helpers/engine-rig.js';
import { assignment } from '../helpers/tasks.js';

const INSTANCE = 'arn:aws:ecs:us-east-1:000000000000:container-instance/default/abc';

/** The shared engine rig, as these tests have always run it: a runtime without a clock, a 3 h cleanup wait. */
function rig(o: RigOptions = {}): Promise<Rig> {
  return engineRig({ instanceArn: INSTANCE, cleanupWaitMs: 3 * 3600_000, ...o, runtime: o.runtime ?? new FakeRuntime() });
}

const web = { name: 'web', image: 'httpd:1', portMappings: [{ containerPort: 80 }], cpu: 0, memory: 64 };
const sidecar = { name: 'sidecar', image: 'sleeper:1', links: ['web:backend'], essential: true };


t.test('runs a two-container task: pulls, creates and starts in order, reports RUNNING with bindings', async (t) => {
  const r = await rig();
  const a = assignment([web, sidecar]);
  await r.engine.assign(a);
  await r.settle();
  const creates = r.runtime.calls.filter((c) => c.startsWith('create') || c.startsWith('start'));
  t.match(creates, [/^create ecs-web-3-web-[0-9a-f]{20}$/, /^start ecs-web-3-web-/, /^create ecs-web-3-sidecar-/, /^start ecs-web-3-sidecar-/]);
  const report = r.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'RUNNING');
  t.same(report.containers!.map((c) => c.status), ['RUNNING', 'RUNNING']);
  t.same(report.containers![0].networkBindings, [{ bindIp: '0.0.0.0', containerPort: 80, hostPort: 50000, protocol: 'tcp' }]);
  t.ok(report.startedAt && report.pullStartedAt && report.pullStoppedAt);
  const webC = r.runtime.find({ [LABEL_CONTAINER_NAME]: 'web' })[0];
  t.match(webC.spec.labels, {
    'com.amazonaws.ecs.task-arn': a.taskArn,
    'com.amazonaws.ecs.container-name': 'web',
    'com.amazonaws.ecs.cluster': 'default',
    'com.amazonaws.ecs.task-definition-family': 'web',
    'com.amazonaws.ecs.task-definition-version': '3',
    'com.amazonaws.ecs.container-instance-arn': INSTANCE,
  });
  t.equal(webC.spec.cpuShares, 2, 'cpu 0 gets the 2-share minimum');
  t.equal(webC.spec.memoryMiB, 64);
  const side = r.runtime.find({ [LABEL_CONTAINER_NAME]: 'sidecar' })[0];
  t.same(side.spec.links, [`${webC.info.name}:backend`], 'links use the other container\'s Docker name');
  t.ok(report.seq > 0);
  t.equal(report.messageId, `${a.taskArn}#${report.seq}`);
  r.engine.close();
});

t.test('an assignment is idempotent: a known task is not started twice', async (t) => {
  const r = await rig();
  const a = assignment([web]);
  await r.engine.assign(a);
  await r.settle();
  await r.engine.assign(a);
  await r.settle();
  t.equal(r.runtime.containers.size, 1);
  r.engine.close();
});

t.test('essential container exit stops the task with ECS reason, stop code and exit codes', async (t) => {
  const r = await rig();
  const a = assignment([web, sidecar]);
  await r.engine.assign(a);
  await r.settle();
  r.runtime.exit(r.idOf(a.taskArn!, 'web'), 3);
  await r.settle();
  const report = r.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'STOPPED');
  t.equal(report.reason, 'Essential container in task exited');
  t.equal(report.stopCode, 'EssentialContainerExited');
  t.same(report.containers!.map((c) => [c.name, c.status, c.exitCode]), [['web', 'STOPPED', 3], ['sidecar', 'STOPPED', 143]]);
  t.ok(r.runtime.calls.some((c) => /^stop ecs-web-3-sidecar-.* t=30$/.test(c)), 'the other container is stopped with the stop timeout');
  t.ok(r.sink.statuses(a.taskArn!).includes('STOPPING'));
  r.engine.close();
});

t.test('a non-essential container exiting leaves the task running', async (t) => {
  const r = await rig();
  const a = assignment([web, { name: 'job', image: 'sleeper:1', essential: false }]);
  await r.engine.assign(a);
  await r.settle();
  r.runtime.exit(r.idOf(a.taskArn!, 'job'), 0);
  await r.settle();
  const report = r.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'RUNNING');
  t.same(report.containers!.map((c) => c.status), ['RUNNING', 'STOPPED']);
  t.equal(report.containers![1].exitCode, 0);
  r.engine.close();
});

t.test('an OOM-killed container is reported with ECS\'s reason', async (t) => {
  const r = await rig();
  const a = assignment([web]);
  await r.engine.assign(a);
  await r.settle();
  r.runtime.exit(r.idOf(a.taskArn!, 'web'), 137, { oomKilled: true });
  await r.settle();
  const c = r.sink.latest(a.taskArn!)!.containers![0];
  t.equal(c.reason, 'OutOfMemoryError: Container killed due to memory usage');
  t.equal(c.exitCode, 137);
});

t.test('a failed pull falls back to the cached image', async (t) => {
  const runtime = new FakeRuntime();
  runtime.cachedImages.add('httpd:1');
  runtime.pullFailures.set('httpd:1', 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host');
  const r = await rig({ runtime });
  const a = assignment([web]);
  await r.engine.assign(a);
  await r.settle();
  t.equal(r.sink.latest(a.taskArn!)!.status, 'RUNNING');
  r.engine.close();
});

t.test('a failed pull with no cached image fails the task to start', async (t) => {
  const runtime = new FakeRuntime();
  runtime.pullFailures.set('httpd:1', 'pull access denied for httpd');
  const r = await rig({ runtime });
  const a = assignment([web, sidecar]);
  await r.engine.assign(a);
  await r.settle();
  const report = r.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'STOPPED');
  t.equal(report.reason, 'CannotPullContainerError: pull access denied for httpd');
  t.equal(report.stopCode, 'TaskFailedToStart');
  t.equal(report.containers![0].reason, 'CannotPullContainerError: pull access denied for httpd');
  t.equal(runtime.containers.size, 0, 'nothing was created');
  r.engine.close();
});

t.test('image pull behaviour: always does not fall back, prefer-cached does not pull', async (t) => {
  const runtime = new FakeRuntime();
  runtime.cachedImages.add('httpd:1');
  runtime.pullFailures.set('httpd:1', 'offline');
  const always = await rig({ runtime, pull: 'always' });
  const a = assignment([web]);
  await always.engine.assign(a);
  await always.settle();
  t.equal(always.sink.latest(a.taskArn!)!.reason, 'CannotPullContainerError: offline');
  always.engine.close();
  const runtime2 = new FakeRuntime();
  runtime2.cachedImages.add('httpd:1');
  const cached = await rig({ runtime: runtime2, pull: 'prefer-cached' });
  const b = assignment([web]);
  await cached.engine.assign(b);
  await cached.settle();
  t.equal(cached.sink.latest(b.taskArn!)!.status, 'RUNNING');
  t.notOk(runtime2.calls.some((c) => c.startsWith('pull')));
  cached.engine.close();
});

t.test('StopTask stops every container, reported with the control plane\'s reason and code', async (t) => {
  const r = await rig();
  const a = assignment([web, sidecar]);
  await r.engine.assign(a);
  await r.settle();
  await r.engine.stopTask({ taskArn: a.taskArn, reason: 'Task stopped by user', stopCode: 'UserInitiated' });
  await r.settle();
  const report = r.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'STOPPED');
  t.equal(report.reason, 'Task stopped by user');
  t.equal(report.stopCode, 'UserInitiated');
  t.same(report.containers!.map((c) => c.exitCode), [143, 143]);
  r.engine.close();
});

t.test('an assignment with desired STOPPED for an unknown task is reported STOPPED', async (t) => {
  const r = await rig();
  const a = assignment([web], { desiredStatus: 'STOPPED', stopReason: 'Scaling activity', stopCode: 'ServiceSchedulerInitiated' });
  await r.engine.assign(a);
  await r.settle();
  const report = r.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'STOPPED');
  t.equal(report.reason, 'Scaling activity');
  t.same(report.containers!.map((c) => c.status), ['STOPPED']);
  t.equal(r.runtime.containers.size, 0);
  r.engine.close();
});

t.test('a dynamic host port Docker refuses is replaced by another', async (t) => {
  const runtime = new FakeRuntime();
  runtime.takenHostPorts.add('tcp/50000');
  const r = await rig({ runtime });
  const a = assignment([web]);
  await r.engine.assign(a);
  await r.settle();
  const report = r.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'RUNNING', JSON.stringify(report) + runtime.calls.join(','));
  t.equal(report.containers![0].networkBindings![0]?.hostPort, 50001);
  t.equal(runtime.containers.size, 1, 'the refused container was removed');
  r.engine.close();
});

t.test('two tasks never get the same dynamic host port', async (t) => {
  const r = await rig();
  const a = assignment([web]);
  const b = assignment([web]);
  await Promise.all([r.engine.assign(a), r.engine.assign(b)]);
  await r.settle();
  const ports = [a, b].map((x) => r.sink.latest(x.taskArn!)!.containers![0].networkBindings![0].hostPort);
  t.not(ports[0], ports[1]);
  r.engine.close();
});

t.test('re-adoption after a restart: no duplicates, exits while away are reported', async (t) => {
  const runtime = new FakeRuntime();
  const first = await rig({ runtime });
  const a = assignment([web, sidecar]);
  await first.engine.assign(a);
  await first.settle();
  first.engine.close(); // the agent is gone (SIGKILL): containers keep running
  runtime.exit(first.idOf(a.taskArn!, 'web'), 7); // web dies while the agent is down
  const creates = runtime.calls.filter((c) => c.startsWith('create')).length;
  const second = await rig({ runtime, dir: first.dir, clock: first.clock, seed: 7 });
  await second.settle();
  t.equal(runtime.calls.filter((c) => c.startsWith('create')).length, creates, 'nothing re-created');
  const report = second.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'STOPPED');
  t.equal(report.reason, 'Essential container in task exited');
  t.same(report.containers!.map((c) => c.exitCode), [7, 143]);
  t.ok(report.seq > first.sink.latest(a.taskArn!)!.seq, 'seq keeps increasing across restarts');
  second.engine.close();
});

t.test('re-adoption keeps a running task running and finds containers the checkpoint missed', async (t) => {
  const runtime = new FakeRuntime();
  const first = await rig({ runtime });
  const a = assignment([web]);
  await first.engine.assign(a);
  await first.settle();
  first.engine.close();
  // An orphan of ours (no known task), and a container of another agent on the same engine.
  const orphanSpec = { ...runtime.byName(runtime.find({})[0].info.name)!.spec, name: 'orphan' };
  runtime.add({ ...orphanSpec, labels: { ...orphanSpec.labels, [LABEL_TASK_ARN]: 'arn:aws:ecs:us-east-1:0:task/default/gone' } }, 'running');
  runtime.add({ ...orphanSpec, name: 'theirs', labels: { ...orphanSpec.labels, [LABEL_INSTANCE]: 'arn:other' } }, 'running');
  const second = await rig({ runtime, dir: first.dir, clock: first.clock, seed: 7 });
  await second.settle();
  t.equal(second.engine.task(a.taskArn!)!.status, 'RUNNING');
  t.notOk(runtime.byName('orphan'), 'our orphan is removed');
  t.ok(runtime.byName('theirs'), 'another instance\'s container is never touched');
  t.equal(runtime.find({ [LABEL_INSTANCE]: INSTANCE }).length, 1);
  // Docker events still reach the re-adopted task.
  runtime.exit(second.idOf(a.taskArn!, 'web'), 1);
  await second.settle();
  t.equal(second.sink.latest(a.taskArn!)!.status, 'STOPPED');
  second.engine.close();
});

t.test('stopped task containers are removed after the cleanup wait, and the task forgotten', async (t) => {
  const r = await rig();
  const a = assignment([web]);
  await r.engine.assign(a);
  await r.settle();
  await r.engine.stopTask({ taskArn: a.taskArn });
  await r.settle();
  t.equal(r.runtime.containers.size, 1, 'kept for the cleanup wait');
  await r.clock.advance(3 * 3600_000 - 1);
  await r.settle();
  t.equal(r.runtime.containers.size, 1);
  await r.clock.advance(1);
  await r.settle();
  t.equal(r.runtime.containers.size, 0, 'removed after 3h');
  t.same(r.engine.knownTaskArns(), []);
  t.same(readdirSync(join(r.dir, 'tasks')).filter((f) => f.endsWith('.json')), []);
  t.ok(existsSync(join(r.dir, 'tasks')));
  r.engine.close();
});

t.test('a container removed behind the agent\'s back is reported STOPPED with a reason', async (t) => {
  const r = await rig();
  const a = assignment([web]);
  await r.engine.assign(a);
  await r.settle();
  await r.runtime.removeContainer(r.idOf(a.taskArn!, 'web'));
  await r.settle();
  const report = r.sink.latest(a.taskArn!)!;
  t.equal(report.status, 'STOPPED');
  t.equal(report.containers![0].reason, 'Container removed outside the agent');
  r.engine.close();
});

t.test('the safety-net poll catches an exit whose event was missed', async (t) => {
  const r = await rig();
  const a = assignment([web]);
  await r.engine.assign(a);
  await r.settle();
  const c = r.runtime.containers.get(r.idOf(a.taskArn!, 'web'))!;
  c.info = { ...c.info, state: 'exited', exitCode: 9 }; // no event
  await r.settle();
  t.equal(r.sink.latest(a.taskArn!)!.status, 'RUNNING');
  await r.clock.advance(30_000);
  await r.settle();
  t.equal(r.sink.latest(a.taskArn!)!.status, 'STOPPED');
  t.equal(r.sink.latest(a.taskArn!)!.containers![0].exitCode, 9);
  r.engine.close();
});
