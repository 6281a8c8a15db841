// The foundation, end to end with real processes and the real Docker engine: the ECS hello-server
// example registered verbatim through ecsctl, two copies on dynamic host ports, HTTP from both, an
// agent SIGKILL + restart without duplicate containers, then StopTask.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStandIn } from '../../helpers/images.js';
import {
  BIN, docker, ecsctl, ecsctlJson, eventually, freePort, removeInstanceContainers, requireBuild, startProcess, tempDir,
} from '../../helpers/processes.js';

const HELLO_SERVER =
  '{"family":"hello-server","containerDefinitions":[{"name":"hello-server","image":"nginx","cpu":384,' +
  '"memory":384,"essential":true,"portMappings":[{"containerPort":80,"hostPort":0,"protocol":"tcp"}]}]}';

t.test('hello-server runs twice on dynamic ports, survives an agent SIGKILL, and stops on request', async (t) => {
  requireBuild();
  ensureStandIn('nginx:latest');
  const dir = tempDir('ecs-e2e-');
  const port = await freePort();
  const endpoint = `127.0.0.1:${port}`;
  const cp = startProcess(BIN.controlPlane, ['--listen', endpoint, '--data-dir', join(dir, 'cp'), '--heartbeat-interval', '500'], {}, join(dir, 'cp.log'));
  const agentEnv = {
    ECS_CONFIG_FILE: join(dir, 'ecs.config'),
    ECS_DATADIR: join(dir, 'agent'),
    ECS_LOGLEVEL: 'debug',
    ECS_CONTAINER_STOP_TIMEOUT: '2s',
  };
  writeFileSync(agentEnv.ECS_CONFIG_FILE, `ECS_CLUSTER=default\nECS_BACKEND_HOST=${endpoint}\n`);
  let agent = startProcess(BIN.agent, [], agentEnv, join(dir, 'agent.log'));
  let instanceArn = '';
  t.teardown(async () => {
    await agent.kill('SIGKILL');
    await cp.kill();
    if (instanceArn) await removeInstanceContainers(instanceArn);
  });
  const onFail = () => {
    if (t.passing()) return;
    t.comment(`control plane log:\n${cp.log().slice(-4000)}`);
    t.comment(`agent log:\n${agent.log().slice(-8000)}`);
  };
  t.teardown(onFail);

  instanceArn = await eventually('the agent to register and connect', async () => {
    const list = await ecsctlJson(endpoint, ['list-container-instances']);
    const arn = list.containerInstanceArns[0];
    if (!arn) return undefined;
    const d = await ecsctlJson(endpoint, ['describe-container-instances', '--container-instances', arn]);
    return d.containerInstances[0].agentConnected ? arn : undefined;
  });

  const tdFile = join(dir, 'task.json');
  writeFileSync(tdFile, HELLO_SERVER);
  const reg = await ecsctlJson(endpoint, ['register-task-definition', '--cli-input-json', `file://${tdFile}`]);
  t.equal(reg.taskDefinition.taskDefinitionArn, 'arn:aws:ecs:us-east-1:000000000000:task-definition/hello-server:1');
  t.equal(reg.taskDefinition.revision, 1);

  const run = await ecsctlJson(endpoint, ['run-task', '--task-definition', 'hello-server', '--count', '2']);
  t.equal(run.tasks.length, 2, 'two tasks placed');
  t.same(run.failures, []);
  const arns: string[] = run.tasks.map((x: any) => x.taskArn);

  const running = await eventually('both tasks RUNNING', async () => {
    const d = await ecsctlJson(endpoint, ['describe-tasks', '--tasks', ...arns]);
    return d.tasks.every((x: any) => x.lastStatus === 'RUNNING') ? d.tasks : undefined;
  }, 60_000);
  const ports = running.map((x: any) => x.containers[0].networkBindings[0].hostPort as number);
  t.equal(new Set(ports).size, 2, `distinct dynamic host ports ${ports}`);
  for (const p of ports) {
    t.ok(p >= 1024, `host port ${p} is a dynamic port`);
    const res = await fetch(`http://127.0.0.1:${p}/`);
    t.equal(res.status, 200, `HTTP from host port ${p}`);
  }
  t.equal(running[0].containers[0].networkBindings[0].containerPort, 80);

  const containersOf = async () =>
    (await docker(['ps', '-q', '--filter', `label=com.amazonaws.ecs.container-instance-arn=${instanceArn}`])).split('\n').filter(Boolean);
  t.equal((await containersOf()).length, 2, 'two containers run');

  // The agent dies hard and comes back: same instance, same containers, nothing duplicated.
  await agent.kill('SIGKILL');
  await eventually('the control plane to see the agent gone', async () => {
    const d = await ecsctlJson(endpoint, ['describe-container-instances', '--container-instances', instanceArn]);
    return !d.containerInstances[0].agentConnected;
  });
  agent = startProcess(BIN.agent, [], agentEnv, join(dir, 'agent.log'));
  await eventually('the restarted agent to reconnect', async () => {
    const d = await ecsctlJson(endpoint, ['describe-container-instances', '--container-instances', instanceArn]);
    return d.containerInstances[0].agentConnected;
  });
  const instances = await ecsctlJson(endpoint, ['list-container-instances']);
  t.same(instances.containerInstanceArns, [instanceArn], 'the restarted agent is the same container instance');
  await new Promise((r) => setTimeout(r, 2000)); // give a wrong agent time to start duplicates
  t.equal((await containersOf()).length, 2, 'no duplicate containers after the restart');
  const after = await ecsctlJson(endpoint, ['describe-tasks', '--tasks', ...arns]);
  t.same(after.tasks.map((x: any) => x.lastStatus), ['RUNNING', 'RUNNING']);
  for (const p of ports) t.equal((await fetch(`http://127.0.0.1:${p}/`)).status, 200, `still serving on ${p}`);

  const stop = await ecsctlJson(endpoint, ['stop-task', '--task', arns[0], '--reason', 'e2e test']);
  t.equal(stop.task.desiredStatus, 'STOPPED');
  const stopped = await eventually('the task to be STOPPED', async () => {
    const d = await ecsctlJson(endpoint, ['describe-tasks', '--tasks', arns[0]]);
    return d.tasks[0].lastStatus === 'STOPPED' ? d.tasks[0] : undefined;
  }, 30_000);
  t.equal(stopped.stopCode, 'UserInitiated');
  t.equal(stopped.stoppedReason, 'e2e test');
  t.equal(stopped.containers[0].lastStatus, 'STOPPED');
  t.equal((await containersOf()).length, 1, 'one container still runs');
  const left = await ecsctlJson(endpoint, ['list-tasks']);
  t.same(left.taskArns, [arns[1]]);

  const err = await ecsctl(endpoint, ['run-task', '--cluster', 'nope', '--task-definition', 'hello-server']);
  t.equal(err.code, 254);
  t.match(err.stderr, 'An error occurred (ClusterNotFoundException) when calling the RunTask operation');
});
