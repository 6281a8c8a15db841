// What each subject means: task:group (groups of the instance's tasks that are not STOPPED), registeredAt
// (dates and times), agentVersion (version order), runningTasksCount, agentConnected, ec2InstanceId, and
// attributes that are missing or have no value.
import t from 'tap';
import { evaluateQuery, parseQuery } from '../../../../../control-plane/src/placement/query/index.js';
import { epoch, facts, parseError, selected } from './helpers.js';

t.test('task:group holds when some group of the instance satisfies the comparison', async (t) => {
  const instances = {
    webAndNginx: facts({ taskGroups: { 'service:web': 2, 'family:nginx': 1 } }),
    webOnly: facts({ taskGroups: { 'service:web': 1 } }),
    db: facts({ taskGroups: { 'service:db': 3 } }),
    // a count of 0 is no task of the group (only tasks not yet STOPPED are counted)
    stoppedWeb: facts({ taskGroups: { 'service:web': 0 } }),
    idle: facts({ taskGroups: {} }),
  };
  const table: [string, (keyof typeof instances)[]][] = [
    ['task:group == service:web', ['webAndNginx', 'webOnly']],
    ['task:group in [service:db, family:nginx]', ['webAndNginx', 'db']],
    // anti-affinity, as the guide writes it
    ['not(task:group == service:web)', ['db', 'stoppedWeb', 'idle']],
    // "runs a task of some other group": idle instances run none
    ['task:group != service:web', ['webAndNginx', 'db']],
    ['task:group !in [service:web, service:db]', ['webAndNginx']],
    ['task:group =~ service:.*', ['webAndNginx', 'webOnly', 'db']],
    ['task:group !~ service:.*', ['webAndNginx']],
    ['task:group =~ family:.* or task:group == service:db', ['webAndNginx', 'db']],
    ['task:group == service:web and task:group == family:nginx', ['webAndNginx']],
    // group names that are also Object.prototype's
    ['task:group == constructor', []],
    ['task:group in [toString, __proto__]', []],
  ];
  for (const [expr, want] of table) t.strictSame(selected(expr, instances), want, expr);
});

t.test('registeredAt compares with the span a date or time names', async (t) => {
  // registered at noon UTC on 13 February 2018 (and half a second later: registeredAt may be fractional)
  const noon = facts({ registeredAt: epoch('2018-02-13T12:00:00Z') });
  const noonAndAHalf = facts({ registeredAt: epoch('2018-02-13T12:00:00.500Z') });
  const table: [string, boolean][] = [
    // a date is the whole day (UTC)
    ['registeredAt < 2018-02-13', false],
    ['registeredAt <= 2018-02-13', true],
    ['registeredAt == 2018-02-13', true],
    ['registeredAt != 2018-02-13', false],
    ['registeredAt >= 2018-02-13', true],
    ['registeredAt > 2018-02-13', false],
    ['registeredAt > 2018-02-12', true],
    ['registeredAt < 2018-02-14', true],
    ['registeredAt == 2018-02-14', false],
    // a time is that second
    ['registeredAt == 2018-02-13T12:00:00Z', true],
    ['registeredAt == 2018-02-13T12:00:00+00:00', true],
    ['registeredAt == 2018-02-13T12:00:00', true],
    ['registeredAt == 2018-02-13T14:00:00+02:00', true],
    ['registeredAt == 2018-02-13T07:00:00-05:00', true],
    ['registeredAt == 2018-02-13T12:00:01Z', false],
    ['registeredAt < 2018-02-13T12:00:00Z', false],
    ['registeredAt <= 2018-02-13T12:00:00Z', true],
    ['registeredAt > 2018-02-13T11:59:59Z', true],
    ['registeredAt > 2018-02-13T12:00:00Z', false],
    ['registeredAt >= 2018-02-13T12:00:00Z', true],
    ['registeredAt < 2018-02-13T12:00:01Z', true],
    ['registeredAt != 2018-02-13T12:00:01Z', true],
  ];
  for (const [expr, want] of table) {
    const q = parseQuery(expr);
    t.equal(evaluateQuery(q, noon), want, expr);
    t.equal(evaluateQuery(q, noonAndAHalf), want, `${expr} (half a second later)`);
  }
  t.equal(evaluateQuery(parseQuery('registeredAt == 2020-02-29'), facts({ registeredAt: epoch('2020-02-29T23:59:59Z') })), true, 'leap day');
  t.equal(evaluateQuery(parseQuery('registeredAt < 0099-01-01'), facts({ registeredAt: epoch('1999-06-01T00:00:00Z') })), false, 'year 99 is not 1999');
});

