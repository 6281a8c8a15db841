import t from 'tap';
import { compileOptions } from '../../../../agent/src/config/options.js';
import { buildRegistrationRequest, capabilityAttributes } from '../../../../agent/src/resources/registration.js';
import { ecsArchitecture } from '../../../../agent/src/resources/host.js';

const versions = { agentVersion: '0.1.0', agentHash: 'abc1234', dockerVersion: '20.10.24', dockerApiVersion: '1.41', dockerMinApiVersion: '1.12' };
const host = { cpuCores: 4, memoryMiB: 7982, cpuArchitecture: 'x86_64' };

t.test('resources are ECS Resource objects: CPU units, MEMORY less the reserve, reserved ports', async (t) => {
  const options = compileOptions({ ECS_RESERVED_MEMORY: '256', ECS_RESERVED_PORTS_UDP: '[53]' });
  const req = buildRegistrationRequest({ options, host, versions, instanceId: 'i-0123456789abcdef0' });
  t.same(req.totalResources, [
    { name: 'CPU', type: 'INTEGER', integerValue: 4096 },
    { name: 'MEMORY', type: 'INTEGER', integerValue: 7982 - 256 },
    { name: 'PORTS', type: 'STRINGSET', stringSetValue: ['22', '2375', '2376', '51678', '51679'] },
    { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: ['53'] },
  ]);
  t.equal(req.cluster, 'default');
  t.equal(req.instanceId, 'i-0123456789abcdef0');
  t.notOk('containerInstanceArn' in req, 'no ARN on a first registration');
  t.same(req.versionInfo, { agentVersion: '0.1.0', agentHash: 'abc1234', dockerVersion: 'DockerVersion: 20.10.24' });
});

t.test('attributes: os, architecture, instance type, zone, capabilities and custom ones', async (t) => {
  const options = compileOptions({ ECS_AVAILABILITY_ZONE: 'rack-1', ECS_INSTANCE_TYPE: 'm5.large', ECS_INSTANCE_ATTRIBUTES: '{"stack":"prod"}', ECS_CONTAINER_INSTANCE_TAGS: '{"team":"a"}' });
  const req = buildRegistrationRequest({ options, host, versions, instanceId: 'i-1', containerInstanceArn: 'arn:ci' });
  const attrs = Object.fromEntries(req.attributes!.map((a) => [a.name, a.value]));
  t.match(attrs, { 'ecs.os-type': 'linux', 'ecs.cpu-architecture': 'x86_64', 'ecs.instance-type': 'm5.large', 'ecs.availability-zone': 'rack-1', stack: 'prod' });
  t.equal(req.containerInstanceArn, 'arn:ci');
  t.same(req.tags, [{ key: 'team', value: 'a' }]);
  const noZone = buildRegistrationRequest({ options: compileOptions({}), host, versions, instanceId: 'i-1' });
  t.notOk(noZone.attributes!.some((a) => a.name === 'ecs.availability-zone'));
});

t.test('capabilities claim the Docker API versions the engine speaks, from 1.17', async (t) => {
  const caps = capabilityAttributes({ availableLoggingDrivers: ['json-file', 'none'] }, versions);
  const apis = caps.filter((c) => c.includes('docker-remote-api'));
  t.equal(apis[0], 'com.amazonaws.ecs.capability.docker-remote-api.1.17');
  t.equal(apis.at(-1), 'com.amazonaws.ecs.capability.docker-remote-api.1.41');
  t.equal(apis.length, 41 - 17 + 1);
  t.same(capabilityAttributes({ availableLoggingDrivers: [] }, { ...versions, dockerMinApiVersion: '1.24', dockerApiVersion: '1.25' }), [
    'com.amazonaws.ecs.capability.docker-remote-api.1.24',
    'com.amazonaws.ecs.capability.docker-remote-api.1.25',
    'com.amazonaws.ecs.capability.logging-driver.awsfirelens',
  ]);
});

t.test('logging drivers: awsfirelens always (the router is built in), then ECS_AVAILABLE_LOGGING_DRIVERS', async (t) => {
  const table: [string, string[], string[]][] = [
    ['the default list', ['json-file', 'none'], ['awsfirelens', 'json-file', 'none']],
    ['none listed', [], ['awsfirelens']],
    ['awsfirelens listed too: claimed once', ['syslog', 'awsfirelens', 'local'], ['awsfirelens', 'syslog', 'local']],
  ];
  for (const [name, available, want] of table) {
    const caps = capabilityAttributes({ availableLoggingDrivers: available }, versions).filter((c) => c.includes('logging-driver'));
    t.same(caps, want.map((d) => `com.amazonaws.ecs.capability.logging-driver.${d}`), name);
  }
  const req = buildRegistrationRequest({ options: compileOptions({}), host, versions, instanceId: 'i-1' });
  const names = req.attributes!.map((a) => a.name);
  for (const d of ['awsfirelens', 'json-file', 'none']) t.ok(names.includes(`com.amazonaws.ecs.capability.logging-driver.${d}`), `registration claims ${d}`);
  t.notOk(names.includes('com.amazonaws.ecs.capability.logging-driver.syslog'), 'and nothing else');
});

t.test('Node architectures map to ECS names', async (t) => {
  t.equal(ecsArchitecture('x64'), 'x86_64');
  t.equal(ecsArchitecture('arm64'), 'arm64');
});
