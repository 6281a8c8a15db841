// ServeLogs calls (agent.proto, 4): the agent answers each logs_request by dialing a ServeLogs call whose
// first message carries the request id. LogsCalls keeps the requests sent and not yet answered, matches
// each call to its request, and fails a request that no call answers in time (or whose agent's session
// ended first). The matched call is handed to the logs service as an AgentLogStream.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AgentLogsMessage__Output } from '../../../proto/gen/ecs/v1/AgentLogsMessage.js';
import type { LogsControl } from '../../../proto/gen/ecs/v1/LogsControl.js';
import { resourceId } from '../domain/arn.js';
import { InvalidParameterException, toGrpcError } from '../domain/errors.js';
import type { AgentLogStream } from '../services/logs.js';

export type ServeLogsCall = grpc.ServerDuplexStream<AgentLogsMessage__Output, LogsControl>;

export const DEFAULT_LOGS_ANSWER_TIMEOUT_MS = 10_000;

type Handlers = Parameters<AgentLogStream['start']>[0];

/** The control plane's end of one ServeLogs call, from the request until the call is over. */
class ServeLogsStream implements AgentLogStream {
  private handlers?: Handlers;
  private call?: ServeLogsCall;
  private early: AgentLogsMessage__Output[] = [];
  private endedWith?: { err?: Error };
  private paused = false;
  private closed = false;
  timer?: NodeJS.Timeout;

  constructor(
    readonly requestId: string,
    readonly instanceArn: string,
    private readonly onSettled: (s: ServeLogsStream) => void,
  ) {}

  start(h: Handlers): void {
    this.handlers = h;
    for (const m of this.early.splice(0)) if (!this.closed) h.message(m);
    if (this.endedWith && !this.closed) h.end(this.endedWith.err);
  }

  /** The agent dialed back: its call answers this request. */
  attach(call: ServeLogsCall, first: AgentLogsMessage__Output): void {
    this.settle();
    if (this.closed) {
      endCall(call);
      return;
    }
    this.call = call;
    if (this.paused) call.pause();
    call.on('data', (m: AgentLogsMessage__Output) => this.deliver(m));
    call.on('end', () => {
      endCall(call); // the agent half-closed: the request is satisfied
      this.finish();
    });
    call.on('cancelled', () => this.finish(new Error("the agent's log stream broke off")));
    call.on('error', (err: Error) => this.finish(new Error(`the agent's log stream failed: ${err.message}`)));
    this.deliver(first);
  }

  fail(err: Error): void {
    this.settle();
    this.finish(err);
  }

  /** Ends the call (if any) and reports err (the control plane is stopping). */
  abort(err: Error): void {
    this.fail(err);
    if (this.call) endCall(this.call);
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

  private settle(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.onSettled(this);
  }

  private deliver(m: AgentLogsMessage__Output): void {
    if (this.closed || this.endedWith) return;
    if (this.handlers) this.handlers.message(m);
    else this.early.push(m);
  }

  private finish(err?: Error): void {
    if (this.endedWith) return;
    this.endedWith = { err };
    if (this.handlers && !this.closed) this.handlers.end(err);
  }
}

function endCall(call: ServeLogsCall): void {
  try {
    call.end();
  } catch {
    /* already over */
  }
}

export class LogsCalls {
  private readonly pending = new Map<string, ServeLogsStream>();
  /** Every stream not known to be over (pruned as calls come and go). */
  private readonly streams = new Set<ServeLogsStream>();

  constructor(
    private readonly log: Logger,
    private readonly answerTimeoutMs = DEFAULT_LOGS_ANSWER_TIMEOUT_MS,
  ) {}

  /** A stream for a logs_request about to be sent to the agent of instanceArn. */
  expect(requestId: string, instanceArn: string): AgentLogStream {
    const s = new ServeLogsStream(requestId, instanceArn, (x) => this.pending.delete(x.requestId));
    this.pending.set(requestId, s);
    for (const x of this.streams) if (x.over) this.streams.delete(x);
    this.streams.add(s);
    s.timer = setTimeout(() => {
      const secs = Math.round(this.answerTimeoutMs / 100) / 10;
      s.fail(new Error(`the agent on container instance ${resourceId(instanceArn)} did not answer the logs request within ${secs} s`));
    }, this.answerTimeoutMs);
    s.timer.unref();
    return s;
  }

  /** Handles one ServeLogs call: its first message names the request it answers. */
  accept(call: ServeLogsCall): void {
    let matched = false;
    const onFirst = (m: AgentLogsMessage__Output) => {
      if (matched) return;
      matched = true;
      call.off('data', onFirst);
      const s = this.pending.get(m.requestId);
      if (!s) {
        this.log.debug({ requestId: m.requestId }, 'ServeLogs call for an unknown or expired request');
        call.emit('error', toGrpcError(new InvalidParameterException(`No logs request ${m.requestId || '(empty)'} is waiting for an answer.`)));
        return;
      }
      s.attach(call, m);
    };
    call.on('data', onFirst);
    call.on('error', () => {}); // before the match; afterwards the stream handles it
  }

  /** The agent's session ended: requests it has not answered yet fail now. */
  sessionEnded(instanceArn: string): void {
    for (const s of [...this.pending.values()]) {
      if (s.instanceArn === instanceArn) {
        s.fail(new Error(`the agent on container instance ${resourceId(instanceArn)} disconnected before answering the logs request`));
      }
    }
  }

  /** The control plane is stopping. */
  closeAll(): void {
    for (const s of [...this.streams]) s.abort(new Error('the control plane is shutting down'));
    this.streams.clear();
  }
}
