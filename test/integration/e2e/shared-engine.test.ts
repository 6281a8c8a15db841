// Several agents on one Docker engine, each with its own data dir and identity: tasks spread over
// them, every container is labelled with the instance that runs it, and one agent's SIGKILL and
// restart leaves the other's containers alone.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxImage } from '../../helpers/images.js';
import {
  BIN, docker, ecsctlJson, eventually, freePort, removeInstanceContainers, requireBuild, startProcess, tempDir, type Proc,
} from '../../helpers/processes.js';

const IMAGE = 'ecs-test/busybox-httpd:latest';

t.test('two agents share one Docker engine and each manages only its own containers', async (t) => {
  requireBuild();
  buildBusyboxImage(IMAGE);
  const dir = tempDir('ecs-e2e-shared-');
  const endpoint = `127.0.0.1:${await freePort()}`;
  const cp = startProcess(BIN.controlPlane, ['--listen', endpoint, '--data-dir', join(dir, 'cp'), '--heartbeat-interval', '500'], {}, join(dir, 'cp.log'));
  const agentEnv = (n: number) => {
    const file = join(dir, `ecs-${n}.config`);
    writeFileSync(file, `ECS_BACKEND_HOST=${endpoint}\nECS_DATADIR=${join(dir, `agent-${n}`)}\nECS_CONTAINER_STOP_TIMEOUT=2s\nECS_IMAGE_PULL_BEHAVIOR=prefer-cached\n`);
    return { ECS_CONFIG_FILE: file };
  };
  const agents: Proc[] = [1, 2].map((n) => startProcess(BIN.agent, [], agentEnv(n), join(dir, `agent-${n}.log`)));
  let instances: string[] = [];
  t.teardown(async () => {
    for (const a of agents) await a.kill('SIGKILL');
    await cp.kill();
    for (const i of instances) await removeInstanceContainers(i);
  });
  t.teardown(() => {
    if (!t.passing()) for (const a of agents) t.comment(a.log().slice(-4000));
  });

  instances = await eventually('both agents connected', async () => {
    const l = await ecsctlJson(endpoint, ['list-container-instances']);
    if (l.containerInstanceArns.length !== 2) return undefined;
    const d = await ecsctlJson(endpoint, ['describe-container-instances', '--container-instances', ...l.containerInstanceArns]);
    return d.containerInstances.every((c: any) => c.agentConnected) ? (l.containerInstanceArns as string[]) : undefined;
  });
  t.not(instances[0], instances[1], 'each agent is its own container instance');

  await ecsctlJson(endpoint, [
    'register-task-definition', '--family', 'web',
    '--container-definitions', JSON.stringify([{ name: 'web', image: IMAGE, memory: 32, portMappings: [{ containerPort: 80 }] }]),
  ]);
  const run = await ecsctlJson(endpoint, ['run-task', '--task-definition', 'web', '--count', '6']);
  const arns: string[] = run.tasks.map((x: any) => x.taskArn);
  t.equal(arns.length, 6);
  const running = await eventually('all six RUNNING', async () => {
    const d = await ecsctlJson(endpoint, ['describe-tasks', '--tasks', ...arns]);
    return d.tasks.every((x: any) => x.lastStatus === 'RUNNING') ? (d.tasks as any[]) : undefined;
  }, 60_000);

  const labelled = async (instance: string) =>
    (await docker(['ps', '-q', '--filter', `label=com.amazonaws.ecs.container-instance-arn=${instance}`])).split('\n').filter(Boolean);
  for (const inst of instances) {
    const expected = running.filter((x) => x.containerInstanceArn === inst).length;
    t.equal((await labelled(inst)).length, expected, `${expected} containers labelled with ${inst.split('/').pop()}`);
  }
  const ports = running.map((x) => x.containers[0].networkBindings[0].hostPort);
  t.equal(new Set(ports).size, 6, 'no two tasks got the same dynamic host port, across agents');

  // Agent 1 dies hard and comes back; agent 2's containers are untouched throughout.
  const [first, second] = instances;
  const secondBefore = (await labelled(second)).sort();
  const firstIndex = (await ecsctlJson(endpoint, ['describe-container-instances', '--container-instances', first]))
    .containerInstances[0].ec2InstanceId;
  const agentOf = agents.findIndex((a) => a.log().includes(firstIndex));
  t.ok(agentOf >= 0, 'found the process of the first instance');
  await agents[agentOf].kill('SIGKILL');
  agents[agentOf] = startProcess(BIN.agent, [], agentEnv(agentOf + 1), join(dir, `agent-${agentOf + 1}.log`));
  await eventually('the restarted agent to reconnect', async () => {
    const d = await ecsctlJson(endpoint, ['describe-container-instances', '--container-instances', first]);
    return d.containerInstances[0].agentConnected;
  });
  await new Promise((r) => setTimeout(r, 1500));
  t.same((await labelled(second)).sort(), secondBefore, "the other agent's containers are untouched");
  t.equal((await labelled(first)).length, running.filter((x) => x.containerInstanceArn === first).length, 'no duplicates after the restart');

  // Stopping every task on one instance touches only that instance's containers.
  const onSecond = running.filter((x) => x.containerInstanceArn === second).map((x) => x.taskArn);
  for (const arn of onSecond) await ecsctlJson(endpoint, ['stop-task', '--task', arn]);
  await eventually('the second instance to have no containers', async () => (await labelled(second)).length === 0, 30_000);
  t.equal((await labelled(first)).length, running.length - onSecond.length, "the first instance's containers still run");
});
