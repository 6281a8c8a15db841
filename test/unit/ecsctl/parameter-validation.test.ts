import t from 'tap';
import { validateParams } from '../../../ecsctl/src/schema/validate.js';
import { ecsShapes, withRequired } from '../../../ecsctl/src/schema/shapes.js';
import { run } from './run-cli-harness.js';

const register = ecsShapes().structure('RegisterTaskDefinitionRequest');
const CONTAINER_MEMBERS =
  'name, image, cpu, memory, memoryReservation, links, portMappings, essential, entryPoint, command, environment, ' +
  'mountPoints, hostname, user, workingDirectory, disableNetworking, privileged, readonlyRootFilesystem, dockerLabels, ' +
  'ulimits, logConfiguration, healthCheck, startTimeout, stopTimeout, interactive, pseudoTerminal, dependsOn, dnsServers';

t.test('unknown keys at any depth name the path and the valid members', async (t) => {
  t.same(validateParams({ family: 'f', containerDefinitions: [{ name: 'a', foo: 1 }] }, register), [
    `Unknown parameter in containerDefinitions[0]: "foo", must be one of: ${CONTAINER_MEMBERS}`,
  ]);
  t.match(validateParams({ famly: 'f' }, register)[0], /^Unknown parameter in input: "famly", must be one of: family, containerDefinitions, /);
});

t.test('wrong types are reported with Python-style type names', async (t) => {
  t.same(validateParams({ containerDefinitions: [{ cpu: 'abc' }] }, register), [
    "Invalid type for parameter containerDefinitions[0].cpu, value: abc, type: <class 'str'>, valid types: <class 'int'>",
  ]);
  t.same(validateParams({ cpu: 256 }, register), [
    "Invalid type for parameter cpu, value: 256, type: <class 'int'>, valid types: <class 'str'>",
  ]);
  t.same(validateParams({ containerDefinitions: { name: 'x' } }, register), [
    "Invalid type for parameter containerDefinitions, value: {'name': 'x'}, type: <class 'dict'>, valid types: <class 'list'>, <class 'tuple'>",
  ]);
  t.same(validateParams({ containerDefinitions: [{ essential: 'yes' }] }, register), [
    "Invalid type for parameter containerDefinitions[0].essential, value: yes, type: <class 'str'>, valid types: <class 'bool'>",
  ]);
  t.same(validateParams({ family: null }, register), [
    "Invalid type for parameter family, value: None, type: <class 'NoneType'>, valid types: <class 'str'>",
  ]);
});

t.test('map-valued fields accept any keys but check the values', async (t) => {
  const ok = { containerDefinitions: [{ dockerLabels: { 'com.example/anything': 'x' }, logConfiguration: { logDriver: 'json-file', options: { 'max-size': '10m' } } }] };
  t.same(validateParams(ok, register), []);
  t.same(validateParams({ containerDefinitions: [{ dockerLabels: { a: 1 } }] }, register), [
    "Invalid type for parameter containerDefinitions[0].dockerLabels.a, value: 1, type: <class 'int'>, valid types: <class 'str'>",
  ]);
});

t.test('integers outside int32 are out of range', async (t) => {
  t.same(validateParams({ containerDefinitions: [{ cpu: 2 ** 31 }] }, register), [
    'Invalid range for parameter containerDefinitions[0].cpu, value: 2147483648, valid range: -2147483648-2147483647',
  ]);
});

t.test('missing required members come first, then unknowns, then members', async (t) => {
  const shape = withRequired(register, ['family', 'containerDefinitions']);
  t.same(validateParams({ bogus: 1, cpu: 1 }, shape), [
    'Missing required parameter in input: "family"',
    'Missing required parameter in input: "containerDefinitions"',
    `Unknown parameter in input: "bogus", must be one of: ${[...register.members.keys()].join(', ')}`,
    "Invalid type for parameter cpu, value: 1, type: <class 'int'>, valid types: <class 'str'>",
  ]);
});

t.test('the CLI prints the report and exits 252 without calling the server', async (t) => {
  const r = await run(['register-task-definition', '--family', 'web', '--container-definitions', '[{"name":"web","cpu":"abc","foo":1}]']);
  t.equal(r.code, 252);
  t.equal(
    r.stderr,
    '\nParameter validation failed:\n' +
      `Unknown parameter in containerDefinitions[0]: "foo", must be one of: ${CONTAINER_MEMBERS}\n` +
      "Invalid type for parameter containerDefinitions[0].cpu, value: abc, type: <class 'str'>, valid types: <class 'int'>\n",
  );
  t.equal(r.calls.length, 0);
});

t.test('a non-number given to an integer flag is an invalid type', async (t) => {
  const r = await run(['run-task', '--task-definition', 'web', '--count', 'abc']);
  t.equal(r.code, 252);
  t.equal(r.stderr, "\nParameter validation failed:\nInvalid type for parameter count, value: abc, type: <class 'str'>, valid types: <class 'int'>\n");
});

t.test('a missing required flag is a usage error naming it', async (t) => {
  const r = await run(['run-task', '--cluster', 'default']);
  t.equal(r.code, 252);
  t.equal(
    r.stderr,
    'usage: ecsctl [options] <command> [parameters]\nTo see help text, you can run:\n\n  ecsctl help\n  ecsctl <command> help\n\n' +
      'ecsctl: error: the following arguments are required: --task-definition\n',
  );
  const two = await run(['update-container-instances-state']);
  t.match(two.stderr, /the following arguments are required: --container-instances, --status\n$/);
});
