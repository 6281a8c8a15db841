// ServeLogs calls (agent.proto, 4): the agent answers each logs_request by dialing a ServeLogs call whose
// first message carries the request id. LogsCalls keeps the requests sent and not yet answered, matches
// each call to its request, and fails a request that no call answers in time (or whose agent's session
// ended first). The matched call is handed to the logs service as an AgentLogStream.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AgentLogsMessage__Output } from '../../../proto/gen/ecs/v1/AgentLogsMessage.js';
import type { LogsControl } from '../../../proto/gen/ecs/v1/LogsControl.js';
import { resourceId } from '../domain/arn.js';
import type { AgentLogStream } from '../services/logs.js';
import { DialBackCall, DialBackCalls, endCall } from './dial-back.js';

export type ServeLogsCall = grpc.ServerDuplexStream<AgentLogsMessage__Output, LogsControl>;

export const DEFAULT_LOGS_ANSWER_TIMEOUT_MS = 10_000;

/** The control plane's end of one ServeLogs call, from the request until the call is over. */
class ServeLogsStream extends DialBackCall<AgentLogsMessage__Output, LogsControl> implements AgentLogStream {
  get requestId(): string {
    return this.id;
  }

  protected wire(call: ServeLogsCall): void {
    call.on('end', () => {
      endCall(call); // the agent half-closed: the request is satisfied
      this.finish();
    });
    call.on('cancelled', () => this.finish(new Error("the agent's log stream broke off")));
    call.on('error', (err: Error) => this.finish(new Error(`the agent's log stream failed: ${err.message}`)));
  }

  /** Ends the call (if any) and reports err (the control plane is stopping). */
  abort(err: Error): void {
    this.fail(err);
    if (this.call) endCall(this.call);
  }
}

export class LogsCalls extends DialBackCalls<AgentLogsMessage__Output, LogsControl, ServeLogsStream> {
  /** Every stream not known to be over (pruned as calls come and go). */
  private readonly streams = new Set<ServeLogsStream>();

  constructor(log: Logger, answerTimeoutMs = DEFAULT_LOGS_ANSWER_TIMEOUT_MS) {
    super(log, answerTimeoutMs, {
      idOf: (m) => m.requestId,
      idField: 'requestId',
      unknownLog: 'ServeLogs call for an unknown or expired request',
      unknownMessage: (id) => `No logs request ${id} is waiting for an answer.`,
      timeoutError: (arn, secs) => new Error(`the agent on container instance ${resourceId(arn)} did not answer the logs request within ${secs} s`),
      disconnectedError: (arn) => new Error(`the agent on container instance ${resourceId(arn)} disconnected before answering the logs request`),
    });
  }

  /** A stream for a logs_request about to be sent to the agent of instanceArn. */
  expect(requestId: string, instanceArn: string): AgentLogStream {
    const s = this.track(new ServeLogsStream(requestId, instanceArn, (x) => this.pending.delete(x.id)));
    for (const x of this.streams) if (x.over) this.streams.delete(x);
    this.streams.add(s);
    return s;
  }

  /** The control plane is stopping. */
  closeAll(): void {
    for (const s of [...this.streams]) s.abort(new Error('the control plane is shutting down'));
    this.streams.clear();
  }
}
