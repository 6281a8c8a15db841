// validateTaskDefinition: the rules of one container definition (image, cpu, memory, port mappings,
// healthCheck, logConfiguration, environment, dockerLabels, ulimits, mountPoints, timeouts).
// Requests are built the way @grpc/proto-loader decodes them (repeated fields arrays, optional scalars absent).
import t from 'tap';
import type { RegisterTaskDefinitionRequest__Output } from '../../../../proto/gen/ecs/v1/RegisterTaskDefinitionRequest.js';
import type { ContainerDefinition__Output } from '../../../../proto/gen/ecs/v1/ContainerDefinition.js';
import { ClientException, InvalidParameterException } from '../../../../control-plane/src/domain/errors.js';
import { validateTaskDefinition } from '../../../../control-plane/src/domain/task-definition.js';

type Req = RegisterTaskDefinitionRequest__Output;
type Container = ContainerDefinition__Output;

/** A container as proto-loader decodes it; `undefined` in `over` means "absent" (the key is removed). */
function container(over: Partial<Container> = {}): Container {
  const c: Container = {
    name: 'web', image: 'nginx', cpu: 0, memory: 128, links: [], portMappings: [], entryPoint: [], command: [],
    environment: [], mountPoints: [], dockerLabels: {}, ulimits: [], dependsOn: [], dnsServers: [], ...over,
  };
  for (const k of Object.keys(c) as (keyof Container)[]) if (c[k] === undefined) delete c[k];
  return c;
}

function request(c: Container, over: Partial<Req> = {}): Req {
  return { family: 'web', containerDefinitions: [c], volumes: [], placementConstraints: [], requiresCompatibilities: [], tags: [], ...over };
}

/** Registers one container (with `over` for the task) and returns its normalized form. */
function one(c: Container, over: Partial<Req> = {}): Container {
  return validateTaskDefinition(request(c, over)).containerDefinitions[0];
}

interface Asserts { ok(value: unknown, message: string): unknown }

function rejects(t: Asserts, fn: () => unknown, fragments: string[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof ClientException, `throws ClientException, got ${String(err)}`);
  const message = err instanceof Error ? err.message : '';
  for (const f of fragments) t.ok(message.includes(f), `message names ${f}: ${message}`);
}

const digest = `sha256:${'a1'.repeat(32)}`;

