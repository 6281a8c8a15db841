// Placement end to end: three agents in three availability zones on one Docker engine, driven with the
// real ecsctl and the AWS CLI's shorthand.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxImage } from '../../helpers/images.js';
import {
  BIN, ecsctl, ecsctlJson, eventually, freePort, removeInstanceContainers, requireBuild, startProcess, tempDir, type Proc,
} from '../../helpers/processes.js';

const IMAGE = 'ecs-test/busybox-httpd:latest';
const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

t.test('spread, memberOf, distinctInstance and static ports across three availability zones', async (t) => {
  requireBuild();
  buildBusyboxImage(IMAGE);
  const dir = tempDir('ecs-e2e-placement-');
  const endpoint = `127.0.0.1:${await freePort()}`;
  const cp = startProcess(BIN.controlPlane, ['--listen', endpoint, '--data-dir', join(dir, 'cp'), '--heartbeat-interval', '500'], {}, join(dir, 'cp.log'));
  const agents: Proc[] = AZS.map((az, n) => {
    const file = join(dir, `ecs-${n}.config`);
    writeFileSync(
      file,
      `ECS_BACKEND_HOST=${endpoint}\nECS_DATADIR=${join(dir, `agent-${n}`)}\nECS_AVAILABILITY_ZONE=${az}\n` +
        `ECS_CONTAINER_STOP_TIMEOUT=1s\nECS_IMAGE_PULL_BEHAVIOR=prefer-cached\n`,
    );
    return startProcess(BIN.agent, [], { ECS_CONFIG_FILE: file }, join(dir, `agent-${n}.log`));
  });
  let instances: string[] = [];
  t.teardown(async () => {
    for (const a of agents) await a.kill('SIGKILL');
    await cp.kill();
    for (const i of instances) await removeInstanceContainers(i);
  });
  const cli = (args: string[]) => ecsctlJson(endpoint, args);

  instances = await eventually('three agents connected', async () => {
    const l = await cli(['list-container-instances']);
    if (l.containerInstanceArns.length !== 3) return undefined;
    const d = await cli(['describe-container-instances', '--container-instances', ...l.containerInstanceArns]);
    return d.containerInstances.every((c: any) => c.agentConnected) ? (l.containerInstanceArns as string[]) : undefined;
  });
  const described = (await cli(['describe-container-instances', '--container-instances', ...instances])).containerInstances;
  const azOf = new Map<string, string>(
    described.map((c: any) => [c.containerInstanceArn, c.attributes.find((a: any) => a.name === 'ecs.availability-zone').value]),
  );
  t.same([...new Set(azOf.values())].sort(), AZS, 'each agent registered its availability zone');

  const register = (family: string, extra: object = {}) =>
    cli(['register-task-definition', '--family', family, '--container-definitions',
      JSON.stringify([{ name: 'app', image: IMAGE, memory: 16, command: ['sleep', '3600'], ...extra }])]);
  const azsOf = (tasks: any[]) => tasks.map((x) => azOf.get(x.containerInstanceArn)!);
  const count = (xs: string[]) => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});

  await register('spread');
  const spread = await cli(['run-task', '--task-definition', 'spread', '--count', '9',
    '--placement-strategy', 'type=spread,field=attribute:ecs.availability-zone']);
  t.equal(spread.tasks.length, 9);
  t.same(count(azsOf(spread.tasks)), { 'us-east-1a': 3, 'us-east-1b': 3, 'us-east-1c': 3 }, '9 tasks spread on AZ land 3 per AZ');

  await register('pinned');
  const pinned = await cli(['run-task', '--task-definition', 'pinned', '--count', '5',
    '--placement-constraints', 'type=memberOf,expression=attribute:ecs.availability-zone == us-east-1b']);
  t.same(count(azsOf(pinned.tasks)), { 'us-east-1b': 5 }, 'a memberOf on one AZ lands all there');

  await register('distinct');
  const distinct = await cli(['run-task', '--task-definition', 'distinct', '--count', '4', '--placement-constraints', 'type=distinctInstance']);
  t.equal(distinct.tasks.length, 3, 'distinctInstance with count 4 places 3');
  t.equal(new Set(distinct.tasks.map((x: any) => x.containerInstanceArn)).size, 3, 'on three different instances');
  t.ok(distinct.failures.length >= 1, `and reports the one it could not place: ${JSON.stringify(distinct.failures)}`);

  const port = await freePort();
  await register('static-port', { portMappings: [{ containerPort: 80, hostPort: port }] });
  const inA = ['--placement-constraints', 'type=memberOf,expression=attribute:ecs.availability-zone == us-east-1a'];
  const first = await cli(['run-task', '--task-definition', 'static-port', ...inA]);
  t.equal(first.tasks.length, 1);
  const second = await cli(['run-task', '--task-definition', 'static-port', ...inA]);
  t.same(second.tasks, [], 'a static host port already taken is refused');
  const a = [...azOf].find(([, az]) => az === 'us-east-1a')![0];
  t.same(second.failures.filter((f: any) => f.arn === a).map((f: any) => f.reason), ['RESOURCE:PORTS'], 'RESOURCE:PORTS on the us-east-1a instance');
  t.ok(second.failures.filter((f: any) => f.arn !== a).every((f: any) => /MemberOf/.test(f.reason)), 'the others are not members');

  // Custom attributes and the cluster query language
  const target = [...azOf].find(([, az]) => az === 'us-east-1c')![0];
  const put = await cli(['put-attributes', '--attributes', `name=stack,value=prod,targetId=${target}`]);
  t.equal(put.attributes[0].targetId, target);
  const filtered = await cli(['list-container-instances', '--filter', 'attribute:stack == prod']);
  t.same(filtered.containerInstanceArns, [target], 'list-container-instances --filter uses the query language');
  const listed = await cli(['list-attributes', '--target-type', 'container-instance', '--attribute-name', 'stack']);
  t.same(listed.attributes.map((a: any) => [a.name, a.value, a.targetId]), [['stack', 'prod', target]]);
  const bad = await ecsctl(endpoint, ['list-container-instances', '--filter', 'attribute:stack =! prod']);
  t.equal(bad.code, 254);
  t.match(bad.stderr, 'InvalidParameterException');

  // explain-placement starts nothing and says why
  const before = (await cli(['list-tasks'])).taskArns.length;
  const explained = await cli(['explain-placement', '--task-definition', 'static-port', '--count', '2', ...inA]);
  t.equal(explained.candidateCount, 3);
  t.same(explained.placements, [], 'nothing fits: the port is taken in us-east-1a and the others are not members');
  t.ok(explained.filters.some((f: any) => f.rejectedCount > 0 && /PORTS/.test(f.filter)), 'the port filter rejected the us-east-1a instance');
  t.ok(explained.filters.some((f: any) => f.rejectedCount === 2 && /memberOf/.test(f.filter)), 'memberOf rejected the other two');
  t.match(explained.message, /^no container instance met all of its requirements\. The closest matching \(container-instance [0-9a-f]{32}\) /);
  t.equal((await cli(['list-tasks'])).taskArns.length, before, 'explain-placement started nothing');

  // StartTask on a named instance
  const started = await cli(['start-task', '--task-definition', 'pinned', '--container-instances', target]);
  t.equal(started.tasks[0].containerInstanceArn, target);
  const all = [...spread.tasks, ...pinned.tasks, ...distinct.tasks, ...first.tasks, ...started.tasks].map((x: any) => x.taskArn);
  await eventually('every task RUNNING', async () => {
    const d = await cli(['describe-tasks', '--tasks', ...all.slice(0, 100)]);
    return d.tasks.every((x: any) => x.lastStatus === 'RUNNING');
  }, 90_000, 500);
  t.pass('all placed tasks run');
});
