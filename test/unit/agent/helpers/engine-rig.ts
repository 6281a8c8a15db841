// A task engine on the fake runtime, a fake clock and a recording sink, for engine tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskEngine } from '../../../../agent/src/engine/task-engine.js';
import { LABEL_CONTAINER_NAME, LABEL_TASK_ARN } from '../../../../agent/src/engine/container-spec.js';
import type { TaskState } from '../../../../agent/src/engine/task-state.js';
import { FakeRuntime } from '../../../../agent/src/runtime/fake-runtime.js';
import { PortAllocator } from '../../../../agent/src/resources/port-allocator.js';
import { CheckpointStore } from '../../../../agent/src/state/checkpoints.js';
import { silentLogger } from '../../../../agent/src/util/logger.js';
import type { ImagePullBehavior } from '../../../../agent/src/config/options.js';
import type { ContainerLogging } from '../../../../agent/src/engine/container-spec.js';
import type { TaskLogs } from '../../../../agent/src/engine/task-logs.js';
import { FakeClock, flush, seededRandom } from './fake-clock.js';
import { RecordingSink } from './recording-sink.js';

export const RIG_INSTANCE = 'arn:aws:ecs:us-east-1:000000000000:container-instance/default/rig';

export interface Rig {
  engine: TaskEngine;
  runtime: FakeRuntime;
  clock: FakeClock;
  sink: RecordingSink;
  dir: string;
  settle(): Promise<void>;
  /** The Docker id of a task's container. */
  idOf(taskArn: string, name: string): string;
}

export interface RigOptions {
  dir?: string;
  runtime?: FakeRuntime;
  clock?: FakeClock;
  sink?: RecordingSink;
  seed?: number;
  pull?: ImagePullBehavior;
  cleanupWaitMs?: number;
  instanceArn?: string;
  /** Log drivers allowed and Docker's buffer (the engine's defaults otherwise). */
  logging?: ContainerLogging;
  /** The log router (none by default). */
  logs?: TaskLogs;
}

export async function engineRig(o: RigOptions = {}): Promise<Rig> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'ecs-engine-'));
  const clock = o.clock ?? new FakeClock();
  const runtime = o.runtime ?? new FakeRuntime(() => clock.now());
  const sink = o.sink ?? new RecordingSink();
  const engine = new TaskEngine({
    runtime,
    checkpoints: new CheckpointStore<TaskState>(dir),
    ports: new PortAllocator({ range: { start: 50000, end: 50010 }, probe: async () => true }),
    sink,
    cluster: 'default',
    containerInstanceArn: o.instanceArn ?? RIG_INSTANCE,
    stopTimeoutMs: 30_000,
    cleanupWaitMs: o.cleanupWaitMs ?? 3600_000,
    imagePullBehavior: o.pull ?? 'default',
    clock,
    random: seededRandom(o.seed),
    logger: silentLogger(),
    logging: o.logging,
    logs: o.logs,
  });
  await engine.start();
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await flush();
      await engine.whenIdle();
    }
  };
  const idOf = (taskArn: string, name: string) => runtime.find({ [LABEL_TASK_ARN]: taskArn, [LABEL_CONTAINER_NAME]: name })[0].id;
  return { engine, runtime, clock, sink, dir, settle, idOf };
}
