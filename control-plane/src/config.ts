// Control plane options: flags, then environment, then defaults; compiled once and validated, with
// errors naming the flag or variable and the bad value.

export interface ControlPlaneOptions {
  listen: string;
  dataDir: string;
  region: string;
  account: string;
  heartbeatIntervalMs: number;
  logLevel: string;
  /** How often every service is reconciled even when nothing happened. */
  schedulerIntervalMs: number;
  /** Seconds an agent may be disconnected before its service tasks are replaced elsewhere. */
  hostLossTimeoutSec: number;
  /** Upper bound of the delay between launch attempts of a service whose tasks keep failing. */
  maxLaunchBackoffSec: number;
  /** Execute-command sessions (PENDING or RUNNING) per container (default 2, ECS's SessionWorkersLimit). */
  execSessionsPerContainer?: number;
  /** An execute-command session idle this long is ended by its agent; 0: never (default 20 minutes). */
  execIdleTimeoutMs?: number;
}

export const USAGE = `Usage: ecs-control-plane [--listen HOST:PORT] [--data-dir DIR] [--region R] [--account-id N]
                         [--heartbeat-interval MS] [--log-level LEVEL]
                         [--exec-sessions-per-container N] [--exec-idle-timeout DURATION]

  --listen HOST:PORT        gRPC address (env ECS_CONTROL_PLANE_LISTEN, default 127.0.0.1:7400)
  --data-dir DIR            where the SQLite database lives (env ECS_CONTROL_PLANE_DATA_DIR, default ./data)
  --region R                region in ARNs (env ECS_REGION, default us-east-1)
  --account-id N            12-digit account id in ARNs (env ECS_ACCOUNT_ID, default 000000000000)
  --heartbeat-interval MS   agent heartbeat period (env ECS_HEARTBEAT_INTERVAL_MS, default 5000)
  --log-level LEVEL         trace|debug|info|warn|error (env ECS_LOGLEVEL, default info)
  --scheduler-interval MS   reconcile every service at least this often (env ECS_SCHEDULER_INTERVAL_MS, default 5000)
  --host-loss-timeout S     seconds an agent may be away before its service tasks are replaced
                            elsewhere (env ECS_HOST_LOSS_TIMEOUT, default 60)
  --max-launch-backoff S    longest delay between launch attempts of a service whose tasks keep
                            failing to start (env ECS_MAX_LAUNCH_BACKOFF, default 900)
  --exec-sessions-per-container N
                            execute-command sessions open at once per container
                            (env ECS_EXEC_SESSIONS_PER_CONTAINER, default 2)
  --exec-idle-timeout DURATION
                            end an execute-command session with no input and no output for
                            this long: 90s, 20m, 1h or plain seconds; 0 = never
                            (env ECS_EXEC_IDLE_TIMEOUT, default 20m)
`;

export class ConfigError extends Error {}

const FLAGS: Record<string, { env: string; key: keyof ControlPlaneOptions; dflt: string }> = {
  '--listen': { env: 'ECS_CONTROL_PLANE_LISTEN', key: 'listen', dflt: '127.0.0.1:7400' },
  '--data-dir': { env: 'ECS_CONTROL_PLANE_DATA_DIR', key: 'dataDir', dflt: './data' },
  '--region': { env: 'ECS_REGION', key: 'region', dflt: 'us-east-1' },
  '--account-id': { env: 'ECS_ACCOUNT_ID', key: 'account', dflt: '000000000000' },
  '--heartbeat-interval': { env: 'ECS_HEARTBEAT_INTERVAL_MS', key: 'heartbeatIntervalMs', dflt: '5000' },
  '--log-level': { env: 'ECS_LOGLEVEL', key: 'logLevel', dflt: 'info' },
  '--scheduler-interval': { env: 'ECS_SCHEDULER_INTERVAL_MS', key: 'schedulerIntervalMs', dflt: '5000' },
  '--host-loss-timeout': { env: 'ECS_HOST_LOSS_TIMEOUT', key: 'hostLossTimeoutSec', dflt: '60' },
  '--max-launch-backoff': { env: 'ECS_MAX_LAUNCH_BACKOFF', key: 'maxLaunchBackoffSec', dflt: '900' },
  '--exec-sessions-per-container': { env: 'ECS_EXEC_SESSIONS_PER_CONTAINER', key: 'execSessionsPerContainer', dflt: '2' },
  '--exec-idle-timeout': { env: 'ECS_EXEC_IDLE_TIMEOUT', key: 'execIdleTimeoutMs', dflt: '20m' },
};

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };

