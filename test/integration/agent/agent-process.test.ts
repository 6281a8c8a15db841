// The whole ecs-agent process against a stand-in control plane (a gRPC server built from the same protos)
// and the real Docker engine: registration, session, assignment → RUNNING, SIGTERM leaves containers
// running, a restarted (even SIGKILLed) agent stays the same container instance and adopts its containers.
import t from 'tap';
import * as grpc from '@grpc/grpc-js';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadProtos } from '../../../proto/index.js';
import type { AgentMessage__Output } from '../../../proto/gen/ecs/v1/AgentMessage.js';
import type { ControlMessage } from '../../../proto/gen/ecs/v1/ControlMessage.js';
import type { RegisterContainerInstanceRequest__Output } from '../../../proto/gen/ecs/v1/RegisterContainerInstanceRequest.js';
import { buildBusyboxImage } from '../../helpers/images.js';
import { assignment } from '../../unit/agent/helpers/tasks.js';

const IMAGE = buildBusyboxImage('ecs-test/busybox-httpd:latest');
const RUN = randomBytes(6).toString('hex');
const INSTANCE_ARN = `arn:aws:ecs:us-east-1:000000000000:container-instance/agent-itest/${RUN}`;
const CLUSTER_ARN = 'arn:aws:ecs:us-east-1:000000000000:cluster/agent-itest';
const LABEL = `com.amazonaws.ecs.container-instance-arn=${INSTANCE_ARN}`;

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}
const ownContainers = (state = '') => docker('ps', '-a', '-q', '--filter', `label=${LABEL}`, ...(state ? ['--filter', `status=${state}`] : [])).split('\n').filter(Boolean);

/** A stand-in control plane that records what agents say and lets the test speak on the stream. */
class FakeControlPlane {
  readonly registrations: RegisterContainerInstanceRequest__Output[] = [];
  readonly received: AgentMessage__Output[] = [];
  private call?: grpc.ServerDuplexStream<AgentMessage__Output, ControlMessage>;
  private waiters: Array<() => void> = [];
  readonly server = new grpc.Server();
  /** Ack every report as a control plane does (off: the test acks, or lets reports go unacked). */
  autoAck = true;
  port = 0;

  async start(): Promise<void> {
    this.server.addService(loadProtos().agent.ecs.v1.AgentService.service, {
      RegisterContainerInstance: (call: grpc.ServerUnaryCall<RegisterContainerInstanceRequest__Output, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        this.registrations.push(call.request);
        this.notify();
        cb(null, { containerInstance: { containerInstanceArn: INSTANCE_ARN, status: 'ACTIVE' }, clusterArn: CLUSTER_ARN });
      },
      Session: (call: grpc.ServerDuplexStream<AgentMessage__Output, ControlMessage>) => {
        this.call = call;
        call.on('data', (m: AgentMessage__Output) => {
          this.received.push(m);
          if (m.hello) call.write({ welcome: { heartbeatIntervalMs: 500, sessionId: `s-${this.registrations.length}` } });
          if (m.taskStateChange && this.autoAck) call.write({ ack: { messageId: m.taskStateChange.messageId } });
          this.notify();
        });
        call.on('error', () => undefined);
        call.on('end', () => call.end());
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
  }

  send(m: ControlMessage): void {
    this.call!.write(m);
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until pred holds over what has been received (checked after each message). */
  async until<T>(pred: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(this.received.slice(-5))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 500);
      });
    }
  }

  reports(taskArn: string) {
    return this.received.filter((m) => m.taskStateChange?.taskArn === taskArn).map((m) => m.taskStateChange!);
  }
}

