// StartSession: one execute-command session's data stream, from the client's `open` to the end.
//
// The client's first message opens the session (its one-time token); the control plane then sends
// exec_request to the task's agent (through the dispatcher), which dials back an ExecSession call
// (ExecAgents.requestExec gives it as an AgentExecStream). Until the agent answers, the client's input is
// held (its call paused). Then bytes go both ways: SessionInput stdin/resize/stdin_eof → ExecControl;
// AgentExecMessage started/stdout/stderr/exit → SessionOutput. Flow control runs end to end: a write that
// returns false pauses the other side until 'drain'.
//
// The end, and what the record (STOPPED) says:
// - the agent's exit: relayed, then both calls end (exitCode, and the agent's reason if any);
// - the client ends or cancels its call: `terminate` goes to the agent, which ends the process; its exit
//   (within closeGraceMs) gives the record an exit code, and reaches a client that only half-closed;
//   then the agent's call ends (reason "The client closed the session.");
// - the agent's call breaks, its Session ends before it answers, or it does not answer in time:
//   exit {reason} to the client (e.g. "The agent on container instance <id> disconnected.");
// - the control plane stops: exit {reason: "The control plane is shutting down."}.
import type { AgentExecMessage__Output } from '../../../proto/gen/ecs/v1/AgentExecMessage.js';
import type { ExecControl } from '../../../proto/gen/ecs/v1/ExecControl.js';
import type { SessionInput__Output } from '../../../proto/gen/ecs/v1/SessionInput.js';
import type { SessionOpen__Output } from '../../../proto/gen/ecs/v1/SessionOpen.js';
import type { SessionOutput } from '../../../proto/gen/ecs/v1/SessionOutput.js';
import type { TerminalSize__Output } from '../../../proto/gen/ecs/v1/TerminalSize.js';
import { resourceId } from '../domain/arn.js';
import { InvalidParameterException, TargetNotConnectedException } from '../domain/errors.js';
import { agentDisconnectedReason, REASON_CLIENT_CLOSED } from '../domain/exec-session.js';
import type { ExecSessionRecord } from '../domain/records.js';
import type { Context } from './context.js';
import { openSession, sessionStarted, sessionStopped } from './execute-command.js';

/** What the control plane asks the agent to run (agent.proto ExecRequest). */
export interface ExecRequestFields {
  sessionId: string;
  taskArn: string;
  containerName: string;
  command: string[];
  interactive: boolean;
  size?: TerminalSize__Output;
  term?: string;
  idleTimeoutMs: number;
  transcript: boolean;
}

/** The agent's ExecSession call for one session, as the relay sees it. */
export interface AgentExecStream {
  /**
   * Handlers, set once: message for every AgentExecMessage (the first carries the session id); end once,
   * when the call is over (err: it broke, the agent's session ended first, or it did not answer in time).
   */
  start(h: { message(m: AgentExecMessage__Output): void; end(err?: Error): void }): void;
  /** false: the agent is behind; wait for onDrain. Writes before the agent answered are queued. */
  write(c: ExecControl): boolean;
  onDrain(fn: () => void): void;
  pause(): void;
  resume(): void;
  /** Ends the call (the agent ends the process); no handler is called after this. */
  close(): void;
}

/** The dispatcher as StartSession sees it. */
export interface ExecAgents {
  isConnected(instanceArn: string): boolean;
  /** Sends exec_request on the agent's session; undefined when the agent is not connected. */
  requestExec(instanceArn: string, req: ExecRequestFields): AgentExecStream | undefined;
}

/** The client's StartSession call, as the relay writes it. */
export interface SessionPeer {
  /** false: the client is behind; wait for onDrain. */
  write(o: SessionOutput): boolean;
  onDrain(fn: () => void): void;
  /** Stop / go on reading the client's input. */
  pause(): void;
  resume(): void;
  end(): void;
  fail(err: unknown): void;
}

