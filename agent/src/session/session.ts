// The agent's session with the control plane (agent.proto): register, open the stream, hello, obey
// welcome's heartbeat period, ack every control message that has a message id, hand assignments and stops
// to the engine, and stream coalesced reports. Any stream error or end → re-register and reconnect, after a
// jittered exponential backoff that resets once a session is welcomed.
import type { TaskAssignment__Output } from '../../../proto/gen/ecs/v1/TaskAssignment.js';
import type { StopTaskCommand__Output } from '../../../proto/gen/ecs/v1/StopTaskCommand.js';
import type { ControlMessage__Output } from '../../../proto/gen/ecs/v1/ControlMessage.js';
import type { LogsRequest__Output } from '../../../proto/gen/ecs/v1/LogsRequest.js';
import type { ExecRequest__Output } from '../../../proto/gen/ecs/v1/ExecRequest.js';
import { LogsServer } from '../logs/serve.js';
import type { Clock, Random, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import type { Reporter } from './reporter.js';
import type { ControlPlaneTransport, ControlStream } from './transport.js';

export interface SessionEngine {
  assign(a: TaskAssignment__Output): Promise<void>;
  stopTask(cmd: StopTaskCommand__Output): Promise<void>;
  knownTaskArns(): string[];
}

export interface Registration {
  containerInstanceArn: string;
  clusterArn: string;
}

/** A registration failure that retrying cannot fix: the session gives up and reports it. */
export class FatalSessionError extends Error {
  override name = 'FatalSessionError';
}

export interface AgentSessionOptions {
  transport: ControlPlaneTransport;
  /** (Re-)registers the container instance; called before every session. */
  register: () => Promise<Registration>;
  engine: SessionEngine;
  reporter: Reporter;
  clock: Clock;
  random: Random;
  logger: Logger;
  backoff?: BackoffPolicy;
  /** A session not welcomed within this time is abandoned (default 30 s). */
  welcomeTimeoutMs?: number;
  /** Called when the session gives up for good (FatalSessionError). */
  onFatal?: (err: Error) => void;
  /**
   * ECS_DATADIR, whose logs/ holds the container log stores: logs_request messages are answered from it
   * (agent.proto, ServeLogs). Without it a logs_request is answered with a notice.
   */
  logsDataDir?: string;
  /**
   * Runs exec_request sessions (agent/src/exec/manager.ts), each on an ExecSession call of its own that
   * outlives a reconnect of the session. Without it an exec_request is answered with an exit saying so.
   */
  exec?: { handle(req: ExecRequest__Output): unknown };
}

/** The exit reason when this agent cannot run commands. */
export const EXEC_UNSUPPORTED_REASON = 'This agent cannot run commands in containers.';

export const DEFAULT_HEARTBEAT_MS = 10_000;

export class AgentSession {
  private closed = false;
  private attempt = 0;
  private stream?: ControlStream;
  private wake?: { timer: TimerHandle; resolve: () => void };
  private running?: Promise<void>;
  /** Delays waited before each reconnect, newest last (for tests and diagnostics). */
  readonly delays: number[] = [];
  /** Serves logs_request on ServeLogs calls of their own; they outlive a reconnect of the session. */
  readonly logs?: LogsServer;

  constructor(private readonly o: AgentSessionOptions) {
    const openCall = o.transport.openLogs?.bind(o.transport);
    if (openCall) {
      this.logs = new LogsServer({
        openCall,
        dataDir: o.logsDataDir ?? '',
        clock: o.clock,
        logger: o.logger,
        taskKnown: (arn) => o.engine.knownTaskArns().includes(arn),
      });
    }
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Ends the session for good (the agent is shutting down). */
  async close(): Promise<void> {
    this.closed = true;
    this.stream?.close();
    if (this.wake) {
      this.wake.timer.cancel();
      this.wake.resolve();
    }
    await Promise.all([this.running, this.logs?.close()]);
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      try {
        const reg = await this.o.register();
        if (this.closed) break;
        await this.runStream(reg);
      } catch (err) {
        if (err instanceof FatalSessionError) {
          this.o.logger.error({ err: err.message }, 'giving up the session');
          this.o.onFatal?.(err);
          return;
        }
        this.o.logger.warn({ err: (err as Error).message }, 'control plane unreachable');
      }
      if (this.closed) break;
      const delay = backoffDelay(this.attempt++, this.o.random, this.o.backoff ?? DEFAULT_BACKOFF);
      this.delays.push(delay);
      this.o.logger.info({ delayMs: delay, attempt: this.attempt }, 'reconnecting to the control plane');
      await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.o.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = { timer, resolve };
    });
  }

  /** One stream, from hello to its end. */
  private runStream(reg: Registration): Promise<void> {
    return new Promise((resolve) => {
      const log = this.o.logger.child({ containerInstanceArn: reg.containerInstanceArn });
      const stream = this.o.transport.openSession();
      this.stream = stream;
      const timers: { heartbeat?: TimerHandle; welcome?: TimerHandle } = {};
      const live = { lastHeard: this.o.clock.now(), heartbeatMs: DEFAULT_HEARTBEAT_MS, controlBeats: false };
      stream.onClose((err) => {
        timers.heartbeat?.cancel();
        timers.welcome?.cancel();
        this.o.reporter.detach();
        this.stream = undefined;
        if (!this.closed) log.warn({ err: err?.message }, 'session ended');
        resolve();
      });
      stream.onMessage((msg) => {
        live.lastHeard = this.o.clock.now();
        this.handle(msg, stream, live, timers, log);
      });
      stream.send({ hello: { clusterArn: reg.clusterArn, containerInstanceArn: reg.containerInstanceArn, knownTaskArns: this.o.engine.knownTaskArns() } });
      timers.welcome = this.o.clock.setTimeout(() => {
        log.warn('no welcome from the control plane; reconnecting');
        stream.close();
      }, this.o.welcomeTimeoutMs ?? 30_000);
    });
  }

  private handle(
    msg: ControlMessage__Output,
    stream: ControlStream,
    live: { lastHeard: number; heartbeatMs: number; controlBeats: boolean },
    timers: { heartbeat?: TimerHandle; welcome?: TimerHandle },
    log: Logger,
  ): void {
    const ack = (messageId: string | undefined) => {
      if (messageId) stream.send({ ack: { messageId } });
    };
    if (msg.welcome) {
      timers.welcome?.cancel();
      this.attempt = 0;
      live.heartbeatMs = msg.welcome.heartbeatIntervalMs > 0 ? msg.welcome.heartbeatIntervalMs : DEFAULT_HEARTBEAT_MS;
      log.info({ sessionId: msg.welcome.sessionId, heartbeatIntervalMs: live.heartbeatMs }, 'session established');
      this.beat(stream, live, timers, log);
      this.o.reporter.attach((report) => stream.send({ taskStateChange: report }));
    } else if (msg.ack) {
      this.o.reporter.ack(msg.ack.messageId);
    } else if (msg.taskAssignment) {
      const a = msg.taskAssignment;
      this.o.engine.assign(a).then(
        () => ack(a.messageId),
        (err) => log.error({ taskArn: a.taskArn, err: (err as Error).message }, 'could not take the assignment'),
      );
    } else if (msg.stopTask) {
      const s = msg.stopTask;
      this.o.engine.stopTask(s).then(
        () => ack(s.messageId),
        (err) => log.error({ taskArn: s.taskArn, err: (err as Error).message }, 'could not stop the task'),
      );
    } else if (msg.heartbeat) {
      live.controlBeats = true;
    } else if (msg.logsRequest) {
      this.serveLogs(msg.logsRequest, log);
    } else if (msg.execRequest) {
      this.runExec(msg.execRequest, log);
    }
  }

  /** Answers an exec_request on an ExecSession call of its own (agent.proto, 5). */
  private runExec(req: ExecRequest__Output, log: Logger): void {
    if (this.closed) return;
    log.debug({ taskArn: req.taskArn, sessionId: req.sessionId, container: req.containerName }, 'exec_request');
    if (this.o.exec) {
      this.o.exec.handle(req);
      return;
    }
    if (!this.o.transport.openExec) {
      log.warn({ sessionId: req.sessionId }, 'exec_request ignored: this transport cannot run commands');
      return;
    }
    const call = this.o.transport.openExec();
    call.onClose(() => {});
    call.onMessage(() => {});
    call.write({ sessionId: req.sessionId });
    call.write({ exit: { reason: EXEC_UNSUPPORTED_REASON } });
    call.end();
  }

  /** Answers a logs_request on a ServeLogs call of its own (agent.proto, 4). */
  private serveLogs(req: LogsRequest__Output, log: Logger): void {
    if (this.closed) return;
    if (!this.logs) {
      log.warn({ taskArn: req.taskArn }, 'logs_request ignored: this transport cannot serve logs');
      return;
    }
    if (this.o.logsDataDir === undefined) {
      const call = this.o.transport.openLogs!();
      call.onClose(() => {});
      call.write({ requestId: req.requestId, notices: ['this agent does not serve logs (started without a log store)'] });
      call.end();
      return;
    }
    log.debug({ taskArn: req.taskArn, requestId: req.requestId, follow: req.follow }, 'serving logs');
    this.logs.serve(req);
  }

  /**
   * Sends a heartbeat every period. If the control plane sends heartbeats too and has been silent for
   * 3 periods, the connection is taken for dead and the stream is closed (the loop reconnects).
   */
  private beat(stream: ControlStream, live: { lastHeard: number; heartbeatMs: number; controlBeats: boolean }, timers: { heartbeat?: TimerHandle }, log: Logger): void {
    timers.heartbeat?.cancel();
    timers.heartbeat = this.o.clock.setTimeout(() => {
      if (live.controlBeats && this.o.clock.now() - live.lastHeard > 3 * live.heartbeatMs) {
        log.warn('control plane silent for 3 heartbeat periods; reconnecting');
        stream.close();
        return;
      }
      stream.send({ heartbeat: { sentAt: this.o.clock.now() / 1000 } });
      this.beat(stream, live, timers, log);
    }, live.heartbeatMs);
  }
}
