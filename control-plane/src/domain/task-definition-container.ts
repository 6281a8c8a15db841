// One container definition of RegisterTaskDefinition: the rules that need only the container itself and the
// task's network mode, task memory and volume names. Returns a normalized copy; never mutates its input.
// Rules that relate containers to each other (names, links, dependsOn, host ports, sums) are in
// task-definition-relations.ts. Sources for each rule are cited next to it (ECS API reference
// ContainerDefinition / PortMapping / HealthCheck / LogConfiguration / Ulimit, and ECS's own error texts).
import type { ContainerDefinition__Output } from '../../../proto/gen/ecs/v1/ContainerDefinition.js';
import type { PortMapping__Output } from '../../../proto/gen/ecs/v1/PortMapping.js';
import type { HealthCheck__Output } from '../../../proto/gen/ecs/v1/HealthCheck.js';
import { FIRELENS_DRIVER, logHandling, LogOptionError } from '../../../common/log-options.js';
import { ClientException, InvalidParameterException } from './errors.js';

export type NetworkMode = 'bridge' | 'host' | 'none';

export interface ContainerContext {
  networkMode: NetworkMode;
  /** Task-level memory in MiB, when the task definition sets one. */
  taskMemory?: number;
  /** Names of the task definition's volumes. */
  volumeNames: ReadonlySet<string>;
}

/** Container names: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens". */
export const NAME_RE = /^[A-Za-z0-9_-]{1,255}$/;
/** Image: "letters, numbers, hyphens, underscores, colons, periods, forward slashes, and number signs (#)". */
const IMAGE_CHARS_RE = /^[A-Za-z0-9_\-:./#]+$/;
/** Digest form: "The only supported hash function is sha256 ... exactly 64 characters". */
const IMAGE_DIGEST_RE = /^sha256:[A-Fa-f0-9]{64}$/;
const IMAGE_MAX = 255;
/** Docker 20.10+ reserves a minimum of 6 MiB for a container (ContainerDefinition.memory). */
export const CONTAINER_MEMORY_MIN_MIB = 6;
/**
 * LogConfiguration.logDriver for tasks on EC2 instances (ECS's LogDriver enum), plus Docker's `local` and
 * `none`, which go beyond ECS's enum: this cluster passes Docker's own drivers to Docker (limited by each
 * agent's ECS_AVAILABLE_LOGGING_DRIVERS, through requiresAttributes), and these two are Docker built-ins.
 */
export const LOG_DRIVERS: ReadonlySet<string> = new Set([
  'json-file', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'awsfirelens', 'local', 'none',
]);
/** Ulimit.name (ECS's UlimitName enum, which is Docker's list). */
export const ULIMIT_NAMES: ReadonlySet<string> = new Set([
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss',
  'rtprio', 'rttime', 'sigpending', 'stack',
]);
/** HealthCheck ranges and defaults (ECS API reference, HealthCheck). */
const HEALTH_RANGES = {
  interval: { min: 5, max: 300, dflt: 30 as number | undefined },
  timeout: { min: 2, max: 60, dflt: 5 as number | undefined },
  retries: { min: 1, max: 10, dflt: 3 as number | undefined },
  startPeriod: { min: 0, max: 300, dflt: undefined as number | undefined },
} as const;

function isInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n);
}

/** Validates one container and returns a normalized deep copy. `c.name` has already been checked. */
export function normalizeContainer(c: ContainerDefinition__Output, ctx: ContainerContext): ContainerDefinition__Output {
  const name = c.name as string;
  const out = structuredClone(c);
  checkImage(name, c.image);
  checkCpu(name, c.cpu);
  checkMemory(name, c, ctx.taskMemory);
  out.essential = c.essential ?? true;
  out.portMappings = normalizePortMappings(name, c.portMappings, ctx.networkMode);
  if (c.healthCheck) out.healthCheck = normalizeHealthCheck(name, c.healthCheck);
  checkLogConfiguration(name, c);
  checkEnvironmentAndLabels(name, c);
  checkUlimits(name, c);
  checkMountPoints(name, c, ctx.volumeNames);
  for (const field of ['startTimeout', 'stopTimeout'] as const) {
    const v = c[field];
    if (v !== undefined && (!isInt(v) || v < 0)) {
      throw new ClientException(`Invalid '${field}' setting for container '${name}'. It must be a whole number of seconds, 0 or more; got ${v}.`);
    }
  }
  return out;
}

