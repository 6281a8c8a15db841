// bench/task-start: RunTask → RUNNING (as seen through the API) against `docker run -d` of the same
// container, N rounds each, interleaved, in one run. Real processes: the compiled control plane and
// agent on the local Docker engine. Prints p50/p95 of both and the p50 ratio (target ≤ 1.5; goal 1.2).
import { execFile } from 'node:child_process';
import { buildBusyboxImage } from '../test/helpers/images.js';
import { docker, eventually } from '../test/helpers/processes.js';
import { startBenchCluster } from './_cluster.js';

const IMAGE = 'ecs-bench/httpd:latest';

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Times `docker run -d` (returns once the container started), then removes the container untimed. */
async function dockerRunOnce(): Promise<number> {
  const { ms, id } = await new Promise<{ ms: number; id: string }>((resolve, reject) => {
    const t0 = performance.now();
    execFile('docker', ['run', '-d', '--label', 'ecs-bench=1', '-p', '0:80', '--cpu-shares', '128', '--memory', '64m', IMAGE], (err, stdout) => {
      if (err) reject(err);
      else resolve({ ms: performance.now() - t0, id: stdout.trim() });
    });
  });
  await docker(['rm', '-f', id]);
  return ms;
}

export async function main(args: string[]): Promise<void> {
  const rounds = Number(args[0] ?? 20);
  buildBusyboxImage(IMAGE);
  const cluster = await startBenchCluster();
  const { call } = cluster;
  try {
    await call('RegisterTaskDefinition', {
      family: 'bench',
      containerDefinitions: [{ name: 'web', image: IMAGE, cpu: 128, memory: 64, essential: true, portMappings: [{ containerPort: 80, hostPort: 0 }] }],
    });
    const ecs: number[] = [];
    const base: number[] = [];
    const statusOf = async (arn: string) => (await call('DescribeTasks', { tasks: [arn] })).tasks[0];
    // Times RunTask → RUNNING as seen through the API, then stops the task and waits for STOPPED, untimed.
    const runOnce = async () => {
      const t0 = performance.now();
      const r = await call('RunTask', { taskDefinition: 'bench' });
      if (!r.tasks.length) throw new Error(`RunTask placed nothing: ${JSON.stringify(r.failures)}`);
      const arn = r.tasks[0].taskArn;
      let ms = 0;
      for (;;) {
        const t = await statusOf(arn);
        if (t.lastStatus === 'RUNNING') {
          ms = performance.now() - t0;
          break;
        }
        if (t.lastStatus === 'STOPPED') throw new Error(`task stopped: ${t.stoppedReason}`);
        await new Promise((res) => setTimeout(res, 2));
      }
      await call('StopTask', { task: arn, reason: 'bench round done' });
      await eventually('the task to stop', async () => (await statusOf(arn)).lastStatus === 'STOPPED', 60_000, 20);
      return ms;
    };
    // one warm-up of each, not counted
    await runOnce();
    await dockerRunOnce();
    for (let i = 0; i < rounds; i++) {
      ecs.push(await runOnce());
      base.push(await dockerRunOnce());
    }
    const result = {
      rounds,
      ecsRunTaskToRunningP50Ms: round2(percentile(ecs, 50)),
      ecsRunTaskToRunningP95Ms: round2(percentile(ecs, 95)),
      dockerRunP50Ms: round2(percentile(base, 50)),
      dockerRunP95Ms: round2(percentile(base, 95)),
      p50Ratio: round2(percentile(ecs, 50) / percentile(base, 50)),
      p95Ratio: round2(percentile(ecs, 95) / percentile(base, 95)),
    };
    process.stderr.write(`ecs: ${ecs.map((x) => x.toFixed(0)).join(' ')}\ndocker run: ${base.map((x) => x.toFixed(0)).join(' ')}\n`);
    console.log(JSON.stringify(result));
  } finally {
    await cluster.stop();
    const ids = (await docker(['ps', '-aq', '--filter', 'label=ecs-bench=1'])).split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]);
  }
}