/** A duration (90s, 20m, 1h, or plain seconds; 0 = none) in milliseconds, at most a week. */
function durationOption(v: { value: string; name: string }): number {
  const m = /^(\d+)(s|m|h)?$/.exec(v.value.trim());
  const ms = m ? Number(m[1]) * DURATION_UNITS[m[2] ?? '']! * 1000 : NaN;
  if (!Number.isSafeInteger(ms) || ms > 7 * 86_400_000) {
    throw new ConfigError(`invalid ${v.name} ${JSON.stringify(v.value)}: expected a duration such as 90s, 20m, 1h or plain seconds (0 = none), at most 168h`);
  }
  return ms;
}

/** An integer option within [min, max], or a ConfigError naming the flag or variable and the value. */
function integerOption(v: { value: string; name: string }, min: number, max: number, unit: string): number {
  const n = Number(v.value);
  if (!/^\d+$/.test(v.value) || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`invalid ${v.name} ${JSON.stringify(v.value)}: expected ${unit} between ${min} and ${max}`);
  }
  return n;
}

export function parseOptions(argv: string[], env: Record<string, string | undefined>): ControlPlaneOptions | 'help' {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const spec = FLAGS[name];
    if (!spec) throw new ConfigError(`unknown option ${JSON.stringify(arg)}\n\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`${name} needs a value`);
    raw[spec.key] = value;
  }
  const get = (flag: string) => {
    const spec = FLAGS[flag];
    return { value: raw[spec.key] ?? env[spec.env] ?? spec.dflt, name: raw[spec.key] !== undefined ? flag : env[spec.env] !== undefined ? spec.env : flag };
  };
  const listen = get('--listen');
  if (!/^[^\s]+:\d{1,5}$/.test(listen.value) || Number(listen.value.split(':').pop()) > 65535) {
    throw new ConfigError(`invalid ${listen.name} ${JSON.stringify(listen.value)}: expected HOST:PORT`);
  }
  const region = get('--region');
  if (!/^[a-z0-9-]{1,32}$/.test(region.value)) throw new ConfigError(`invalid ${region.name} ${JSON.stringify(region.value)}: expected e.g. us-east-1`);
  const account = get('--account-id');
  if (!/^\d{12}$/.test(account.value)) throw new ConfigError(`invalid ${account.name} ${JSON.stringify(account.value)}: expected 12 digits`);
  const hb = get('--heartbeat-interval');
  const heartbeatIntervalMs = Number(hb.value);
  if (!Number.isInteger(heartbeatIntervalMs) || heartbeatIntervalMs < 100 || heartbeatIntervalMs > 600_000) {
    throw new ConfigError(`invalid ${hb.name} ${JSON.stringify(hb.value)}: expected milliseconds between 100 and 600000`);
  }
  const level = get('--log-level');
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level.value)) {
    throw new ConfigError(`invalid ${level.name} ${JSON.stringify(level.value)}: expected trace|debug|info|warn|error`);
  }
  return {
    listen: listen.value,
    dataDir: get('--data-dir').value,
    region: region.value,
    account: account.value,
    heartbeatIntervalMs,
    logLevel: level.value,
    schedulerIntervalMs: integerOption(get('--scheduler-interval'), 100, 600_000, 'milliseconds'),
    hostLossTimeoutSec: integerOption(get('--host-loss-timeout'), 1, 86_400, 'seconds'),
    maxLaunchBackoffSec: integerOption(get('--max-launch-backoff'), 1, 86_400, 'seconds'),
    execSessionsPerContainer: integerOption(get('--exec-sessions-per-container'), 1, 1000, 'a number of sessions'),
    execIdleTimeoutMs: durationOption(get('--exec-idle-timeout')),
  };
}
