// Control plane options: flags, then environment, then defaults; compiled once and validated, with
// errors naming the flag or variable and the bad value.

export interface ControlPlaneOptions {
  listen: string;
  dataDir: string;
  region: string;
  account: string;
  heartbeatIntervalMs: number;
  logLevel: string;
}

export const USAGE = `Usage: ecs-control-plane [--listen HOST:PORT] [--data-dir DIR] [--region R] [--account-id N]
                         [--heartbeat-interval MS] [--log-level LEVEL]

  --listen HOST:PORT        gRPC address (env ECS_CONTROL_PLANE_LISTEN, default 127.0.0.1:7400)
  --data-dir DIR            where the SQLite database lives (env ECS_CONTROL_PLANE_DATA_DIR, default ./data)
  --region R                region in ARNs (env ECS_REGION, default us-east-1)
  --account-id N            12-digit account id in ARNs (env ECS_ACCOUNT_ID, default 000000000000)
  --heartbeat-interval MS   agent heartbeat period (env ECS_HEARTBEAT_INTERVAL_MS, default 5000)
  --log-level LEVEL         trace|debug|info|warn|error (env ECS_LOGLEVEL, default info)
`;

export class ConfigError extends Error {}

const FLAGS: Record<string, { env: string; key: keyof ControlPlaneOptions; dflt: string }> = {
  '--listen': { env: 'ECS_CONTROL_PLANE_LISTEN', key: 'listen', dflt: '127.0.0.1:7400' },
  '--data-dir': { env: 'ECS_CONTROL_PLANE_DATA_DIR', key: 'dataDir', dflt: './data' },
  '--region': { env: 'ECS_REGION', key: 'region', dflt: 'us-east-1' },
  '--account-id': { env: 'ECS_ACCOUNT_ID', key: 'account', dflt: '000000000000' },
  '--heartbeat-interval': { env: 'ECS_HEARTBEAT_INTERVAL_MS', key: 'heartbeatIntervalMs', dflt: '5000' },
  '--log-level': { env: 'ECS_LOGLEVEL', key: 'logLevel', dflt: 'info' },
};

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
  };
}