function startAgent(cp: FakeControlPlane, dataDir: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'agent/src/main.ts')], {
    env: {
      ...process.env,
      ECS_CONFIG_FILE: join(dataDir, 'no-such-ecs.config'),
      ECS_CLUSTER: 'agent-itest',
      ECS_BACKEND_HOST: `127.0.0.1:${cp.port}`,
      ECS_DATADIR: dataDir,
      ECS_LOGLEVEL: process.env.AGENT_ITEST_LOGLEVEL ?? 'warn',
      ECS_INSTANCE_ATTRIBUTES: '{"stack":"itest"}',
      ECS_AVAILABILITY_ZONE: 'lab-a',
      ECS_RESERVED_MEMORY: '100',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

t.test('the agent process registers, runs tasks, survives restarts and SIGKILL without duplicates', async (t) => {
  const cp = new FakeControlPlane();
  await cp.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-agent-itest-'));
  let agent = startAgent(cp, dataDir);
  t.teardown(() => {
    agent.kill('SIGKILL');
    cp.server.forceShutdown();
    const ids = ownContainers();
    if (ids.length) docker('rm', '-f', ...ids);
  });

  const reg = await cp.until(() => cp.registrations[0], 'registration');
  t.equal(reg.cluster, 'agent-itest');
  t.match(reg.instanceId, /^i-[0-9a-f]{17}$/);
  t.notOk(reg.containerInstanceArn, 'a first registration has no ARN yet');
  const res = Object.fromEntries(reg.totalResources.map((r) => [r.name, r]));
  t.equal(res.CPU.type, 'INTEGER');
  t.equal(res.CPU.integerValue % 1024, 0);
  t.equal(res.MEMORY.type, 'INTEGER');
  t.ok(res.MEMORY.integerValue > 0);
  t.same(res.PORTS, { name: 'PORTS', type: 'STRINGSET', doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: ['22', '2375', '2376', '51678', '51679'] });
  t.same(res.PORTS_UDP.stringSetValue, []);
  const attrs = Object.fromEntries(reg.attributes.map((a) => [a.name, a.value]));
  t.equal(attrs['ecs.os-type'], 'linux');
  t.match(attrs['ecs.cpu-architecture'], /^(x86_64|arm64)$/);
  t.equal(attrs['ecs.availability-zone'], 'lab-a');
  t.equal(attrs['ecs.instance-type'], 'self-hosted');
  t.equal(attrs.stack, 'itest');
  t.ok('com.amazonaws.ecs.capability.docker-remote-api.1.17' in attrs);
  t.equal(reg.versionInfo?.dockerVersion, `DockerVersion: ${docker('version', '--format', '{{.Server.Version}}').split('+')[0]}`);
  t.equal(reg.versionInfo?.agentVersion, JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')).version);

  await cp.until(() => cp.received.find((m) => m.hello), 'hello');
  const a = assignment([{ name: 'web', image: IMAGE, portMappings: [{ containerPort: 80 }], stopTimeout: 2 }]);
  cp.send({ taskAssignment: a });
  await cp.until(() => cp.received.find((m) => m.ack?.messageId === a.messageId), 'the assignment ack');
  const running = await cp.until(() => cp.reports(a.taskArn!).find((r) => r.status === 'RUNNING'), 'RUNNING report');
  const hostPort = running.containers[0].networkBindings[0].hostPort!;
  t.equal((await (await fetch(`http://127.0.0.1:${hostPort}/`)).text()).trim(), `hello from ${IMAGE}`);
  await cp.until(() => cp.received.find((m) => m.heartbeat), 'a heartbeat');

  // SIGTERM: the agent exits cleanly; its containers keep running.
  agent.kill('SIGTERM');
  t.equal(await exited(agent), 0);
  t.equal(ownContainers('running').length, 1, 'the task container outlives the agent');

  // Restart: same instance, same container; the control plane re-sends the assignment; nothing duplicated.
  const regsBefore = cp.registrations.length;
  agent = startAgent(cp, dataDir);
  const reg2 = await cp.until(() => cp.registrations[regsBefore], 'second registration');
  t.equal(reg2.containerInstanceArn, INSTANCE_ARN);
  t.equal(reg2.instanceId, reg.instanceId);
  const hello2 = await cp.until(() => cp.received.filter((m) => m.hello)[1]?.hello, 'second hello');
  t.same(hello2!.knownTaskArns, [a.taskArn]);
  cp.send({ taskAssignment: { ...a, messageId: 'again-1' } });
  await cp.until(() => cp.received.find((m) => m.ack?.messageId === 'again-1'), 'ack of the repeated assignment');

  // SIGKILL, then restart: still no duplicates, and StopTask works on the adopted task.
  agent.kill('SIGKILL');
  await exited(agent);
  const hellos = cp.received.filter((m) => m.hello).length;
  agent = startAgent(cp, dataDir);
  await cp.until(() => cp.received.filter((m) => m.hello).length > hellos || undefined, 'third hello');
  t.equal(ownContainers().length, 1, 'one container, never duplicated');
  cp.send({ stopTask: { messageId: 'stop-1', taskArn: a.taskArn, reason: 'Task stopped by user', stopCode: 'UserInitiated' } });
  const stopped = await cp.until(() => cp.reports(a.taskArn!).find((r) => r.status === 'STOPPED'), 'STOPPED report');
  t.equal(stopped.reason, 'Task stopped by user');
  t.equal(stopped.stopCode, 'UserInitiated');
  t.ok(stopped.seq > running.seq);
  t.equal(ownContainers('running').length, 0);
  agent.kill('SIGTERM');
  t.equal(await exited(agent), 0);
});
