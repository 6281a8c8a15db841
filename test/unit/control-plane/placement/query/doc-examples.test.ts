// Every expression the ECS developer guide gives, verbatim: "Create expressions to define container
// instances for Amazon ECS tasks" (cluster-query-language.md, "Example expressions"), the ListContainerInstances
// filter examples and the memberOf constraint examples (task-placement-constraints.md, constraint-examples.md).
import t from 'tap';
import { evaluateQuery, formatQuery, parseQuery } from '../../../../../control-plane/src/placement/query/index.js';
import { epoch, facts, selected } from './helpers.js';

const instances = {
  't2small-1a': facts({
    ec2InstanceId: 'i-abcd1234',
    agentVersion: '1.14.4',
    registeredAt: epoch('2018-02-12T10:00:00Z'),
    runningTasksCount: 1,
    attributes: { 'ecs.instance-type': 't2.small', 'ecs.availability-zone': 'us-east-1a', stack: 'prod' },
    taskGroups: { 'service:production': 1 },
  }),
  'g2-1d': facts({
    ec2InstanceId: 'i-wxyx7890',
    agentVersion: '1.14.5',
    registeredAt: epoch('2018-02-13T00:00:00Z'),
    runningTasksCount: 0,
    attributes: { 'ecs.instance-type': 'g2.2xlarge', 'ecs.availability-zone': 'us-east-1d', stack: 'prod' },
    taskGroups: { database: 2 },
  }),
  'g2-1b': facts({
    ec2InstanceId: 'i-0b0b0b0b',
    agentVersion: '1.20.0',
    registeredAt: epoch('2019-05-01T00:00:00Z'),
    runningTasksCount: 2,
    attributes: { 'ecs.instance-type': 'g2.2xlarge', 'ecs.availability-zone': 'us-east-1b', stack: 'dev' },
    taskGroups: { 'service:daemon-service': 1, databases: 1 },
  }),
  't2medium-1a': facts({
    ec2InstanceId: 'i-0c0c0c0c',
    agentVersion: '1.9.0',
    registeredAt: epoch('2017-12-31T23:59:59Z'),
    runningTasksCount: 1,
    attributes: { 'ecs.instance-type': 't2.medium', 'ecs.availability-zone': 'us-east-1a' },
    taskGroups: {},
  }),
};

interface Example {
  /** The guide's heading for the example. */
  doc: string;
  /** The expression, verbatim. */
  expression: string;
  selects: (keyof typeof instances)[];
  /** formatQuery's text, when it differs from the example. */
  canonical?: string;
}

const examples: Example[] = [
  // cluster-query-language.md, "Example expressions"
  { doc: 'Example: String Equality', expression: 'attribute:ecs.instance-type == t2.small', selects: ['t2small-1a'] },
  {
    doc: 'Example: Argument List',
    expression: 'attribute:ecs.availability-zone in [us-east-1a, us-east-1b]',
    selects: ['t2small-1a', 'g2-1b', 't2medium-1a'],
  },
  {
    doc: 'Example: Compound Expression (G2 instances not in us-east-1d)',
    expression: 'attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d',
    selects: ['g2-1b'],
  },
  { doc: 'Example: Task Affinity', expression: 'task:group == service:production', selects: ['t2small-1a'] },
  { doc: 'Example: Task Anti-Affinity', expression: 'not(task:group == database)', selects: ['t2small-1a', 'g2-1b', 't2medium-1a'] },
  { doc: 'Example: Running task count', expression: 'runningTasksCount == 1', selects: ['t2small-1a', 't2medium-1a'] },
  { doc: 'Example: Amazon ECS container agent version', expression: 'agentVersion < 1.14.5', selects: ['t2small-1a', 't2medium-1a'] },
  { doc: 'Example: Instance registration time', expression: 'registeredAt < 2018-02-13', selects: ['t2small-1a', 't2medium-1a'] },
  {
    doc: 'Example: Amazon EC2 instance ID',
    expression: "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']",
    selects: ['t2small-1a', 'g2-1d'],
    canonical: 'ec2InstanceId in [i-abcd1234, i-wxyx7890]',
  },
  // task-placement-constraints.md, "Filter container instances by attribute using the AWS CLI"
  { doc: 'Example: Built-in attribute', expression: 'attribute:ecs.instance-type == g2.2xlarge', selects: ['g2-1d', 'g2-1b'] },
  { doc: 'Example: Custom attribute', expression: 'attribute:stack == prod', selects: ['t2small-1a', 'g2-1d'] },
  // "lists the instances with the custom attribute stack unless the attribute value is prod": t2medium-1a,
  // which has no stack attribute, is not listed.
  { doc: 'Example: Exclude an attribute value', expression: 'attribute:stack != prod', selects: ['g2-1b'] },
  {
    doc: 'Example: Multiple attribute values',
    expression: 'attribute:ecs.instance-type in [t2.small, t2.medium]',
    selects: ['t2small-1a', 't2medium-1a'],
  },
  {
    doc: 'Example: Multiple attributes (T2 instances in us-east-1a)',
    expression: 'attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone == us-east-1a',
    selects: ['t2small-1a', 't2medium-1a'],
  },
  // "Example constraints" (memberOf)
  { doc: 'memberOf: place tasks on T2 instances', expression: 'attribute:ecs.instance-type =~ t2.*', selects: ['t2small-1a', 't2medium-1a'] },
  { doc: 'memberOf: with tasks in the databases task group', expression: 'task:group == databases', selects: ['g2-1b'] },
  { doc: 'memberOf: with tasks of the daemon service', expression: 'task:group == service:daemon-service', selects: ['g2-1b'] },
  // "You can specify precedence using parentheses: (expression1 or expression2) and expression3"
  {
    doc: 'Compound expressions: (expression1 or expression2) and expression3',
    expression: '(attribute:ecs.instance-type == t2.small or attribute:ecs.instance-type == t2.medium) and attribute:stack exists',
    selects: ['t2small-1a'],
  },
];

