import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileOptions, ConfigError, DEFAULT_INSTANCE_TYPE } from '../../../../agent/src/config/options.js';
import { parseDuration } from '../../../../agent/src/config/duration.js';
import { mergeConfigSources, parseEnvFile } from '../../../../agent/src/config/env-file.js';
import { loadConfig, readEphemeralPortRange } from '../../../../agent/src/config/load.js';

t.test('defaults follow amazon-ecs-agent', async (t) => {
  const o = compileOptions({});
  t.equal(o.cluster, 'default');
  t.equal(o.backendHost, '127.0.0.1:7400');
  t.equal(o.dataDir, '/var/lib/ecs/data');
  t.equal(o.logLevel, 'info');
  t.equal(o.reservedMemoryMiB, 0);
  t.same(o.reservedPorts, [22, 2375, 2376, 51678, 51679]);
  t.same(o.reservedPortsUdp, []);
  t.same(o.instanceAttributes, {});
  t.same(o.dynamicHostPortRange, { start: 49153, end: 65535 }, 'ECS fallback when the kernel range is unknown');
  t.equal(o.containerStopTimeoutMs, 30_000);
  t.equal(o.imagePullBehavior, 'default');
  t.same(o.docker, { kind: 'unix', socketPath: '/var/run/docker.sock' });
  t.equal(o.taskCleanupWaitMs, 3 * 3600_000);
  t.equal(o.availabilityZone, undefined);
  t.equal(o.instanceType, DEFAULT_INSTANCE_TYPE);
});

t.test('container log settings: defaults, and sizes as Docker writes them', async (t) => {
  t.same(compileOptions({}).containerLogs, {
    maxSizeBytes: 10 * 1024 * 1024,
    maxFiles: 5,
    compress: false,
    maxLineBytes: 1024 * 1024,
    dockerMaxSizeBytes: 20 * 1024 * 1024,
    dockerMaxFiles: 5,
  });
  const o = compileOptions({
    ECS_CONTAINER_LOG_MAX_SIZE: '512k',
    ECS_CONTAINER_LOG_MAX_FILE: '3',
    ECS_CONTAINER_LOG_COMPRESS: 'true',
    ECS_CONTAINER_LOG_MAX_LINE_SIZE: '1048577',
    ECS_CONTAINER_LOG_DOCKER_MAX_SIZE: '1g',
    ECS_CONTAINER_LOG_DOCKER_MAX_FILE: '10',
  });
  t.same(o.containerLogs, {
    maxSizeBytes: 512 * 1024,
    maxFiles: 3,
    compress: true,
    maxLineBytes: 1048577,
    dockerMaxSizeBytes: 1024 ** 3,
    dockerMaxFiles: 10,
  });
});

t.test('the dynamic port range defaults to the kernel ephemeral range', async (t) => {
  t.same(compileOptions({}, { ephemeralPortRange: { start: 32768, end: 60999 } }).dynamicHostPortRange, { start: 32768, end: 60999 });
  const dir = mkdtempSync(join(tmpdir(), 'ecs-cfg-'));
  writeFileSync(join(dir, 'range'), '32768\t60999\n');
  t.same(readEphemeralPortRange(join(dir, 'range')), { start: 32768, end: 60999 });
  t.equal(readEphemeralPortRange(join(dir, 'missing')), undefined);
});

t.test('every key parses its documented form', async (t) => {
  const o = compileOptions({
    ECS_CLUSTER: 'prod_1',
    ECS_BACKEND_HOST: 'cp.local:7500',
    ECS_DATADIR: '/tmp/ecs',
    ECS_LOGLEVEL: 'crit',
    ECS_RESERVED_MEMORY: '256',
    ECS_RESERVED_PORTS: '[22, 80]',
    ECS_RESERVED_PORTS_UDP: '[53]',
    ECS_INSTANCE_ATTRIBUTES: '{"stack": "prod", "team": "a-1"}',
    ECS_DYNAMIC_HOST_PORT_RANGE: '40000-40010',
    ECS_CONTAINER_STOP_TIMEOUT: '1m30s',
    ECS_IMAGE_PULL_BEHAVIOR: 'prefer-cached',
    DOCKER_HOST: 'tcp://10.0.0.5:2376',
    ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION: '10m',
    ECS_AVAILABILITY_ZONE: 'rack-3',
    ECS_INSTANCE_TYPE: 'm5.large',
  });
  t.equal(o.cluster, 'prod_1');
  t.equal(o.backendHost, 'cp.local:7500');
  t.equal(o.logLevel, 'crit');
  t.equal(o.reservedMemoryMiB, 256);
  t.same(o.reservedPorts, [22, 80]);
  t.same(o.reservedPortsUdp, [53]);
  t.same(o.instanceAttributes, { stack: 'prod', team: 'a-1' });
  t.same(o.dynamicHostPortRange, { start: 40000, end: 40010 });
  t.equal(o.containerStopTimeoutMs, 90_000);
  t.equal(o.imagePullBehavior, 'prefer-cached');
  t.same(o.docker, { kind: 'tcp', host: '10.0.0.5', port: 2376 });
  t.equal(o.taskCleanupWaitMs, 600_000);
  t.equal(o.availabilityZone, 'rack-3');
  t.equal(o.instanceType, 'm5.large');
});

