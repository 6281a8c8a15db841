// The task engine on the real Docker engine, with no control plane: driven through assign/stopTask and
// observed through its reports. Every container carries this run's own container-instance label and is
// removed at the end.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildBusyboxImage } from '../../helpers/images.js';
import { TaskEngine } from '../../../agent/src/engine/task-engine.js';
import { LABEL_INSTANCE } from '../../../agent/src/engine/container-spec.js';
import type { TaskState } from '../../../agent/src/engine/task-state.js';
import { DockerRuntime } from '../../../agent/src/runtime/docker-runtime.js';
import { PortAllocator } from '../../../agent/src/resources/port-allocator.js';
import { probePort } from '../../../agent/src/resources/port-probe.js';
import { CheckpointStore } from '../../../agent/src/state/checkpoints.js';
import { systemClock } from '../../../agent/src/util/clock.js';
import { silentLogger } from '../../../agent/src/util/logger.js';
import { RecordingSink } from '../../unit/agent/helpers/recording-sink.js';
import { assignment } from '../../unit/agent/helpers/tasks.js';

const IMAGE = buildBusyboxImage('ecs-test/busybox-httpd:latest');
const RUN = randomBytes(6).toString('hex');
const INSTANCE = `arn:aws:ecs:us-east-1:000000000000:container-instance/itest/${RUN}`;
const runtime = new DockerRuntime({ kind: 'unix', socketPath: '/var/run/docker.sock' });

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

function ownContainers(all = true): string[] {
  const out = docker('ps', ...(all ? ['-a'] : []), '-q', '--no-trunc', '--filter', `label=${LABEL_INSTANCE}=${INSTANCE}`);
  return out ? out.split('\n') : [];
}

t.teardown(() => {
  const ids = ownContainers();
  if (ids.length > 0) docker('rm', '-f', ...ids);
});

function newEngine(dataDir: string, sink = new RecordingSink()): { engine: TaskEngine; sink: RecordingSink } {
  const engine = new TaskEngine({
    runtime,
    checkpoints: new CheckpointStore<TaskState>(dataDir),
    ports: new PortAllocator({ range: { start: 49153, end: 65535 }, probe: probePort, reservedTcp: [22, 2375, 2376, 51678, 51679] }),
    sink,
    cluster: 'itest',
    containerInstanceArn: INSTANCE,
    stopTimeoutMs: 30_000,
    cleanupWaitMs: 3_600_000,
    imagePullBehavior: 'default',
    clock: systemClock,
    random: Math.random,
    logger: silentLogger(),
  });
  return { engine, sink };
}

const sleeper = (name: string, extra: object = {}) => ({ name, image: IMAGE, command: ['sleep', '3600'], essential: true, ...extra });

t.test('a two-container bridge task: dynamic host port serves HTTP, links resolve, StopTask stops it', async (t) => {
  const { engine, sink } = newEngine(mkdtempSync(join(tmpdir(), 'ecs-itest-')));
  await engine.start();
  t.teardown(() => engine.close());
  const a = assignment([
    { name: 'web', image: IMAGE, portMappings: [{ containerPort: 80, protocol: 'tcp' }], memory: 64, cpu: 128, stopTimeout: 2 },
    {
      name: 'client',
      image: IMAGE,
      links: ['web:backend'],
      // Fails (and so stops the task) unless the link to web resolves and web answers.
      command: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O /tmp/page http://backend/ && exec sleep 3600; sleep 0.5; done; exit 1'],
      stopTimeout: 2,
    },
  ]);
  await engine.assign(a);
  const running = await sink.waitFor((r) => r.taskArn === a.taskArn && r.status !== 'PENDING');
  t.equal(running.status, 'RUNNING', JSON.stringify(running));
  const binding = running.containers![0].networkBindings![0];
  t.match(binding, { bindIp: '0.0.0.0', containerPort: 80, protocol: 'tcp' });
  t.ok(binding.hostPort! >= 49153, `dynamic host port ${binding.hostPort}`);
  const body = await (await fetch(`http://127.0.0.1:${binding.hostPort}/`)).text();
  t.equal(body.trim(), `hello from ${IMAGE}`);

  const webId = running.containers![0].runtimeId!;
  const inspect = JSON.parse(docker('inspect', webId))[0];
  t.match(inspect.Name, /^\/ecs-web-3-web-[0-9a-f]{20}$/);
  t.equal(inspect.Config.Labels['com.amazonaws.ecs.task-arn'], a.taskArn);
  t.equal(inspect.Config.Labels['com.amazonaws.ecs.container-instance-arn'], INSTANCE);
  t.equal(inspect.HostConfig.Memory, 64 * 1024 * 1024);
  t.equal(inspect.HostConfig.CpuShares, 128);

  await new Promise((r) => setTimeout(r, 1500)); // the client stays up: its wget through the link worked
  t.equal(engine.task(a.taskArn!)!.status, 'RUNNING');
  await engine.stopTask({ taskArn: a.taskArn, reason: 'Task stopped by user', stopCode: 'UserInitiated' });
  const stopped = await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'STOPPED', 60_000);
  t.equal(stopped.reason, 'Task stopped by user');
  t.equal(stopped.stopCode, 'UserInitiated');
  t.same(stopped.containers!.map((c) => c.status), ['STOPPED', 'STOPPED']);
  t.ok(stopped.containers!.every((c) => typeof c.exitCode === 'number'));
});

