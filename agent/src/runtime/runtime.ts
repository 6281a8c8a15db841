// The narrow seam between the agent and the container engine. docker-runtime.ts implements it with
// dockerode (the only file that imports dockerode); fake-runtime.ts implements it in memory.

export type Protocol = 'tcp' | 'udp';

export interface PortBinding {
  containerPort: number;
  /** 0 lets the engine pick; the agent always passes a concrete port in bridge mode. */
  hostPort: number;
  protocol: Protocol;
}

/** A mount: a host path (bind) or a named volume, at a path inside the container. */
export interface MountSpec {
  kind: 'bind' | 'volume';
  /** Host path (bind) or volume name (volume). */
  source: string;
  target: string;
  readOnly: boolean;
}

/** Docker's HEALTHCHECK, with times in seconds (the runtime converts to its own units). */
export interface HealthCheckSpec {
  /** As given: ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]. */
  test: string[];
  intervalSec: number;
  timeoutSec: number;
  retries: number;
  startPeriodSec: number;
}

export interface UlimitSpec {
  name: string;
  soft: number;
  hard: number;
}

export interface ContainerSpec {
  name: string;
  image: string;
  entryPoint?: string[];
  command?: string[];
  env: string[];
  workingDir?: string;
  user?: string;
  hostname?: string;
  labels: Record<string, string>;
  cpuShares: number;
  memoryMiB?: number;
  memoryReservationMiB?: number;
  networkMode: string;
  portBindings: PortBinding[];
  /** Docker legacy links, `containerName:alias`. */
  links: string[];
  logConfig?: { type: string; options: Record<string, string> };
  stopTimeoutSec?: number;
  mounts: MountSpec[];
  healthCheck?: HealthCheckSpec;
  ulimits: UlimitSpec[];
  privileged: boolean;
  readonlyRootfs: boolean;
  networkDisabled: boolean;
  dns: string[];
  /** Keep stdin open (docker run -i). */
  openStdin: boolean;
  /** Allocate a pseudo-TTY (docker run -t). */
  tty: boolean;
}

/** Docker's health status of a container that has a health check. */
export type RuntimeHealth = 'starting' | 'healthy' | 'unhealthy';

export interface VolumeSpec {
  name: string;
  labels: Record<string, string>;
}

export interface VolumeInfo {
  name: string;
  labels: Record<string, string>;
}

export type ContainerRunState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface HostBinding {
  bindIp: string;
  containerPort: number;
  hostPort: number;
  protocol: Protocol;
}

export interface ContainerInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: ContainerRunState;
  exitCode?: number;
  oomKilled: boolean;
  /** Epoch ms, when known. */
  startedAt?: number;
  finishedAt?: number;
  bindings: HostBinding[];
  imageDigest?: string;
  /** Present when the container has a health check. */
  health?: RuntimeHealth;
}

export type RuntimeEventKind = 'start' | 'die' | 'oom' | 'stop' | 'destroy' | 'health';

export interface RuntimeEvent {
  kind: RuntimeEventKind;
  id: string;
  labels: Record<string, string>;
  /** The new health status (kind 'health'). */
  health?: RuntimeHealth;
}

export interface RuntimeVersion {
  /** e.g. 20.10.24 (build metadata such as +dfsg1 dropped). */
  version: string;
  apiVersion: string;
  minApiVersion?: string;
}

export type RuntimeErrorKind = 'not-found' | 'port-conflict' | 'not-running' | 'other';

/** An engine failure with the engine's own message (it ends up in ECS reasons). */
export class RuntimeError extends Error {
  constructor(readonly kind: RuntimeErrorKind, message: string) {
    super(message);
    this.name = 'RuntimeError';
  }
}

/** What containerLogs reads. */
export interface ContainerLogsOptions {
  /** Only messages stamped at or after this RFC 3339 time (nanoseconds kept); absent: the whole log. */
  since?: string;
  /** Keep the stream open for new messages until the container stops. */
  follow: boolean;
}

export interface EventSubscription {
  close(): void;
}

/** A command to run in a running container (Docker's exec). */
export interface ExecOptions {
  /** argv; not run through a shell. */
  cmd: string[];
  /** Under a pseudo-terminal that Docker allocates in the container: stdout and stderr are one stream. */
  tty: boolean;
  /** KEY=VALUE, added to the container's environment. */
  env?: string[];
  /** The terminal's size from the start (tty only). */
  size?: { rows: number; cols: number };
}

