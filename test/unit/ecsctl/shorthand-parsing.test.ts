import t from 'tap';
import { coerceToShape, parseShorthand } from '../../../ecsctl/src/args/shorthand.js';
import { ecsShapes } from '../../../ecsctl/src/schema/shapes.js';
import { unpackValue } from '../../../ecsctl/src/args/param-values.js';
import { ParamError } from '../../../ecsctl/src/errors.js';

const runTask = ecsShapes().structure('RunTaskRequest');
const member = (name: string) => runTask.members.get(name)!;

t.test('key=value pairs separated by commas make one structure', async (t) => {
  t.same(parseShorthand('key=a,value=b'), { key: 'a', value: 'b' });
});

t.test("values may contain ':' and '.' (attribute:ecs.availability-zone)", async (t) => {
  t.same(parseShorthand('type=spread,field=attribute:ecs.availability-zone'), {
    type: 'spread',
    field: 'attribute:ecs.availability-zone',
  });
});

t.test('a value followed by bare words is a list (a=b,c → [b, c])', async (t) => {
  t.same(parseShorthand('a=b,c,d=e'), { a: ['b', 'c'], d: 'e' });
});

t.test('explicit lists and hashes', async (t) => {
  t.same(parseShorthand('command=[sleep,10],env={A=1,B=2}'), { command: ['sleep', '10'], env: { A: '1', B: '2' } });
  t.same(parseShorthand('k=[]'), { k: [] });
});

t.test('quoted values keep commas and equals signs', async (t) => {
  t.same(parseShorthand(`expression="attribute:ecs.os-type == linux",type=memberOf`), {
    expression: 'attribute:ecs.os-type == linux',
    type: 'memberOf',
  });
  t.same(parseShorthand(`a='x,y'`), { a: 'x,y' });
  t.same(parseShorthand('a=x\\,y'), { a: 'x,y' });
});

t.test('an empty value is an empty string', async (t) => {
  t.same(parseShorthand('key=a,value='), { key: 'a', value: '' });
});

t.test('syntax errors point at the spot, as aws does', async (t) => {
  t.throws(() => parseShorthand('key'), { message: "Expected: '=', received: 'EOF' for input:\nkey\n   ^" });
  t.throws(() => parseShorthand('a=b,a=c'), { message: /Second instance of key "a"/ });
});

t.test('the model converts numbers and booleans and wraps scalars given for lists', async (t) => {
  const shape = ecsShapes().structure('ContainerOverride');
  t.same(coerceToShape(parseShorthand('name=web,cpu=256,command=sleep'), shape), { name: 'web', cpu: 256, command: ['sleep'] });
  t.same(coerceToShape({ cpu: 'lots' }, shape), { cpu: 'lots' }, 'unconvertible text is left for validation');
  const mp = ecsShapes().structure('MountPoint');
  t.same(coerceToShape(parseShorthand('readOnly=TRUE'), mp), { readOnly: true });
});

t.test('list-of-structure flags take one shorthand structure per word', async (t) => {
  t.same(unpackValue('--placement-strategy', ['type=spread,field=attribute:ecs.availability-zone', 'type=binpack,field=memory'], member('placementStrategy')), [
    { type: 'spread', field: 'attribute:ecs.availability-zone' },
    { type: 'binpack', field: 'memory' },
  ]);
  t.same(unpackValue('--tags', ['key=a,value=b', 'key=c,value=d'], member('tags')), [
    { key: 'a', value: 'b' },
    { key: 'c', value: 'd' },
  ]);
});

t.test('JSON is used when the value starts with [ or {', async (t) => {
  t.same(unpackValue('--tags', ['[{"key":"a","value":"b"}]'], member('tags')), [{ key: 'a', value: 'b' }]);
  t.same(unpackValue('--tags', ['{"key":"a"}', '{"key":"b"}'], member('tags')), [{ key: 'a' }, { key: 'b' }]);
  t.same(unpackValue('--overrides', ['{"containerOverrides":[]}'], member('overrides')), { containerOverrides: [] });
});

t.test('a shorthand error names the flag', async (t) => {
  let err: unknown;
  try {
    unpackValue('--tags', ['key'], member('tags'));
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof ParamError && err.exitCode === 252, 'a ParamError (exit 252)');
  t.throws(() => unpackValue('--tags', ['key'], member('tags')), { message: /^Error parsing parameter '--tags': Expected: '='/ });
});

t.test('scalar list flags take words, or one JSON array', async (t) => {
  const tasks = ecsShapes().structure('DescribeTasksRequest').members.get('tasks')!;
  t.same(unpackValue('--tasks', ['a', 'b'], tasks), ['a', 'b']);
  t.same(unpackValue('--tasks', ['["a","b"]'], tasks), ['a', 'b']);
});
