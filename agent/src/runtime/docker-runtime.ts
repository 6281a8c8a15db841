// The ContainerRuntime on a real Docker engine, through dockerode. This is the only file that imports dockerode.
import Docker from 'dockerode';
import type { DockerEndpoint } from '../config/options.js';
import { DockerExecProcess, signalRunning } from './docker-exec.js';
import { toDockerUnixTime } from './docker-time.js';
import { streamingGet } from './raw-http.js';
import {
  RuntimeError,
  type ContainerInfo,
  type ContainerLogsOptions,
  type ContainerRunState,
  type ContainerRuntime,
  type ContainerSpec,
  type EventSubscription,
  type ExecOptions,
  type ExecProcess,
  type HostBinding,
  type Protocol,
  type RuntimeEvent,
  type RuntimeEventKind,
  type RuntimeHealth,
  type RuntimeVersion,
  type VolumeInfo,
  type VolumeSpec,
} from './runtime.js';

const EVENT_KINDS: ReadonlySet<string> = new Set<RuntimeEventKind>(['start', 'die', 'oom', 'stop', 'destroy']);
const HEALTH: ReadonlySet<string> = new Set<RuntimeHealth>(['starting', 'healthy', 'unhealthy']);
const NS_PER_SEC = 1_000_000_000;

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Docker;

  constructor(private readonly endpoint: DockerEndpoint) {
    this.docker =
      endpoint.kind === 'unix'
        ? new Docker({ socketPath: endpoint.socketPath })
        : new Docker({ host: endpoint.host, port: endpoint.port, protocol: 'http' });
  }

  async version(): Promise<RuntimeVersion> {
    const v = await wrap(() => this.docker.version());
    return { version: v.Version.split('+')[0], apiVersion: v.ApiVersion, minApiVersion: v.MinAPIVersion };
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw toRuntimeError(err);
    }
  }

  async pullImage(image: string): Promise<void> {
    const stream = await wrap(() => this.docker.pull(image));
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, output: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
          const failed = output?.find((o) => o.error || o.errorDetail);
          if (err) reject(toRuntimeError(err));
          else if (failed) reject(new RuntimeError('other', failed.errorDetail?.message ?? failed.error ?? 'pull failed'));
          else resolve();
        },
      );
    });
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const c = await wrap(() => this.docker.createContainer(toCreateOptions(spec)));
    return c.id;
  }

  async startContainer(id: string): Promise<void> {
    await wrap(() => this.docker.getContainer(id).start());
  }

  async stopContainer(id: string, timeoutSec: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.round(timeoutSec)) });
    } catch (err) {
      if (statusOf(err) === 304) return; // already stopped
      throw toRuntimeError(err);
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw toRuntimeError(err);
    }
  }

  async inspectContainer(id: string): Promise<ContainerInfo | undefined> {
    try {
      return fromInspect(await this.docker.getContainer(id).inspect());
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw toRuntimeError(err);
    }
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerInfo[]> {
    const list = await wrap(() => this.docker.listContainers({ all: true, filters: { label: labelFilters(labels) } }));
    const infos = await Promise.all(list.map((c) => this.inspectContainer(c.Id)));
    return infos.filter((i): i is ContainerInfo => i !== undefined);
  }

  async createVolume(spec: VolumeSpec): Promise<void> {
    await wrap(() => this.docker.createVolume({ Name: spec.name, Driver: 'local', Labels: spec.labels }));
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove();
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw toRuntimeError(err);
    }
  }

  async listVolumes(labels: Record<string, string>): Promise<VolumeInfo[]> {
    const out = await wrap(() => this.docker.listVolumes({ filters: { label: labelFilters(labels) } }));
    return (out.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async containerLogs(id: string, opts: ContainerLogsOptions): Promise<NodeJS.ReadableStream> {
    const query = new URLSearchParams({ stdout: '1', stderr: '1', timestamps: '1', follow: opts.follow ? '1' : '0' });
    if (opts.since !== undefined) query.set('since', toDockerUnixTime(opts.since));
    return streamingGet(this.endpoint, `/containers/${encodeURIComponent(id)}/logs?${query}`);
  }

  async exec(containerId: string, opts: ExecOptions): Promise<ExecProcess> {
    const container = this.docker.getContainer(containerId);
    const exec = await wrapExec(() =>
      container.exec({
        Cmd: opts.cmd,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: opts.tty,
        Env: opts.env,
        // API 1.42+ sizes the terminal from the start; older engines ignore it (the resize after start does it).
        ...(opts.tty && opts.size && opts.size.rows > 0 && opts.size.cols > 0 ? { ConsoleSize: [opts.size.rows, opts.size.cols] as [number, number] } : {}),
      }),
    );
    const socket = await wrapExec(() => exec.start({ hijack: true, stdin: true, Tty: opts.tty }));
    return new DockerExecProcess(exec, socket, containerId, opts.tty);
  }

  async killExec(execId: string, containerId: string, signal: NodeJS.Signals): Promise<'signalled' | 'gone'> {
    let info: { Running: boolean; Pid: number };
    try {
      info = await this.docker.getExec(execId).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return 'gone';
      throw toRuntimeError(err);
    }
    return signalRunning(info, containerId, signal);
  }

  subscribe(labels: Record<string, string>, onEvent: (e: RuntimeEvent) => void, onError: (err: Error) => void): EventSubscription {
    let closed = false;
    let stream: NodeJS.ReadableStream & { destroy?: () => void } | undefined;
    let failed = false;
    const fail = (err: Error) => {
      if (closed || failed) return;
      failed = true;
      onError(err);
    };
    this.docker
      .getEvents({ filters: { type: ['container'], label: labelFilters(labels) } })
      .then((s) => {
        stream = s as typeof stream;
        if (closed) return stream?.destroy?.();
        readJsonLines(s, (obj) => {
          const e = toRuntimeEvent(obj);
          if (e && !closed) onEvent(e);
        });
        s.on('error', (err: Error) => fail(err));
        s.on('end', () => fail(new Error('docker event stream ended')));
      })
      .catch((err) => fail(toRuntimeError(err)));
    return {
      close() {
        closed = true;
        stream?.destroy?.();
      },
    };
  }
}

function labelFilters(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

/** Exported for tests: the create request Docker receives for a spec. */
export function toCreateOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const b of spec.portBindings) {
    const key = `${b.containerPort}/${b.protocol}`;
    exposed[key] = {};
    if (spec.networkMode === 'bridge') (bindings[key] ??= []).push({ HostIp: '', HostPort: b.hostPort ? String(b.hostPort) : '' });
  }
  return {
    name: spec.name,
    Image: spec.image,
    Entrypoint: spec.entryPoint,
    Cmd: spec.command,
    Env: spec.env,
    WorkingDir: spec.workingDir,
    User: spec.user,
    Hostname: spec.hostname,
    Labels: spec.labels,
    ExposedPorts: exposed,
    StopTimeout: spec.stopTimeoutSec,
    Healthcheck: healthcheckOf(spec),
    NetworkDisabled: spec.networkDisabled || undefined,
    OpenStdin: spec.openStdin || undefined,
    Tty: spec.tty || undefined,
    HostConfig: {
      CpuShares: spec.cpuShares,
      Memory: spec.memoryMiB ? spec.memoryMiB * 1024 * 1024 : undefined,
      MemoryReservation: spec.memoryReservationMiB ? spec.memoryReservationMiB * 1024 * 1024 : undefined,
      NetworkMode: spec.networkMode,
      PortBindings: bindings,
      Links: spec.links.length > 0 ? spec.links : undefined,
      LogConfig: spec.logConfig ? { Type: spec.logConfig.type, Config: spec.logConfig.options } : undefined,
      Binds: spec.mounts.length > 0 ? spec.mounts.map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`) : undefined,
      Ulimits: spec.ulimits.length > 0 ? spec.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) : undefined,
      Privileged: spec.privileged || undefined,
      ReadonlyRootfs: spec.readonlyRootfs || undefined,
      Dns: spec.dns.length > 0 ? spec.dns : undefined,
    },
  };
}

/** Docker's Healthcheck: the test as given, times in nanoseconds. */
function healthcheckOf(spec: ContainerSpec): Docker.ContainerCreateOptions['Healthcheck'] {
  const h = spec.healthCheck;
  if (!h) return undefined;
  return {
    Test: h.test,
    Interval: h.intervalSec * NS_PER_SEC,
    Timeout: h.timeoutSec * NS_PER_SEC,
    Retries: h.retries,
    StartPeriod: h.startPeriodSec * NS_PER_SEC,
  };
}

function fromInspect(c: Docker.ContainerInspectInfo): ContainerInfo {
  const s = c.State;
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    labels: c.Config.Labels ?? {},
    state: s.Status as ContainerRunState,
    exitCode: s.Status === 'exited' || s.Status === 'dead' ? s.ExitCode : undefined,
    oomKilled: s.OOMKilled,
    startedAt: parseDockerTime(s.StartedAt),
    finishedAt: parseDockerTime(s.FinishedAt),
    bindings: bindingsOf(c.NetworkSettings?.Ports ?? {}),
    ...(s.Health && HEALTH.has(s.Health.Status) ? { health: s.Health.Status as RuntimeHealth } : {}),
  };
}

/** IPv4 bindings from NetworkSettings.Ports ({"80/tcp": [{HostIp: "0.0.0.0", HostPort: "49153"}, {HostIp: "::", ...}]}). */
function bindingsOf(ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null>): HostBinding[] {
  const out: HostBinding[] = [];
  for (const [key, list] of Object.entries(ports)) {
    const [port, proto] = key.split('/');
    for (const b of list ?? []) {
      if (b.HostIp.includes(':')) continue; // IPv6 twin of the IPv4 binding
      out.push({ bindIp: b.HostIp || '0.0.0.0', containerPort: Number(port), hostPort: Number(b.HostPort), protocol: proto as Protocol });
    }
  }
  return out;
}

function parseDockerTime(t: string | undefined): number | undefined {
  if (!t || t.startsWith('0001-')) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Exported for tests. Docker's health events have the action "health_status: healthy" (or unhealthy). */
export function toRuntimeEvent(obj: unknown): RuntimeEvent | undefined {
  const e = obj as { Type?: string; Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
  if (e.Type !== 'container' || !e.Action || !e.Actor?.ID) return undefined;
  const labels = e.Actor.Attributes ?? {};
  const health = /^health_status:\s*(\w+)/.exec(e.Action)?.[1];
  if (health !== undefined) return HEALTH.has(health) ? { kind: 'health', id: e.Actor.ID, labels, health: health as RuntimeHealth } : undefined;
  if (!EVENT_KINDS.has(e.Action)) return undefined;
  return { kind: e.Action as RuntimeEventKind, id: e.Actor.ID, labels };
}

function readJsonLines(stream: NodeJS.ReadableStream, onObject: (o: unknown) => void): void {
  let buf = '';
  stream.on('data', (chunk: Buffer | string) => {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      try {
        onObject(JSON.parse(line));
      } catch {
        // a malformed event line is skipped; polling reconciles anything missed
      }
    }
  });
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** Docker's own message ("No such image: x", "... port is already allocated"), classified. */
export function toRuntimeError(err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const e = err as { json?: unknown; message?: string; statusCode?: number };
  let message = e.message ?? String(err);
  if (e.json && typeof e.json === 'object' && 'message' in e.json) message = String((e.json as { message: unknown }).message);
  else if (typeof e.json === 'string' && e.json.trim()) message = e.json.trim();
  else if (Buffer.isBuffer(e.json) && e.json.length > 0) message = e.json.toString().trim();
  else message = message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim(); // dockerode's prefix to Docker's message
  if (e.statusCode === 404) return new RuntimeError('not-found', message);
  if (/port is already allocated|address already in use/i.test(message)) return new RuntimeError('port-conflict', message);
  return new RuntimeError('other', message);
}

/** As wrap, with Docker's 409 (the container is not running, or paused) as not-running. */
async function wrapExec<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = toRuntimeError(err);
    if (statusOf(err) === 409 || /is not running|is paused/i.test(e.message)) throw new RuntimeError('not-running', e.message);
    throw e;
  }
}

async function wrap<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toRuntimeError(err);
  }
}
