// One execute-command session on the agent (agent.proto, 5): the ExecSession call the agent dialed back for
// an exec_request, and the command it runs in the task's container through the runtime (Docker's exec).
//
//   call: {session_id} → the container is looked up (not running: {exit:{reason}}, half-close) → the
//   command starts (with a TTY when interactive; the terminal sized from the request) → {started} → output
//   as it comes (stdout/stderr; with a TTY all stdout) → {exit:{exit_code}} once the output ended and the
//   process exited → half-close.
//
// Input: stdin → the command's stdin (the call is paused while the command cannot take more), stdin_eof →
// its stdin is closed, resize → the terminal. Input that arrives before the command runs waits for it.
// Output honours the call's flow control: a full call pauses the command's output until it drains (and a
// transcript that falls behind does too).
//
// Ending: terminate, or the call ended, cancelled or broken → the process is ended (SIGHUP with a TTY,
// SIGTERM without; SIGKILL after killGraceMs if it still runs; the attachment is dropped after another
// grace). After terminate the exit code is still reported if the call is open. The idle timeout (no
// input and no output for idleTimeoutMs) and the agent stopping end it too, with {exit:{reason}} sent at
// once. `done` settles when the process is over, the transcript stored and the call closed (bounded).
import type { AgentExecMessage } from '../../../proto/gen/ecs/v1/AgentExecMessage.js';
import type { ExecControl__Output } from '../../../proto/gen/ecs/v1/ExecControl.js';
import type { ExecRequest__Output } from '../../../proto/gen/ecs/v1/ExecRequest.js';
import type { SessionExit } from '../../../proto/gen/ecs/v1/SessionExit.js';
import { clusterName } from '../logs/router.js';
import { containerLogDir, type StoreLimits } from '../logs/types.js';
import { RuntimeError, type ContainerRuntime, type ExecProcess, type ExecStream } from '../runtime/runtime.js';
import type { ExecCall } from '../session/transport.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { formatDuration } from './duration.js';
import type { ExecRecords } from './reaper.js';
import { notRunningReason, type ExecLocator, type ExecTarget } from './target.js';
import { Transcript } from './transcript.js';

export const AGENT_STOPPING_REASON = 'The agent is stopping.';
export const DEFAULT_KILL_GRACE_MS = 2_000;
/** How long a finished session waits for the control plane to close the call before abandoning it. */
export const DEFAULT_CLOSE_WAIT_MS = 5_000;
/** The output is paused while this much of it waits to be stored in the transcript. */
const TRANSCRIPT_HIGH_WATER = 4 * 1024 * 1024;

export function idleReason(idleTimeoutMs: number): string {
  return `The session was idle for ${formatDuration(idleTimeoutMs)} (the idle timeout).`;
}

export interface ExecSessionOptions {
  runtime: ContainerRuntime;
  locate: ExecLocator;
  clock: Clock;
  logger: Logger;
  /** ECS_DATADIR: transcripts go to <dataDir>/logs/<task id>/<session id>/ (absent: no transcripts). */
  dataDir?: string;
  /** The cluster (name or ARN) for transcripts of tasks that do not say. */
  cluster: string;
  transcriptLimits: StoreLimits;
  maxLineBytes: number;
  killGraceMs?: number;
  closeWaitMs?: number;
  /** Where a running command's exec id is checkpointed, for a restarted agent to end (reaper.ts). */
  records?: ExecRecords;
}

type Phase = 'starting' | 'running' | 'over';

export class ExecSession {
  readonly done: Promise<void>;
  private phase: Phase = 'starting';
  private proc?: ExecProcess;
  private transcript?: Transcript;
  private readonly log: Logger;
  /** Input that came before the command ran. */
  private readonly early: ExecControl__Output[] = [];
  private callClosed = false;
  private exitSent = false;
  /** Why the session was ended by the agent (idle, stopping): sent as the exit's reason. */
  private endReason?: string;
  private killing = false;
  private processOver = false;
  private readonly pauses = new Set<'call' | 'transcript'>();
  private lastActivity: number;
  private idleTimer?: TimerHandle;
  private killTimer?: TimerHandle;
  private resolveCallClosed!: () => void;
  private readonly callClosedP: Promise<void>;

  constructor(
    readonly req: ExecRequest__Output,
    private readonly call: ExecCall,
    private readonly o: ExecSessionOptions,
  ) {
    this.log = o.logger.child({ sessionId: req.sessionId, taskArn: req.taskArn, container: req.containerName });
    this.lastActivity = o.clock.now();
    this.callClosedP = new Promise((resolve) => (this.resolveCallClosed = resolve));
    call.onClose((err) => this.onCallClosed(err));
    call.onMessage((msg) => this.onControl(msg));
    this.send({ sessionId: req.sessionId });
    this.done = this.run();
  }