t.test('registeredAt refuses what is not one of the documented formats or not a real date', async (t) => {
  const bad = [
    '2018-02-30',
    '2019-02-29',
    '2018-13-01',
    '2018-00-10',
    '2018-2-13',
    '18-02-13',
    '2018-02-13T24:00:00Z',
    '2018-02-13T12:60:00Z',
    '2018-02-13T12:00:60Z',
    '2018-02-13T12:00Z',
    '2018-02-13T12:00:00.5Z',
    '2018-02-13T12:00:00+0000',
    '2018-02-13T12:00:00+24:00',
    '1518523200',
    'yesterday',
  ];
  for (const date of bad) {
    t.match(parseError(`registeredAt > ${date}`).message, `'${date}' at position 16 is not a valid date; expected 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z, 2018-06-18T22:28:28 or 2018-06-18`, date);
  }
});

t.test('agentVersion compares number by number', async (t) => {
  const instances = {
    '1.2.9': facts({ agentVersion: '1.2.9' }),
    '1.2.10': facts({ agentVersion: '1.2.10' }),
    '1.14': facts({ agentVersion: '1.14' }),
    '1.14.5': facts({ agentVersion: '1.14.5' }),
    '0.1.0': facts({ agentVersion: '0.1.0' }),
    '1.2.3-dev': facts({ agentVersion: '1.2.3-dev' }),
    unknown: facts({ agentVersion: '' }),
  };
  const table: [string, (keyof typeof instances)[]][] = [
    ['agentVersion > 1.2.9', ['1.2.10', '1.14', '1.14.5']],
    ['agentVersion >= 1.2.10', ['1.2.10', '1.14', '1.14.5']],
    ['agentVersion < 1.14.5', ['1.2.9', '1.2.10', '1.14', '0.1.0', '1.2.3-dev']],
    ['agentVersion <= 1.2.3', ['0.1.0', '1.2.3-dev']],
    // missing parts are 0
    ['agentVersion == 1.14.0', ['1.14']],
    ['agentVersion == 1.14.0.0', ['1.14']],
    ['agentVersion == 1.14', ['1.14']],
    ['agentVersion > 1', ['1.2.9', '1.2.10', '1.14', '1.14.5', '1.2.3-dev']],
    // only the leading numbers count: 1.2.3-dev is 1.2.3
    ['agentVersion == 1.2.3', ['1.2.3-dev']],
    // an instance whose version is unknown is not equal to any version, and in no order
    ['agentVersion != 1.2.9', ['1.2.10', '1.14', '1.14.5', '0.1.0', '1.2.3-dev', 'unknown']],
    ['agentVersion >= 0', ['1.2.9', '1.2.10', '1.14', '1.14.5', '0.1.0', '1.2.3-dev']],
  ];
  for (const [expr, want] of table) t.strictSame(selected(expr, instances), want, expr);
  for (const v of ['1.x', 'v1.2', '1..2', '1.2.', '.1', '1.2.3-dev', 'latest']) {
    t.match(parseError(`agentVersion > ${v}`).message, `'${v}' at position 16 is not a valid agent version; expected numbers separated by periods`, v);
  }
});

t.test('runningTasksCount compares whole numbers', async (t) => {
  const instances = { none: facts({ runningTasksCount: 0 }), one: facts({ runningTasksCount: 1 }), five: facts({ runningTasksCount: 5 }) };
  const table: [string, (keyof typeof instances)[]][] = [
    ['runningTasksCount == 1', ['one']],
    ['runningTasksCount == 01', ['one']],
    ['runningTasksCount != 1', ['none', 'five']],
    ['runningTasksCount > 1', ['five']],
    ['runningTasksCount >= 1', ['one', 'five']],
    ['runningTasksCount < 1', ['none']],
    ['runningTasksCount <= 1', ['none', 'one']],
    ['runningTasksCount > 10', []],
  ];
  for (const [expr, want] of table) t.strictSame(selected(expr, instances), want, expr);
  for (const v of ['-1', '1.5', 'one', '1e3']) {
    t.match(parseError(`runningTasksCount == ${v}`).message, `'${v}' at position 22 is not a valid runningTasksCount; expected a whole number`, v);
  }
});

t.test('agentConnected compares with true and false', async (t) => {
  const instances = { connected: facts({ agentConnected: true }), disconnected: facts({ agentConnected: false }) };
  const table: [string, (keyof typeof instances)[]][] = [
    ['agentConnected == true', ['connected']],
    ['agentConnected == false', ['disconnected']],
    ['agentConnected == TRUE', ['connected']],
    ['agentConnected != true', ['disconnected']],
    ['agentConnected in [true, false]', ['connected', 'disconnected']],
    ['agentConnected in [false]', ['disconnected']],
    ['agentConnected !in [false]', ['connected']],
    ['agentConnected !in [true, false]', []],
    ['agentConnected =~ t.*', ['connected']],
    ['agentConnected !~ t.*', ['disconnected']],
    ['agentConnected =~ .*', ['connected', 'disconnected']],
  ];
  for (const [expr, want] of table) t.strictSame(selected(expr, instances), want, expr);
  t.match(parseError('agentConnected == yes').message, "'yes' at position 19 is not a valid agentConnected value; expected true or false");
  t.match(parseError('agentConnected in [true, maybe]').message, "'maybe' at position 26 is not a valid agentConnected value");
});

