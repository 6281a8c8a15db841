// Services end to end, with real processes and the real Docker engine: scaling, a rolling update, the
// circuit breaker's rollback, placement failures explained in events, and host loss.
import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxImage } from '../../helpers/images.js';
import {
  BIN, ecsctl, ecsctlJson, eventually, freePort, removeInstanceContainers, requireBuild, startProcess, tempDir, type Proc,
} from '../../helpers/processes.js';

const IMAGE = 'ecs-test/busybox-httpd:latest';

interface Cluster {
  endpoint: string;
  cli(args: string[]): Promise<any>;
  startAgent(n: number): Proc;
  agents: Proc[];
}

async function cluster(t: Test, agentCount: number): Promise<Cluster> {
  requireBuild();
  buildBusyboxImage(IMAGE);
  const dir = tempDir('ecs-e2e-svc-');
  const endpoint = `127.0.0.1:${await freePort()}`;
  const cp = startProcess(
    BIN.controlPlane,
    ['--listen', endpoint, '--data-dir', join(dir, 'cp'), '--heartbeat-interval', '300', '--scheduler-interval', '500', '--host-loss-timeout', '3'],
    {},
    join(dir, 'cp.log'),
  );
  const startAgent = (n: number) => {
    const file = join(dir, `ecs-${n}.config`);
    writeFileSync(file, `ECS_BACKEND_HOST=${endpoint}\nECS_DATADIR=${join(dir, `agent-${n}`)}\nECS_CONTAINER_STOP_TIMEOUT=1s\nECS_IMAGE_PULL_BEHAVIOR=prefer-cached\n`);
    return startProcess(BIN.agent, [], { ECS_CONFIG_FILE: file }, join(dir, `agent-${n}.log`));
  };
  const agents = Array.from({ length: agentCount }, (_, n) => startAgent(n));
  const cli = (args: string[]) => ecsctlJson(endpoint, args);
  let instances: string[] = [];
  t.teardown(async () => {
    for (const a of agents) await a.kill('SIGKILL');
    await cp.kill();
    for (const i of instances) await removeInstanceContainers(i);
  });
  t.teardown(() => {
    if (!t.passing()) t.comment(cp.log().slice(-6000));
  });
  instances = await eventually('agents connected', async () => {
    const l = await cli(['list-container-instances']);
    if (l.containerInstanceArns.length !== agentCount) return undefined;
    const d = await cli(['describe-container-instances', '--container-instances', ...l.containerInstanceArns]);
    return d.containerInstances.every((c: any) => c.agentConnected) ? (l.containerInstanceArns as string[]) : undefined;
  });
  return { endpoint, cli, startAgent, agents };
}

