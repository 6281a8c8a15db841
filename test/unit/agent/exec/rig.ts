// A fake ExecSession call, a fake runtime with one running container, and a fake clock, for exec tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecManager } from '../../../../agent/src/exec/manager.js';
import type { ExecRecord } from '../../../../agent/src/exec/reaper.js';
import { CheckpointStore } from '../../../../agent/src/state/checkpoints.js';
import type { ExecTarget } from '../../../../agent/src/exec/target.js';
import { FakeRuntime, type FakeExec } from '../../../../agent/src/runtime/fake-runtime.js';
import type { ContainerSpec } from '../../../../agent/src/runtime/runtime.js';
import type { ExecCall } from '../../../../agent/src/session/transport.js';
import { silentLogger } from '../../../../agent/src/util/logger.js';
import type { AgentExecMessage } from '../../../../proto/gen/ecs/v1/AgentExecMessage.js';
import type { ExecControl__Output } from '../../../../proto/gen/ecs/v1/ExecControl.js';
import type { ExecRequest__Output } from '../../../../proto/gen/ecs/v1/ExecRequest.js';
import { FakeClock, flush } from '../helpers/fake-clock.js';

export const TASK_ARN = 'arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef';
export const CLUSTER_ARN = 'arn:aws:ecs:us-east-1:000000000000:cluster/default';

export class FakeExecCall implements ExecCall {
  readonly written: AgentExecMessage[] = [];
  ended = false;
  cancelled = false;
  closed = false;
  paused = false;
  /** write() returns this. */
  writable = true;
  /** The control plane closes the call as soon as the agent half-closes (as it does after an exit). */
  autoClose = true;
  private onMsg?: (m: ExecControl__Output) => void;
  private readonly onEnd: Array<(err?: Error) => void> = [];
  private drains: Array<() => void> = [];

  write(msg: AgentExecMessage): boolean {
    if (this.ended) throw new Error('write after end');
    this.written.push(msg);
    return this.writable;
  }
  onDrain(fn: () => void): void {
    this.drains.push(fn);
  }
  onMessage(fn: (m: ExecControl__Output) => void): void {
    this.onMsg = fn;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  end(): void {
    this.ended = true;
    if (this.autoClose) queueMicrotask(() => this.close());
  }
  cancel(): void {
    this.cancelled = true;
    this.close(new Error('cancelled'));
  }
  onClose(fn: (err?: Error) => void): void {
    this.onEnd.push(fn);
  }

  // ---- the control plane's side ----
  deliver(m: ExecControl__Output): void {
    this.onMsg?.(m);
  }
  close(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.onEnd) fn(err);
  }
  drain(): void {
    this.writable = true;
    for (const fn of this.drains.splice(0)) fn();
  }
  /** The messages as short strings: "session <id>", "started", "stdout <text>", "exit 3", "exit: <reason>". */
  summary(): string[] {
    return this.written.map((m) => {
      if (m.started) return 'started';
      if (m.stdout !== undefined) return `stdout ${Buffer.from(m.stdout as Buffer).toString()}`;
      if (m.stderr !== undefined) return `stderr ${Buffer.from(m.stderr as Buffer).toString()}`;
      if (m.exit) return m.exit.reason !== undefined ? `exit: ${m.exit.reason}` : `exit ${m.exit.exitCode}`;
      return `session ${m.sessionId}`;
    });
  }
}

export function spec(name: string): ContainerSpec {
  return {
    name,
    image: 'busybox',
    env: [],
    labels: {},
    cpuShares: 2,
    networkMode: 'bridge',
    portBindings: [],
    links: [],
    mounts: [],
    ulimits: [],
    privileged: false,
    readonlyRootfs: false,
    networkDisabled: false,
    dns: [],
    openStdin: false,
    tty: false,
  };
}

export function request(extra: Partial<ExecRequest__Output> = {}): ExecRequest__Output {
  return {
    sessionId: 'ecs-execute-command-0123456789abcdef0',
    taskArn: TASK_ARN,
    containerName: 'app',
    command: ['sh'],
    interactive: false,
    idleTimeoutMs: 0,
    transcript: false,
    ...extra,
  };
}

export interface ExecRig {
  clock: FakeClock;
  runtime: FakeRuntime;
  manager: ExecManager;
  calls: FakeExecCall[];
  containerId: string;
  dataDir: string;
  /** The running sessions' exec ids, as a killed agent leaves them for the next run (reaper.ts). */
  records: CheckpointStore<ExecRecord>;
  /** Starts a session and waits until its command runs (or it was refused). */
  start(req?: Partial<ExecRequest__Output>): Promise<{ call: FakeExecCall; proc?: FakeExec; done: Promise<void> }>;
}

export function execRig(o: { running?: boolean } = {}): ExecRig {
  const clock = new FakeClock();
  const runtime = new FakeRuntime(() => clock.now());
  const containerId = runtime.add(spec('app'), o.running === false ? 'exited' : 'running', o.running === false ? 0 : undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-exec-'));
  const records = new CheckpointStore<ExecRecord>(dataDir, 'exec-sessions');
  const calls: FakeExecCall[] = [];
  const locate = (taskArn: string, name: string): ExecTarget | undefined =>
    taskArn === TASK_ARN && name === 'app' && o.running !== false ? { containerId, clusterArn: CLUSTER_ARN, taskDefinition: 'web:3' } : undefined;
  const manager = new ExecManager({
    openCall: () => {
      const c = new FakeExecCall();
      calls.push(c);
      return c;
    },
    runtime,
    locate,
    clock,
    logger: silentLogger(),
    dataDir,
    cluster: 'default',
    transcriptLimits: { maxSizeBytes: 1024 * 1024, maxFiles: 2, compress: false },
    maxLineBytes: 64,
    records,
  });
  return {
    clock,
    runtime,
    manager,
    calls,
    containerId,
    dataDir,
    records,
    async start(req = {}) {
      const before = runtime.execs.length;
      const session = manager.handle(request(req))!;
      await flush();
      return { call: calls[calls.length - 1]!, proc: runtime.execs[before], done: session.done };
    },
  };
}
