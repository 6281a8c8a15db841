// bench/service-scale: UpdateService desiredCount 0 → N until the service is stable (one deployment,
// runningCount == desiredCount, as the services-stable waiter decides), against N sequential
// `docker run -d` of the same container, in one run, on one host. Target ratio ≤ 1.5.
import { execFile } from 'node:child_process';
import { buildBusyboxImage } from '../test/helpers/images.js';
import { docker } from '../test/helpers/processes.js';
import { startBenchCluster } from './_cluster.js';

const IMAGE = 'ecs-bench/httpd:latest';
const round2 = (x: number) => Math.round(x * 100) / 100;

function dockerRun(): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('docker', ['run', '-d', '--label', 'ecs-bench=1', '-p', '0:80', '--cpu-shares', '2', '--memory', '16m', IMAGE], (err, out) =>
      err ? reject(err) : resolve(out.trim()),
    ),
  );
}

export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 30);
  buildBusyboxImage(IMAGE);
  const cluster = await startBenchCluster();
  const { call } = cluster;
  try {
    await call('RegisterTaskDefinition', {
      family: 'bench-svc',
      containerDefinitions: [{ name: 'web', image: IMAGE, memory: 16, essential: true, portMappings: [{ containerPort: 80, hostPort: 0 }] }],
    });
    await call('CreateService', { serviceName: 'bench', taskDefinition: 'bench-svc', desiredCount: 0 });

    // ECS: UpdateService 0 → N, then poll DescribeServices until stable (the waiter's rule).
    const t0 = performance.now();
    await call('UpdateService', { service: 'bench', desiredCount: n });
    for (;;) {
      const s = (await call('DescribeServices', { services: ['bench'] })).services[0];
      if (s.deployments.length === 1 && s.runningCount === n) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const ecsMs = performance.now() - t0;

    // Baseline: N sequential docker run -d of the same container.
    const t1 = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await dockerRun());
    const dockerMs = performance.now() - t1;
    await docker(['rm', '-f', ...ids]);

    await call('UpdateService', { service: 'bench', desiredCount: 0 });
    const result = {
      tasks: n,
      ecsScaleToStableMs: round2(ecsMs),
      dockerSequentialRunMs: round2(dockerMs),
      ratio: round2(ecsMs / dockerMs),
    };
    process.stderr.write(`service 0 → ${n} stable: ${result.ecsScaleToStableMs} ms; ${n} × docker run -d: ${result.dockerSequentialRunMs} ms\n`);
    console.log(JSON.stringify(result));
  } finally {
    await cluster.stop();
  }
}