  get id(): string {
    return this.req.sessionId;
  }

  /** Ends the session from the agent's side (the agent is stopping): exit {reason}, the process ended. */
  stop(reason = AGENT_STOPPING_REASON): Promise<void> {
    this.endWith(reason);
    return this.done;
  }

  private async run(): Promise<void> {
    const target = this.o.locate(this.req.taskArn, this.req.containerName);
    if (!target) return this.refuse(notRunningReason(this.req.containerName, this.req.taskArn));
    let proc: ExecProcess;
    try {
      const size = this.req.size && this.req.size.rows > 0 && this.req.size.cols > 0 ? { rows: this.req.size.rows, cols: this.req.size.cols } : undefined;
      proc = await this.o.runtime.exec(target.containerId, {
        cmd: this.req.command,
        tty: this.req.interactive,
        env: this.req.interactive ? [`TERM=${this.req.term || 'xterm'}`] : undefined,
        size: this.req.interactive ? size : undefined,
      });
    } catch (err) {
      const kind = err instanceof RuntimeError ? err.kind : 'other';
      this.log.info({ err: (err as Error).message }, 'the command could not start');
      return this.refuse(
        kind === 'not-found' || kind === 'not-running'
          ? notRunningReason(this.req.containerName, this.req.taskArn)
          : `The command could not be started in container ${this.req.containerName}: ${(err as Error).message}`,
      );
    }
    this.proc = proc;
    this.phase = 'running';
    this.record(proc.id, target.containerId);
    this.log.info({ command: this.req.command, interactive: this.req.interactive, execId: proc.id }, 'exec session started');
    if (this.req.transcript && this.o.dataDir !== undefined) this.openTranscript(target);
    proc.onOutput((stream, data) => this.onOutput(stream, data));
    const exited = proc.exited.then(
      (code) => code,
      () => undefined,
    );
    if (this.req.interactive && this.req.size && this.req.size.rows > 0 && this.req.size.cols > 0) {
      this.resize(this.req.size.rows, this.req.size.cols);
    }
    this.send({ started: true });
    for (const msg of this.early.splice(0)) this.onControl(msg);
    this.armIdle();
    if (this.callClosed || this.endReason !== undefined) void this.kill();
    const code = await exited;
    this.processOver = true;
    this.phase = 'over';
    this.unrecord();
    this.idleTimer?.cancel();
    this.killTimer?.cancel();
    await this.transcript?.finish();
    this.log.info({ exitCode: code, reason: this.endReason }, 'exec session ended');
    this.finishCall(this.endReason !== undefined ? { reason: this.endReason } : code !== undefined ? { exitCode: code } : { reason: 'The exit status of the command is unknown.' });
    await this.waitCallClosed();
  }

  private record(execId: string, containerId: string): void {
    const r = this.o.records;
    if (!r) return;
    try {
      r.save(this.req.sessionId, { sessionId: this.req.sessionId, execId, containerId, taskArn: this.req.taskArn, interactive: this.req.interactive });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not record the session; a killed agent would leave its command running');
    }
  }

  private unrecord(): void {
    try {
      this.o.records?.remove(this.req.sessionId);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not remove the session record');
    }
  }

  /** The session cannot start: exit {reason}, half-close. */
  private async refuse(reason: string): Promise<void> {
    this.phase = 'over';
    this.finishCall({ reason });
    await this.waitCallClosed();
  }

  private openTranscript(target: ExecTarget): void {
    const t = new Transcript({
      dir: containerLogDir(this.o.dataDir!, this.req.taskArn, this.req.sessionId),
      meta: {
        container_name: this.req.containerName,
        container_id: target.containerId,
        ecs_cluster: clusterName(target.clusterArn || this.o.cluster),
        ecs_task_arn: this.req.taskArn,
        ecs_task_definition: target.taskDefinition,
        session_id: this.req.sessionId,
      },
      limits: this.o.transcriptLimits,
      maxLineBytes: this.o.maxLineBytes,
      clock: this.o.clock,
      logger: this.log,
    });
    t.onStored = () => {
      if (t.queuedBytes < TRANSCRIPT_HIGH_WATER / 2) this.unpause('transcript');
    };
    this.transcript = t;
  }

  private onOutput(stream: ExecStream, data: Buffer): void {
    this.lastActivity = this.o.clock.now();
    const t = this.transcript;
    if (t) {
      t.push(stream, data);
      if (t.queuedBytes > TRANSCRIPT_HIGH_WATER) this.pause('transcript');
    }
    if (this.exitSent || this.callClosed) return;
    const ok = this.call.write(stream === 'stdout' ? { stdout: data } : { stderr: data });
    if (!ok && !this.pauses.has('call')) {
      this.pause('call');
      this.call.onDrain(() => this.unpause('call'));
    }
  }

