// ExecSession calls (agent.proto, 5): the agent answers each exec_request by dialing an ExecSession call
// whose first message carries the session id. ExecCalls keeps the requests sent and not yet answered,
// matches each call to its request, and fails a request that no call answers in time (or whose agent's
// session ended first). The matched call is handed to the relay as an AgentExecStream.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AgentExecMessage__Output } from '../../../proto/gen/ecs/v1/AgentExecMessage.js';
import type { ExecControl } from '../../../proto/gen/ecs/v1/ExecControl.js';
import { resourceId } from '../domain/arn.js';
import { InvalidParameterException, toGrpcError } from '../domain/errors.js';
import { agentDisconnectedReason } from '../domain/exec-session.js';
import type { AgentExecStream } from '../services/exec-relay.js';

export type ExecSessionCall = grpc.ServerDuplexStream<AgentExecMessage__Output, ExecControl>;

export const DEFAULT_EXEC_ANSWER_TIMEOUT_MS = 10_000;

type Handlers = Parameters<AgentExecStream['start']>[0];

/** The control plane's end of one ExecSession call, from the request until the call is over. */
class ExecCall implements AgentExecStream {
  private handlers?: Handlers;
  private call?: ExecSessionCall;
  private early: AgentExecMessage__Output[] = [];
  private queued: ExecControl[] = [];
  private endedWith?: { err?: Error };
  private paused = false;
  private closed = false;
  timer?: NodeJS.Timeout;

  constructor(
    readonly sessionId: string,
    readonly instanceArn: string,
    private readonly onSettled: (c: ExecCall) => void,
  ) {}

  start(h: Handlers): void {
    this.handlers = h;
    for (const m of this.early.splice(0)) if (!this.closed) h.message(m);
    if (this.endedWith && !this.closed) h.end(this.endedWith.err);
  }

  /** The agent dialed back: its call answers this request. */
  attach(call: ExecSessionCall, first: AgentExecMessage__Output): void {
    this.settle();
    if (this.closed || this.endedWith) {
      endCall(call); // the agent ends the process
      return;
    }
    this.call = call;
    if (this.paused) call.pause();
    call.on('data', (m: AgentExecMessage__Output) => this.deliver(m));
    call.on('end', () => this.finish()); // the agent half-closed (after exit)
    call.on('cancelled', () => this.finish(this.disconnected()));
    call.on('error', () => this.finish(this.disconnected()));
    for (const c of this.queued.splice(0)) call.write(c);
    this.deliver(first);
  }

  write(c: ExecControl): boolean {
    if (this.closed || this.endedWith) return true;
    if (!this.call) {
      this.queued.push(c);
      return true;
    }
    return this.call.write(c);
  }

  onDrain(fn: () => void): void {
    if (this.call) this.call.once('drain', fn);
    else queueMicrotask(fn);
  }

  fail(err: Error): void {
    this.settle();
    this.finish(err);
  }

  get over(): boolean {
    return this.closed || this.endedWith !== undefined;
  }

  pause(): void {
    this.paused = true;
    this.call?.pause();
  }

  resume(): void {
    this.paused = false;
    this.call?.resume();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.settle();
    if (this.call) endCall(this.call);
  }

  private disconnected(): Error {
    return new Error(agentDisconnectedReason(resourceId(this.instanceArn)));
  }

  private settle(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.onSettled(this);
  }

  private deliver(m: AgentExecMessage__Output): void {
    if (this.closed || this.endedWith) return;
    if (this.handlers) this.handlers.message(m);
    else this.early.push(m);
  }

  private finish(err?: Error): void {
    if (this.endedWith) return;
    this.endedWith = { err };
    if (this.call) endCall(this.call);
    if (this.handlers && !this.closed) this.handlers.end(err);
  }
}

function endCall(call: ExecSessionCall): void {
  try {
    call.end();
  } catch {
    /* already over */
  }
}

export class ExecCalls {
  private readonly pending = new Map<string, ExecCall>();

  constructor(
    private readonly log: Logger,
    private readonly answerTimeoutMs = DEFAULT_EXEC_ANSWER_TIMEOUT_MS,
  ) {}

  /** A stream for an exec_request about to be sent to the agent of instanceArn. */
  expect(sessionId: string, instanceArn: string): AgentExecStream {
    this.pending.get(sessionId)?.fail(new Error(`The session ${sessionId} was requested again.`));
    const c = new ExecCall(sessionId, instanceArn, (x) => {
      if (this.pending.get(x.sessionId) === x) this.pending.delete(x.sessionId);
    });
    this.pending.set(sessionId, c);
    c.timer = setTimeout(() => {
      const secs = Math.round(this.answerTimeoutMs / 100) / 10;
      c.fail(new Error(`The agent on container instance ${resourceId(instanceArn)} did not start the session within ${secs} s.`));
    }, this.answerTimeoutMs);
    c.timer.unref();
    return c;
  }

  /** Handles one ExecSession call: its first message names the session it answers. */
  accept(call: ExecSessionCall): void {
    let matched = false;
    const onFirst = (m: AgentExecMessage__Output) => {
      if (matched) return;
      matched = true;
      call.off('data', onFirst);
      const c = this.pending.get(m.sessionId);
      if (!c) {
        this.log.debug({ sessionId: m.sessionId }, 'ExecSession call for an unknown or expired session');
        call.emit('error', toGrpcError(new InvalidParameterException(`No execute command session ${m.sessionId || '(empty)'} is waiting for its agent.`)));
        return;
      }
      c.attach(call, m);
    };
    call.on('data', onFirst);
    call.on('error', () => {}); // before the match; afterwards the stream handles it
  }

  /** The agent's session ended: requests it has not answered yet fail now. */
  sessionEnded(instanceArn: string): void {
    for (const c of [...this.pending.values()]) {
      if (c.instanceArn === instanceArn) c.fail(new Error(agentDisconnectedReason(resourceId(instanceArn))));
    }
  }

  /** The control plane is stopping: requests not answered yet fail (the relays end the answered ones). */
  closeAll(): void {
    for (const c of [...this.pending.values()]) c.fail(new Error('The control plane is shutting down.'));
  }
}
