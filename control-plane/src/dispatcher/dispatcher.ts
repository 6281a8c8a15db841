// Agent sessions: one bidirectional stream per connected agent (see proto/ecs/v1/agent.proto).
// The dispatcher welcomes the agent with the heartbeat period, (re)sends every task the instance
// should know about, pushes new assignments and stops as they happen, applies the agent's reports
// and acknowledges them, and marks the agent disconnected when its stream ends or goes quiet.
import type * as grpc from '@grpc/grpc-js';
import type { AgentMessage__Output } from '../../../proto/gen/ecs/v1/AgentMessage.js';
import type { ControlMessage } from '../../../proto/gen/ecs/v1/ControlMessage.js';
import type { TaskAssignment } from '../../../proto/gen/ecs/v1/TaskAssignment.js';
import type { AgentLogStream, LogsAgents, LogsRequestFields } from '../services/logs.js';
import { LogsCalls, type ServeLogsCall } from './logs-calls.js';
import { ExecCalls, type ExecSessionCall } from './exec-calls.js';
import type { AgentExecStream, ExecAgents, ExecRequestFields } from '../services/exec-relay.js';
import { toGrpcError, InvalidParameterException } from '../domain/errors.js';
import type { TaskRecord } from '../domain/records.js';
import { applyTaskReport, markTaskDelivered, setAgentConnected, tasksForInstance } from '../services/agents.js';
import { newId, type AgentNotifier, type Context } from '../services/context.js';

export type SessionCall = grpc.ServerDuplexStream<AgentMessage__Output, ControlMessage>;

export interface DispatcherOptions {
  heartbeatIntervalMs: number;
  /** Milliseconds, for the heartbeat watchdog. */
  clock?: () => number;
  /** How long an agent has to dial back a ServeLogs call for a logs_request (default 10 s). */
  logsAnswerTimeoutMs?: number;
  /** How long an agent has to dial back an ExecSession call for an exec_request (default 10 s). */
  execAnswerTimeoutMs?: number;
}

interface Session {
  id: string;
  instanceArn: string;
  call: SessionCall;
  lastSeenMs: number;
  seq: number;
  /** message id → task ARN, for assignments not yet acknowledged. */
  unacked: Map<string, string>;
}

export function assignmentFor(t: TaskRecord, messageId: string): TaskAssignment {
  return {
    messageId,
    taskArn: t.arn,
    clusterArn: t.task.clusterArn,
    taskDefinitionArn: t.task.taskDefinitionArn,
    family: t.family,
    revision: t.revision,
    desiredStatus: t.task.desiredStatus,
    containers: t.containers,
    stopReason: t.task.desiredStatus === 'STOPPED' ? t.task.stoppedReason : undefined,
    stopCode: t.task.desiredStatus === 'STOPPED' ? t.task.stopCode : undefined,
    volumes: t.volumes ?? [],
    networkMode: t.networkMode,
    group: t.task.group,
    enableExecuteCommand: t.task.enableExecuteCommand,
  };
}

export class Dispatcher implements AgentNotifier, LogsAgents, ExecAgents {
  private readonly sessions = new Map<string, Session>();
  private readonly clock: () => number;
  private watchdog?: NodeJS.Timeout;
  private readonly logsCalls: LogsCalls;
  private readonly execCalls: ExecCalls;

  constructor(
    private readonly ctx: Context,
    private readonly opts: DispatcherOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    this.logsCalls = new LogsCalls(ctx.log, opts.logsAnswerTimeoutMs);
    this.execCalls = new ExecCalls(ctx.log, opts.execAnswerTimeoutMs);
  }

  start(): void {
    this.watchdog = setInterval(() => this.checkHeartbeats(), this.opts.heartbeatIntervalMs);
    this.watchdog.unref();
  }

  stop(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    for (const s of [...this.sessions.values()]) this.close(s, 'control plane shutting down');
    this.logsCalls.closeAll();
    this.execCalls.closeAll();
  }

