// An exec attached over Docker's hijacked connection (POST /exec/{id}/start with Upgrade: tcp), as an
// ExecProcess. docker-runtime.ts creates the exec and starts it with dockerode; this file only sees the raw
// socket and a narrow view of dockerode's Exec (inspect, resize), so it imports no dockerode.
//
// - Output: with a TTY the socket carries the terminal's bytes as they are; without one, Docker's
//   multiplexed frames (8-byte header: stream 1 stdout, 2 stderr, 3 a daemon error; 3 zero bytes; uint32 BE
//   length), parsed incrementally by ExecDemuxer (a frame may be split anywhere).
// - Input: written to the socket; endInput half-closes it (Docker then closes the command's stdin).
// - Exit: once the socket's read side ends, the exec is inspected until Running is false (ExitCode).
// - kill: the exec's host PID from inspect. process.kill on it only makes sense when the agent shares the
//   host's PID namespace; /proc/<pid>/cgroup must name the container, so that a PID from another namespace
//   never signals an unrelated process.
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import type { ExecProcess, ExecStream } from './runtime.js';

/** What this file needs of dockerode's Exec. */
export interface DockerExecHandle {
  id: string;
  inspect(): Promise<{ Running: boolean; ExitCode: number | null; Pid: number }>;
  resize(opts: { h: number; w: number }): Promise<unknown>;
}

const HEADER = 8;
/** Polls of inspect after the output ended, waiting for Running to turn false. */
const EXIT_POLL_MS = 20;
const EXIT_POLL_MAX = 250;
/** Polls of inspect before a kill, waiting for a process just started to appear. */
const START_POLL_MAX = 100;

/** Docker's stdout/stderr frames in, (stream, payload) out. Pure and incremental. */
export class ExecDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly emit: (stream: ExecStream, data: Buffer) => void) {}

  push(chunk: Buffer): void {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (buf.length - at >= HEADER) {
      const len = buf.readUInt32BE(at + 4);
      if (buf.length - at - HEADER < len) break;
      const type = buf[at];
      const payload = buf.subarray(at + HEADER, at + HEADER + len);
      at += HEADER + len;
      if (len > 0 && type !== 0) this.emit(type === 1 ? 'stdout' : 'stderr', payload);
    }
    this.pending = at === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
  }
}

export class DockerExecProcess implements ExecProcess {
  readonly exited: Promise<number | undefined>;
  private handler?: (stream: ExecStream, data: Buffer) => void;
  /** Output that arrived before a handler was set. */
  private early: Array<[ExecStream, Buffer]> = [];
  private inputEnded = false;

  constructor(
    private readonly exec: DockerExecHandle,
    private readonly socket: Duplex,
    private readonly containerId: string,
    tty: boolean,
  ) {
    (socket as Duplex & { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
    const deliver = (stream: ExecStream, data: Buffer) => {
      if (this.handler) this.handler(stream, data);
      else this.early.push([stream, data]);
    };
    const demux = tty ? undefined : new ExecDemuxer(deliver);
    socket.on('data', (chunk: Buffer) => (demux ? demux.push(chunk) : deliver('stdout', chunk)));
    const ended = new Promise<void>((resolve) => {
      socket.once('end', resolve);
      socket.once('close', resolve);
      socket.once('error', () => resolve());
    });
    this.exited = ended.then(() => this.exitCode());
  }

  get id(): string {
    return this.exec.id;
  }

  onOutput(fn: (stream: ExecStream, data: Buffer) => void): void {
    this.handler = fn;
    const early = this.early;
    this.early = [];
    for (const [s, d] of early) fn(s, d);
  }

  write(data: Buffer): boolean {
    if (this.inputEnded || this.socket.destroyed) return true;
    return this.socket.write(data);
  }

  onDrain(fn: () => void): void {
    this.socket.once('drain', fn);
  }

  endInput(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    if (!this.socket.destroyed) this.socket.end();
  }

  async resize(rows: number, cols: number): Promise<void> {
    if (rows > 0 && cols > 0) await this.exec.resize({ h: rows, w: cols });
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    let info = await this.exec.inspect();
    // Just after the start Docker may not know the process yet (no PID, no exit code; Running may be true).
    for (let i = 0; i < START_POLL_MAX && !info.Pid && info.ExitCode === null; i++) {
      await new Promise((r) => setTimeout(r, EXIT_POLL_MS));
      info = await this.exec.inspect();
    }
    if ((await signalRunning(info, this.containerId, signal)) === 'gone') {
      throw Object.assign(new Error('the process has already exited'), { code: 'ESRCH' });
    }
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.socket.destroy();
  }

  /** Inspects until Running is false (bounded); the exit code, or undefined. */
  private async exitCode(): Promise<number | undefined> {
    for (let i = 0; i < EXIT_POLL_MAX; i++) {
      try {
        const info = await this.exec.inspect();
        if (!info.Running) return info.ExitCode ?? undefined;
      } catch {
        return undefined;
      }
      await new Promise((r) => setTimeout(r, EXIT_POLL_MS));
    }
    return undefined;
  }
}

/** Signals an exec's process, as inspected, if it still runs there ('gone' otherwise). */
export async function signalRunning(
  info: { Running: boolean; Pid: number },
  containerId: string,
  signal: NodeJS.Signals,
): Promise<'signalled' | 'gone'> {
  if (!info.Running || !info.Pid) return 'gone';
  await assertInContainer(info.Pid, containerId);
  try {
    process.kill(info.Pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
    throw err;
  }
  return 'signalled';
}

/** Refuses to signal a PID that is not the container's on this host (another PID namespace, or reused). */
async function assertInContainer(pid: number, containerId: string): Promise<void> {
  let cgroup: string;
  try {
    cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    throw Object.assign(new Error(`no process ${pid} is visible to the agent (it must run in the host's PID namespace)`), { code: 'ESRCH' });
  }
  if (!cgroup.includes(containerId)) {
    throw Object.assign(
      new Error(`process ${pid} is not in container ${containerId.slice(0, 12)} as the agent sees it (it must run in the host's PID namespace)`),
      { code: 'EPERM' },
    );
  }
}