function checkImage(name: string, image: string | undefined): void {
  if (!image) {
    throw new ClientException(`Container.image should not be null or empty. Set 'image' for container '${name}'.`);
  }
  const at = image.indexOf('@');
  const repository = at >= 0 ? image.slice(0, at) : image;
  if (!repository || !IMAGE_CHARS_RE.test(repository)) {
    throw new ClientException(
      `Container.image contains invalid characters. The 'image' of container '${name}' may contain only letters, numbers, hyphens, underscores, colons, periods, forward slashes and number signs; got '${image}'.`,
    );
  }
  if (repository.length > IMAGE_MAX) {
    throw new ClientException(`Invalid 'image' setting for container '${name}'. At most ${IMAGE_MAX} characters are allowed (before any '@' digest).`);
  }
  if (at >= 0 && !IMAGE_DIGEST_RE.test(image.slice(at + 1))) {
    throw new ClientException(`Invalid 'image' setting for container '${name}'. A digest must be 'sha256:' followed by 64 hexadecimal characters.`);
  }
}

function checkCpu(name: string, cpu: number): void {
  if (!isInt(cpu) || cpu < 0) {
    throw new ClientException(`Invalid 'cpu' setting for container '${name}'. It must be a whole number of CPU units, 0 or more; got ${cpu}.`);
  }
}

function checkMemory(name: string, c: ContainerDefinition__Output, taskMemory: number | undefined): void {
  const { memory, memoryReservation } = c;
  if (memory !== undefined && (!isInt(memory) || memory < CONTAINER_MEMORY_MIN_MIB)) {
    throw new ClientException(
      `Invalid 'memory' setting for container '${name}'. The minimum is ${CONTAINER_MEMORY_MIN_MIB} MiB (the Docker daemon reserves 6 MiB); got ${memory}.`,
    );
  }
  if (memoryReservation !== undefined && (!isInt(memoryReservation) || memoryReservation <= 0)) {
    throw new ClientException(`Invalid 'memoryReservation' setting for container '${name}'. It must be a positive number of MiB; got ${memoryReservation}.`);
  }
  if (taskMemory === undefined && memory === undefined && memoryReservation === undefined) {
    throw new ClientException(`Invalid setting for container '${name}'. At least one of 'memory' or 'memoryReservation' must be specified.`);
  }
  // ECS accepts memory == memoryReservation (the developer guide was corrected to "greater than or equal to").
  if (memory !== undefined && memoryReservation !== undefined && memory < memoryReservation) {
    throw new ClientException(`Invalid setting for container '${name}'. 'memory' must be greater than or equal to 'memoryReservation'.`);
  }
  if (taskMemory !== undefined && memory !== undefined && memory > taskMemory) {
    throw new ClientException(`The 'memory' setting for container '${name}' is greater than for the task.`);
  }
}

const PORT_RANGE_RE = /^(\d+)-(\d+)$/;

function validPort(n: unknown, min: number): n is number {
  return isInt(n) && n >= min && n <= 65535;
}

/**
 * portMappings: protocol defaults to tcp; in host mode hostPort defaults to containerPort and must equal it;
 * in bridge mode hostPort is left as given (absent or 0 = dynamic); none mode allows no port mappings.
 * containerPortRange ("start-end") is bridge-only here, excludes containerPort/hostPort, and ranges of one
 * protocol may not overlap within a container (PortMapping.containerPortRange rules).
 */
