// Raw configuration (ecs.config + environment) compiled once into validated, defaulted, typed options,
// after temporal's worker-options: every error names the key and the bad value. Pure: no I/O here.
import { parseSize } from '../../../common/log-options.js';
import { parseDuration } from './duration.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'crit';
/** ECS_IMAGE_PULL_BEHAVIOR, as in amazon-ecs-agent. */
export type ImagePullBehavior = 'default' | 'always' | 'once' | 'prefer-cached';

export type DockerEndpoint = { kind: 'unix'; socketPath: string } | { kind: 'tcp'; host: string; port: number };

export interface PortRange {
  start: number;
  end: number;
}

export interface AgentOptions {
  cluster: string;
  /** Control plane address, HOST:PORT. */
  backendHost: string;
  dataDir: string;
  logLevel: LogLevel;
  reservedMemoryMiB: number;
  reservedPorts: number[];
  reservedPortsUdp: number[];
  instanceAttributes: Record<string, string>;
  instanceTags: Record<string, string>;
  dynamicHostPortRange: PortRange;
  containerStopTimeoutMs: number;
  imagePullBehavior: ImagePullBehavior;
  docker: DockerEndpoint;
  taskCleanupWaitMs: number;
  availabilityZone?: string;
  instanceType: string;
  availableLoggingDrivers: string[];
  /** The log router's defaults and Docker's buffer (ECS_CONTAINER_LOG_*). */
  containerLogs: ContainerLogOptions;
}

/** ECS_CONTAINER_LOG_*: see agent/README.md ("Logs"). Sizes in bytes. */
export interface ContainerLogOptions {
  /** A store segment is rotated before it passes this (ECS_CONTAINER_LOG_MAX_SIZE). */
  maxSizeBytes: number;
  /** Segments kept per container (ECS_CONTAINER_LOG_MAX_FILE). */
  maxFiles: number;
  /** gzip rotated segments (ECS_CONTAINER_LOG_COMPRESS). */
  compress: boolean;
  /** Lines are joined up to this; longer ones become records of this size flagged partial (ECS_CONTAINER_LOG_MAX_LINE_SIZE). */
  maxLineBytes: number;
  /** max-size of Docker's `local` driver for routed containers: the outage buffer (ECS_CONTAINER_LOG_DOCKER_MAX_SIZE). */
  dockerMaxSizeBytes: number;
  /** max-file of Docker's `local` driver (ECS_CONTAINER_LOG_DOCKER_MAX_FILE). */
  dockerMaxFiles: number;
}

const KIB = 1024;
const MIB = 1024 * KIB;
/** Docker cuts longer lines into pieces of this size; the router's line limit is at least that. */
const MIN_LINE_BYTES = 16 * KIB;

export const DEFAULT_CONTAINER_LOGS: ContainerLogOptions = {
  maxSizeBytes: 10 * MIB,
  maxFiles: 5,
  compress: false,
  maxLineBytes: MIB,
  dockerMaxSizeBytes: 20 * MIB,
  dockerMaxFiles: 5,
};

/** Facts about the host that defaults depend on, read by the caller (the compile step stays pure). */
export interface HostFacts {
  /** /proc/sys/net/ipv4/ip_local_port_range, when readable. */
  ephemeralPortRange?: PortRange;
}

