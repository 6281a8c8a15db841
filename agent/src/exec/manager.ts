// The agent's execute-command sessions, keyed by session id: one ExecSession per exec_request, each on an
// ExecSession call of its own (agent.proto, 5). close() ends them all with "The agent is stopping." and
// their processes, before the agent exits.
import type { ExecRequest__Output } from '../../../proto/gen/ecs/v1/ExecRequest.js';
import type { ExecCall } from '../session/transport.js';
import { AGENT_STOPPING_REASON, ExecSession, type ExecSessionOptions } from './exec-session.js';

export interface ExecManagerOptions extends ExecSessionOptions {
  /** Dials an ExecSession call back to the control plane. */
  openCall: () => ExecCall;
}

export class ExecManager {
  private readonly sessions = new Map<string, ExecSession>();
  private closed = false;

  constructor(private readonly o: ExecManagerOptions) {}

  /** Answers an exec_request (a repeated request for a live session is ignored). */
  handle(req: ExecRequest__Output): ExecSession | undefined {
    if (this.sessions.has(req.sessionId)) {
      this.o.logger.warn({ sessionId: req.sessionId }, 'exec_request for a session already running; ignored');
      return undefined;
    }
    if (this.closed) {
      const call = this.o.openCall();
      call.onClose(() => {});
      call.onMessage(() => {});
      call.write({ sessionId: req.sessionId });
      call.write({ exit: { reason: AGENT_STOPPING_REASON } });
      call.end();
      return undefined;
    }
    const session = new ExecSession(req, this.o.openCall(), this.o);
    this.sessions.set(req.sessionId, session);
    void session.done.finally(() => {
      if (this.sessions.get(req.sessionId) === session) this.sessions.delete(req.sessionId);
    });
    return session;
  }

  get size(): number {
    return this.sessions.size;
  }

  get(sessionId: string): ExecSession | undefined {
    return this.sessions.get(sessionId);
  }

  /** Ends every session (the agent is stopping) and waits until each process is over and its exit sent. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions.values()].map((s) => s.stop(AGENT_STOPPING_REASON)));
  }
}
