// A one-host cluster for benchmarks: the compiled control plane and one agent on the local Docker
// engine, a gRPC client, and a stop() that removes everything the agent started.
import * as grpc from '@grpc/grpc-js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProtos } from '../proto/index.js';
import { BIN, eventually, freePort, removeInstanceContainers, requireBuild, startProcess, tempDir } from '../test/helpers/processes.js';

export interface BenchCluster {
  /** Calls a user API operation and resolves with its response. */
  call<T = any>(method: string, req: object): Promise<T>;
  instanceArn: string;
  stop(): Promise<void>;
}

export async function startBenchCluster(): Promise<BenchCluster> {
  requireBuild();
  const dir = tempDir('ecs-bench-');
  const endpoint = `127.0.0.1:${await freePort()}`;
  const cp = startProcess(BIN.controlPlane, ['--listen', endpoint, '--data-dir', join(dir, 'cp'), '--log-level', 'warn'], {}, join(dir, 'cp.log'));
  writeFileSync(
    join(dir, 'ecs.config'),
    `ECS_BACKEND_HOST=${endpoint}\nECS_DATADIR=${join(dir, 'agent')}\nECS_LOGLEVEL=warn\nECS_IMAGE_PULL_BEHAVIOR=prefer-cached\nECS_CONTAINER_STOP_TIMEOUT=1s\n`,
  );
  const agent = startProcess(BIN.agent, [], { ECS_CONFIG_FILE: join(dir, 'ecs.config') }, join(dir, 'agent.log'));
  const { cp: proto } = loadProtos();
  const client = new proto.ecs.v1.EcsControlPlane(endpoint, grpc.credentials.createInsecure());
  const call = <T = any>(m: string, req: object) =>
    new Promise<T>((res, rej) => (client as any)[m](req, (e: Error | null, r: T) => (e ? rej(e) : res(r))));
  const stop = async (instanceArn?: string) => {
    client.close();
    await agent.kill('SIGKILL');
    await cp.kill();
    if (instanceArn) await removeInstanceContainers(instanceArn);
  };
  try {
    const instanceArn = await eventually('the agent to connect', async () => {
      const l = await call('ListContainerInstances', {});
      const arn = l.containerInstanceArns[0];
      if (!arn) return undefined;
      const d = await call('DescribeContainerInstances', { containerInstances: [arn] });
      return d.containerInstances[0].agentConnected ? (arn as string) : undefined;
    });
    return { call, instanceArn, stop: () => stop(instanceArn) };
  } catch (err) {
    await stop();
    throw err;
  }
}
