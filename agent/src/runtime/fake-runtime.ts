// An in-memory ContainerRuntime for tests and simulations: images, containers, volumes, host ports and
// events, with knobs to make pulls fail, ports clash, containers exit or get OOM-killed, health checks
// change their verdict, and volume creation fail; and Docker's log of each container, which tests write to
// (writeLog) and read back as the Engine API streams it (containerLogs), with a knob to cut the streams.
import { PassThrough } from 'node:stream';
import { formatRfc3339Nano, normalizeDockerTime } from './docker-time.js';
import {
  RuntimeError,
  type ContainerInfo,
  type ContainerLogsOptions,
  type ContainerRuntime,
  type ContainerSpec,
  type EventSubscription,
  type ExecOptions,
  type ExecProcess,
  type ExecStream,
  type HostBinding,
  type RuntimeEvent,
  type RuntimeEventKind,
  type RuntimeHealth,
  type RuntimeVersion,
  type VolumeInfo,
  type VolumeSpec,
} from './runtime.js';

export interface FakeContainer {
  id: string;
  spec: ContainerSpec;
  info: ContainerInfo;
}

/** One message of a container's log as Docker keeps it. */
export interface FakeLogMessage {
  source: 'stdout' | 'stderr';
  /** RFC 3339, 9 fractional digits, UTC. */
  time: string;
  /** The message without its newline. */
  data: Buffer;
  /** A piece of a longer line: streamed without a newline. */
  partial: boolean;
}

/** The payload Docker streams for a message: "<time> <message>" plus "\n" unless it is a piece. */
export function dockerLogPayload(time: string, data: Buffer | string, partial = false): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from(`${time} `), body, partial ? Buffer.alloc(0) : Buffer.from('\n')]);
}

/** A multiplexed frame: stream type (1 stdout, 2 stderr, 3 daemon error), 3 zero bytes, uint32 BE length, payload. */
export function dockerLogFrame(stream: 'stdout' | 'stderr' | 1 | 2 | 3, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream === 'stdout' ? 1 : stream === 'stderr' ? 2 : stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * A scriptable exec for tests: the test writes output (output), ends it (exit), and reads what the agent did
 * (input, inputEnded, resizes, signals). By default a signal ends the process with 128 + its number; set
 * ignoreSignals (all but SIGKILL) to model a process that holds on.
 */
export class FakeExec implements ExecProcess {
  readonly input: Buffer[] = [];
  inputEnded = false;
  readonly resizes: Array<{ rows: number; cols: number }> = [];
  readonly signals: NodeJS.Signals[] = [];
  paused = false;
  closed = false;
  /** write() returns this (false: the agent must wait for drain()). */
  writable = true;
  ignoreSignals = false;
  /** When set, kill() rejects with it. */
  killError?: Error;
  readonly exited: Promise<number | undefined>;
  exitCode?: number;
  private done = false;
  private resolveExit!: (code: number | undefined) => void;
  private handler?: (stream: ExecStream, data: Buffer) => void;
  private queued: Array<[ExecStream, Buffer]> = [];
  private drains: Array<() => void> = [];

  constructor(readonly id: string, readonly containerId: string, readonly opts: ExecOptions) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  get running(): boolean {
    return !this.done;
  }

  /** All input written so far, as one string. */
  inputText(): string {
    return Buffer.concat(this.input).toString();
  }

  onOutput(fn: (stream: ExecStream, data: Buffer) => void): void {
    this.handler = fn;
    this.flushQueued();
  }

  write(data: Buffer): boolean {
    if (!this.inputEnded && !this.done) this.input.push(Buffer.from(data));
    return this.writable;
  }

  onDrain(fn: () => void): void {
    this.drains.push(fn);
  }

  endInput(): void {
    this.inputEnded = true;
  }

  async resize(rows: number, cols: number): Promise<void> {
    this.resizes.push({ rows, cols });
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.killError) throw this.killError;
    if (this.done) throw Object.assign(new Error('the process has already exited'), { code: 'ESRCH' });
    this.signals.push(signal);
    if (signal === 'SIGKILL' || !this.ignoreSignals) queueMicrotask(() => this.exit(128 + (SIGNAL_NUMBERS[signal] ?? 15)));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.flushQueued();
  }

  close(): void {
    this.closed = true;
    this.exit(undefined);
  }

  // ---- knobs for tests ----

  /** The command writes (delivered at once unless paused; with a TTY pass 'stdout'). */
  output(stream: ExecStream, data: string | Buffer): void {
    if (this.done) return;
    this.queued.push([stream, typeof data === 'string' ? Buffer.from(data) : data]);
    this.flushQueued();
  }

  /** The command ends: its output ends and `exited` resolves with the code. */
  exit(code: number | undefined): void {
    if (this.done) return;
    this.done = true;
    this.flushQueued(true);
    this.exitCode = code;
    this.resolveExit(code);
  }

  /** stdin can take more: calls the agent's drain handlers. */
  drain(): void {
    this.writable = true;
    for (const fn of this.drains.splice(0)) fn();
  }

  private flushQueued(force = false): void {
    if (!this.handler || (this.paused && !force)) return;
    while (this.queued.length > 0 && (force || !this.paused)) {
      const [s, d] = this.queued.shift()!;
      this.handler(s, d);
    }
  }
}

