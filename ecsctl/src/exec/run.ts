// `ecsctl execute-command`: ExecuteCommand (errors print as aws prints them), then the session's data
// stream (StartSession), wired to the terminal. Interactive: the local terminal goes raw (when stdin is
// one), every stdin byte is forwarded (Ctrl-C is 0x03, not SIGINT), window changes are sent, output is
// written as it arrives. Non-interactive: stdin is piped chunk by chunk and its end sent as stdin_eof;
// the command's stdout and stderr go to ours; SIGINT ends the session (exit 130). Backpressure both ways:
// a full call pauses stdin, a full stdout/stderr pauses the call. The terminal is restored on every way
// out: the session's exit, a stream error, SIGINT/SIGTERM/SIGHUP, an uncaught exception.
import type { Transport, DuplexStream } from '../transport/grpc-transport.js';
import {
  exitBanner,
  exitOutcome,
  openMessage,
  resizeMessage,
  signalOutcome,
  startBanner,
  stdinMessage,
  STDIN_EOF_MESSAGE,
  terminalSize,
  ticketOf,
  bytesOf,
  type EndingSignal,
  type Outcome,
  type SessionExitView,
  type SessionOutputView,
  type SessionTicket,
} from './session.js';

/** ecsctl's stdin, as execute-command uses it (process.stdin; a fake in tests). */
export interface ExecStdin {
  readonly isTTY?: boolean;
  readonly isRaw?: boolean;
  setRawMode?(raw: boolean): unknown;
  on(event: 'data' | 'end', fn: (chunk?: Uint8Array | string) => void): unknown;
  off(event: 'data' | 'end', fn: (chunk?: Uint8Array | string) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** An output stream: written with backpressure ('drain'); stdout may be a terminal that resizes. */
export interface ExecOutput {
  write(chunk: string | Uint8Array): unknown;
  once?(event: 'drain', fn: () => void): unknown;
  readonly isTTY?: boolean;
  readonly rows?: number;
  readonly columns?: number;
  on?(event: 'resize', fn: () => void): unknown;
  off?(event: 'resize', fn: () => void): unknown;
}

/** What execute-command needs of the process (a subset of CliIo). */
export interface ExecIo {
  readonly stdout: ExecOutput;
  readonly stderr: ExecOutput;
  readonly env: Record<string, string | undefined>;
  /** Absent: no input (non-interactive sessions get stdin_eof at once). */
  readonly stdin?: ExecStdin;
  /** Registers fn for SIGINT; returns the unregister function. */
  readonly onInterrupt?: (fn: () => void) => () => void;
  /** Registers fn for SIGTERM / SIGHUP; returns the unregister function. */
  readonly onSignal?: (signal: 'SIGTERM' | 'SIGHUP', fn: () => void) => () => void;
  /** Registers fn to run (synchronously) before ecsctl dies of an uncaught exception; returns the unregister function. */
  readonly onFatal?: (fn: () => void) => () => void;
}

export async function runExecuteCommand(request: Record<string, unknown>, transport: Transport, io: ExecIo): Promise<number> {
  const interactive = request.interactive === true;
  // aws sends interactive: true always (it requires the flag); here false means piped mode.
  const response = await transport.call('ExecuteCommand', { ...request, interactive });
  const ticket = ticketOf(response);
  if (!transport.duplex) throw new Error('this transport cannot open a session');
  return new SessionRun(ticket, interactive, transport, io).run();
}

/** Raw mode on stdin for the session's length; restore() is safe to call more than once. */
function rawMode(stdin: ExecStdin | undefined, wanted: boolean): { restore(): void } {
  if (!wanted || !stdin?.isTTY || !stdin.setRawMode) return { restore() {} };
  const before = stdin.isRaw === true;
  stdin.setRawMode(true);
  let restored = false;
  return {
    restore() {
      if (restored) return;
      restored = true;
      try {
        stdin.setRawMode!(before);
      } catch {
        // the terminal is gone (SIGHUP): nothing to restore
      }
    },
  };
}

/** One session: its call, the terminal's wiring, and every way it ends. */
class SessionRun {
  private stream!: DuplexStream;
  private exit: SessionExitView | undefined;
  private signal: EndingSignal | undefined;
  private closed = false;
  private readonly fullOutputs = new Set<ExecOutput>();
  private readonly undo: (() => void)[] = [];
  private wakeSignal: () => void = () => {};

  constructor(
    private readonly ticket: SessionTicket,
    private readonly interactive: boolean,
    private readonly transport: Transport,
    private readonly io: ExecIo,
  ) {}

  async run(): Promise<number> {
    const { io, interactive, ticket } = this;
    if (interactive) io.stderr.write(startBanner(ticket.sessionId));
    const terminal = rawMode(io.stdin, interactive);
    let failed = false;
    try {
      this.stream = this.transport.duplex!('StartSession', (m) => this.output(m as SessionOutputView));
      this.stream.write(openMessage(ticket, interactive, io.stdout, io.env));
      this.wireSignals(terminal);
      this.wireStdin();
      this.wireResize();
      const signalled = new Promise<void>((resolve) => (this.wakeSignal = resolve));
      await Promise.race([this.stream.done, signalled]);
      if (this.signal) {
        this.stream.cancel();
        await this.stream.done.catch(() => {});
      }
    } catch (e) {
      failed = true;
      (this.stream as DuplexStream | undefined)?.cancel();
      throw e;
    } finally {
      this.close();
      terminal.restore();
      if (interactive && !failed) io.stderr.write(exitBanner(ticket.sessionId));
    }
    const outcome: Outcome = this.signal ? signalOutcome(this.signal) : exitOutcome(this.exit);
    if (outcome.message) io.stderr.write(outcome.message);
    return outcome.code;
  }

  /** One SessionOutput: bytes to stdout/stderr (a full one pauses the call), or the exit. */
  private output(m: SessionOutputView): void {
    if (this.closed) return;
    const out = bytesOf(m.stdout);
    if (out) this.write(this.io.stdout, out);
    const err = bytesOf(m.stderr);
    if (err) this.write(this.io.stderr, err);
    if (m.exit) {
      this.exit = m.exit;
      // Nothing more to send: half-close; the server ends the call after exit.
      this.stopStdin();
      this.stream.end();
    }
  }

  private write(to: ExecOutput, bytes: Uint8Array): void {
    if (to.write(bytes) !== false || !to.once || this.fullOutputs.has(to)) return;
    this.fullOutputs.add(to);
    this.stream.pause();
    to.once('drain', () => {
      this.fullOutputs.delete(to);
      if (this.fullOutputs.size === 0) this.stream.resume();
    });
  }

  private stdinWired = false;
  private onData = (chunk?: Uint8Array | string): void => {
    if (this.closed || chunk === undefined || chunk.length === 0) return;
    if (this.stream.write(stdinMessage(chunk))) return;
    // The call is full: stop reading until it drains.
    this.io.stdin?.pause();
    this.stream.onceDrain(() => {
      if (!this.closed && this.stdinWired) this.io.stdin?.resume();
    });
  };
  private onEnd = (): void => {
    if (!this.closed) this.stream.write(STDIN_EOF_MESSAGE);
  };

  private wireStdin(): void {
    const stdin = this.io.stdin;
    if (!stdin) {
      // No input at all: the command's stdin is closed at once.
      this.stream.write(STDIN_EOF_MESSAGE);
      return;
    }
    this.stdinWired = true;
    stdin.on('data', this.onData);
    stdin.on('end', this.onEnd);
    stdin.resume();
  }

  private stopStdin(): void {
    const stdin = this.io.stdin;
    if (!stdin || !this.stdinWired) return;
    this.stdinWired = false;
    stdin.off('data', this.onData);
    stdin.off('end', this.onEnd);
    stdin.pause();
  }

  private wireResize(): void {
    const out = this.io.stdout;
    if (!this.interactive || !out.isTTY || !out.on) return;
    const onResize = (): void => {
      const size = terminalSize(out);
      if (size && !this.closed) this.stream.write(resizeMessage(size));
    };
    out.on('resize', onResize);
    this.undo.push(() => out.off?.('resize', onResize));
  }

  private wireSignals(terminal: { restore(): void }): void {
    const end = (signal: EndingSignal) => () => {
      if (this.signal || this.closed) return;
      this.signal = signal;
      // The terminal first: whatever happens next, the user gets a working shell back.
      terminal.restore();
      this.wakeSignal();
    };
    const offs = [
      this.io.onInterrupt?.(end('SIGINT')),
      this.io.onSignal?.('SIGTERM', end('SIGTERM')),
      this.io.onSignal?.('SIGHUP', end('SIGHUP')),
      this.io.onFatal?.(() => {
        terminal.restore();
        this.stream.cancel();
      }),
    ];
    for (const off of offs) if (off) this.undo.push(off);
  }

  private close(): void {
    if (this.closed) return;
    this.stopStdin();
    this.closed = true;
    for (const fn of this.undo.splice(0)) fn();
  }
}
