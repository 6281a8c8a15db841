// The agent process as an operator meets it: its command line, and what happens when its container
// instance is deregistered while it runs.
import t from 'tap';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ecsctlJson, eventually, freePort, requireBuild, startProcess, tempDir } from '../../helpers/processes.js';

function runAgent(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) =>
    execFile(process.execPath, [BIN.agent, ...args], { env: { ...process.env, ECS_DATADIR: '/nonexistent-never-used' } }, (err, stdout, stderr) =>
      res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

t.test('ecs-agent --help and --version answer without starting; a stray argument is refused', async (t) => {
  requireBuild();
  const help = await runAgent(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /ECS_BACKEND_HOST/);
  const version = await runAgent(['--version']);
  t.match(version.stdout, /^ecs-agent \d+\.\d+\.\d+/);
  const bad = await runAgent(['--cluster']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, 'unexpected argument "--cluster"');
});

t.test('an agent whose container instance is deregistered exits with status 5 and says why', async (t) => {
  requireBuild();
  const dir = tempDir('ecs-e2e-dereg-');
  const endpoint = `127.0.0.1:${await freePort()}`;
  const cp = startProcess(BIN.controlPlane, ['--listen', endpoint, '--data-dir', join(dir, 'cp'), '--heartbeat-interval', '300'], {}, join(dir, 'cp.log'));
  writeFileSync(join(dir, 'ecs.config'), `ECS_BACKEND_HOST=${endpoint}\nECS_DATADIR=${join(dir, 'agent')}\n`);
  const agent = startProcess(BIN.agent, [], { ECS_CONFIG_FILE: join(dir, 'ecs.config') }, join(dir, 'agent.log'));
  t.teardown(async () => {
    await agent.kill('SIGKILL');
    await cp.kill();
  });
  const arn = await eventually('the agent to connect', async () => {
    const l = await ecsctlJson(endpoint, ['list-container-instances']);
    const a = l.containerInstanceArns[0];
    if (!a) return undefined;
    const d = await ecsctlJson(endpoint, ['describe-container-instances', '--container-instances', a]);
    return d.containerInstances[0].agentConnected ? (a as string) : undefined;
  });
  const dereg = await ecsctlJson(endpoint, ['deregister-container-instance', '--container-instance', arn]);
  t.equal(dereg.containerInstance.status, 'INACTIVE');
  const code = await Promise.race([agent.exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
  t.equal(code, 5, 'the agent stops for good');
  t.match(agent.log(), /was deregistered/);
  const l = await ecsctlJson(endpoint, ['list-container-instances']);
  t.same(l.containerInstanceArns, [], 'and did not register a new instance');
});