export interface RelayOptions {
  idleTimeoutMs: number;
  /** How long to wait for the agent's exit after `terminate` (default 5 s; the agent kills after 2 s). */
  closeGraceMs?: number;
}

export const DEFAULT_CLOSE_GRACE_MS = 5_000;

type State = 'opening' | 'waiting' | 'relaying' | 'closing' | 'over';

export class ExecRelay {
  private state: State = 'opening';
  private rec?: ExecSessionRecord;
  private agent?: AgentExecStream;
  private clientGone = false;
  /** Why the client's input is paused: the agent has not answered, or it is behind. */
  private readonly clientHolds = new Set<'waiting' | 'agent-full'>();
  private agentPaused = false;
  private graceTimer?: NodeJS.Timeout;

  constructor(
    private readonly ctx: Context,
    private readonly agents: ExecAgents,
    private readonly peer: SessionPeer,
    private readonly opts: RelayOptions,
    private readonly onOver: (r: ExecRelay) => void = () => {},
  ) {}

  get sessionId(): string | undefined {
    return this.rec?.id;
  }

  get over(): boolean {
    return this.state === 'over';
  }

  /** One message from the client. Throws ECS exceptions while opening (the call fails with them). */
  input(m: SessionInput__Output): void {
    if (this.state === 'over' || this.state === 'closing') return;
    if (this.state === 'opening') {
      if (!m.open) throw new InvalidParameterException('The first message of a session must be open.');
      this.open(m.open);
      return;
    }
    if (m.open) return; // once only: a second open changes nothing
    if (m.stdin !== undefined) this.toAgent({ stdin: m.stdin });
    else if (m.resize) this.toAgent({ resize: m.resize });
    else if (m.stdinEof) this.toAgent({ stdinEof: true });
  }

  /** The client half-closed its call (or cancelled it: gone) before the session ended. */
  clientClosed(gone: boolean): void {
    if (gone) this.clientGone = true;
    if (this.state === 'over') return;
    if (this.state === 'opening') {
      this.state = 'over';
      if (!gone) this.peer.end();
      this.onOver(this);
      return;
    }
    if (this.state === 'closing') return;
    if (this.state === 'waiting') {
      this.finish({ reason: REASON_CLIENT_CLOSED }); // closing the call before the agent answered ends it there
      return;
    }
    this.state = 'closing';
    this.clientHolds.clear();
    if (this.agentPaused) this.resumeAgent();
    this.agent!.write({ terminate: true });
    this.graceTimer = setTimeout(() => this.finish({ reason: REASON_CLIENT_CLOSED }), this.opts.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS);
    this.graceTimer.unref();
  }

  /** Ends the session from the control plane's side (it is stopping). */
  abort(reason: string): void {
    if (this.state === 'over') return;
    if (this.state === 'opening') {
      this.state = 'over';
      this.peer.end();
      this.onOver(this);
      return;
    }
    this.finish({ reason });
  }

