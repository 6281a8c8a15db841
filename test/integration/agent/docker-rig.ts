// The task engine on the real Docker engine, with no control plane, for integration tests. Every container
// and volume it makes carries this test process's own container-instance label; removeOwn() removes them
// (and nothing else) at the end.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildBusyboxImage } from '../../helpers/images.js';
import { TaskEngine } from '../../../agent/src/engine/task-engine.js';
import { LABEL_INSTANCE } from '../../../agent/src/engine/container-spec.js';
import type { TaskState } from '../../../agent/src/engine/task-state.js';
import { DockerRuntime } from '../../../agent/src/runtime/docker-runtime.js';
import { PortAllocator } from '../../../agent/src/resources/port-allocator.js';
import { probePort } from '../../../agent/src/resources/port-probe.js';
import { CheckpointStore } from '../../../agent/src/state/checkpoints.js';
import { systemClock } from '../../../agent/src/util/clock.js';
import { silentLogger } from '../../../agent/src/util/logger.js';
import { RecordingSink } from '../../unit/agent/helpers/recording-sink.js';

export const IMAGE = buildBusyboxImage('ecs-test/busybox-httpd:latest');
const RUN = randomBytes(6).toString('hex');
export const INSTANCE = `arn:aws:ecs:us-east-1:000000000000:container-instance/itest/${RUN}`;
const runtime = new DockerRuntime({ kind: 'unix', socketPath: '/var/run/docker.sock' });

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

export function inspect(id: string): DockerInspect {
  return JSON.parse(docker('inspect', id))[0] as DockerInspect;
}

/** The parts of `docker inspect` the tests read. */
export interface DockerInspect {
  Name: string;
  Config: { Labels: Record<string, string>; NetworkDisabled?: boolean; Healthcheck?: { Test: string[]; Interval: number; Timeout: number; Retries: number; StartPeriod: number } };
  State: { StartedAt: string; FinishedAt: string; Health?: { Status: string; Log: Array<{ Start: string; End: string; ExitCode: number }> } };
  HostConfig: { Privileged: boolean; ReadonlyRootfs: boolean; Dns: string[] | null; Ulimits: Array<{ Name: string; Soft: number; Hard: number }> | null; Binds: string[] | null };
  Mounts: Array<{ Type: string; Name?: string; Source: string; Destination: string; RW: boolean }>;
}

function list(kind: 'ps' | 'volume'): string[] {
  const filter = `label=${LABEL_INSTANCE}=${INSTANCE}`;
  const out = kind === 'ps' ? docker('ps', '-a', '-q', '--no-trunc', '--filter', filter) : docker('volume', 'ls', '-q', '--filter', filter);
  return out ? out.split('\n') : [];
}

export const ownContainers = () => list('ps');
export const ownVolumes = () => list('volume');

/** Removes this run's containers, then its volumes. */
export function removeOwn(): void {
  const ids = ownContainers();
  if (ids.length > 0) docker('rm', '-f', ...ids);
  const vols = ownVolumes();
  if (vols.length > 0) docker('volume', 'rm', '-f', ...vols);
}

export function newEngine(o: { cleanupWaitMs?: number } = {}): { engine: TaskEngine; sink: RecordingSink } {
  const sink = new RecordingSink();
  const engine = new TaskEngine({
    runtime,
    checkpoints: new CheckpointStore<TaskState>(mkdtempSync(join(tmpdir(), 'ecs-itest-'))),
    ports: new PortAllocator({ range: { start: 49153, end: 65535 }, probe: probePort, reservedTcp: [22, 2375, 2376, 51678, 51679] }),
    sink,
    cluster: 'itest',
    containerInstanceArn: INSTANCE,
    stopTimeoutMs: 30_000,
    cleanupWaitMs: o.cleanupWaitMs ?? 3_600_000,
    imagePullBehavior: 'default',
    clock: systemClock,
    random: Math.random,
    logger: silentLogger(),
  });
  return { engine, sink };
}

/** Polls fn until it returns a value (not undefined) or timeoutMs passes. */
export async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