const web = (extra: object = {}) =>
  JSON.stringify([{ name: 'web', image: IMAGE, memory: 16, command: ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"], ...extra }]);

async function service(c: Cluster, name: string) {
  return (await c.cli(['describe-services', '--services', name])).services[0];
}

async function steady(c: Cluster, name: string, desired: number, ms = 60_000) {
  return eventually(`${name} steady at ${desired}`, async () => {
    const s = await service(c, name);
    return s.deployments.length === 1 && s.runningCount === desired && s.desiredCount === desired && s.pendingCount === 0 ? s : undefined;
  }, ms, 300);
}

t.test('a service scales 0 → 3 → 1 and rolls out a new revision', async (t) => {
  const c = await cluster(t, 2);
  await c.cli(['register-task-definition', '--family', 'web', '--container-definitions', web()]);
  const created = await c.cli(['create-service', '--service-name', 'web', '--task-definition', 'web', '--desired-count', '0']);
  t.equal(created.service.status, 'ACTIVE');
  t.match(created.service.deployments[0].id, /^ecs-svc\/\d{19}$/);
  await c.cli(['update-service', '--service', 'web', '--desired-count', '3']);
  let s = await steady(c, 'web', 3);
  t.equal(s.deployments[0].status, 'PRIMARY');
  const wait = await ecsctl(c.endpoint, ['wait', 'services-stable', '--services', 'web'], { ECSCTL_WAITER_DELAY_MS: '200' });
  t.equal(wait.code, 0, `wait services-stable: ${wait.stderr}`);
  t.ok(s.events.some((e: any) => /^\(service web\) has started \d tasks: \(task [0-9a-f]{32}\)/.test(e.message)), 'started event');
  await c.cli(['update-service', '--service', 'web', '--desired-count', '1']);
  s = await steady(c, 'web', 1);
  t.equal((await c.cli(['list-tasks', '--service-name', 'web'])).taskArns.length, 1, 'scaled in to one task');
  t.ok(s.events.some((e: any) => /has stopped 2 running tasks/.test(e.message)), 'stopped event');

  await c.cli(['update-service', '--service', 'web', '--desired-count', '2']);
  await steady(c, 'web', 2);
  await c.cli(['register-task-definition', '--family', 'web', '--container-definitions', web({ environment: [{ name: 'V', value: '2' }] })]);
  const upd = await c.cli(['update-service', '--service', 'web', '--task-definition', 'web:2']);
  t.equal(upd.service.deployments.length, 2, 'a new deployment for a new revision');
  s = await steady(c, 'web', 2);
  t.equal(s.deployments[0].status, 'PRIMARY');
  t.match(s.deployments[0].taskDefinition, /:task-definition\/web:2$/);
  t.equal(s.deployments[0].rolloutState, 'COMPLETED');
  const tasks = (await c.cli(['describe-tasks', '--tasks', ...(await c.cli(['list-tasks', '--service-name', 'web'])).taskArns])).tasks;
  t.ok(tasks.every((x: any) => /web:2$/.test(x.taskDefinitionArn)), 'every task on the new revision');
  t.ok(s.events.some((e: any) => /has reached a steady state\./.test(e.message)), 'steady state event');
  const query = await ecsctl(c.endpoint, ['describe-services', '--services', 'web', '--query', 'services[0].[status,desiredCount,runningCount,pendingCount,deployments[*].status]']);
  t.same(JSON.parse(query.stdout), ['ACTIVE', 2, 2, 0, ['PRIMARY']], "the troubleshooting guide's query");
  const del = await ecsctl(c.endpoint, ['delete-service', '--service', 'web']);
  t.equal(del.code, 254, 'a service above 0 is not deleted without --force');
  t.match(del.stderr, 'InvalidParameterException');
  await c.cli(['delete-service', '--service', 'web', '--force']);
  await eventually('the service INACTIVE', async () => (await service(c, 'web')).status === 'INACTIVE', 30_000, 300);
});

t.test('a revision that exits at once trips the circuit breaker and rolls back', async (t) => {
  const c = await cluster(t, 1);
  await c.cli(['register-task-definition', '--family', 'cb', '--container-definitions', web()]);
  await c.cli(['create-service', '--service-name', 'cb', '--task-definition', 'cb', '--desired-count', '2',
    '--deployment-configuration', 'maximumPercent=200,minimumHealthyPercent=100,deploymentCircuitBreaker={enable=true,rollback=true}']);
  await steady(c, 'cb', 2);
  await c.cli(['register-task-definition', '--family', 'cb', '--container-definitions', web({ command: ['sh', '-c', 'exit 1'] })]);
  await c.cli(['update-service', '--service', 'cb', '--task-definition', 'cb:2']);
  const s = await eventually('the rollback', async () => {
    const x = await service(c, 'cb');
    return x.events.some((e: any) => /rolling back to deployment/.test(e.message)) ? x : undefined;
  }, 120_000, 500);
  t.ok(s.events.some((e: any) => /deployment failed: tasks failed to start\./.test(e.message)), 'deployment failed event');
  const back = await steady(c, 'cb', 2, 60_000);
  t.match(back.deployments[0].taskDefinition, /:task-definition\/cb:1$/, 'back on the working revision');
});

t.test('placement failures are explained in service events', async (t) => {
  const c = await cluster(t, 1);
  await c.cli(['register-task-definition', '--family', 'huge', '--container-definitions', web({ memory: 10_000_000 })]);
  await c.cli(['create-service', '--service-name', 'huge', '--task-definition', 'huge', '--desired-count', '1']);
  const huge = await eventually('an insufficient memory event', async () => {
    const x = await service(c, 'huge');
    return x.events.find((e: any) => /insufficient memory available/.test(e.message));
  }, 30_000, 300);
  t.match(huge.message, /^\(service huge\) was unable to place a task because no container instance met all of its requirements\. The closest matching \(container-instance [0-9a-f]{32}\) has insufficient memory available\.$/);

  const port = await freePort();
  await c.cli(['register-task-definition', '--family', 'static', '--container-definitions', web({ portMappings: [{ containerPort: 80, hostPort: port }] })]);
  await c.cli(['create-service', '--service-name', 'static', '--task-definition', 'static', '--desired-count', '3']);
  const st = await eventually('one task running and a port event', async () => {
    const x = await service(c, 'static');
    return x.runningCount === 1 && x.events.some((e: any) => /is already using a port required by your task/.test(e.message)) ? x : undefined;
  }, 60_000, 300);
  t.equal(st.runningCount, 1, 'a static host port on a one-host cluster runs one task and explains the rest');
});

t.test('tasks of a host lost beyond the timeout are replaced elsewhere, and its return leaves no extra task', async (t) => {
  const c = await cluster(t, 2);
  await c.cli(['register-task-definition', '--family', 'ha', '--container-definitions', web()]);
  await c.cli(['create-service', '--service-name', 'ha', '--task-definition', 'ha', '--desired-count', '4']);
  await steady(c, 'ha', 4);
  const tasksNow = async () => (await c.cli(['describe-tasks', '--tasks', ...(await c.cli(['list-tasks', '--service-name', 'ha'])).taskArns])).tasks as any[];
  const before = await tasksNow();
  const victimInstance = before[0].containerInstanceArn;
  const victim = c.agents.findIndex((a) => a.log().includes(victimInstance.split('/').pop()));
  t.ok(victim >= 0, 'found the agent of the first task');
  await c.agents[victim].kill('SIGKILL');
  const replaced = await eventually('the tasks replaced on the other agent', async () => {
    const now = await tasksNow();
    return now.length === 4 && now.every((x) => x.containerInstanceArn !== victimInstance && x.lastStatus === 'RUNNING') ? now : undefined;
  }, 60_000, 500);
  t.equal(replaced.length, 4);
  c.agents[victim] = c.startAgent(victim);
  await eventually('the lost agent back', async () => {
    const d = await c.cli(['describe-container-instances', '--container-instances', victimInstance]);
    return d.containerInstances[0].agentConnected;
  });
  await new Promise((r) => setTimeout(r, 3000));
  const s = await steady(c, 'ha', 4);
  t.equal(s.runningCount, 4, 'the service did not settle above desiredCount');
  t.equal((await tasksNow()).length, 4);
});
