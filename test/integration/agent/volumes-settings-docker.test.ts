// Volumes, mount points and container settings (ulimits, privileged, readonlyRootFilesystem, dnsServers,
// disableNetworking) on the real Docker engine.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABEL_TASK_ARN } from '../../../agent/src/engine/container-spec.js';
import { LABEL_VOLUME_NAME } from '../../../agent/src/engine/volumes.js';
import { assignment } from '../../unit/agent/helpers/tasks.js';
import { docker, eventually, IMAGE, INSTANCE, inspect, newEngine, ownVolumes, removeOwn } from './docker-rig.js';

t.teardown(removeOwn);

const stopTimeout = 2;

t.test('a scratch volume shared by two containers: one writes a page, the other serves it', async (t) => {
  const { engine, sink } = newEngine({ cleanupWaitMs: 1_000 });
  await engine.start();
  t.teardown(() => engine.close());
  const a = assignment(
    [
      {
        name: 'writer',
        image: IMAGE,
        essential: false,
        command: ['sh', '-c', 'echo "written by writer" > /out/index.html && exec sleep 3600'],
        mountPoints: [{ sourceVolume: 'shared', containerPath: '/out' }],
        stopTimeout,
      },
      {
        name: 'server',
        image: IMAGE,
        command: ['httpd', '-f', '-p', '80', '-h', '/www'],
        portMappings: [{ containerPort: 80 }],
        mountPoints: [{ sourceVolume: 'shared', containerPath: '/www', readOnly: true }],
        dependsOn: [{ containerName: 'writer', condition: 'START' }],
        stopTimeout,
      },
    ],
    { volumes: [{ name: 'shared' }] },
  );
  await engine.assign(a);
  const running = await sink.waitFor((r) => r.taskArn === a.taskArn && r.status !== 'PENDING', 60_000);
  t.equal(running.status, 'RUNNING', JSON.stringify(running));
  const port = running.containers![1].networkBindings![0].hostPort!;
  const body = await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
    const text = res?.ok ? await res.text() : undefined;
    return text?.includes('written by writer') ? text : undefined;
  }, 15_000, 'the page written by the other container');
  t.equal(body.trim(), 'written by writer');

  const [volume] = ownVolumes();
  t.match(volume, /^ecs-web-3-shared-[0-9a-f]{20}$/);
  const labels = JSON.parse(docker('volume', 'inspect', volume))[0].Labels as Record<string, string>;
  t.match(labels, { [LABEL_TASK_ARN]: a.taskArn, [LABEL_VOLUME_NAME]: 'shared', 'com.amazonaws.ecs.container-instance-arn': INSTANCE });
  const mounts = running.containers!.map((c) => inspect(c.runtimeId!).Mounts.map((m) => [m.Type, m.Name, m.Destination, m.RW]));
  t.same(mounts, [[['volume', volume, '/out', true]], [['volume', volume, '/www', false]]]);

  await engine.stopTask({ taskArn: a.taskArn, reason: 'Task stopped by user', stopCode: 'UserInitiated' });
  await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'STOPPED', 60_000);
  await eventually(() => (ownVolumes().length === 0 ? true : undefined), 30_000, 'the volume removed at cleanup');
  t.same(ownVolumes(), [], 'the volume is removed with the task\'s containers');
  // The task is forgotten once its reports are settled, which may come after the volume is gone.
  await eventually(() => (engine.knownTaskArns().length === 0 ? true : undefined), 30_000, 'the task forgotten after cleanup');
  t.same(engine.knownTaskArns(), [], 'the cleaned-up task is forgotten');
});

