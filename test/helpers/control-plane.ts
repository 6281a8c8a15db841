// Starts an in-process control plane on a free port with a temporary data dir, and gRPC clients for it.
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadProtos } from '../../proto/index.js';
import type { EcsControlPlaneClient } from '../../proto/gen/ecs/v1/EcsControlPlane.js';
import type { AgentServiceClient } from '../../proto/gen/ecs/v1/AgentService.js';
import { startControlPlane, type RunningControlPlane } from '../../control-plane/src/control-plane.js';

export interface TestControlPlane extends RunningControlPlane {
  dataDir: string;
  client: EcsControlPlaneClient;
  agentClient: AgentServiceClient;
  /** Calls a unary RPC of the user API and resolves with its response (rejects with the gRPC error). */
  call<T = any>(method: string, req: object): Promise<T>;
  close(): Promise<void>;
}

export async function startTestControlPlane(
  opts: { dataDir?: string; heartbeatIntervalMs?: number; keepDataDir?: boolean; hostLossTimeoutSec?: number } = {},
): Promise<TestControlPlane> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ecs-cp-'));
  const cp = await startControlPlane(
    {
      listen: '127.0.0.1:0',
      dataDir,
      region: 'us-east-1',
      account: '000000000000',
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 1000,
      logLevel: 'silent',
      schedulerIntervalMs: 1000,
      hostLossTimeoutSec: opts.hostLossTimeoutSec ?? 60,
      maxLaunchBackoffSec: 900,
    },
    { log: pino({ level: process.env.ECS_TEST_LOG ?? 'silent' }) },
  );
  const { cp: cpProto, agent } = loadProtos();
  const client = new cpProto.ecs.v1.EcsControlPlane(cp.address, grpc.credentials.createInsecure());
  const agentClient = new agent.ecs.v1.AgentService(cp.address, grpc.credentials.createInsecure());
  const call = <T>(method: string, req: object) =>
    new Promise<T>((resolve, reject) => {
      (client as any)[method](req, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
    });
  return {
    ...cp,
    dataDir,
    client,
    agentClient,
    call,
    close: async () => {
      client.close();
      agentClient.close();
      await cp.stop();
      if (!opts.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The ECS exception name carried by a gRPC error. */
export function exceptionOf(err: unknown): string | undefined {
  const md = (err as grpc.ServiceError)?.metadata;
  return md?.get('x-ecs-exception')[0]?.toString();
}