  private open(o: SessionOpen__Output): void {
    const rec = openSession(this.ctx, o.sessionId, o.tokenValue);
    this.rec = rec;
    const instanceArn = rec.session.containerInstanceArn ?? '';
    const req: ExecRequestFields = {
      sessionId: rec.id,
      taskArn: rec.taskArn,
      containerName: rec.session.containerName,
      command: rec.argv,
      interactive: rec.session.interactive,
      idleTimeoutMs: this.opts.idleTimeoutMs,
      transcript: rec.session.logging !== 'NONE',
    };
    if (rec.session.interactive) {
      if (o.size) req.size = o.size;
      req.term = o.term || 'xterm';
    }
    const stream = this.agents.isConnected(instanceArn) ? this.agents.requestExec(instanceArn, req) : undefined;
    if (!stream) {
      const message = `The execute command failed because the agent on container instance ${resourceId(instanceArn)} is not connected. Try again later.`;
      sessionStopped(this.ctx, rec.id, { reason: message });
      this.state = 'over';
      this.onOver(this);
      throw new TargetNotConnectedException(message);
    }
    this.agent = stream;
    this.state = 'waiting';
    this.hold('waiting');
    this.ctx.log.info({ sessionId: rec.id, taskArn: rec.taskArn, containerInstanceArn: instanceArn }, 'execute-command session opened');
    stream.start({ message: (m) => this.guard(() => this.fromAgent(m)), end: (err) => this.guard(() => this.agentEnded(err)) });
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.log.error({ err, sessionId: this.rec?.id }, 'execute-command relay failed');
      this.finish({ reason: `The session failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  private fromAgent(m: AgentExecMessage__Output): void {
    if (this.state === 'over') return;
    if (this.state === 'waiting') {
      this.state = 'relaying';
      this.release('waiting');
    }
    if (m.started) {
      sessionStarted(this.ctx, this.rec!.id);
      this.toClient({ started: true });
    } else if (m.stdout !== undefined) {
      this.toClient({ stdout: m.stdout });
    } else if (m.stderr !== undefined) {
      this.toClient({ stderr: m.stderr });
    } else if (m.exit) {
      const end: { exitCode?: number; reason?: string } = {};
      if (m.exit.exitCode !== undefined && m.exit.exitCode !== null) end.exitCode = m.exit.exitCode;
      if (m.exit.reason) end.reason = m.exit.reason;
      if (this.state === 'closing') end.reason = REASON_CLIENT_CLOSED;
      this.finish(end, m.exit);
    }
  }

  private agentEnded(err?: Error): void {
    if (this.state === 'over') return;
    const instanceArn = this.rec!.session.containerInstanceArn ?? '';
    const reason = this.state === 'closing' ? REASON_CLIENT_CLOSED : (err?.message ?? agentDisconnectedReason(resourceId(instanceArn)));
    this.finish({ reason });
  }

  /** STOPPED: records the end, tells the client (unless it is gone), ends both calls. */
  private finish(end: { exitCode?: number; reason?: string }, exit?: { exitCode?: number; reason?: string }): void {
    if (this.state === 'over') return;
    this.state = 'over';
    if (this.graceTimer) clearTimeout(this.graceTimer);
    const rec = this.rec!;
    sessionStopped(this.ctx, rec.id, end);
    this.ctx.log.info({ sessionId: rec.id, taskArn: rec.taskArn, ...end }, 'execute-command session ended');
    if (!this.clientGone) {
      const out = exit ?? end;
      const relayed: { exitCode?: number; reason?: string } = {};
      if (out.exitCode !== undefined && out.exitCode !== null) relayed.exitCode = out.exitCode;
      if (out.reason) relayed.reason = out.reason;
      this.peer.write({ exit: relayed });
      this.peer.end();
    }
    this.agent?.close();
    this.onOver(this);
  }

  private toClient(o: SessionOutput): void {
    if (this.clientGone) return;
    if (this.peer.write(o) || this.agentPaused) return;
    this.agentPaused = true;
    this.agent!.pause();
    this.peer.onDrain(() => this.resumeAgent());
  }

  private resumeAgent(): void {
    if (!this.agentPaused) return;
    this.agentPaused = false;
    if (this.state !== 'over') this.agent!.resume();
  }

  private toAgent(c: ExecControl): void {
    if (this.agent!.write(c) || this.clientHolds.has('agent-full')) return;
    this.hold('agent-full');
    this.agent!.onDrain(() => this.release('agent-full'));
  }

  private hold(why: 'waiting' | 'agent-full'): void {
    if (this.clientHolds.size === 0) this.peer.pause();
    this.clientHolds.add(why);
  }

  private release(why: 'waiting' | 'agent-full'): void {
    if (!this.clientHolds.delete(why)) return;
    if (this.clientHolds.size === 0 && this.state !== 'over') this.peer.resume();
  }
}
