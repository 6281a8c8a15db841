// What a container's logConfiguration means, shared by the control plane (RegisterTaskDefinition refuses
// what it can know is wrong) and the agent (which routes the container's logs). Pure: no I/O.

/** The outputs of `logDriver: "awsfirelens"`, chosen by its `Name` option (case-insensitive, as Fluent Bit). */
export type FirelensOutputName = 'file' | 'forward' | 'http' | 'stdout';

export interface ForwardOutput {
  host: string;
  /** Default 24224. */
  port: number;
  /** Fluentd's `tag` override; default the FireLens tag `<container>-firelens-<task id>`. */
  tag?: string;
  /** Wait for the receiver's ack of each chunk (Fluent Bit's `Require_ack_response`), default false. */
  requireAck: boolean;
}

export interface HttpOutput {
  host: string;
  /** Default 80, or 443 with tls. */
  port: number;
  /** Default "/". */
  uri: string;
  tls: boolean;
  /** Extra request headers (`Header` option: "Name value", as Fluent Bit). */
  headers: Record<string, string>;
}

/** A parsed logConfiguration of a container whose logs the agent routes (no logConfiguration, or awsfirelens). */
export interface RoutedLogConfig {
  output: FirelensOutputName;
  /** Regular expression sources (JavaScript syntax): keep only records whose log matches include, drop those matching exclude. */
  include?: string;
  exclude?: string;
  /** Per-task rotation of the on-disk store (`max-size`, `max-file`); absent: the agent's defaults. */
  maxSizeBytes?: number;
  maxFiles?: number;
  forward?: ForwardOutput;
  http?: HttpOutput;
}

/** How a container's logs are handled. */
export type LogHandling =
  | { kind: 'routed'; config: RoutedLogConfig }
  /** A Docker log driver the agent passes to Docker as is (json-file, local, syslog, none, ...). */
  | { kind: 'docker'; driver: string; options: Record<string, string> };

/** A bad option: `field` names it as the user wrote it (e.g. "options.include-pattern"). */
export class LogOptionError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'LogOptionError';
  }
}

/** The logDriver whose logs the agent routes itself (its FireLens-like router; no sidecar). */
export const FIRELENS_DRIVER = 'awsfirelens';

/** The capability attribute prefix ECS uses for log drivers in requiresAttributes and on container instances. */
const LOGGING_DRIVER_CAPABILITY = 'com.amazonaws.ecs.capability.logging-driver.';

// Docker's size syntax, as docker/go-units RAMInBytes (used by `--log-opt max-size`): a decimal number, an
// optional space, an optional unit k, m, g, t or p (powers of 1024), optionally followed by "i" and/or "b",
// case-insensitive: "1048576", "512k", "10m", "10MB", "1GiB", "1.5g". The result is truncated to bytes.
const SIZE_RE = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i;
const SIZE_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Docker's size syntax → bytes. Throws Error for anything else, for 0 and for sizes beyond 2^53. */
export function parseSize(s: string): number {
  const m = SIZE_RE.exec(s);
  if (!m) throw new Error(`invalid size: '${s}' (expected bytes, or a number followed by k, m or g, e.g. 10m)`);
  const bytes = Math.floor(Number(m[1]) * (m[2] ? SIZE_UNITS[m[2].toLowerCase()] : 1));
  if (bytes <= 0) throw new Error(`invalid size: '${s}' (must be greater than 0)`);
  if (!Number.isSafeInteger(bytes)) throw new Error(`invalid size: '${s}' (too large)`);
  return bytes;
}

export const FIRELENS_OUTPUTS: readonly FirelensOutputName[] = ['file', 'forward', 'http', 'stdout'];