function normalizePortMappings(name: string, mappings: PortMapping__Output[], mode: NetworkMode): PortMapping__Output[] {
  if (mode === 'none' && mappings.length > 0) {
    throw new ClientException(`Invalid 'portMappings' setting for container '${name}'. Port mappings are not supported when networkMode=none.`);
  }
  const out = mappings.map((pm) => {
    const protocol = pm.protocol ?? 'tcp';
    if (protocol !== 'tcp' && protocol !== 'udp') {
      throw new ClientException(`Invalid 'protocol' setting for container '${name}'. It must be tcp or udp; got '${protocol}'.`);
    }
    if (pm.containerPortRange !== undefined) {
      checkPortRangeMapping(name, pm, mode);
      return { ...pm, protocol };
    }
    const containerPort = pm.containerPort;
    if (!validPort(containerPort, 1)) {
      throw new ClientException(`Invalid 'containerPort' setting for container '${name}'. It is required and must be between 1 and 65535; got ${containerPort}.`);
    }
    let hostPort = pm.hostPort;
    if (hostPort !== undefined && !validPort(hostPort, 0)) {
      throw new ClientException(`Invalid 'hostPort' setting for container '${name}'. It must be between 0 and 65535; got ${hostPort}.`);
    }
    if (mode === 'host') {
      if (hostPort === undefined) hostPort = containerPort;
      if (hostPort !== containerPort) {
        throw new ClientException(
          `When networkMode=host, the host ports and container ports in port mappings must match. Container '${name}' maps 'containerPort' ${containerPort} to 'hostPort' ${hostPort}.`,
        );
      }
    }
    return hostPort === undefined ? { ...pm, containerPort, protocol } : { ...pm, containerPort, hostPort, protocol };
  });
  checkRangeOverlaps(name, out);
  return out;
}

function parseRange(range: string): { from: number; to: number } | undefined {
  const m = PORT_RANGE_RE.exec(range);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = Number(m[2]);
  return validPort(from, 1) && validPort(to, 1) && from < to ? { from, to } : undefined;
}

function checkPortRangeMapping(name: string, pm: PortMapping__Output, mode: NetworkMode): void {
  if (mode !== 'bridge') {
    throw new ClientException(`Invalid 'containerPortRange' setting for container '${name}'. Port ranges are supported only when networkMode=bridge.`);
  }
  if (pm.containerPort !== undefined || pm.hostPort !== undefined) {
    throw new ClientException(`Invalid 'containerPortRange' setting for container '${name}'. Do not set 'containerPort' or 'hostPort' in a mapping with 'containerPortRange'.`);
  }
  if (!parseRange(pm.containerPortRange as string)) {
    throw new ClientException(
      `Invalid 'containerPortRange' setting for container '${name}'. Expected 'start-end' with 1 <= start < end <= 65535; got '${pm.containerPortRange}'.`,
    );
  }
}

/** A port can be in only one port mapping per container once ranges are involved (per protocol). */
function checkRangeOverlaps(name: string, mappings: PortMapping__Output[]): void {
  const spans = mappings.map((pm) => {
    const r = pm.containerPortRange !== undefined ? parseRange(pm.containerPortRange) : undefined;
    const span = r ?? { from: pm.containerPort as number, to: pm.containerPort as number };
    return { ...span, protocol: pm.protocol, range: pm.containerPortRange };
  });
  spans.forEach((a, i) => {
    if (a.range === undefined) return;
    const clash = spans.find((b, j) => j !== i && b.protocol === a.protocol && a.from <= b.to && b.from <= a.to);
    if (clash) {
      throw new ClientException(
        `Invalid 'containerPortRange' setting for container '${name}'. Range '${a.range}' overlaps another port mapping of the container; a port can be included in only one port mapping per container.`,
      );
    }
  });
}

function normalizeHealthCheck(name: string, hc: HealthCheck__Output): HealthCheck__Output {
  const cmd = hc.command;
  if (cmd.length === 0 || (cmd[0] !== 'CMD' && cmd[0] !== 'CMD-SHELL')) {
    throw new ClientException(
      `Invalid 'healthCheck' setting for container '${name}'. 'command' must start with CMD or CMD-SHELL, e.g. ["CMD-SHELL", "curl -f http://localhost/ || exit 1"].`,
    );
  }
  if (cmd.length < 2 || cmd.slice(1).every((a) => a.trim() === '')) {
    throw new ClientException(`Invalid 'healthCheck' setting for container '${name}'. 'command' must give the command to run after '${cmd[0]}'.`);
  }
  const out: HealthCheck__Output = { ...hc, command: [...cmd] };
  for (const key of Object.keys(HEALTH_RANGES) as (keyof typeof HEALTH_RANGES)[]) {
    const { min, max, dflt } = HEALTH_RANGES[key];
    const v = hc[key];
    if (v === undefined) {
      if (dflt !== undefined) out[key] = dflt;
      continue;
    }
    if (!isInt(v) || v < min || v > max) {
      const unit = key === 'retries' ? '' : ' seconds';
      throw new ClientException(`Invalid 'healthCheck' setting for container '${name}'. '${key}' must be between ${min} and ${max}${unit}; got ${v}.`);
    }
  }
  return out;
}

