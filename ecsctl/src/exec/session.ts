// The pure parts of `ecsctl execute-command`: the StartSession messages ecsctl sends, how it reads the
// ones it gets, what it prints around a session, and how a session's end becomes ecsctl's exit status.
// No I/O here: ecsctl/src/exec/run.ts wires these to the terminal and the call.

/** ExecuteCommandResponse.session: what opens the session's data stream. */
export interface SessionTicket {
  readonly sessionId: string;
  readonly tokenValue: string;
}

/** TerminalSize, in character cells. */
export interface TerminalSize {
  readonly rows: number;
  readonly cols: number;
}

/** What is known of ecsctl's stdout when the session opens or the window changes. */
export interface TerminalView {
  readonly isTTY?: boolean;
  readonly rows?: number;
  readonly columns?: number;
}

/** SessionExit: exitCode when the command exited, reason otherwise (or as well). */
export interface SessionExitView {
  readonly exitCode?: number | null;
  readonly reason?: string | null;
}

/** One SessionOutput, as proto-loader decodes it (oneof members absent when unset; bytes as Buffer). */
export interface SessionOutputView {
  readonly started?: boolean | null;
  readonly stdout?: Uint8Array | null;
  readonly stderr?: Uint8Array | null;
  readonly exit?: SessionExitView | null;
}

/** How ecsctl ends when its session ends. */
export interface Outcome {
  readonly code: number;
  /** For stderr, or '' (the reason the session ended, when it said one). */
  readonly message: string;
}

/** Exit status when the session ended without one from the command (as aws's session plugin: 255). */
export const EXIT_NO_STATUS = 255;

/** Exit statuses for the signals that end ecsctl during a session (128 + the signal number, as a shell reports). */
export const SIGNAL_EXIT = { SIGINT: 130, SIGHUP: 129, SIGTERM: 143 } as const;
export type EndingSignal = keyof typeof SIGNAL_EXIT;

/** The session plugin's first line (stderr, interactive only). */
export function startBanner(sessionId: string): string {
  return `\nStarting session with SessionId: ${sessionId}\n\n`;
}

/** The session plugin's last line (stderr, interactive only). */
export function exitBanner(sessionId: string): string {
  return `\n\nExiting session with sessionId: ${sessionId}.\n\n`;
}

/** The terminal's size when stdout is a terminal that knows it; undefined otherwise. */
export function terminalSize(out: TerminalView): TerminalSize | undefined {
  if (!out.isTTY || !out.rows || !out.columns) return undefined;
  return { rows: out.rows, cols: out.columns };
}

/** SessionInput.open: the session, its token, and (interactive) the terminal's size and TERM. */
export function openMessage(
  ticket: SessionTicket,
  interactive: boolean,
  out: TerminalView,
  env: Record<string, string | undefined>,
): Record<string, unknown> {
  const size = interactive ? terminalSize(out) : undefined;
  const term = interactive && env.TERM ? env.TERM : undefined;
  return {
    open: {
      sessionId: ticket.sessionId,
      tokenValue: ticket.tokenValue,
      ...(size ? { size } : {}),
      ...(term ? { term } : {}),
    },
  };
}

export function stdinMessage(chunk: Uint8Array | string): Record<string, unknown> {
  return { stdin: typeof chunk === 'string' ? Buffer.from(chunk) : chunk };
}

export const STDIN_EOF_MESSAGE: Readonly<Record<string, unknown>> = { stdinEof: true };

export function resizeMessage(size: TerminalSize): Record<string, unknown> {
  return { resize: { rows: size.rows, cols: size.cols } };
}

/** The bytes of a bytes field, or undefined when absent or empty. */
export function bytesOf(v: Uint8Array | string | null | undefined): Uint8Array | undefined {
  if (v === null || v === undefined) return undefined;
  const b = typeof v === 'string' ? Buffer.from(v, 'base64') : v;
  return b.length ? b : undefined;
}

/** The session's ExecuteCommandResponse.session, checked. */
export function ticketOf(response: Record<string, unknown>): SessionTicket {
  const s = response.session as { sessionId?: unknown; tokenValue?: unknown } | null | undefined;
  if (!s || typeof s.sessionId !== 'string' || !s.sessionId || typeof s.tokenValue !== 'string') {
    throw new Error('ExecuteCommand answered without a session');
  }
  return { sessionId: s.sessionId, tokenValue: s.tokenValue };
}

/**
 * ecsctl's exit status from the session's exit: the command's status; 255 when there is none. The
 * reason goes to stderr whenever there is one ("ecsctl execute-command: <reason>").
 */
export function exitOutcome(exit: SessionExitView | undefined): Outcome {
  const hasCode = typeof exit?.exitCode === 'number';
  const reason = exit?.reason || (hasCode ? '' : exit ? 'the session ended without an exit status' : 'the session ended without an exit message');
  return {
    code: hasCode ? exit!.exitCode! : EXIT_NO_STATUS,
    message: reason ? `ecsctl execute-command: ${reason}\n` : '',
  };
}

/** ecsctl's exit status when a signal ends the session (the call is cancelled; the command ends). */
export function signalOutcome(signal: EndingSignal): Outcome {
  return { code: SIGNAL_EXIT[signal], message: '' };
}
