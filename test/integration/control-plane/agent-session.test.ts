// The agent protocol against the real gRPC server, with a scripted agent: registration, welcome,
// assignments and acks, state reports, StopTask delivery, reconnect re-delivery, disconnect.
import t from 'tap';
import { once } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import type { AgentMessage } from '../../../proto/gen/ecs/v1/AgentMessage.js';
import type { ControlMessage__Output } from '../../../proto/gen/ecs/v1/ControlMessage.js';
import { exceptionOf, startTestControlPlane, type TestControlPlane } from '../../helpers/control-plane.js';

const RESOURCES = [
  { name: 'CPU', type: 'INTEGER', integerValue: 2048 },
  { name: 'MEMORY', type: 'INTEGER', integerValue: 4096 },
  { name: 'PORTS', type: 'STRINGSET', stringSetValue: ['22', '2375', '2376', '51678', '51679'] },
  { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: [] },
];

const HELLO_TD = {
  family: 'hello-server',
  containerDefinitions: [
    { name: 'hello-server', image: 'nginx', cpu: 384, memory: 384, essential: true, portMappings: [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }] },
  ],
};

class ScriptedAgent {
  messages: ControlMessage__Output[] = [];
  private waiters: Array<() => void> = [];
  stream!: grpc.ClientDuplexStream<AgentMessage, ControlMessage__Output>;
  constructor(
    private cp: TestControlPlane,
    public arn: string,
  ) {}
  connect(opts: { ack?: boolean; knownTaskArns?: string[] } = {}): void {
    this.messages = [];
    this.stream = this.cp.agentClient.Session();
    this.stream.on('data', (m: ControlMessage__Output) => {
      this.messages.push(m);
      const id = m.taskAssignment?.messageId ?? m.stopTask?.messageId;
      if (id && opts.ack !== false) this.stream.write({ ack: { messageId: id } });
      for (const w of this.waiters.splice(0)) w();
    });
    this.stream.on('error', () => {});
    this.stream.write({ hello: { containerInstanceArn: this.arn, clusterArn: '', knownTaskArns: opts.knownTaskArns ?? [] } });
  }
  async waitFor(pred: (m: ControlMessage__Output) => boolean): Promise<ControlMessage__Output> {
    for (;;) {
      const m = this.messages.find(pred);
      if (m) return m;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
}

async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function register(cp: TestControlPlane, arn?: string): Promise<string> {
  return new Promise((resolve, reject) =>
    cp.agentClient.RegisterContainerInstance(
      { cluster: 'default', instanceId: 'i-0123456789abcdef0', containerInstanceArn: arn, totalResources: RESOURCES, versionInfo: { agentVersion: '0.1.0' }, attributes: [{ name: 'ecs.os-type', value: 'linux' }] },
      (err, res) => (err ? reject(err) : resolve(res!.containerInstance!.containerInstanceArn)),
    ),
  );
}

t.test('a task runs through the agent session from PROVISIONING to STOPPED', async (t) => {
  const cp = await startTestControlPlane({ heartbeatIntervalMs: 200 });
  t.teardown(() => cp.close());
  const arn = await register(cp);
  t.match(arn, /^arn:aws:ecs:us-east-1:000000000000:container-instance\/default\/[0-9a-f]{32}$/, 'the default cluster is created for the agent');

  let err = await cp.call('RunTask', { taskDefinition: 'hello-server' }).catch((e) => e);
  t.equal(exceptionOf(err), 'ClientException', 'an unknown task definition is refused');
  await cp.call('RegisterTaskDefinition', HELLO_TD);
  const refused = await cp.call<any>('RunTask', { taskDefinition: 'hello-server' });
  t.same(refused.tasks, [], 'nothing is placed while the agent is disconnected');
  t.same(refused.failures, [{ arn, reason: 'AGENT' }]);

  const agent = new ScriptedAgent(cp, arn);
  agent.connect();
  const welcome = await agent.waitFor((m) => !!m.welcome);
  t.equal(welcome.welcome!.heartbeatIntervalMs, 200, 'the control plane sets the heartbeat period');
  await eventually(async () => (await cp.call<any>('DescribeContainerInstances', { containerInstances: [arn] })).containerInstances[0].agentConnected);

  const run = await cp.call<any>('RunTask', { taskDefinition: 'hello-server', count: 2, startedBy: 'test' });
  t.equal(run.tasks.length, 2);
  t.equal(run.tasks[0].lastStatus, 'PROVISIONING');
  t.equal(run.tasks[0].desiredStatus, 'RUNNING');
  t.equal(run.tasks[0].group, 'family:hello-server');
  const taskArn = run.tasks[0].taskArn;
  const assignment = (await agent.waitFor((m) => m.taskAssignment?.taskArn === taskArn)).taskAssignment!;
  t.equal(assignment.containers[0].image, 'nginx');
  t.equal(assignment.desiredStatus, 'RUNNING');
  const delivered = await eventually(async () => {
    const d = await cp.call<any>('DescribeTasks', { tasks: [taskArn] });
    return d.tasks[0].lastStatus === 'PENDING' ? d.tasks[0] : undefined;
  });
  t.equal(delivered.connectivity, 'CONNECTED', 'an acknowledged assignment makes the task PENDING and CONNECTED');

  const ci = (await cp.call<any>('DescribeContainerInstances', { containerInstances: [arn] })).containerInstances[0];
  t.equal(ci.remainingResources.find((r: any) => r.name === 'MEMORY').integerValue, 4096 - 2 * 384, 'memory is accounted for');
  t.equal(ci.remainingResources.find((r: any) => r.name === 'CPU').integerValue, 2048 - 2 * 384, 'CPU is accounted for');
  t.equal(ci.pendingTasksCount, 2);

  agent.stream.write({
    taskStateChange: {
      messageId: 'r1', taskArn, status: 'RUNNING', seq: 1, reportedAt: Date.now() / 1000, startedAt: Date.now() / 1000,
      containers: [{ name: 'hello-server', status: 'RUNNING', runtimeId: 'abc', networkBindings: [{ bindIp: '0.0.0.0', containerPort: 80, hostPort: 49153, protocol: 'tcp' }] }],
    },
  });
  await agent.waitFor((m) => m.ack?.messageId === 'r1');
  const running = (await cp.call<any>('DescribeTasks', { tasks: [taskArn] })).tasks[0];
  t.equal(running.lastStatus, 'RUNNING');
  t.same(running.containers[0].networkBindings, [{ bindIp: '0.0.0.0', containerPort: 80, hostPort: 49153, protocol: 'tcp' }]);

  // an older report is ignored
  agent.stream.write({ taskStateChange: { messageId: 'r0', taskArn, status: 'PENDING', seq: 0, reportedAt: 0, containers: [] } });
  await agent.waitFor((m) => m.ack?.messageId === 'r0');
  t.equal((await cp.call<any>('DescribeTasks', { tasks: [taskArn] })).tasks[0].lastStatus, 'RUNNING', 'a stale report does not move the task back');

  const stopped = await cp.call<any>('StopTask', { task: taskArn, reason: 'done testing' });
  t.equal(stopped.task.desiredStatus, 'STOPPED');
  t.equal(stopped.task.stopCode, 'UserInitiated');
  const stop = (await agent.waitFor((m) => m.stopTask?.taskArn === taskArn)).stopTask!;
  t.equal(stop.reason, 'done testing');
  agent.stream.write({
    taskStateChange: { messageId: 'r2', taskArn, status: 'STOPPED', seq: 2, reportedAt: Date.now() / 1000, containers: [{ name: 'hello-server', status: 'STOPPED', exitCode: 0, networkBindings: [] }], reason: 'Essential container in task exited' },
  });
  await agent.waitFor((m) => m.ack?.messageId === 'r2');
  const final = (await cp.call<any>('DescribeTasks', { tasks: [taskArn] })).tasks[0];
  t.equal(final.lastStatus, 'STOPPED');
  t.equal(final.stoppedReason, 'done testing', "the user's reason is kept");
  t.equal(final.containers[0].exitCode, 0);
  t.ok(final.stoppedAt >= final.createdAt);

  const listed = await cp.call<any>('ListTasks', { desiredStatus: 'STOPPED' });
  t.same(listed.taskArns, [taskArn]);

  // reconnect: the other (unstopped) task is assigned again
  agent.stream.cancel();
  await eventually(async () => !(await cp.call<any>('DescribeContainerInstances', { containerInstances: [arn] })).containerInstances[0].agentConnected);
  t.equal(await register(cp, arn), arn, 'a re-registering agent keeps its container instance');
  const again = new ScriptedAgent(cp, arn);
  again.connect();
  const other = run.tasks[1].taskArn;
  const re = (await again.waitFor((m) => !!m.taskAssignment)).taskAssignment!;
  t.equal(re.taskArn, other, 'only the task that is not STOPPED is sent again');
  again.stream.cancel();
});

t.test('an agent that stops sending heartbeats is marked disconnected', async (t) => {
  const cp = await startTestControlPlane({ heartbeatIntervalMs: 100 });
  t.teardown(() => cp.close());
  const arn = await register(cp);
  const agent = new ScriptedAgent(cp, arn);
  agent.connect();
  await agent.waitFor((m) => !!m.welcome);
  await eventually(async () => (await cp.call<any>('DescribeContainerInstances', { containerInstances: [arn] })).containerInstances[0].agentConnected);
  await eventually(async () => !(await cp.call<any>('DescribeContainerInstances', { containerInstances: [arn] })).containerInstances[0].agentConnected, 3000);
  t.pass('disconnected after 3 missed heartbeats');
  agent.stream.cancel();
});

t.test('a deregistered instance cannot open a session', async (t) => {
  const cp = await startTestControlPlane();
  t.teardown(() => cp.close());
  const arn = await register(cp);
  await cp.call('DeregisterContainerInstance', { containerInstance: arn });
  const agent = new ScriptedAgent(cp, arn);
  agent.connect();
  const [err] = await once(agent.stream, 'error');
  t.equal(exceptionOf(err), 'InvalidParameterException');
  const again = await register(cp, arn).catch((e) => e);
  t.equal(exceptionOf(again), 'ClientException', 'a deregistered instance cannot register again under its old ARN');
  t.match(again.details, /was deregistered.*ECS_DATADIR/);
  t.same((await cp.call<any>('ListContainerInstances', {})).containerInstanceArns, [], 'and no new instance was made');
});

t.test('tasks an agent runs that the control plane has no live record of are stopped', async (t) => {
  const cp = await startTestControlPlane();
  t.teardown(() => cp.close());
  const arn = await register(cp);
  const agent = new ScriptedAgent(cp, arn);
  agent.connect();
  await agent.waitFor((m) => !!m.welcome);
  await cp.call('RegisterTaskDefinition', HELLO_TD);
  const [live, done] = (await cp.call<any>('RunTask', { taskDefinition: 'hello-server', count: 2 })).tasks.map((x: any) => x.taskArn);
  agent.stream.write({ taskStateChange: { messageId: 'r1', taskArn: done, status: 'STOPPED', seq: 1, reportedAt: 0, containers: [] } });
  await agent.waitFor((m) => m.ack?.messageId === 'r1');
  agent.stream.cancel();
  const forgotten = 'arn:aws:ecs:us-east-1:000000000000:task/default/ffffffffffffffffffffffffffffffff';
  const back = new ScriptedAgent(cp, arn);
  back.connect({ knownTaskArns: [live, done, forgotten] });
  await back.waitFor((m) => m.stopTask?.taskArn === forgotten);
  const stops = back.messages.filter((m) => m.stopTask).map((m) => m.stopTask!.taskArn).sort();
  t.same(stops, [done, forgotten].sort(), 'the STOPPED and the unknown task are stopped');
  t.ok(back.messages.some((m) => m.taskAssignment?.taskArn === live), 'the live task is assigned again');
  back.stream.cancel();
});