t.test('bind-mounted host directories: read-only refuses writes, read-write writes through to the host', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-bind-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'msg'), 'from the host\n');
  const { engine, sink } = newEngine();
  await engine.start();
  t.teardown(() => engine.close());
  const a = assignment(
    [
      // Exits 0 only if it can read the host file and cannot write next to it.
      { name: 'reader', image: IMAGE, essential: false, command: ['sh', '-c', 'grep -q "from the host" /conf/msg && ! touch /conf/forbidden'], mountPoints: [{ sourceVolume: 'conf', containerPath: '/conf', readOnly: true }] },
      { name: 'writer', image: IMAGE, essential: false, command: ['sh', '-c', 'echo hello > /conf/written'], mountPoints: [{ sourceVolume: 'conf', containerPath: '/conf' }] },
      { name: 'main', image: IMAGE, command: ['sleep', '3600'], stopTimeout },
    ],
    { volumes: [{ name: 'conf', host: { sourcePath: dir } }] },
  );
  await engine.assign(a);
  const done = await sink.waitFor((r) => r.taskArn === a.taskArn && r.containers!.slice(0, 2).every((c) => c.status === 'STOPPED'), 60_000);
  t.same(done.containers!.slice(0, 2).map((c) => [c.name, c.exitCode]), [['reader', 0], ['writer', 0]], 'read worked, the write was refused');
  t.notOk(existsSync(join(dir, 'forbidden')));
  t.equal(readFileSync(join(dir, 'written'), 'utf8'), 'hello\n');
  t.same(ownVolumes(), [], 'a host volume makes no Docker volume');
  t.same(inspect(done.containers![0].runtimeId!).HostConfig.Binds, [`${dir}:/conf:ro`]);
  await engine.stopTask({ taskArn: a.taskArn });
  await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'STOPPED', 60_000);
});

t.test('ulimits, readonlyRootFilesystem, dnsServers, disableNetworking and privileged reach Docker', async (t) => {
  const { engine, sink } = newEngine();
  await engine.start();
  t.teardown(() => engine.close());
  const a = assignment([
    {
      name: 'locked',
      image: IMAGE,
      command: ['sh', '-c', 'echo "nofile $(ulimit -n) $(ulimit -Hn)"; cat /etc/resolv.conf; touch /probe 2>/dev/null || echo "rootfs read-only"; exec sleep 3600'],
      ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 2048 }],
      readonlyRootFilesystem: true,
      dnsServers: ['10.0.0.2', '10.0.0.3'],
      stopTimeout,
    },
    { name: 'offline', image: IMAGE, essential: false, command: ['sh', '-c', 'cat /proc/net/dev; exec sleep 3600'], disableNetworking: true, stopTimeout },
    // Privileged containers cannot start on this (Docker-in-Docker) host; what matters is that Docker was asked.
    { name: 'priv', image: IMAGE, essential: false, command: ['sleep', '3600'], privileged: true, stopTimeout },
  ]);
  await engine.assign(a);
  const report = await sink.waitFor((r) => r.taskArn === a.taskArn && r.containers!.every((c) => c.status !== 'PENDING'), 60_000);
  const [locked, offline, priv] = report.containers!;
  const li = inspect(locked.runtimeId!);
  t.same(li.HostConfig.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
  t.equal(li.HostConfig.ReadonlyRootfs, true);
  t.same(li.HostConfig.Dns, ['10.0.0.2', '10.0.0.3']);
  t.equal(li.HostConfig.Privileged, false);
  const logs = await eventually(() => {
    const out = docker('logs', locked.runtimeId!);
    return out.includes('rootfs read-only') ? out : undefined;
  }, 10_000, 'the container\'s own view');
  t.match(logs, /nofile 1024 2048/);
  t.match(logs, /nameserver 10\.0\.0\.2\nnameserver 10\.0\.0\.3/);
  t.equal(inspect(offline.runtimeId!).Config.NetworkDisabled, true);
  const netLogs = await eventually(() => {
    const out = docker('logs', offline.runtimeId!);
    return out.includes('lo:') ? out : undefined;
  }, 10_000, 'the network devices');
  t.notMatch(netLogs, /eth0/, 'no network but loopback');
  t.equal(inspect(priv.runtimeId!).HostConfig.Privileged, true);
  if (priv.status === 'STOPPED') t.match(priv.reason, /^CannotStartContainerError: /, 'refused by this host, and said so');
  else t.equal(priv.status, 'RUNNING');
  await engine.stopTask({ taskArn: a.taskArn });
  await sink.waitFor((r) => r.taskArn === a.taskArn && r.status === 'STOPPED', 60_000);
});
