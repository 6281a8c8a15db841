// The execute-command sessions of a running control plane: the API's entry points (ExecuteCommand,
// StartSession, ListExecuteCommandSessions), the timers that stop sessions whose token expired, and the
// live relays (ended when the control plane stops).
import type { ExecuteCommandRequest__Output } from '../../../proto/gen/ecs/v1/ExecuteCommandRequest.js';
import type { ExecuteCommandResponse__Output } from '../../../proto/gen/ecs/v1/ExecuteCommandResponse.js';
import type { ListExecuteCommandSessionsRequest__Output } from '../../../proto/gen/ecs/v1/ListExecuteCommandSessionsRequest.js';
import type { ListExecuteCommandSessionsResponse__Output } from '../../../proto/gen/ecs/v1/ListExecuteCommandSessionsResponse.js';
import type { SessionInput__Output } from '../../../proto/gen/ecs/v1/SessionInput.js';
import { ATTACH_TIMEOUT_SEC, REASON_SHUTTING_DOWN } from '../domain/exec-session.js';
import type { Context } from './context.js';
import { ExecRelay, type ExecAgents, type SessionPeer } from './exec-relay.js';
import { executeCommand, listExecuteCommandSessions, sweepExpiredSessions, type ExecSettings } from './execute-command.js';

/** The StartSession call's events, as the API layer delivers them. */
export interface SessionHandlers {
  /** Throws ECS exceptions (bad open): the call fails with them. */
  message(m: SessionInput__Output): void;
  /** The client half-closed its side. */
  end(): void;
  /** The client cancelled (or the call broke). */
  cancel(): void;
}

export interface ExecSessionsOptions extends ExecSettings {
  /** How long after its close the agent's exit is awaited (default 5 s). */
  closeGraceMs?: number;
}

export class ExecSessions {
  private readonly relays = new Set<ExecRelay>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly ctx: Context,
    private readonly agents: ExecAgents,
    private readonly opts: ExecSessionsOptions,
  ) {}

  executeCommand(req: ExecuteCommandRequest__Output): ExecuteCommandResponse__Output {
    const res = executeCommand(this.ctx, this.agents, this.opts, req);
    // A session not opened in time is STOPPED by this sweep (StartSession and the List also check).
    if (!this.stopped) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.sweep();
      }, ATTACH_TIMEOUT_SEC * 1000 + 100);
      timer.unref();
      this.timers.add(timer);
    }
    return res;
  }

  listExecuteCommandSessions(req: ListExecuteCommandSessionsRequest__Output): ListExecuteCommandSessionsResponse__Output {
    return listExecuteCommandSessions(this.ctx, req);
  }

  /** Stops the sessions whose token expired; returns how many. */
  sweep(): number {
    try {
      return sweepExpiredSessions(this.ctx);
    } catch (err) {
      this.ctx.log.warn({ err }, 'sweeping expired execute-command sessions failed');
      return 0;
    }
  }

  /** A StartSession call begins: its events go to the returned handlers. */
  startSession(peer: SessionPeer): SessionHandlers {
    const relay = new ExecRelay(this.ctx, this.agents, peer, { idleTimeoutMs: this.opts.idleTimeoutMs, closeGraceMs: this.opts.closeGraceMs }, (r) =>
      this.relays.delete(r),
    );
    if (this.stopped) relay.abort(REASON_SHUTTING_DOWN);
    else this.relays.add(relay);
    return {
      message: (m) => relay.input(m),
      end: () => relay.clientClosed(false),
      cancel: () => relay.clientClosed(true),
    };
  }

  /** The sessions being relayed now. */
  get live(): number {
    return this.relays.size;
  }

  /** The control plane is stopping: every live session ends (exit with a reason to its client). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const r of [...this.relays]) r.abort(REASON_SHUTTING_DOWN);
    this.relays.clear();
  }
}