t.test('ec2InstanceId compares as a string', async (t) => {
  const instances = { a: facts({ ec2InstanceId: 'i-abcd1234' }), b: facts({ ec2InstanceId: 'i-wxyx7890' }), c: facts({ ec2InstanceId: 'host-3' }) };
  const table: [string, (keyof typeof instances)[]][] = [
    ['ec2InstanceId == i-abcd1234', ['a']],
    ['ec2InstanceId != i-abcd1234', ['b', 'c']],
    ["ec2InstanceId in ['i-abcd1234', \"host-3\"]", ['a', 'c']],
    ['ec2InstanceId !in [i-abcd1234, host-3]', ['b']],
    ['ec2InstanceId =~ i-.*', ['a', 'b']],
    // anchored at both ends: 'i-' alone does not match
    ['ec2InstanceId =~ i-', []],
    ['ec2InstanceId !~ i-.*', ['c']],
    ['ec2InstanceId == I-ABCD1234', []],
  ];
  for (const [expr, want] of table) t.strictSame(selected(expr, instances), want, expr);
});

t.test('an attribute the instance lacks fails every comparison but !exists', async (t) => {
  // "lists the instances with the custom attribute stack unless the attribute value is prod": an instance
  // without the attribute is not listed by !=, nor (for the same reason) by !in or !~.
  const instances = {
    prod: facts({ attributes: { stack: 'prod' } }),
    dev: facts({ attributes: { stack: 'dev' } }),
    valueless: facts({ attributes: { stack: null } }),
    lacking: facts({ attributes: {} }),
  };
  const table: [string, (keyof typeof instances)[]][] = [
    ['attribute:stack exists', ['prod', 'dev', 'valueless']],
    ['attribute:stack !exists', ['lacking']],
    ['attribute:stack == prod', ['prod']],
    ['attribute:stack != prod', ['dev', 'valueless']],
    ['attribute:stack in [prod, dev]', ['prod', 'dev']],
    ['attribute:stack !in [prod]', ['dev', 'valueless']],
    ['attribute:stack =~ .*', ['prod', 'dev']],
    ['attribute:stack !~ p.*', ['dev', 'valueless']],
    ['attribute:stack > a', ['prod', 'dev']],
    ['attribute:stack <= zzz', ['prod', 'dev']],
    ['not(attribute:stack == prod)', ['dev', 'valueless', 'lacking']],
  ];
  for (const [expr, want] of table) t.strictSame(selected(expr, instances), want, expr);
});

t.test('attribute names and values with the characters ECS allows', async (t) => {
  const f = facts({
    attributes: {
      'ecs.capability.docker-remote-api.1.19': null,
      'com.example/team_name': 'ops@example.com',
      'back\\slash': 'C:\\data\\x',
      owner: 'Jane Doe',
      'ecs.os-type': 'linux',
      constructor: 'yes',
    },
  });
  const table: [string, boolean][] = [
    ['attribute:ecs.capability.docker-remote-api.1.19 exists', true],
    ['attribute:com.example/team_name == ops@example.com', true],
    ['attribute:back\\slash == C:\\data\\x', true],
    // a value with spaces is quoted, in single or double quotes
    ["attribute:owner == 'Jane Doe'", true],
    ['attribute:owner == "Jane Doe"', true],
    ['attribute:ecs.os-type == linux', true],
    ['attribute:constructor == yes', true],
    // names that are Object.prototype's are not attributes an instance has
    ['attribute:toString exists', false],
    ['attribute:hasOwnProperty != x', false],
    ['attribute:__proto__ exists', false],
  ];
  for (const [expr, want] of table) t.equal(evaluateQuery(parseQuery(expr), f), want, expr);
  t.equal(evaluateQuery(parseQuery('attribute:toString exists'), facts()), false, 'not on an instance without attributes');
});

t.test('=~ and !~ take Java-style regexes that must match the whole value', async (t) => {
  const f = facts({ attributes: { type: 't2.micro' } });
  const table: [string, boolean][] = [
    ['attribute:type =~ t2.*', true],
    ['attribute:type =~ t2', false],
    ['attribute:type =~ .*micro', true],
    ['attribute:type =~ micro', false],
    ["attribute:type =~ 't2\\.(micro|small)'", true],
    ["attribute:type =~ 't[0-9]\\.micro'", true],
    ["attribute:type =~ 't2|t2.micro'", true],
    // a literal == does not treat * as a wildcard
    ['attribute:type == t2.*', false],
    ['attribute:type !~ m5.*', true],
  ];
  for (const [expr, want] of table) t.equal(evaluateQuery(parseQuery(expr), f), want, expr);
  // the same compiled expression gives the same answers however often it is asked (the memo)
  const q = parseQuery('attribute:type =~ t2.*');
  for (let i = 0; i < 3000; i++) {
    const g = facts({ attributes: { type: i % 2 ? `t2.x${i}` : `m5.x${i}` } });
    if (evaluateQuery(q, g) !== (i % 2 === 1)) {
      t.fail(`wrong answer for ${g.attributes.type}`);
      break;
    }
  }
});