  isConnected(instanceArn: string): boolean {
    return this.sessions.has(instanceArn);
  }

  /**
   * Sends logs_request on the agent's session; the agent answers on a ServeLogs call (serveLogs below).
   * Undefined when the agent is not connected.
   */
  requestLogs(instanceArn: string, req: LogsRequestFields): AgentLogStream | undefined {
    const s = this.sessions.get(instanceArn);
    if (!s) return undefined;
    const requestId = `${this.nextMessageId(s)}-logs`;
    const stream = this.logsCalls.expect(requestId, instanceArn);
    this.send(s, { logsRequest: { requestId, ...req } });
    if (!this.sessions.has(instanceArn)) this.logsCalls.sessionEnded(instanceArn); // the write failed
    return stream;
  }

  /** Handles one ServeLogs call (an agent answering a logs_request). */
  serveLogs(call: ServeLogsCall): void {
    this.logsCalls.accept(call);
  }

  /**
   * Sends exec_request on the agent's session; the agent answers on an ExecSession call (execSession below).
   * Undefined when the agent is not connected.
   */
  requestExec(instanceArn: string, req: ExecRequestFields): AgentExecStream | undefined {
    const s = this.sessions.get(instanceArn);
    if (!s) return undefined;
    const stream = this.execCalls.expect(req.sessionId, instanceArn);
    this.send(s, { execRequest: req });
    if (!this.sessions.has(instanceArn)) this.execCalls.sessionEnded(instanceArn); // the write failed
    return stream;
  }

  /** Handles one ExecSession call (an agent answering an exec_request). */
  execSession(call: ExecSessionCall): void {
    this.execCalls.accept(call);
  }

  /** Handles one agent's Session stream from its first message to its end. */
  handle(call: SessionCall): void {
    let session: Session | undefined;
    call.on('data', (msg: AgentMessage__Output) => {
      try {
        if (!session) {
          if (!msg.hello) throw new InvalidParameterException('The first message of a session must be hello.');
          session = this.open(call, msg.hello.containerInstanceArn, msg.hello.knownTaskArns);
          return;
        }
        session.lastSeenMs = this.clock();
        this.onMessage(session, msg);
      } catch (err) {
        this.ctx.log.warn({ err, containerInstanceArn: session?.instanceArn }, 'agent session error');
        call.emit('error', toGrpcError(err));
      }
    });
    const ended = () => {
      if (session) this.forget(session);
    };
    call.on('end', () => {
      ended();
      call.end();
    });
    call.on('cancelled', ended);
    call.on('error', ended);
    call.on('close', ended);
  }

  private open(call: SessionCall, instanceArn: string, knownTaskArns: string[]): Session {
    const inst = this.ctx.store.getInstance(instanceArn);
    if (!inst || inst.status === 'INACTIVE') {
      throw new InvalidParameterException(`Container instance ${instanceArn} is not registered (or was deregistered): register again.`);
    }
    const previous = this.sessions.get(instanceArn);
    if (previous) this.close(previous, 'replaced by a new session');
    const session: Session = {
      id: newId(this.ctx.random).slice(0, 16),
      instanceArn,
      call,
      lastSeenMs: this.clock(),
      seq: 0,
      unacked: new Map(),
    };
    this.sessions.set(instanceArn, session);
    const connected = setAgentConnected(this.ctx, instanceArn, true);
    if (connected) this.ctx.scheduler.kickCluster(connected.cluster);
    this.ctx.log.info({ containerInstanceArn: instanceArn, sessionId: session.id }, 'agent connected');
    this.send(session, { welcome: { heartbeatIntervalMs: this.opts.heartbeatIntervalMs, sessionId: session.id } });
    const live = tasksForInstance(this.ctx, instanceArn);
    for (const t of live) this.sendAssignment(session, t);
    // Tasks the agent runs that the control plane has no live record of (already STOPPED here, or
    // unknown) are stopped, so that nothing runs unaccounted for.
    const liveArns = new Set(live.map((t) => t.arn));
    for (const arn of knownTaskArns.filter((a) => !liveArns.has(a))) {
      this.send(session, {
        stopTask: { messageId: this.nextMessageId(session), taskArn: arn, reason: 'Task is not running according to the control plane.' },
      });
    }
    return session;
  }

