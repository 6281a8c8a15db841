// Dial-back calls (agent.proto, 4 and 5): the control plane sends a request on an agent's Session, and the
// agent answers by dialing a call of its own (ServeLogs, ExecSession) whose first message names the
// request. DialBackCall is the control plane's end of one such call, from the request until the call is
// over; DialBackCalls keeps the requests sent and not yet answered, matches each call to its request, and
// fails a request that no call answers in time (or whose agent's session ended first).
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { InvalidParameterException, toGrpcError } from '../domain/errors.js';

export type DialBackServerCall<In, Out> = grpc.ServerDuplexStream<In, Out>;

export interface DialBackHandlers<In> {
  message(m: In): void;
  end(err?: Error): void;
}

/** Ends a call, if it is not over already. */
export function endCall(call: { end(): void }): void {
  try {
    call.end();
  } catch {
    /* already over */
  }
}

/**
 * The control plane's end of one dial-back call. Messages that arrive before start() are held; handlers
 * see nothing after close(), and end once. Subclasses say how the agent's call ends (wire).
 */
export abstract class DialBackCall<In, Out> {
  private handlers?: DialBackHandlers<In>;
  protected call?: DialBackServerCall<In, Out>;
  private early: In[] = [];
  protected endedWith?: { err?: Error };
  private paused = false;
  protected closed = false;
  timer?: NodeJS.Timeout;

  constructor(
    /** The id the agent's call names in its first message. */
    readonly id: string,
    readonly instanceArn: string,
    private readonly onSettled: (c: DialBackCall<In, Out>) => void,
  ) {}

  start(h: DialBackHandlers<In>): void {
    this.handlers = h;
    for (const m of this.early.splice(0)) if (!this.closed) h.message(m);
    if (this.endedWith && !this.closed) h.end(this.endedWith.err);
  }

  /** The agent dialed back: its call answers this request. */
  attach(call: DialBackServerCall<In, Out>, first: In): void {
    this.settle();
    if (!this.takesCall()) {
      endCall(call);
      return;
    }
    this.call = call;
    if (this.paused) call.pause();
    call.on('data', (m: In) => this.deliver(m));
    this.wire(call);
    this.deliver(first);
  }

  /** Whether a call that answers now is kept (else it is ended at once). */
  protected takesCall(): boolean {
    return !this.closed;
  }

  /** Listens for the end of the attached call ('end', 'cancelled', 'error'), before its first message. */
  protected abstract wire(call: DialBackServerCall<In, Out>): void;

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

  private settle(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.onSettled(this);
  }

  private deliver(m: In): void {
    if (this.closed || this.endedWith) return;
    if (this.handlers) this.handlers.message(m);
    else this.early.push(m);
  }

  /** The call is over (err: how it failed); the first time only. */
  protected finish(err?: Error): void {
    if (this.endedWith) return;
    this.endedWith = { err };
    this.finished();
    if (this.handlers && !this.closed) this.handlers.end(err);
  }

  /** Runs once, when the call is over, before the end handler. */
  protected finished(): void {}
}

/** What tells one kind of dial-back call from another. */
export interface DialBackRules<In> {
  /** The id a call's first message names, and its field's name (for the log). */
  idOf(first: In): string;
  idField: string;
  /** Debug log for a call that answers no pending request. */
  unknownLog: string;
  /** The InvalidParameterException message for such a call (id: '(empty)' when it named none). */
  unknownMessage(id: string): string;
  /** The request was not answered within secs. */
  timeoutError(instanceArn: string, secs: number): Error;
  /** The agent's session ended before it answered. */
  disconnectedError(instanceArn: string): Error;
}

/** The requests sent to agents and not yet answered, by id; matches the agents' calls to them. */
export abstract class DialBackCalls<In, Out, C extends DialBackCall<In, Out>> {
  protected readonly pending = new Map<string, C>();

  constructor(
    private readonly log: Logger,
    private readonly answerTimeoutMs: number,
    private readonly rules: DialBackRules<In>,
  ) {}

  /** c waits for its agent's call from now on, and fails if none answers in time. */
  protected track(c: C): C {
    this.pending.set(c.id, c);
    c.timer = setTimeout(() => {
      const secs = Math.round(this.answerTimeoutMs / 100) / 10;
      c.fail(this.rules.timeoutError(c.instanceArn, secs));
    }, this.answerTimeoutMs);
    c.timer.unref();
    return c;
  }

  /** c is settled: it no longer waits (unless a newer request has taken its id). */
  protected release(c: DialBackCall<In, Out>): void {
    if (this.pending.get(c.id) === c) this.pending.delete(c.id);
  }

  /** Handles one call: its first message names the request it answers. */
  accept(call: DialBackServerCall<In, Out>): void {
    let matched = false;
    const onFirst = (m: In) => {
      if (matched) return;
      matched = true;
      call.off('data', onFirst);
      const id = this.rules.idOf(m);
      const c = this.pending.get(id);
      if (!c) {
        this.log.debug({ [this.rules.idField]: id }, this.rules.unknownLog);
        call.emit('error', toGrpcError(new InvalidParameterException(this.rules.unknownMessage(id || '(empty)'))));
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
      if (c.instanceArn === instanceArn) c.fail(this.rules.disconnectedError(instanceArn));
    }
  }
}