  private pause(why: 'call' | 'transcript'): void {
    if (this.pauses.size === 0) this.proc?.pause();
    this.pauses.add(why);
  }

  private unpause(why: 'call' | 'transcript'): void {
    if (!this.pauses.delete(why)) return;
    if (this.pauses.size === 0) this.proc?.resume();
  }

  private onControl(msg: ExecControl__Output): void {
    if (this.phase === 'over') return;
    if (msg.terminate) {
      this.log.info('terminate from the control plane');
      void this.kill();
      return;
    }
    if (this.phase === 'starting' || !this.proc) {
      this.early.push(msg);
      return;
    }
    const proc = this.proc;
    if (msg.stdin) {
      this.lastActivity = this.o.clock.now();
      if (!proc.write(msg.stdin)) {
        this.call.pause();
        proc.onDrain(() => this.call.resume());
      }
    } else if (msg.resize) {
      this.resize(msg.resize.rows, msg.resize.cols);
    } else if (msg.stdinEof) {
      proc.endInput();
    }
  }

  private resize(rows: number, cols: number): void {
    if (!this.req.interactive || !this.proc) return;
    this.proc.resize(rows, cols).catch((err) => this.log.debug({ err: (err as Error).message, rows, cols }, 'could not resize the terminal'));
  }

  private onCallClosed(err?: Error): void {
    if (this.callClosed) return;
    this.callClosed = true;
    this.resolveCallClosed();
    this.call.resume();
    if (this.phase === 'running' && !this.exitSent) {
      this.log.info({ err: err?.message }, 'the control plane closed the session; ending the command');
      void this.kill();
    }
  }

  /** The agent ends the session (idle, stopping): the exit goes out now, then the process is ended. */
  private endWith(reason: string): void {
    if (this.endReason !== undefined || this.exitSent || this.phase === 'over') return;
    this.endReason = reason;
    this.finishCall({ reason });
    if (this.phase === 'running') void this.kill();
  }

  /** Ends the process: SIGHUP (TTY) or SIGTERM, SIGKILL after the grace, then drops the attachment. */
  private async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || this.killing || this.processOver) return;
    this.killing = true;
    const grace = this.o.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    proc.endInput();
    await this.signal(proc, this.req.interactive ? 'SIGHUP' : 'SIGTERM');
    if (this.processOver) return;
    this.killTimer = this.o.clock.setTimeout(() => {
      if (this.processOver) return;
      void this.signal(proc, 'SIGKILL').then(() => {
        if (this.processOver) return;
        this.killTimer = this.o.clock.setTimeout(() => {
          if (!this.processOver) {
            this.log.warn('the command did not end; detaching from it');
            proc.close();
          }
        }, grace);
      });
    }, grace);
  }

  private async signal(proc: ExecProcess, signal: NodeJS.Signals): Promise<void> {
    try {
      await proc.kill(signal);
    } catch (err) {
      if (this.processOver) return;
      const code = (err as NodeJS.ErrnoException).code;
      this.log.warn({ signal, code, err: (err as Error).message }, 'could not signal the command');
    }
  }

  /** Idle: no input and no output for idleTimeoutMs. One timer, re-armed for the time left when it fires. */
  private armIdle(): void {
    const idle = Number(this.req.idleTimeoutMs);
    if (!(idle > 0) || this.phase !== 'running') return;
    const left = this.lastActivity + idle - this.o.clock.now();
    this.idleTimer = this.o.clock.setTimeout(() => {
      if (this.phase !== 'running') return;
      if (this.o.clock.now() - this.lastActivity >= idle) {
        this.log.info({ idleTimeoutMs: idle }, 'exec session idle; ending it');
        this.endWith(idleReason(idle));
      } else {
        this.armIdle();
      }
    }, Math.max(0, left));
  }

  private send(msg: AgentExecMessage): void {
    if (this.callClosed || this.exitSent) return;
    this.call.write(msg);
  }

  /** The last message, then half-close. */
  private finishCall(exit: SessionExit): void {
    if (this.exitSent) return;
    if (!this.callClosed) {
      this.call.write({ exit });
      this.call.end();
    }
    this.exitSent = true;
  }

  /** Waits (bounded) for the control plane to close the call, then abandons it. */
  private async waitCallClosed(): Promise<void> {
    if (this.callClosed) return;
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = this.o.clock.setTimeout(() => resolve(true), this.o.closeWaitMs ?? DEFAULT_CLOSE_WAIT_MS);
    });
    const late = await Promise.race([this.callClosedP.then(() => false), timedOut]);
    timer?.cancel();
    if (late) this.call.cancel();
  }
}