function checkLogConfiguration(name: string, c: ContainerDefinition__Output): void {
  const lc = c.logConfiguration;
  if (!lc) return;
  if (!LOG_DRIVERS.has(lc.logDriver)) {
    throw new ClientException(
      `Invalid 'logConfiguration' setting for container '${name}'. 'logDriver' must be one of ${[...LOG_DRIVERS].join(', ')}; got '${lc.logDriver}'.`,
    );
  }
  if (lc.logDriver === 'awslogs') {
    const missing = ['awslogs-region', 'awslogs-group'].filter((k) => !lc.options[k]);
    if (missing.length > 0) {
      throw new ClientException(
        `Log driver awslogs requires options: awslogs-region, awslogs-group. 'logConfiguration.options' of container '${name}' lacks ${missing.join(', ')}.`,
      );
    }
  }
  // awsfirelens: the agent's router. Its options are known now (common/log-options.ts), so a bad one (an
  // unknown Name or option, a regex that does not compile, a bad size or port) is refused at registration,
  // as the issue asks: InvalidParameterException naming the container and the field.
  if (lc.logDriver === FIRELENS_DRIVER) {
    try {
      logHandling({ logDriver: lc.logDriver, options: lc.options ?? {} });
    } catch (err) {
      if (!(err instanceof LogOptionError)) throw err;
      throw new InvalidParameterException(`Invalid 'logConfiguration' setting for container '${name}'. ${err.field}: ${err.message}`);
    }
  }
}

function checkEnvironmentAndLabels(name: string, c: ContainerDefinition__Output): void {
  for (const kv of c.environment) {
    if (!kv.name) {
      throw new ClientException(`Invalid 'environment' setting for container '${name}'. Every environment variable needs a non-empty 'name'.`);
    }
  }
  for (const key of Object.keys(c.dockerLabels)) {
    if (key.trim() === '') {
      throw new ClientException(`Invalid 'dockerLabels' setting for container '${name}'. Label keys must not be empty.`);
    }
  }
}

function checkUlimits(name: string, c: ContainerDefinition__Output): void {
  const seen = new Set<string>();
  for (const u of c.ulimits) {
    if (!ULIMIT_NAMES.has(u.name)) {
      throw new ClientException(
        `Invalid 'ulimits' setting for container '${name}'. 'name' must be one of ${[...ULIMIT_NAMES].join(', ')}; got '${u.name}'.`,
      );
    }
    if (seen.has(u.name)) {
      throw new ClientException(`Invalid 'ulimits' setting for container '${name}'. The ulimit '${u.name}' is set more than once.`);
    }
    seen.add(u.name);
    if (u.softLimit > u.hardLimit) {
      throw new ClientException(
        `Invalid 'ulimits' setting for container '${name}'. The 'softLimit' of '${u.name}' (${u.softLimit}) is greater than its 'hardLimit' (${u.hardLimit}).`,
      );
    }
  }
}

function checkMountPoints(name: string, c: ContainerDefinition__Output, volumeNames: ReadonlySet<string>): void {
  for (const mp of c.mountPoints) {
    if (!mp.sourceVolume) {
      throw new ClientException(`Invalid 'mountPoints' setting for container '${name}'. Every mount point needs a 'sourceVolume'.`);
    }
    if (!volumeNames.has(mp.sourceVolume)) {
      throw new ClientException(`Unknown volume '${mp.sourceVolume}'. The 'mountPoints' of container '${name}' must name a volume defined in 'volumes'.`);
    }
    if (!mp.containerPath) {
      throw new ClientException(`Invalid 'mountPoints' setting for container '${name}'. The mount of volume '${mp.sourceVolume}' needs a 'containerPath'.`);
    }
  }
}