t.test('a bad value names the key and the value', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['ECS_CLUSTER', 'no spaces', /invalid ECS_CLUSTER "no spaces": /],
    ['ECS_BACKEND_HOST', 'localhost', /invalid ECS_BACKEND_HOST "localhost": expected HOST:PORT/],
    ['ECS_BACKEND_HOST', 'h:70000', /invalid ECS_BACKEND_HOST "h:70000": .*port/],
    ['ECS_DATADIR', 'relative/dir', /invalid ECS_DATADIR "relative\/dir": must be an absolute path/],
    ['ECS_LOGLEVEL', 'loud', /invalid ECS_LOGLEVEL "loud": must be one of debug, info, warn, error, crit/],
    ['ECS_RESERVED_MEMORY', '-5', /invalid ECS_RESERVED_MEMORY "-5": must be a non-negative integer/],
    ['ECS_RESERVED_PORTS', '[22,x]', /invalid ECS_RESERVED_PORTS "\[22,x\]": not JSON/],
    ['ECS_RESERVED_PORTS', '[22, 70000]', /invalid ECS_RESERVED_PORTS "\[22, 70000\]": 70000 is not a port/],
    ['ECS_RESERVED_PORTS', '22', /invalid ECS_RESERVED_PORTS "22": must be a JSON array/],
    ['ECS_RESERVED_PORTS_UDP', '["53"]', /invalid ECS_RESERVED_PORTS_UDP .*"53" is not a port/],
    ['ECS_INSTANCE_ATTRIBUTES', '[1]', /invalid ECS_INSTANCE_ATTRIBUTES "\[1\]": must be a JSON object/],
    ['ECS_INSTANCE_ATTRIBUTES', '{"a": 1}', /the value of "a" must be a string/],
    ['ECS_INSTANCE_ATTRIBUTES', '{"ecs.mine": "x"}', /reserved for ECS/],
    ['ECS_INSTANCE_ATTRIBUTES', '{"bad name!": "x"}', /attribute name "bad name!" is not valid/],
    ['ECS_DYNAMIC_HOST_PORT_RANGE', '50000', /invalid ECS_DYNAMIC_HOST_PORT_RANGE "50000": expected START-END/],
    ['ECS_DYNAMIC_HOST_PORT_RANGE', '60000-50000', /start of the range is above its end/],
    ['ECS_CONTAINER_STOP_TIMEOUT', '30', /invalid ECS_CONTAINER_STOP_TIMEOUT "30": not a duration/],
    ['ECS_CONTAINER_STOP_TIMEOUT', '0s', /must be a positive duration/],
    ['ECS_IMAGE_PULL_BEHAVIOR', 'sometimes', /invalid ECS_IMAGE_PULL_BEHAVIOR "sometimes": must be one of default, always, once, prefer-cached/],
    ['DOCKER_HOST', 'http://x', /invalid DOCKER_HOST "http:\/\/x": expected unix/],
    ['ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION', '3 hours', /invalid ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION "3 hours"/],
    ['ECS_AVAILABILITY_ZONE', 'zone#1', /invalid ECS_AVAILABILITY_ZONE "zone#1"/],
    ['ECS_INSTANCE_TYPE', 'a'.repeat(129), /invalid ECS_INSTANCE_TYPE/],
    ['ECS_CONTAINER_LOG_MAX_SIZE', '10q', /invalid ECS_CONTAINER_LOG_MAX_SIZE "10q": invalid size/],
    ['ECS_CONTAINER_LOG_MAX_SIZE', '0', /invalid ECS_CONTAINER_LOG_MAX_SIZE "0"/],
    ['ECS_CONTAINER_LOG_MAX_FILE', '0', /invalid ECS_CONTAINER_LOG_MAX_FILE "0": must be a positive integer/],
    ['ECS_CONTAINER_LOG_MAX_FILE', '2.5', /invalid ECS_CONTAINER_LOG_MAX_FILE "2.5"/],
    ['ECS_CONTAINER_LOG_COMPRESS', 'yes', /invalid ECS_CONTAINER_LOG_COMPRESS "yes": must be true or false/],
    ['ECS_CONTAINER_LOG_MAX_LINE_SIZE', '8k', /invalid ECS_CONTAINER_LOG_MAX_LINE_SIZE "8k": must be at least 16k/],
    ['ECS_CONTAINER_LOG_DOCKER_MAX_SIZE', 'big', /invalid ECS_CONTAINER_LOG_DOCKER_MAX_SIZE "big"/],
    ['ECS_CONTAINER_LOG_DOCKER_MAX_FILE', '-1', /invalid ECS_CONTAINER_LOG_DOCKER_MAX_FILE "-1"/],
  ];
  for (const [key, value, want] of cases) {
    const err = (() => {
      try {
        compileOptions({ [key]: value });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    t.ok(err instanceof ConfigError, `${key}=${value} is refused`);
    t.match(err?.message ?? '', want, `${key}=${value}: ${err?.message}`);
  }
});

t.test('all problems are reported together', async (t) => {
  try {
    compileOptions({ ECS_LOGLEVEL: 'x', ECS_RESERVED_MEMORY: 'y' });
    t.fail('should throw');
  } catch (err) {
    t.same((err as ConfigError).problems.map((p) => p.key), ['ECS_LOGLEVEL', 'ECS_RESERVED_MEMORY']);
  }
});

t.test('durations are Go durations', async (t) => {
  t.equal(parseDuration('30s'), 30_000);
  t.equal(parseDuration('1m'), 60_000);
  t.equal(parseDuration('1h30m'), 5_400_000);
  t.equal(parseDuration('1.5s'), 1500);
  t.equal(parseDuration('250ms'), 250);
  t.equal(parseDuration('0'), 0);
  t.throws(() => parseDuration('5'));
  t.throws(() => parseDuration('1d'));
  t.throws(() => parseDuration('s'));
});

t.test('ecs.config is KEY=VALUE lines; comments, blanks and quotes handled', async (t) => {
  const parsed = parseEnvFile('# comment\n\nECS_CLUSTER=prod\nECS_INSTANCE_ATTRIBUTES={"a":"b=c"}\nECS_LOGLEVEL="debug"\n');
  t.same(parsed, { ECS_CLUSTER: 'prod', ECS_INSTANCE_ATTRIBUTES: '{"a":"b=c"}', ECS_LOGLEVEL: 'debug' });
  t.throws(() => parseEnvFile('ECS_CLUSTER=a\njust words\n', '/etc/ecs/ecs.config'), {
    name: 'EnvFileError',
    message: 'invalid line 2 in /etc/ecs/ecs.config "just words": expected KEY=VALUE',
  });
});

t.test('the environment overrides the file; a missing file is fine', async (t) => {
  t.same(mergeConfigSources({ ECS_CLUSTER: 'file', ECS_LOGLEVEL: 'warn' }, { ECS_CLUSTER: 'env' }), { ECS_CLUSTER: 'env', ECS_LOGLEVEL: 'warn' });
  const dir = mkdtempSync(join(tmpdir(), 'ecs-cfg-'));
  const file = join(dir, 'ecs.config');
  writeFileSync(file, 'ECS_CLUSTER=from-file\nECS_LOGLEVEL=warn\n');
  const loaded = loadConfig({ ECS_CONFIG_FILE: file, ECS_CLUSTER: 'from-env' });
  t.equal(loaded.options.cluster, 'from-env');
  t.equal(loaded.options.logLevel, 'warn');
  t.equal(loaded.configFile, file);
  const none = loadConfig({ ECS_CONFIG_FILE: join(dir, 'absent.config') });
  t.equal(none.configFile, undefined);
  t.equal(none.options.cluster, 'default');
});