// Option keys. Fluent Bit's own keys are case-insensitive (Fluent Bit compares property names so); the
// FireLens-style keys are matched exactly, as FireLens does.
const FILTER_KEYS = ['include-pattern', 'exclude-pattern'] as const;
const EXACT_KEYS: ReadonlySet<string> = new Set(['include-pattern', 'exclude-pattern', 'max-size', 'max-file']);
const OUTPUT_KEYS: Record<FirelensOutputName, readonly string[]> = {
  file: ['Name', ...FILTER_KEYS, 'max-size', 'max-file'],
  forward: ['Name', ...FILTER_KEYS, 'Host', 'Port', 'Tag', 'Require_ack_response'],
  http: ['Name', ...FILTER_KEYS, 'Host', 'Port', 'URI', 'tls', 'Header'],
  stdout: ['Name', ...FILTER_KEYS],
};
const MAX_FILES_LIMIT = 100;
const DEFAULT_FORWARD_PORT = 24224;

/** The canonical spelling of an option key for the output, or undefined when the output does not take it. */
function canonicalKey(output: FirelensOutputName, key: string): string | undefined {
  if (EXACT_KEYS.has(key)) return OUTPUT_KEYS[output].includes(key) ? key : undefined;
  const lower = key.toLowerCase();
  return OUTPUT_KEYS[output].find((k) => !EXACT_KEYS.has(k) && k.toLowerCase() === lower);
}

function parseBool(field: string, v: string): boolean {
  const l = v.toLowerCase();
  if (l === 'on' || l === 'true') return true;
  if (l === 'off' || l === 'false') return false;
  throw new LogOptionError(field, `must be on, off, true or false; got '${v}'`);
}

function parseIntIn(field: string, v: string, min: number, max: number): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new LogOptionError(field, `must be a whole number from ${min} to ${max}; got '${v}'`);
  }
  return n;
}

function parseRegex(field: string, v: string): string {
  try {
    new RegExp(v);
  } catch (err) {
    throw new LogOptionError(field, (err as Error).message);
  }
  return v;
}