t.test('every example expression of the guide parses, selects the instances it describes and formats canonically', async (t) => {
  for (const ex of examples) {
    t.test(ex.doc, async (t) => {
      t.strictSame(selected(ex.expression, instances), ex.selects, ex.expression);
      const canonical = formatQuery(parseQuery(ex.expression));
      t.equal(canonical, ex.canonical ?? ex.expression, 'canonical text');
      t.strictSame(selected(canonical, instances), ex.selects, 'the canonical text selects the same instances');
    });
  }
});

t.test('each documented registeredAt date format', async (t) => {
  // "Valid date formats: 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z, 2018-06-18T22:28:28, 2018-06-18"
  const table: { literal: string; justBefore: string; atOrAfter: string }[] = [
    { literal: '2018-06-18T22:28:28+00:00', justBefore: '2018-06-18T22:28:27Z', atOrAfter: '2018-06-18T22:28:28Z' },
    { literal: '2018-06-18T22:28:28Z', justBefore: '2018-06-18T22:28:27Z', atOrAfter: '2018-06-18T22:28:28Z' },
    { literal: '2018-06-18T22:28:28', justBefore: '2018-06-18T22:28:27Z', atOrAfter: '2018-06-18T22:28:28Z' },
    { literal: '2018-06-18', justBefore: '2018-06-17T23:59:59Z', atOrAfter: '2018-06-18T00:00:00Z' },
  ];
  for (const row of table) {
    const q = parseQuery(`registeredAt < ${row.literal}`);
    t.equal(evaluateQuery(q, facts({ registeredAt: epoch(row.justBefore) })), true, `${row.justBefore} < ${row.literal}`);
    t.equal(evaluateQuery(q, facts({ registeredAt: epoch(row.atOrAfter) })), false, `${row.atOrAfter} is not < ${row.literal}`);
  }
});

t.test('the documented operator forms of each subject parse to the same expression', async (t) => {
  // "Valid operators: equals (==), not_equals (!=), in, not_in (!in), matches (=~), not_matches (!~)" and
  // "equals (==), not_equals (!=), greater_than (>), greater_than_equal (>=), less_than (<), less_than_equal (<=)"
  const pairs: [string, string][] = [
    ['agentConnected equals true', 'agentConnected == true'],
    ['agentConnected not_equals true', 'agentConnected != true'],
    ['agentConnected in [true]', 'agentConnected in [true]'],
    ['agentConnected not_in [true]', 'agentConnected !in [true]'],
    ['agentConnected matches t.*', 'agentConnected =~ t.*'],
    ['agentConnected not_matches t.*', 'agentConnected !~ t.*'],
    ['agentVersion greater_than 1.14.5', 'agentVersion > 1.14.5'],
    ['agentVersion greater_than_equal 1.14.5', 'agentVersion >= 1.14.5'],
    ['agentVersion less_than 1.14.5', 'agentVersion < 1.14.5'],
    ['agentVersion less_than_equal 1.14.5', 'agentVersion <= 1.14.5'],
    ['ec2InstanceId not_in [i-1, i-2]', 'ec2InstanceId !in [i-1, i-2]'],
    ['registeredAt greater_than 2018-02-13', 'registeredAt > 2018-02-13'],
    ['runningTasksCount less_than_equal 1', 'runningTasksCount <= 1'],
    ['attribute:stack exists', 'attribute:stack exists'],
    ['attribute:stack not_exists', 'attribute:stack !exists'],
  ];
  for (const [words, symbols] of pairs) t.equal(formatQuery(parseQuery(words)), symbols, words);
});
