import t from 'tap';
import { formatTable } from '../../../ecsctl/src/output/table.js';

t.test('a list of dicts is one boxed table under the operation title (the AWS CLI user guide example)', async (t) => {
  const volumes = [
    { ID: 'vol-e11a5288', InstanceId: 'i-a071c394', AZ: 'us-west-2a', Size: 30 },
    { ID: 'vol-2e410a47', InstanceId: 'i-4b41a37c', AZ: 'us-west-2a', Size: 8 },
  ];
  t.equal(
    formatTable('DescribeVolumes', volumes),
    [
      '------------------------------------------------------',
      '|                   DescribeVolumes                  |',
      '+------------+----------------+--------------+-------+',
      '|     AZ     |      ID        | InstanceId   | Size  |',
      '+------------+----------------+--------------+-------+',
      '|  us-west-2a|  vol-e11a5288  |  i-a071c394  |  30   |',
      '|  us-west-2a|  vol-2e410a47  |  i-4b41a37c  |  8    |',
      '+------------+----------------+--------------+-------+',
      '',
    ].join('\n'),
  );
});

t.test('nested lists become indented sections titled by their key', async (t) => {
  t.equal(
    formatTable('ListClusters', { clusterArns: ['arn:aws:ecs:us-east-1:123456789012:cluster/default', 'arn:aws:ecs:us-east-1:123456789012:cluster/web'] }),
    [
      '----------------------------------------------------------',
      '|                      ListClusters                      |',
      '+--------------------------------------------------------+',
      '||                      clusterArns                     ||',
      '|+------------------------------------------------------+|',
      '||  arn:aws:ecs:us-east-1:123456789012:cluster/default  ||',
      '||  arn:aws:ecs:us-east-1:123456789012:cluster/web      ||',
      '|+------------------------------------------------------+|',
      '',
    ].join('\n'),
  );
  // Narrow content: the title decides the width and the centring goes flush, as in awscli.
  t.equal(formatTable('ListClusters', { clusterArns: ['a'] }).split('\n')[1], '|ListClusters |');
});

t.test('a dict with one scalar prints as a key | value row', async (t) => {
  const out = formatTable('StopTask', { task: { taskArn: 'arn:t' } });
  t.match(out, /\|\|  taskArn\s*\|  arn:t\s*\|\|\n/);
});

t.test('every line of a table has the same width', async (t) => {
  const out = formatTable('DescribeTasks', {
    tasks: [{ taskArn: 't', lastStatus: 'RUNNING', containers: [{ name: 'web', networkBindings: [{ hostPort: 1, containerPort: 2 }] }] }],
    failures: [{ arn: 'x', reason: 'MISSING' }],
  });
  const widths = new Set(out.trimEnd().split('\n').map((l) => l.length));
  t.equal(widths.size, 1, out);
});

t.test('tables wider than the terminal turn single-row sections vertical', async (t) => {
  const wide = { cluster: { clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/a-rather-long-cluster-name', clusterName: 'a-rather-long-cluster-name', status: 'ACTIVE' } };
  const out = formatTable('DescribeClusters', wide, 80);
  t.match(out, /\|\|  clusterName\|  a-rather-long-cluster-name\s+\|\|/);
  t.match(formatTable('DescribeClusters', wide, 500), /\|\|\s+clusterArn\s+\|\s+clusterName\s+\|\s+status\s+\|\|/);
});

t.test('empty results print nothing; booleans print as Python does', async (t) => {
  t.equal(formatTable('ListClusters', {}), '');
  t.equal(formatTable('ListClusters', []), '');
  t.match(formatTable('X', { a: { flag: false, n: 'x' } }), /False/);
});