interface Listener {
  labels: Record<string, string>;
  onEvent: (e: RuntimeEvent) => void;
}

function matches(labels: Record<string, string>, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly cachedImages = new Set<string>();
  /** image → message: pulling it fails with that message. */
  readonly pullFailures = new Map<string, string>();
  /** "tcp/49153": starting a container bound to it fails as Docker does when another process holds it. */
  readonly takenHostPorts = new Set<string>();
  /** Exit code of a container stopped by stopContainer (SIGTERM honoured: 143; set 137 to model SIGKILL). */
  stopExitCode = 143;
  readonly calls: string[] = [];
  readonly volumes = new Map<string, VolumeInfo>();
  /** Message with which creating a volume fails, when set. */
  volumeFailure?: string;
  /** Docker's log of each container (by id), in the order Docker stores it. */
  readonly logs = new Map<string, FakeLogMessage[]>();
  /** When set, containerLogs rejects with it (a daemon that cannot serve logs right now). */
  logsFailure?: RuntimeError;
  /** How many times containerLogs was called, and with what (tests of resumption). */
  readonly logReads: Array<{ id: string; since?: string; follow: boolean }> = [];
  /** Every exec started, oldest first. */
  readonly execs: FakeExec[] = [];
  /** Called with each new exec (a test scripts the command here). */
  onExec?: (p: FakeExec) => void;
  /** When set, exec rejects with it. */
  execFailure?: RuntimeError;
  private readonly listeners = new Set<Listener>();
  private readonly followers = new Map<string, Set<PassThrough>>();
  private nextId = 1;
  private lastLogMs = 0;
  private logSeq = 0;

  /** `now` stamps StartedAt/FinishedAt (pass a fake clock's). */
  constructor(private readonly now: () => number = Date.now) {}

  async version(): Promise<RuntimeVersion> {
    return { version: '20.10.24', apiVersion: '1.41', minApiVersion: '1.12' };
  }

  async imageExists(image: string): Promise<boolean> {
    return this.cachedImages.has(image);
  }

  async pullImage(image: string): Promise<void> {
    this.calls.push(`pull ${image}`);
    const failure = this.pullFailures.get(image);
    if (failure !== undefined) throw new RuntimeError('other', failure);
    this.cachedImages.add(image);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    this.calls.push(`create ${spec.name}`);
    if (!this.cachedImages.has(spec.image)) throw new RuntimeError('not-found', `No such image: ${spec.image}`);
    if ([...this.containers.values()].some((c) => c.info.name === spec.name)) {
      throw new RuntimeError('other', `Conflict. The container name "/${spec.name}" is already in use`);
    }
    const id = (this.nextId++).toString(16).padStart(64, '0');
    const info: ContainerInfo = { id, name: spec.name, labels: { ...spec.labels }, state: 'created', oomKilled: false, bindings: [] };
    this.containers.set(id, { id, spec, info });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.get(id);
    this.calls.push(`start ${c.info.name}`);
    if (c.info.state === 'running') return;
    const bindings: HostBinding[] =
      c.spec.networkMode === 'bridge'
        ? c.spec.portBindings.map((p) => ({ bindIp: '0.0.0.0', containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol }))
        : [];
    const clash = bindings.find((b) => this.takenHostPorts.has(`${b.protocol}/${b.hostPort}`) || this.boundByOther(id, b));
    if (clash) {
      throw new RuntimeError('port-conflict', `driver failed programming external connectivity: Bind for 0.0.0.0:${clash.hostPort} failed: port is already allocated`);
    }
    c.info = { ...c.info, state: 'running', startedAt: this.now(), bindings, ...(c.spec.healthCheck ? { health: 'starting' as const } : {}) };
    this.emit('start', c);
  }

  async stopContainer(id: string, timeoutSec: number): Promise<void> {
    const c = this.get(id);
    this.calls.push(`stop ${c.info.name} t=${timeoutSec}`);
    if (c.info.state === 'running') this.exit(id, this.stopExitCode);
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.calls.push(`remove ${c.info.name}`);
    this.containers.delete(id);
    this.logs.delete(id);
    this.endFollowers(id);
    this.emit('destroy', c);
  }

  async inspectContainer(id: string): Promise<ContainerInfo | undefined> {
    const c = this.containers.get(id);
    return c ? structuredClone(c.info) : undefined;
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerInfo[]> {
    return [...this.containers.values()].filter((c) => matches(c.info.labels, labels)).map((c) => structuredClone(c.info));
  }

  async createVolume(spec: VolumeSpec): Promise<void> {
    this.calls.push(`create-volume ${spec.name}`);
    if (this.volumeFailure !== undefined) throw new RuntimeError('other', this.volumeFailure);
    if (!this.volumes.has(spec.name)) this.volumes.set(spec.name, { name: spec.name, labels: { ...spec.labels } });
  }

  async removeVolume(name: string): Promise<void> {
    if (!this.volumes.has(name)) return;
    this.calls.push(`remove-volume ${name}`);
    const user = [...this.containers.values()].find((c) => c.spec.mounts.some((m) => m.kind === 'volume' && m.source === name));
    if (user) throw new RuntimeError('other', `remove ${name}: volume is in use - [${user.id}]`);
    this.volumes.delete(name);
  }

  async listVolumes(labels: Record<string, string>): Promise<VolumeInfo[]> {
    return [...this.volumes.values()].filter((v) => matches(v.labels, labels)).map((v) => structuredClone(v));
  }

  async containerLogs(id: string, opts: ContainerLogsOptions): Promise<NodeJS.ReadableStream> {
    this.logReads.push({ id, since: opts.since, follow: opts.follow });
    if (this.logsFailure) throw this.logsFailure;
    const c = this.get(id);
    const since = opts.since === undefined ? undefined : normalizeDockerTime(opts.since);
    const out = new PassThrough();
    for (const m of this.logs.get(id) ?? []) if (since === undefined || m.time >= since) out.write(this.encode(c, m));
    if (opts.follow && ['running', 'paused', 'restarting'].includes(c.info.state)) {
      const set = this.followers.get(id) ?? new Set<PassThrough>();
      set.add(out);
      this.followers.set(id, set);
      out.on('close', () => set.delete(out));
    } else {
      out.end();
    }
    return out;
  }

  subscribe(labels: Record<string, string>, onEvent: (e: RuntimeEvent) => void): EventSubscription {
    const l: Listener = { labels, onEvent };
    this.listeners.add(l);
    return { close: () => this.listeners.delete(l) };
  }

  async exec(containerId: string, opts: ExecOptions): Promise<ExecProcess> {
    this.calls.push(`exec ${opts.cmd.join(' ')}`);
    if (this.execFailure) throw this.execFailure;
    const c = this.containers.get(containerId);
    if (!c) throw new RuntimeError('not-found', `No such container: ${containerId}`);
    if (c.info.state !== 'running') throw new RuntimeError('not-running', `Container ${containerId} is not running`);
    const p = new FakeExec(`exec-${this.execs.length + 1}`, containerId, structuredClone(opts));
    this.execs.push(p);
    this.onExec?.(p);
    return p;
  }

  async killExec(execId: string, containerId: string, signal: NodeJS.Signals): Promise<'signalled' | 'gone'> {
    this.calls.push(`killExec ${execId} ${signal}`);
    const p = this.execs.find((e) => e.id === execId && e.containerId === containerId);
    if (!p?.running) return 'gone';
    await p.kill(signal);
    return 'signalled';
  }

  // ---- knobs for tests ----

  /** The container exits (as if its process ended) with that code, optionally killed for memory. */
  exit(id: string, exitCode: number, opts: { oomKilled?: boolean } = {}): void {
    const c = this.get(id);
    c.info = { ...c.info, state: 'exited', exitCode, oomKilled: opts.oomKilled ?? false, finishedAt: this.now(), bindings: [] };
    this.endFollowers(id);
    if (opts.oomKilled) this.emit('oom', c);
    this.emit('die', c);
  }

  /**
   * The container writes a message to its log (a line without its newline, or a piece of a longer line with
   * `partial`). The time defaults to the clock's, made unique and increasing with nanoseconds.
   */
  writeLog(id: string, source: 'stdout' | 'stderr', data: string | Buffer, opts: { time?: string; partial?: boolean } = {}): FakeLogMessage {
    const c = this.get(id);
    const m: FakeLogMessage = {
      source,
      time: opts.time ?? this.nextLogTime(),
      data: typeof data === 'string' ? Buffer.from(data) : data,
      partial: opts.partial ?? false,
    };
    const log = this.logs.get(id) ?? [];
    log.push(m);
    this.logs.set(id, log);
    for (const f of this.followers.get(id) ?? []) f.write(this.encode(c, m));
    return m;
  }

  /** Ends every open log stream of the container (or of all containers) as a daemon hiccup would, the container still running. */
  breakLogStreams(id?: string): void {
    for (const key of id === undefined ? [...this.followers.keys()] : [id]) this.endFollowers(key);
  }

  /** The container's health check reaches a new verdict (Docker's health_status event). */
  setHealth(id: string, health: RuntimeHealth, opts: { silent?: boolean } = {}): void {
    const c = this.get(id);
    c.info = { ...c.info, health };
    if (!opts.silent) this.emit('health', c, health);
  }

  /** Adds a container directly (e.g. one left behind by an earlier agent process). */
  add(spec: ContainerSpec, state: ContainerInfo['state'], exitCode?: number): string {
    const id = (this.nextId++).toString(16).padStart(64, '0');
    const bindings = state === 'running' ? spec.portBindings.map((p) => ({ bindIp: '0.0.0.0', ...p })) : [];
    const info: ContainerInfo = { id, name: spec.name, labels: { ...spec.labels }, state, exitCode, oomKilled: false, bindings, startedAt: state === 'created' ? undefined : this.now() };
    this.containers.set(id, { id, spec, info });
    return id;
  }

  byName(name: string): FakeContainer | undefined {
    return [...this.containers.values()].find((c) => c.info.name === name);
  }

  /** Containers whose labels include these. */
  find(labels: Record<string, string>): FakeContainer[] {
    return [...this.containers.values()].filter((c) => matches(c.info.labels, labels));
  }

  private boundByOther(id: string, b: HostBinding): boolean {
    return [...this.containers.values()].some(
      (o) => o.id !== id && o.info.state === 'running' && o.info.bindings.some((x) => x.hostPort === b.hostPort && x.protocol === b.protocol),
    );
  }

  private endFollowers(id: string): void {
    const set = this.followers.get(id);
    if (!set) return;
    this.followers.delete(id);
    for (const f of set) f.end();
  }

  /** As the Engine API streams it: a frame, or the raw payload for a container with a TTY. */
  private encode(c: FakeContainer, m: FakeLogMessage): Buffer {
    const payload = dockerLogPayload(m.time, m.data, m.partial);
    return c.spec.tty ? payload : dockerLogFrame(m.source, payload);
  }

  private nextLogTime(): string {
    const ms = this.now();
    if (ms !== this.lastLogMs) {
      this.lastLogMs = ms;
      this.logSeq = 0;
    }
    const nsec = (((ms % 1000) + 1000) % 1000) * 1_000_000 + this.logSeq++;
    return formatRfc3339Nano({ sec: Math.floor(ms / 1000), nsec });
  }

  private get(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('not-found', `No such container: ${id}`);
    return c;
  }

  private emit(kind: RuntimeEventKind, c: FakeContainer, health?: RuntimeHealth): void {
    const e: RuntimeEvent = { kind, id: c.id, labels: { ...c.info.labels }, ...(health ? { health } : {}) };
    for (const l of this.listeners) if (matches(e.labels, l.labels)) queueMicrotask(() => l.onEvent(e));
  }
}
