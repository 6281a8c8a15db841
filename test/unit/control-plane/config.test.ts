// Control plane options: flags, then environment, then defaults; bad values are refused with a message naming
// the flag or variable and the value.
import t from 'tap';
import { ConfigError, parseOptions, USAGE, type ControlPlaneOptions } from '../../../control-plane/src/config.js';
import { thrown } from './fixtures.js';

const DEFAULTS: ControlPlaneOptions = {
  listen: '127.0.0.1:7400',
  dataDir: './data',
  region: 'us-east-1',
  account: '000000000000',
  heartbeatIntervalMs: 5000,
  logLevel: 'info',
  schedulerIntervalMs: 5000,
  hostLossTimeoutSec: 60,
  maxLaunchBackoffSec: 900,
  execSessionsPerContainer: 2,
  execIdleTimeoutMs: 1_200_000,
};

function parse(argv: string[], env: Record<string, string | undefined> = {}): ControlPlaneOptions {
  const o = parseOptions(argv, env);
  if (o === 'help') throw new Error('unexpected help');
  return o;
}

function configError(argv: string[], env: Record<string, string | undefined> = {}): string {
  const err = thrown(() => parseOptions(argv, env));
  if (!(err instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(err)}`);
  return err.message;
}

interface Option {
  flag: string;
  env: string;
  key: keyof ControlPlaneOptions;
  good: [string, string];
  parsed: [ControlPlaneOptions[keyof ControlPlaneOptions], ControlPlaneOptions[keyof ControlPlaneOptions]];
}

const OPTIONS: Option[] = [
  { flag: '--listen', env: 'ECS_CONTROL_PLANE_LISTEN', key: 'listen', good: ['0.0.0.0:8000', '[::1]:0'], parsed: ['0.0.0.0:8000', '[::1]:0'] },
  { flag: '--data-dir', env: 'ECS_CONTROL_PLANE_DATA_DIR', key: 'dataDir', good: ['/var/lib/ecs', '/tmp/x'], parsed: ['/var/lib/ecs', '/tmp/x'] },
  { flag: '--region', env: 'ECS_REGION', key: 'region', good: ['eu-west-3', 'lab-1'], parsed: ['eu-west-3', 'lab-1'] },
  { flag: '--account-id', env: 'ECS_ACCOUNT_ID', key: 'account', good: ['123456789012', '999999999999'], parsed: ['123456789012', '999999999999'] },
  { flag: '--heartbeat-interval', env: 'ECS_HEARTBEAT_INTERVAL_MS', key: 'heartbeatIntervalMs', good: ['100', '600000'], parsed: [100, 600000] },
  { flag: '--log-level', env: 'ECS_LOGLEVEL', key: 'logLevel', good: ['debug', 'silent'], parsed: ['debug', 'silent'] },
];

t.test('with no flags and no environment every option has its default', async (t) => {
  t.strictSame(parse([]), DEFAULTS);
});

t.test('the usage text names every flag, its variable and its default', async (t) => {
  for (const o of OPTIONS) {
    t.match(USAGE, o.flag);
    t.match(USAGE, o.env);
    t.match(USAGE, String(DEFAULTS[o.key]));
  }
});

t.test('each option comes from its environment variable, and its flag beats the variable', async (t) => {
  for (const o of OPTIONS) {
    const [fromEnv, fromFlag] = o.good;
    t.equal(parse([], { [o.env]: fromEnv })[o.key], o.parsed[0], `${o.env}`);
    t.equal(parse([o.flag, fromFlag], { [o.env]: fromEnv })[o.key], o.parsed[1], `${o.flag} VALUE beats ${o.env}`);
    t.equal(parse([`${o.flag}=${fromFlag}`], { [o.env]: fromEnv })[o.key], o.parsed[1], `${o.flag}=VALUE beats ${o.env}`);
    const rest = parse([o.flag, fromFlag]);
    for (const other of OPTIONS.filter((x) => x !== o)) t.equal(rest[other.key], DEFAULTS[other.key], `${o.flag} leaves ${other.flag} at its default`);
  }
});

t.test('a flag beats an invalid environment variable', async (t) => {
  t.equal(parse(['--region', 'us-west-2'], { ECS_REGION: 'NOT VALID' }).region, 'us-west-2');
});

t.test('the last of a repeated flag wins', async (t) => {
  t.equal(parse(['--region', 'a-1', '--region=b-2']).region, 'b-2');
});

t.test('--help and -h ask for the usage', async (t) => {
  t.equal(parseOptions(['--help'], {}), 'help');
  t.equal(parseOptions(['--region', 'x-1', '-h'], {}), 'help');
});

t.test('an unknown option is refused with the usage', async (t) => {
  const msg = configError(['--port', '80']);
  t.match(msg, '"--port"');
  t.match(msg, 'Usage:');
  t.match(configError(['serve']), '"serve"');
});

t.test('a flag without its value is refused, naming the flag', async (t) => {
  t.match(configError(['--data-dir']), '--data-dir needs a value');
});

const BAD: [flag: string, env: string, value: string, hint: string][] = [
  ['--listen', 'ECS_CONTROL_PLANE_LISTEN', 'localhost', 'HOST:PORT'],
  ['--listen', 'ECS_CONTROL_PLANE_LISTEN', 'localhost:99999', 'HOST:PORT'],
  ['--listen', 'ECS_CONTROL_PLANE_LISTEN', 'localhost:http', 'HOST:PORT'],
  ['--listen', 'ECS_CONTROL_PLANE_LISTEN', ':7400', 'HOST:PORT'],
  ['--listen', 'ECS_CONTROL_PLANE_LISTEN', 'my host:7400', 'HOST:PORT'],
  ['--listen', 'ECS_CONTROL_PLANE_LISTEN', '', 'HOST:PORT'],
  ['--region', 'ECS_REGION', 'US-EAST-1', 'us-east-1'],
  ['--region', 'ECS_REGION', 'us_east_1', 'us-east-1'],
  ['--region', 'ECS_REGION', 'x'.repeat(33), 'us-east-1'],
  ['--account-id', 'ECS_ACCOUNT_ID', '12345', '12 digits'],
  ['--account-id', 'ECS_ACCOUNT_ID', '1234567890123', '12 digits'],
  ['--account-id', 'ECS_ACCOUNT_ID', 'abcdefghijkl', '12 digits'],
  ['--heartbeat-interval', 'ECS_HEARTBEAT_INTERVAL_MS', '99', '100 and 600000'],
  ['--heartbeat-interval', 'ECS_HEARTBEAT_INTERVAL_MS', '600001', '100 and 600000'],
  ['--heartbeat-interval', 'ECS_HEARTBEAT_INTERVAL_MS', '1500.5', '100 and 600000'],
  ['--heartbeat-interval', 'ECS_HEARTBEAT_INTERVAL_MS', 'fast', '100 and 600000'],
  ['--log-level', 'ECS_LOGLEVEL', 'verbose', 'trace|debug|info|warn|error'],
  ['--log-level', 'ECS_LOGLEVEL', 'INFO', 'trace|debug|info|warn|error'],
];

t.test('a bad flag value is refused with a message naming the flag and the value', async (t) => {
  for (const [flag, , value, hint] of BAD) {
    const msg = configError([flag, value]);
    t.ok(msg.includes(flag) && msg.includes(JSON.stringify(value)) && msg.includes(hint), `${flag} ${JSON.stringify(value)}: ${msg}`);
    t.equal(configError([`${flag}=${value}`]), msg, `${flag}=${JSON.stringify(value)} says the same`);
  }
});

t.test('a bad environment value is refused with a message naming the variable and the value', async (t) => {
  for (const [flag, env, value, hint] of BAD) {
    const msg = configError([], { [env]: value });
    t.ok(msg.includes(env) && msg.includes(JSON.stringify(value)) && msg.includes(hint), `${env}=${JSON.stringify(value)}: ${msg}`);
    t.notOk(msg.includes(flag), `the message names ${env}, not ${flag}`);
  }
});

t.test('the scheduler options have ECS-like defaults and refuse bad values naming the flag', async (t) => {
  const o = parse(['--host-loss-timeout', '30', '--scheduler-interval', '250'], { ECS_MAX_LAUNCH_BACKOFF: '120' });
  t.equal(o.hostLossTimeoutSec, 30);
  t.equal(o.schedulerIntervalMs, 250);
  t.equal(o.maxLaunchBackoffSec, 120);
  for (const [argv, name] of [[['--host-loss-timeout', '0'], '--host-loss-timeout'], [['--scheduler-interval', '1e3'], '--scheduler-interval']] as const) {
    const err = thrown(() => parse([...argv]));
    t.ok(err instanceof ConfigError);
    t.match(String((err as Error).message), name);
  }
});

t.test('the execute-command options: sessions per container and the idle timeout as a duration', async (t) => {
  t.equal(parse(['--exec-sessions-per-container', '5']).execSessionsPerContainer, 5);
  t.equal(parse([], { ECS_EXEC_SESSIONS_PER_CONTAINER: '1' }).execSessionsPerContainer, 1);
  const idle = (v: string) => parse(['--exec-idle-timeout', v]).execIdleTimeoutMs;
  t.equal(idle('90s'), 90_000);
  t.equal(idle('20m'), 1_200_000);
  t.equal(idle('1h'), 3_600_000);
  t.equal(idle('45'), 45_000, 'plain seconds');
  t.equal(idle('0'), 0, '0: no idle timeout');
  t.equal(parse([], { ECS_EXEC_IDLE_TIMEOUT: '2m' }).execIdleTimeoutMs, 120_000);
  t.equal(parse(['--exec-idle-timeout=30s'], { ECS_EXEC_IDLE_TIMEOUT: '2m' }).execIdleTimeoutMs, 30_000, 'the flag beats the variable');
  for (const v of ['1d', '-5', '1.5m', 'soon', '', '169h']) {
    const msg = configError(['--exec-idle-timeout', v]);
    t.ok(msg.includes('--exec-idle-timeout') && msg.includes(JSON.stringify(v)) && msg.includes('90s, 20m, 1h'), msg);
  }
  t.match(configError([], { ECS_EXEC_IDLE_TIMEOUT: 'x' }), 'invalid ECS_EXEC_IDLE_TIMEOUT "x"');
  for (const v of ['0', 'two', '1001', '1.5']) {
    const msg = configError(['--exec-sessions-per-container', v]);
    t.ok(msg.includes('--exec-sessions-per-container') && msg.includes(JSON.stringify(v)) && msg.includes('between 1 and 1000'), msg);
  }
  t.match(configError([], { ECS_EXEC_SESSIONS_PER_CONTAINER: '0' }), 'invalid ECS_EXEC_SESSIONS_PER_CONTAINER "0"');
  for (const s of ['--exec-sessions-per-container', 'ECS_EXEC_SESSIONS_PER_CONTAINER', '--exec-idle-timeout', 'ECS_EXEC_IDLE_TIMEOUT', 'default 20m']) {
    t.match(USAGE, s);
  }
});