  private onMessage(session: Session, msg: AgentMessage__Output): void {
    if (msg.ack) {
      const taskArn = session.unacked.get(msg.ack.messageId);
      if (taskArn) {
        session.unacked.delete(msg.ack.messageId);
        markTaskDelivered(this.ctx, taskArn);
      }
    } else if (msg.taskStateChange) {
      const change = msg.taskStateChange;
      const applied = applyTaskReport(this.ctx, session.instanceArn, change);
      if (applied) {
        this.ctx.scheduler.taskChanged(applied);
        this.ctx.log.info({ taskArn: change.taskArn, lastStatus: applied.task.lastStatus, containerInstanceArn: session.instanceArn }, 'task state');
      }
      this.send(session, { ack: { messageId: change.messageId } });
    } else if (msg.heartbeat) {
      this.send(session, { heartbeat: { sentAt: this.clock() / 1000 } });
    }
  }

  private nextMessageId(s: Session): string {
    s.seq += 1;
    return `${s.id}-${s.seq}`;
  }

  private sendAssignment(s: Session, t: TaskRecord): void {
    const id = this.nextMessageId(s);
    s.unacked.set(id, t.arn);
    this.send(s, { taskAssignment: assignmentFor(t, id) });
  }

  private send(s: Session, msg: ControlMessage): void {
    try {
      s.call.write(msg);
    } catch (err) {
      this.ctx.log.warn({ err, containerInstanceArn: s.instanceArn }, 'write to agent failed');
      this.forget(s);
    }
  }

  taskChanged(t: TaskRecord): void {
    const instanceArn = t.task.containerInstanceArn;
    const s = instanceArn ? this.sessions.get(instanceArn) : undefined;
    if (!s) return; // delivered when the agent (re)connects
    if (t.task.desiredStatus === 'STOPPED') {
      const id = this.nextMessageId(s);
      this.send(s, { stopTask: { messageId: id, taskArn: t.arn, reason: t.task.stoppedReason, stopCode: t.task.stopCode } });
    } else {
      this.sendAssignment(s, t);
    }
  }

  instanceDeregistered(instanceArn: string): void {
    const s = this.sessions.get(instanceArn);
    if (s) this.close(s, 'container instance deregistered');
  }

  private checkHeartbeats(): void {
    const limit = 3 * this.opts.heartbeatIntervalMs;
    const now = this.clock();
    for (const s of [...this.sessions.values()]) {
      if (now - s.lastSeenMs > limit) this.close(s, `no heartbeat for ${now - s.lastSeenMs} ms`);
    }
  }

  private close(s: Session, why: string): void {
    this.ctx.log.info({ containerInstanceArn: s.instanceArn, sessionId: s.id, why }, 'closing agent session');
    this.forget(s);
    try {
      s.call.end();
    } catch {
      /* already closed */
    }
  }

  /** Drops the session; the agent is marked disconnected unless a newer session replaced it. */
  private forget(s: Session): void {
    if (this.sessions.get(s.instanceArn) !== s) return;
    this.sessions.delete(s.instanceArn);
    this.logsCalls.sessionEnded(s.instanceArn);
    this.execCalls.sessionEnded(s.instanceArn);
    const gone = setAgentConnected(this.ctx, s.instanceArn, false);
    if (gone) this.ctx.scheduler.kickCluster(gone.cluster);
    this.ctx.log.info({ containerInstanceArn: s.instanceArn, sessionId: s.id }, 'agent disconnected');
  }
}