export interface ConfigProblem {
  key: string;
  value: string;
  reason: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `invalid ${p.key} ${JSON.stringify(p.value)}: ${p.reason}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** ECS's documented fallback when the kernel's ephemeral range cannot be read. */
export const FALLBACK_DYNAMIC_PORT_RANGE: PortRange = { start: 49153, end: 65535 };
/** What ecs.instance-type says when ECS_INSTANCE_TYPE is not set: there is no EC2 instance type here. */
export const DEFAULT_INSTANCE_TYPE = 'self-hosted';
export const DEFAULT_CONFIG_FILE = '/etc/ecs/ecs.config';

type Parser<T> = (value: string) => T;

export function compileOptions(raw: Readonly<Record<string, string | undefined>>, facts: HostFacts = {}): AgentOptions {
  const problems: ConfigProblem[] = [];
  function read<T>(key: string, parse: Parser<T>, fallback: T): T {
    const value = raw[key]?.trim();
    if (value === undefined || value === '') return fallback;
    try {
      return parse(value);
    } catch (err) {
      problems.push({ key, value, reason: (err as Error).message });
      return fallback;
    }
  }
  const options: AgentOptions = {
    cluster: read('ECS_CLUSTER', parseCluster, 'default'),
    backendHost: read('ECS_BACKEND_HOST', parseHostPort, '127.0.0.1:7400'),
    dataDir: read('ECS_DATADIR', parseAbsolutePath, '/var/lib/ecs/data'),
    logLevel: read('ECS_LOGLEVEL', oneOf<LogLevel>(['debug', 'info', 'warn', 'error', 'crit']), 'info'),
    reservedMemoryMiB: read('ECS_RESERVED_MEMORY', parseNonNegativeInt, 0),
    reservedPorts: read('ECS_RESERVED_PORTS', parsePortList, [22, 2375, 2376, 51678, 51679]),
    reservedPortsUdp: read('ECS_RESERVED_PORTS_UDP', parsePortList, []),
    instanceAttributes: read('ECS_INSTANCE_ATTRIBUTES', parseAttributes, {}),
    instanceTags: read('ECS_CONTAINER_INSTANCE_TAGS', parseStringMap, {}),
    dynamicHostPortRange: read('ECS_DYNAMIC_HOST_PORT_RANGE', parsePortRange, facts.ephemeralPortRange ?? FALLBACK_DYNAMIC_PORT_RANGE),
    containerStopTimeoutMs: read('ECS_CONTAINER_STOP_TIMEOUT', parsePositiveDuration, 30_000),
    imagePullBehavior: read('ECS_IMAGE_PULL_BEHAVIOR', oneOf<ImagePullBehavior>(['default', 'always', 'once', 'prefer-cached']), 'default'),
    docker: read('DOCKER_HOST', parseDockerHost, { kind: 'unix', socketPath: '/var/run/docker.sock' }),
    taskCleanupWaitMs: read('ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION', parseDuration, 3 * 3_600_000),
    availabilityZone: read<string | undefined>('ECS_AVAILABILITY_ZONE', parseAttributeValue, undefined),
    instanceType: read('ECS_INSTANCE_TYPE', parseAttributeValue, DEFAULT_INSTANCE_TYPE),
    availableLoggingDrivers: read('ECS_AVAILABLE_LOGGING_DRIVERS', parseStringList, ['json-file', 'none']),
    containerLogs: {
      maxSizeBytes: read('ECS_CONTAINER_LOG_MAX_SIZE', parseByteSize, DEFAULT_CONTAINER_LOGS.maxSizeBytes),
      maxFiles: read('ECS_CONTAINER_LOG_MAX_FILE', parsePositiveInt, DEFAULT_CONTAINER_LOGS.maxFiles),
      compress: read('ECS_CONTAINER_LOG_COMPRESS', parseBool, DEFAULT_CONTAINER_LOGS.compress),
      maxLineBytes: read('ECS_CONTAINER_LOG_MAX_LINE_SIZE', parseLineSize, DEFAULT_CONTAINER_LOGS.maxLineBytes),
      dockerMaxSizeBytes: read('ECS_CONTAINER_LOG_DOCKER_MAX_SIZE', parseByteSize, DEFAULT_CONTAINER_LOGS.dockerMaxSizeBytes),
      dockerMaxFiles: read('ECS_CONTAINER_LOG_DOCKER_MAX_FILE', parsePositiveInt, DEFAULT_CONTAINER_LOGS.dockerMaxFiles),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return options;
}

function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  return (v) => {
    if (!(values as readonly string[]).includes(v)) throw new Error(`must be one of ${values.join(', ')}`);
    return v as T;
  };
}

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const CLUSTER_ARN = /^arn:aws:ecs:[^:]*:[^:]*:cluster\/[A-Za-z0-9_-]{1,255}$/;

function parseCluster(v: string): string {
  if (!CLUSTER_NAME.test(v) && !CLUSTER_ARN.test(v)) {
    throw new Error('a cluster name has up to 255 letters, numbers, hyphens and underscores (or give a cluster ARN)');
  }
  return v;
}

function parsePort(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    throw new Error(`${JSON.stringify(v)} is not a port (an integer from 1 to 65535)`);
  }
  return v;
}

function parseHostPort(v: string): string {
  const m = /^(\[[^\]]+\]|[^:\s/]+):(\d+)$/.exec(v);
  if (!m) throw new Error('expected HOST:PORT');
  parsePort(Number(m[2]));
  return v;
}

function parseAbsolutePath(v: string): string {
  if (!v.startsWith('/')) throw new Error('must be an absolute path');
  return v;
}

function parseNonNegativeInt(v: string): number {
  if (!/^\d+$/.test(v)) throw new Error('must be a non-negative integer');
  return Number(v);
}

function parsePositiveInt(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw new Error('must be a positive integer');
  return Number(v);
}

function parseBool(v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new Error('must be true or false');
}

/** A size as Docker writes it: "10m", "512k", "1g", "1048576" (bytes). */
function parseByteSize(v: string): number {
  const n = parseSize(v);
  if (!Number.isSafeInteger(n)) throw new Error('must be a whole number of bytes');
  return n;
}

function parseLineSize(v: string): number {
  const n = parseByteSize(v);
  if (n < MIN_LINE_BYTES) throw new Error(`must be at least 16k (Docker's own cut of long lines)`);
  return n;
}

function parseJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`);
  }
}

function parsePortList(v: string): number[] {
  const list = parseJson(v);
  if (!Array.isArray(list)) throw new Error('must be a JSON array of ports, e.g. [22, 2375]');
  return [...new Set(list.map(parsePort))].sort((a, b) => a - b);
}

function parseStringList(v: string): string[] {
  const list = parseJson(v);
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw new Error('must be a JSON array of strings');
  return list as string[];
}

function parseStringMap(v: string): Record<string, string> {
  const obj = parseJson(v);
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('must be a JSON object');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj)) {
    if (typeof val !== 'string') throw new Error(`the value of "${k}" must be a string`);
    out[k] = val;
  }
  return out;
}

// ECS attribute rules (PutAttributes): names up to 128 of [A-Za-z0-9_./\-\\], values up to 128 of
// [A-Za-z0-9_.@/\\: -] not starting or ending with a space. Names under ecs. are ECS's own.
const ATTRIBUTE_NAME = /^[A-Za-z0-9_./\\-]{1,128}$/;
const ATTRIBUTE_VALUE = /^(?! )[A-Za-z0-9_.@/\\: -]{1,128}(?<! )$/;

function parseAttributeValue(v: string): string {
  if (!ATTRIBUTE_VALUE.test(v)) {
    throw new Error('an attribute value has up to 128 letters, numbers, spaces and _ . @ / \\ : -');
  }
  return v;
}

function parseAttributes(v: string): Record<string, string> {
  const attrs = parseStringMap(v);
  for (const [name, value] of Object.entries(attrs)) {
    if (!ATTRIBUTE_NAME.test(name)) throw new Error(`attribute name "${name}" is not valid`);
    if (name.startsWith('ecs.') || name.startsWith('com.amazonaws.ecs.')) {
      throw new Error(`attribute name "${name}" is reserved for ECS`);
    }
    try {
      parseAttributeValue(value);
    } catch (err) {
      throw new Error(`attribute "${name}": ${(err as Error).message}`);
    }
  }
  return attrs;
}

export function parsePortRange(v: string): PortRange {
  const m = /^(\d+)-(\d+)$/.exec(v.trim());
  if (!m) throw new Error('expected START-END, e.g. 49153-65535');
  const start = parsePort(Number(m[1]));
  const end = parsePort(Number(m[2]));
  if (start > end) throw new Error('the start of the range is above its end');
  return { start, end };
}

function parsePositiveDuration(v: string): number {
  const ms = parseDuration(v);
  if (ms <= 0) throw new Error('must be a positive duration');
  return ms;
}

function parseDockerHost(v: string): DockerEndpoint {
  if (v.startsWith('unix://')) {
    const socketPath = v.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new Error('expected unix:///absolute/path');
    return { kind: 'unix', socketPath };
  }
  const m = /^tcp:\/\/([^:/\s]+)(?::(\d+))?\/?$/.exec(v);
  if (!m) throw new Error('expected unix:///path/to/docker.sock or tcp://HOST:PORT');
  return { kind: 'tcp', host: m[1], port: m[2] ? parsePort(Number(m[2])) : 2375 };
}