export type ExecStream = 'stdout' | 'stderr';

/**
 * A command running in a container, attached (stdin, stdout, stderr). Output is delivered to the onOutput
 * handler as it arrives (demultiplexed without a TTY; all stdout with one); `exited` settles after the output
 * has ended, with the command's exit code (undefined if the engine cannot tell).
 */
export interface ExecProcess {
  /** The engine's exec id. */
  readonly id: string;
  /** Sets the output handler (one; set it before the first await after exec() resolves). */
  onOutput(fn: (stream: ExecStream, data: Buffer) => void): void;
  /** The exit code once the output ended and the process is no longer running. Never rejects. */
  readonly exited: Promise<number | undefined>;
  /** Writes to the command's stdin; false: wait for onDrain before writing more. */
  write(data: Buffer): boolean;
  /** Calls fn once, when stdin can take more. */
  onDrain(fn: () => void): void;
  /** Closes the command's stdin (half-closes the attached connection); output keeps coming. */
  endInput(): void;
  /** The pseudo-terminal's size (tty only; ignored otherwise). */
  resize(rows: number, cols: number): Promise<void>;
  /**
   * Sends a signal to the process on the host (its host PID, from the engine). Rejects when it cannot (the
   * process is gone, or the agent does not share the host's PID namespace), with the reason.
   */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Flow control of the output: no onOutput calls between pause and resume. */
  pause(): void;
  resume(): void;
  /** Drops the attachment (the process is not signalled); `exited` settles soon after. */
  close(): void;
}

export interface ContainerRuntime {
  version(): Promise<RuntimeVersion>;
  imageExists(image: string): Promise<boolean>;
  /** Pulls image; rejects with a RuntimeError carrying the engine's message. */
  pullImage(image: string): Promise<void>;
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after timeoutSec. Stopping a stopped container is not an error. */
  stopContainer(id: string, timeoutSec: number): Promise<void>;
  /** Removes the container (forcibly); a missing container is not an error. */
  removeContainer(id: string): Promise<void>;
  inspectContainer(id: string): Promise<ContainerInfo | undefined>;
  /** Every container (running or not) carrying all the given labels, inspected. */
  listContainers(labels: Record<string, string>): Promise<ContainerInfo[]>;
  /** Creates a named local volume; creating one that exists is not an error. */
  createVolume(spec: VolumeSpec): Promise<void>;
  /** Removes a named volume; a missing volume is not an error. */
  removeVolume(name: string): Promise<void>;
  /** Every volume carrying all the given labels. */
  listVolumes(labels: Record<string, string>): Promise<VolumeInfo[]>;
  /**
   * The container's log as Docker's Engine API streams it (GET /containers/{id}/logs with stdout, stderr and
   * timestamps): multiplexed frames (8-byte header: stream 1 stdout, 2 stderr, 3 a daemon error; 3 zero
   * bytes; uint32 BE length), each payload "<RFC3339Nano> <message>" ending in "\n" unless the message is a
   * piece of a longer line; for a container with a TTY the same payloads, raw, without frames. With follow,
   * the stream ends when the container stops (after its last message). Rejects with a RuntimeError
   * (not-found for an unknown container).
   */
  containerLogs(id: string, opts: ContainerLogsOptions): Promise<NodeJS.ReadableStream>;
  /** Container events for containers carrying all the given labels. onError is called once if the stream fails. */
  subscribe(labels: Record<string, string>, onEvent: (e: RuntimeEvent) => void, onError: (err: Error) => void): EventSubscription;
  /**
   * Runs a command in a running container, attached. Rejects with a RuntimeError: not-found for an unknown
   * container, not-running for one that is not running, other otherwise (the engine's message).
   */
  exec(containerId: string, opts: ExecOptions): Promise<ExecProcess>;
  /**
   * Signals the process of an exec this agent is no longer attached to (one started before a crash), by its
   * host PID as for ExecProcess.kill. 'gone' when the engine no longer knows the exec or it is not running;
   * rejects when it cannot signal it.
   */
  killExec(execId: string, containerId: string, signal: NodeJS.Signals): Promise<'signalled' | 'gone'>;
}