/** The options of an awsfirelens logConfiguration → what the router does. */
function parseFirelens(options: Record<string, string>): RoutedLogConfig {
  const nameKeys = Object.keys(options).filter((k) => k.toLowerCase() === 'name');
  if (nameKeys.length > 1) throw new LogOptionError(`options.${nameKeys[1]}`, `given more than once (as ${nameKeys.join(' and ')})`);
  const nameKey = nameKeys[0];
  // ECS accepts awsfirelens without options (the router's own configuration decides): here that is the store.
  if (nameKey !== undefined && options[nameKey].trim() === '') {
    throw new LogOptionError(`options.${nameKey}`, `must not be empty: the output, one of ${FIRELENS_OUTPUTS.join(', ')}`);
  }
  const output = (nameKey === undefined ? 'file' : options[nameKey].trim().toLowerCase()) as FirelensOutputName;
  if (nameKey !== undefined && !FIRELENS_OUTPUTS.includes(output)) {
    throw new LogOptionError(`options.${nameKey}`, `unknown output '${options[nameKey]}'; allowed: ${FIRELENS_OUTPUTS.join(', ')}`);
  }

  // Every key must belong to the output; keep the value under its canonical spelling and the key as written.
  const given = new Map<string, { key: string; value: string }>();
  for (const [key, value] of Object.entries(options)) {
    const canon = canonicalKey(output, key);
    if (canon === undefined) {
      throw new LogOptionError(`options.${key}`, `not an option of output '${output}'; allowed: ${OUTPUT_KEYS[output].join(', ')}`);
    }
    const prev = given.get(canon);
    if (prev) throw new LogOptionError(`options.${key}`, `given more than once (as ${prev.key} and ${key})`);
    given.set(canon, { key, value });
  }
  const field = (canon: string) => `options.${given.get(canon)?.key ?? canon}`;
  const value = (canon: string) => given.get(canon)?.value;

  const config: RoutedLogConfig = { output };
  const include = value('include-pattern');
  if (include !== undefined) config.include = parseRegex(field('include-pattern'), include);
  const exclude = value('exclude-pattern');
  if (exclude !== undefined) config.exclude = parseRegex(field('exclude-pattern'), exclude);

  if (output === 'file') {
    const maxSize = value('max-size');
    if (maxSize !== undefined) {
      try {
        config.maxSizeBytes = parseSize(maxSize);
      } catch (err) {
        throw new LogOptionError(field('max-size'), (err as Error).message);
      }
    }
    const maxFile = value('max-file');
    if (maxFile !== undefined) config.maxFiles = parseIntIn(field('max-file'), maxFile, 1, MAX_FILES_LIMIT);
  }

  if (output === 'forward' || output === 'http') {
    const host = value('Host')?.trim();
    if (!host) throw new LogOptionError(field('Host'), `required for output '${output}': the receiver's host name or IP address`);
    const portValue = value('Port');
    const port = portValue !== undefined ? parseIntIn(field('Port'), portValue, 1, 65535) : undefined;
    if (output === 'forward') {
      const forward: ForwardOutput = { host, port: port ?? DEFAULT_FORWARD_PORT, requireAck: false };
      const tag = value('Tag');
      if (tag !== undefined) {
        if (tag.trim() === '') throw new LogOptionError(field('Tag'), 'must not be empty');
        forward.tag = tag;
      }
      const ack = value('Require_ack_response');
      if (ack !== undefined) forward.requireAck = parseBool(field('Require_ack_response'), ack);
      config.forward = forward;
    } else {
      const tlsValue = value('tls');
      const tls = tlsValue !== undefined ? parseBool(field('tls'), tlsValue) : false;
      const uri = value('URI') ?? '/';
      if (!uri.startsWith('/')) throw new LogOptionError(field('URI'), `must start with '/'; got '${uri}'`);
      const headers: Record<string, string> = {};
      const header = value('Header');
      if (header !== undefined) {
        const hm = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s+(\S.*?)\s*$/.exec(header);
        if (!hm) throw new LogOptionError(field('Header'), `must be '<name> <value>', e.g. 'X-Key abc'; got '${header}'`);
        headers[hm[1]] = hm[2];
      }
      config.http = { host, port: port ?? (tls ? 443 : 80), uri, tls, headers };
    }
  }
  return config;
}

/**
 * What a container's logConfiguration means: no logConfiguration → routed to the on-disk store;
 * awsfirelens → routed, its options parsed; any other driver → passed to Docker as is.
 * Throws LogOptionError naming the field for a bad awsfirelens option.
 */
export function logHandling(lc: { logDriver: string; options: Record<string, string> } | undefined): LogHandling {
  if (!lc) return { kind: 'routed', config: { output: 'file' } };
  if (lc.logDriver === FIRELENS_DRIVER) return { kind: 'routed', config: parseFirelens(lc.options ?? {}) };
  return { kind: 'docker', driver: lc.logDriver, options: { ...(lc.options ?? {}) } };
}

/** The attribute ECS puts in requiresAttributes for a container's log driver; undefined without a logConfiguration. */
export function requiredLogDriverAttribute(lc: { logDriver: string } | undefined): string | undefined {
  return lc ? `${LOGGING_DRIVER_CAPABILITY}${lc.logDriver}` : undefined;
}

/**
 * The agent's start-time check of a container's log driver against ECS_AVAILABLE_LOGGING_DRIVERS: undefined
 * when allowed, else the reason the task stops with. No logConfiguration and awsfirelens are always allowed:
 * the router is built into the agent.
 */
export function logDriverRefusal(lc: { logDriver: string } | undefined, available: string[]): string | undefined {
  if (!lc || lc.logDriver === FIRELENS_DRIVER || available.includes(lc.logDriver)) return undefined;
  const list = available.length > 0 ? `ECS_AVAILABLE_LOGGING_DRIVERS: ${available.join(', ')}` : 'ECS_AVAILABLE_LOGGING_DRIVERS is empty';
  return `logging driver '${lc.logDriver}' is not available on this container instance (${list})`;
}