t.test('accepted container settings', async (t) => {
  const cases: { name: string; c: Container; over?: Partial<Req>; check: (c: Container) => void }[] = [
    { name: 'an image with registry, path, tag and #', c: container({ image: 'registry.example.com:5000/team/app_1-x:v1.2#b' }), check: (c) => t.equal(c.image, 'registry.example.com:5000/team/app_1-x:v1.2#b') },
    { name: 'an image by sha256 digest', c: container({ image: `nginx@${digest}` }), check: (c) => t.equal(c.image, `nginx@${digest}`) },
    { name: 'an image of 255 characters', c: container({ image: 'a'.repeat(255) }), check: (c) => t.equal(c.image?.length, 255) },
    { name: 'memory of 6 MiB', c: container({ memory: 6 }), check: (c) => t.equal(c.memory, 6) },
    { name: 'memoryReservation alone', c: container({ memory: undefined, memoryReservation: 64 }), check: (c) => t.equal(c.memoryReservation, 64) },
    { name: 'memory equal to memoryReservation', c: container({ memory: 128, memoryReservation: 128 }), check: (c) => t.equal(c.memory, 128) },
    { name: 'memory above memoryReservation', c: container({ memory: 256, memoryReservation: 128 }), check: (c) => t.equal(c.memoryReservation, 128) },
    { name: 'cpu 0', c: container({ cpu: 0 }), check: (c) => t.equal(c.cpu, 0) },
    { name: 'bridge: hostPort 0 kept as dynamic', c: container({ portMappings: [{ containerPort: 80, hostPort: 0 }] }), check: (c) => t.strictSame(c.portMappings, [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }]) },
    { name: 'bridge: hostPort absent stays absent', c: container({ portMappings: [{ containerPort: 80 }] }), check: (c) => t.strictSame(c.portMappings, [{ containerPort: 80, protocol: 'tcp' }]) },
    { name: 'bridge: a static hostPort different from containerPort', c: container({ portMappings: [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' }] }), check: (c) => t.strictSame(c.portMappings, [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' }]) },
    { name: 'bridge: udp and port 65535', c: container({ portMappings: [{ containerPort: 65535, hostPort: 65535, protocol: 'udp' }] }), check: (c) => t.equal(c.portMappings[0].protocol, 'udp') },
    { name: 'bridge: name and appProtocol kept', c: container({ portMappings: [{ containerPort: 80, name: 'http', appProtocol: 'http' }] }), check: (c) => t.strictSame(c.portMappings, [{ containerPort: 80, name: 'http', appProtocol: 'http', protocol: 'tcp' }]) },
    { name: 'host: hostPort defaults to containerPort', c: container({ portMappings: [{ containerPort: 8080 }] }), over: { networkMode: 'host' }, check: (c) => t.strictSame(c.portMappings, [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }]) },
    { name: 'host: hostPort equal to containerPort', c: container({ portMappings: [{ containerPort: 9000, hostPort: 9000, protocol: 'udp' }] }), over: { networkMode: 'host' }, check: (c) => t.equal(c.portMappings[0].hostPort, 9000) },
    { name: 'bridge: a containerPortRange', c: container({ portMappings: [{ containerPortRange: '8000-8010' }, { containerPortRange: '8000-8010', protocol: 'udp' }, { containerPort: 9000 }] }), check: (c) => t.strictSame(c.portMappings[0], { containerPortRange: '8000-8010', protocol: 'tcp' }) },
    { name: 'a CMD-SHELL health check gets ECS defaults 30/5/3', c: container({ healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'] } }), check: (c) => t.strictSame(c.healthCheck, { command: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], interval: 30, timeout: 5, retries: 3 }) },
    { name: 'a CMD health check at the range limits', c: container({ healthCheck: { command: ['CMD', '/bin/check'], interval: 300, timeout: 60, retries: 10, startPeriod: 300 } }), check: (c) => t.strictSame(c.healthCheck, { command: ['CMD', '/bin/check'], interval: 300, timeout: 60, retries: 10, startPeriod: 300 }) },
    { name: 'a health check at the lower limits', c: container({ healthCheck: { command: ['CMD', 'true'], interval: 5, timeout: 2, retries: 1, startPeriod: 0 } }), check: (c) => t.equal(c.healthCheck?.interval, 5) },
    ...['json-file', 'syslog', 'journald', 'gelf', 'fluentd', 'splunk', 'local', 'none'].map((d) => ({
      name: `log driver ${d}`, c: container({ logConfiguration: { logDriver: d, options: {} } }), check: (c: Container) => t.equal(c.logConfiguration?.logDriver, d),
    })),
    ...([
      { Name: 'file' },
      { Name: 'file', 'max-size': '10m', 'max-file': '3', 'include-pattern': '^ERROR', 'exclude-pattern': 'health' },
      { name: 'Forward', host: 'fluent', port: '24224', Tag: 'app' },
      { Name: 'http', Host: 'collector', URI: '/logs', tls: 'on', Header: 'X-Key abc' },
      { Name: 'stdout' },
    ] as Record<string, string>[]).map((options) => ({
      name: `log driver awsfirelens ${JSON.stringify(options)}`,
      c: container({ logConfiguration: { logDriver: 'awsfirelens', options } }),
      check: (c: Container) => t.strictSame(c.logConfiguration, { logDriver: 'awsfirelens', options }),
    })),
    { name: 'log driver awslogs with region and group', c: container({ logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': 'eu-west-1', 'awslogs-group': 'g' } } }), check: (c) => t.equal(c.logConfiguration?.logDriver, 'awslogs') },
    { name: 'environment and dockerLabels', c: container({ environment: [{ name: 'A', value: '' }], dockerLabels: { team: 'x' } }), check: (c) => t.strictSame(c.dockerLabels, { team: 'x' }) },
    { name: 'ulimits with soft equal to hard', c: container({ ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 1024 }, { name: 'core', softLimit: 0, hardLimit: 0 }] }), check: (c) => t.equal(c.ulimits.length, 2) },
    { name: 'a mount point of a defined volume', c: container({ mountPoints: [{ sourceVolume: 'data', containerPath: '/data', readOnly: true }] }), over: { volumes: [{ name: 'data', host: { sourcePath: '/srv/data' } }] }, check: (c) => t.equal(c.mountPoints[0].sourceVolume, 'data') },
    { name: 'startTimeout and stopTimeout', c: container({ startTimeout: 60, stopTimeout: 120 }), check: (c) => t.equal(c.stopTimeout, 120) },
  ];
  for (const tc of cases) t.test(tc.name, async () => tc.check(one(tc.c, tc.over)));
});

t.test('rejected container settings are ClientExceptions naming the field', async (t) => {
  const cases: { name: string; c: Container; over?: Partial<Req>; fragments: string[] }[] = [
    { name: 'image absent', c: container({ image: undefined }), fragments: ['Container.image should not be null or empty', "'image'", "'web'"] },
    { name: 'image empty', c: container({ image: '' }), fragments: ['Container.image should not be null or empty'] },
    { name: 'image with a trailing space', c: container({ image: 'nginx:1 ' }), fragments: ['Container.image contains invalid characters', "'image'"] },
    { name: 'image with a dollar sign', c: container({ image: '$IMAGE_NAME' }), fragments: ['Container.image contains invalid characters'] },
    { name: 'image of 256 characters', c: container({ image: 'a'.repeat(256) }), fragments: ["Invalid 'image' setting for container 'web'.", '255'] },
    { name: 'image with a bad digest', c: container({ image: 'nginx@sha256:abc' }), fragments: ["Invalid 'image' setting", 'sha256'] },
    { name: 'image digest only', c: container({ image: `@${digest}` }), fragments: ['Container.image contains invalid characters'] },
    { name: 'no memory at all', c: container({ memory: undefined }), fragments: ["Invalid setting for container 'web'. At least one of 'memory' or 'memoryReservation' must be specified."] },
    { name: 'memory below memoryReservation', c: container({ memory: 128, memoryReservation: 256 }), fragments: ["Invalid setting for container 'web'.", "'memory' must be greater than or equal to 'memoryReservation'"] },
    { name: 'memory of 5 MiB', c: container({ memory: 5 }), fragments: ["Invalid 'memory' setting for container 'web'.", '6 MiB'] },
    { name: 'memory of 0', c: container({ memory: 0 }), fragments: ["Invalid 'memory' setting for container 'web'."] },
    { name: 'memoryReservation of 0', c: container({ memory: undefined, memoryReservation: 0 }), fragments: ["Invalid 'memoryReservation' setting for container 'web'."] },
    { name: 'negative cpu', c: container({ cpu: -1 }), fragments: ["Invalid 'cpu' setting for container 'web'."] },
    { name: 'containerPort absent', c: container({ portMappings: [{ hostPort: 80 }] }), fragments: ["Invalid 'containerPort' setting for container 'web'."] },
    { name: 'containerPort 0', c: container({ portMappings: [{ containerPort: 0 }] }), fragments: ["Invalid 'containerPort' setting for container 'web'."] },
    { name: 'containerPort 65536', c: container({ portMappings: [{ containerPort: 65536 }] }), fragments: ["Invalid 'containerPort' setting", '65536'] },
    { name: 'hostPort -1', c: container({ portMappings: [{ containerPort: 80, hostPort: -1 }] }), fragments: ["Invalid 'hostPort' setting for container 'web'."] },
    { name: 'hostPort 70000', c: container({ portMappings: [{ containerPort: 80, hostPort: 70000 }] }), fragments: ["Invalid 'hostPort' setting", '70000'] },
    { name: 'protocol sctp', c: container({ portMappings: [{ containerPort: 80, protocol: 'sctp' }] }), fragments: ["Invalid 'protocol' setting for container 'web'.", 'sctp'] },
    { name: 'protocol TCP in capitals', c: container({ portMappings: [{ containerPort: 80, protocol: 'TCP' }] }), fragments: ["Invalid 'protocol' setting"] },
    { name: 'host mode: hostPort differs from containerPort', c: container({ portMappings: [{ containerPort: 80, hostPort: 8080 }] }), over: { networkMode: 'host' }, fragments: ['When networkMode=host, the host ports and container ports in port mappings must match.', "'hostPort'"] },
    { name: 'host mode: hostPort 0', c: container({ portMappings: [{ containerPort: 80, hostPort: 0 }] }), over: { networkMode: 'host' }, fragments: ['When networkMode=host, the host ports and container ports in port mappings must match.'] },
    { name: 'none mode: any port mapping', c: container({ portMappings: [{ containerPort: 80 }] }), over: { networkMode: 'none' }, fragments: ["Invalid 'portMappings' setting for container 'web'.", 'networkMode=none'] },
    { name: 'containerPortRange in host mode', c: container({ portMappings: [{ containerPortRange: '8000-8010' }] }), over: { networkMode: 'host' }, fragments: ["Invalid 'containerPortRange' setting", 'bridge'] },
    { name: 'containerPortRange with a containerPort', c: container({ portMappings: [{ containerPortRange: '8000-8010', containerPort: 8000 }] }), fragments: ["Invalid 'containerPortRange' setting", "'containerPort'"] },
    { name: 'containerPortRange reversed', c: container({ portMappings: [{ containerPortRange: '8010-8000' }] }), fragments: ["Invalid 'containerPortRange' setting", '8010-8000'] },
    { name: 'containerPortRange malformed', c: container({ portMappings: [{ containerPortRange: '8000:8010' }] }), fragments: ["Invalid 'containerPortRange' setting"] },
    { name: 'containerPortRange overlapping a containerPort', c: container({ portMappings: [{ containerPort: 8005 }, { containerPortRange: '8000-8010' }] }), fragments: ["Invalid 'containerPortRange' setting", 'overlaps'] },
    { name: 'containerPortRanges overlapping', c: container({ portMappings: [{ containerPortRange: '8000-8010' }, { containerPortRange: '8010-8020' }] }), fragments: ["Invalid 'containerPortRange' setting", 'overlaps'] },
    { name: 'health check command empty', c: container({ healthCheck: { command: [] } }), fragments: ["Invalid 'healthCheck' setting for container 'web'.", "'command'"] },
    { name: 'health check command without CMD', c: container({ healthCheck: { command: ['curl', 'localhost'] } }), fragments: ["'healthCheck'", 'CMD or CMD-SHELL'] },
    { name: 'health check NONE (not an ECS form)', c: container({ healthCheck: { command: ['NONE'] } }), fragments: ["'healthCheck'", 'CMD or CMD-SHELL'] },
    { name: 'health check CMD with nothing to run', c: container({ healthCheck: { command: ['CMD'] } }), fragments: ["'healthCheck'", "'command'"] },
    { name: 'health check interval 4', c: container({ healthCheck: { command: ['CMD', 'true'], interval: 4 } }), fragments: ["'healthCheck'", "'interval' must be between 5 and 300 seconds"] },
    { name: 'health check interval 301', c: container({ healthCheck: { command: ['CMD', 'true'], interval: 301 } }), fragments: ["'interval'"] },
    { name: 'health check timeout 1', c: container({ healthCheck: { command: ['CMD', 'true'], timeout: 1 } }), fragments: ["'timeout' must be between 2 and 60 seconds"] },
    { name: 'health check timeout 61', c: container({ healthCheck: { command: ['CMD', 'true'], timeout: 61 } }), fragments: ["'timeout'"] },
    { name: 'health check retries 0', c: container({ healthCheck: { command: ['CMD', 'true'], retries: 0 } }), fragments: ["'retries' must be between 1 and 10"] },
    { name: 'health check retries 11', c: container({ healthCheck: { command: ['CMD', 'true'], retries: 11 } }), fragments: ["'retries'"] },
    { name: 'health check startPeriod -1', c: container({ healthCheck: { command: ['CMD', 'true'], startPeriod: -1 } }), fragments: ["'startPeriod' must be between 0 and 300 seconds"] },
    { name: 'health check startPeriod 301', c: container({ healthCheck: { command: ['CMD', 'true'], startPeriod: 301 } }), fragments: ["'startPeriod'"] },
    { name: 'log driver syslogd (not a driver)', c: container({ logConfiguration: { logDriver: 'syslogd', options: {} } }), fragments: ["Invalid 'logConfiguration' setting for container 'web'.", "'logDriver'", 'syslogd', 'local, none'] },
    { name: 'log driver JSON-FILE (drivers are lower case)', c: container({ logConfiguration: { logDriver: 'JSON-FILE', options: {} } }), fragments: ["'logDriver'"] },
    { name: 'log driver empty', c: container({ logConfiguration: { logDriver: '', options: {} } }), fragments: ["'logDriver'"] },
    { name: 'awslogs without a group', c: container({ logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-region': 'eu-west-1' } } }), fragments: ['Log driver awslogs requires options: awslogs-region, awslogs-group', "'logConfiguration.options'", 'awslogs-group'] },
    { name: 'an environment variable without a name', c: container({ environment: [{ name: '', value: 'x' }] }), fragments: ["Invalid 'environment' setting for container 'web'.", "'name'"] },
    { name: 'a docker label with an empty key', c: container({ dockerLabels: { '': 'x' } }), fragments: ["Invalid 'dockerLabels' setting for container 'web'."] },
    { name: 'a ulimit not in Docker\'s list', c: container({ ulimits: [{ name: 'files', softLimit: 1, hardLimit: 1 }] }), fragments: ["Invalid 'ulimits' setting for container 'web'.", "'files'"] },
    { name: 'a ulimit in capitals', c: container({ ulimits: [{ name: 'NOFILE', softLimit: 1, hardLimit: 1 }] }), fragments: ["'ulimits'"] },
    { name: 'a ulimit set twice', c: container({ ulimits: [{ name: 'nofile', softLimit: 1, hardLimit: 1 }, { name: 'nofile', softLimit: 2, hardLimit: 2 }] }), fragments: ["'ulimits'", 'more than once'] },
    { name: 'a ulimit soft above hard', c: container({ ulimits: [{ name: 'nofile', softLimit: 2048, hardLimit: 1024 }] }), fragments: ["'ulimits'", "'softLimit'", "'hardLimit'"] },
    { name: 'a mount point of an undefined volume', c: container({ mountPoints: [{ sourceVolume: 'data', containerPath: '/data' }] }), fragments: ["Unknown volume 'data'.", "'mountPoints'"] },
    { name: 'a mount point without sourceVolume', c: container({ mountPoints: [{ containerPath: '/data' }] }), fragments: ["Invalid 'mountPoints' setting for container 'web'.", "'sourceVolume'"] },
    { name: 'a mount point without containerPath', c: container({ mountPoints: [{ sourceVolume: 'data' }] }), over: { volumes: [{ name: 'data' }] }, fragments: ["Invalid 'mountPoints' setting", "'containerPath'"] },
    { name: 'a negative stopTimeout', c: container({ stopTimeout: -1 }), fragments: ["Invalid 'stopTimeout' setting for container 'web'."] },
    { name: 'a negative startTimeout', c: container({ startTimeout: -5 }), fragments: ["Invalid 'startTimeout' setting for container 'web'."] },
  ];
  for (const tc of cases) t.test(`rejects ${tc.name}`, async (t) => rejects(t, () => one(tc.c, tc.over), tc.fragments));
});

// awsfirelens options are the agent's router's (common/log-options.ts): a bad one is known at registration and
// refused with InvalidParameterException naming the container and the field.
t.test('rejects bad awsfirelens options with InvalidParameterException naming container and field', async (t) => {
  const cases: { name: string; options: Record<string, string>; message: string }[] = [
    {
      name: 'an empty Name',
      options: { Name: ' ' },
      message: "Invalid 'logConfiguration' setting for container 'web'. options.Name: must not be empty: the output, one of file, forward, http, stdout",
    },
    {
      name: 'unknown Name',
      options: { Name: 'cloudwatch' },
      message: "Invalid 'logConfiguration' setting for container 'web'. options.Name: unknown output 'cloudwatch'; allowed: file, forward, http, stdout",
    },
    {
      name: 'a regex that does not compile',
      options: { Name: 'file', 'include-pattern': '(' },
      message: "Invalid 'logConfiguration' setting for container 'web'. options.include-pattern: Invalid regular expression: /(/: Unterminated group",
    },
    {
      name: 'a bad size',
      options: { Name: 'file', 'max-size': '10q' },
      message: "Invalid 'logConfiguration' setting for container 'web'. options.max-size: invalid size: '10q' (expected bytes, or a number followed by k, m or g, e.g. 10m)",
    },
    {
      name: 'max-file out of range',
      options: { Name: 'file', 'max-file': '0' },
      message: "Invalid 'logConfiguration' setting for container 'web'. options.max-file: must be a whole number from 1 to 100; got '0'",
    },
    {
      name: 'an option of another output',
      options: { Name: 'stdout', Host: 'x' },
      message: "Invalid 'logConfiguration' setting for container 'web'. options.Host: not an option of output 'stdout'; allowed: Name, include-pattern, exclude-pattern",
    },
    {
      name: 'forward without Host',
      options: { Name: 'forward' },
      message: "Invalid 'logConfiguration' setting for container 'web'. options.Host: required for output 'forward': the receiver's host name or IP address",
    },
    {
      name: 'a bad Port',
      options: { Name: 'forward', Host: 'h', Port: '70000' },
      message: "Invalid 'logConfiguration' setting for container 'web'. options.Port: must be a whole number from 1 to 65535; got '70000'",
    },
    {
      name: 'a bad tls',
      options: { Name: 'http', Host: 'h', tls: 'yes' },
      message: "Invalid 'logConfiguration' setting for container 'web'. options.tls: must be on, off, true or false; got 'yes'",
    },
  ];
  for (const tc of cases) {
    let err: unknown;
    try {
      one(container({ logConfiguration: { logDriver: 'awsfirelens', options: tc.options } }));
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof InvalidParameterException, `${tc.name}: InvalidParameterException, got ${String(err)}`);
    t.equal((err as Error | undefined)?.message, tc.message, tc.name);
  }
});

t.test('the container named is the one with the bad option', async (t) => {
  const req = request(container({ name: 'web' }), {});
  req.containerDefinitions.push(container({ name: 'app', logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'file', 'exclude-pattern': '[' } } }));
  let err: unknown;
  try {
    validateTaskDefinition(req);
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof InvalidParameterException, String(err));
  t.equal(
    (err as Error | undefined)?.message,
    "Invalid 'logConfiguration' setting for container 'app'. options.exclude-pattern: Invalid regular expression: /[/: Unterminated character class",
  );
});