t.test('an essential container exiting stops the task with exit codes', async (t) => {
  const { engine, sink } = newEngine(mkdtempSync(join(tmpdir(), 'ecs-itest-')));
  await engine.start();
  t.teardown(() => engine.close());
  const a = assignment([
    { name: 'main', image: IMAGE, command: ['sh', '-c', 'sleep 1; exit 3'] },
    sleeper('helper', { command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done'] }),
  ]);
  await engine.assign(a);
  const stopped = await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'STOPPED', 60_000);
  t.equal(stopped.reason, 'Essential container in task exited');
  t.equal(stopped.stopCode, 'EssentialContainerExited');
  t.same(stopped.containers!.map((c) => [c.name, c.exitCode]), [['main', 3], ['helper', 0]]);
  t.ok(sink.statuses(a.taskArn!).includes('RUNNING'));
});

t.test('stop honours the container stop timeout (SIGTERM, then SIGKILL)', async (t) => {
  const { engine, sink } = newEngine(mkdtempSync(join(tmpdir(), 'ecs-itest-')));
  await engine.start();
  t.teardown(() => engine.close());
  // sleep as PID 1 ignores SIGTERM: only the SIGKILL after stopTimeout ends it.
  const a = assignment([sleeper('stubborn', { stopTimeout: 2 })]);
  await engine.assign(a);
  await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'RUNNING');
  const began = Date.now();
  await engine.stopTask({ taskArn: a.taskArn, reason: 'Scaling activity', stopCode: 'ServiceSchedulerInitiated' });
  const stopped = await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'STOPPED', 60_000);
  const took = Date.now() - began;
  t.ok(took >= 1900 && took < 15_000, `stopped after ${took} ms`);
  t.equal(stopped.containers![0].exitCode, 137);
  t.equal(stopped.stopCode, 'ServiceSchedulerInitiated');
});

t.test('an image that cannot be pulled and is not cached fails the task to start', async (t) => {
  const { engine, sink } = newEngine(mkdtempSync(join(tmpdir(), 'ecs-itest-')));
  await engine.start();
  t.teardown(() => engine.close());
  const a = assignment([{ name: 'ghost', image: `ecs-test/not-here-${RUN}:latest` }]);
  await engine.assign(a);
  const stopped = await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'STOPPED', 120_000);
  t.match(stopped.reason, /^CannotPullContainerError: (?!\(HTTP code).+/, 'Docker\'s own message');
  t.equal(stopped.stopCode, 'TaskFailedToStart');
});

t.test('re-adoption: a new engine on the same data dir adopts the containers, creates none, sees exits', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-itest-'));
  const first = newEngine(dir);
  await first.engine.start();
  const a = assignment([sleeper('one'), sleeper('two', { essential: false })]);
  const b = assignment([sleeper('solo')]);
  await first.engine.assign(a);
  await first.engine.assign(b);
  const ra = await first.sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'RUNNING');
  const rb = await first.sink.waitFor((r) => r.taskArn === b.taskArn && r.status === 'RUNNING');
  first.engine.close(); // the agent process is gone; its containers keep running
  const before = ownContainers().sort();
  // While no agent watches: task b's only (essential) container dies.
  docker('kill', rb.containers![0].runtimeId!);

  const second = newEngine(dir);
  await second.engine.start();
  t.teardown(() => second.engine.close());
  const stoppedB = await second.sink.waitFor((r) => r.taskArn === b.taskArn && r.status === 'STOPPED', 30_000);
  t.equal(stoppedB.containers![0].exitCode, 137);
  t.equal(stoppedB.reason, 'Essential container in task exited');
  t.ok(stoppedB.seq > rb.seq);
  t.same(ownContainers().sort(), before, 'no container created or removed');
  t.equal(second.engine.task(a.taskArn!)!.status, 'RUNNING');
  t.same(second.engine.task(a.taskArn!)!.containers.map((c) => c.runtimeId), ra.containers!.map((c) => c.runtimeId));
  // Events reach the adopted task: the non-essential container exiting leaves it running...
  docker('kill', ra.containers![1].runtimeId!);
  const partial = await second.sink.waitFor((r) => r.taskArn === a.taskArn && r.containers![1].status === 'STOPPED');
  t.equal(partial.status, 'RUNNING');
  // ...and the essential one stops it.
  docker('kill', ra.containers![0].runtimeId!);
  const stoppedA = await second.sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'STOPPED');
  t.same(stoppedA.containers!.map((c) => c.exitCode), [137, 137]);
});
