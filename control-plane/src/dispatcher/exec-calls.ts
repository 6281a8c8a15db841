// ExecSession calls (agent.proto, 5): the agent answers each exec_request by dialing an ExecSession call
// whose first message carries the session id. ExecCalls keeps the requests sent and not yet answered,
// matches each call to its request, and fails a request that no call answers in time (or whose agent's
// session ended first). The matched call is handed to the relay as an AgentExecStream.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AgentExecMessage__Output } from '../../../proto/gen/ecs/v1/AgentExecMessage.js';
import type { ExecControl } from '../../../proto/gen/ecs/v1/ExecControl.js';
import { resourceId } from '../domain/arn.js';
import { agentDisconnectedReason } from '../domain/exec-session.js';
import type { AgentExecStream } from '../services/exec-relay.js';
import { DialBackCall, DialBackCalls, endCall } from './dial-back.js';

export type ExecSessionCall = grpc.ServerDuplexStream<AgentExecMessage__Output, ExecControl>;

export const DEFAULT_EXEC_ANSWER_TIMEOUT_MS = 10_000;

const disconnected = (instanceArn: string) => new Error(agentDisconnectedReason(resourceId(instanceArn)));

/** The control plane's end of one ExecSession call, from the request until the call is over. */
class ExecCall extends DialBackCall<AgentExecMessage__Output, ExecControl> implements AgentExecStream {
  /** Controls written before the agent answered. */
  private queued: ExecControl[] = [];

  get sessionId(): string {
    return this.id;
  }

  /** A call that answers after the request failed is ended too (the agent ends the process). */
  protected override takesCall(): boolean {
    return !this.over;
  }

  protected wire(call: ExecSessionCall): void {
    call.on('end', () => this.finish()); // the agent half-closed (after exit)
    call.on('cancelled', () => this.finish(disconnected(this.instanceArn)));
    call.on('error', () => this.finish(disconnected(this.instanceArn)));
    for (const c of this.queued.splice(0)) call.write(c);
  }

  write(c: ExecControl): boolean {
    if (this.over) return true;
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

  /** The agent's call ends with the session. */
  protected override finished(): void {
    if (this.call) endCall(this.call);
  }
}

export class ExecCalls extends DialBackCalls<AgentExecMessage__Output, ExecControl, ExecCall> {
  constructor(log: Logger, answerTimeoutMs = DEFAULT_EXEC_ANSWER_TIMEOUT_MS) {
    super(log, answerTimeoutMs, {
      idOf: (m) => m.sessionId,
      idField: 'sessionId',
      unknownLog: 'ExecSession call for an unknown or expired session',
      unknownMessage: (id) => `No execute command session ${id} is waiting for its agent.`,
      timeoutError: (arn, secs) => new Error(`The agent on container instance ${resourceId(arn)} did not start the session within ${secs} s.`),
      disconnectedError: disconnected,
    });
  }

  /** A stream for an exec_request about to be sent to the agent of instanceArn. */
  expect(sessionId: string, instanceArn: string): AgentExecStream {
    this.pending.get(sessionId)?.fail(new Error(`The session ${sessionId} was requested again.`));
    return this.track(new ExecCall(sessionId, instanceArn, (x) => this.release(x)));
  }

  /** The control plane is stopping: requests not answered yet fail (the relays end the answered ones). */
  closeAll(): void {
    for (const c of [...this.pending.values()]) c.fail(new Error('The control plane is shutting down.'));
  }
}
