import t from 'tap';
import { run, type FakeServer } from './run-cli-harness.js';

const tasks: FakeServer = () => ({
  tasks: [
    { taskArn: 't1', lastStatus: 'RUNNING', createdAt: 1795312408.123, containers: [{ name: 'web' }] },
    { taskArn: 't2', lastStatus: 'STOPPED', createdAt: 1795312409, containers: [{ name: 'db' }] },
  ],
  failures: [],
});

t.test('--query runs after normalization (timestamps are already ISO text)', async (t) => {
  const r = await run(['describe-tasks', '--tasks', 't1', 't2', '--query', 'tasks[].createdAt'], { server: tasks });
  t.equal(r.stdout, '[\n    "2026-11-22T01:53:28.123000+00:00",\n    "2026-11-22T01:53:29+00:00"\n]\n');
});

t.test('a scalar result: JSON scalar in json, raw value in text', async (t) => {
  const json = await run(['describe-tasks', '--tasks', 't1', '--query', 'tasks[0].lastStatus'], { server: tasks });
  t.equal(json.stdout, '"RUNNING"\n');
  const text = await run(['describe-tasks', '--tasks', 't1', '--query', 'tasks[0].lastStatus', '--output', 'text'], { server: tasks });
  t.equal(text.stdout, 'RUNNING\n');
});

t.test('filters and multiselects work as in aws', async (t) => {
  const r = await run(['describe-tasks', '--tasks', 't1', '--output', 'text', '--query', "tasks[?lastStatus=='RUNNING'].[taskArn, containers[0].name]"], { server: tasks });
  t.equal(r.stdout, 't1\tweb\n');
});

t.test('a bad expression is refused before any call, exit 252', async (t) => {
  const r = await run(['describe-tasks', '--tasks', 't1', '--query', 'tasks[0'], { server: tasks });
  t.equal(r.code, 252);
  t.equal(r.stderr, '\nBad value for --query tasks[0: Expected Rbracket, got: EOF\n');
  t.equal(r.calls.length, 0);
});

t.test('--output table titles the table with the operation name', async (t) => {
  const r = await run(['describe-tasks', '--tasks', 't1', '--output', 'table', '--query', 'tasks[].{arn: taskArn, status: lastStatus}'], { server: tasks });
  t.equal(
    r.stdout,
    [
      '--------------------',
      '|   DescribeTasks  |',
      '+------+-----------+',
      '|  arn |  status   |',
      '+------+-----------+',
      '|  t1  |  RUNNING  |',
      '|  t2  |  STOPPED  |',
      '+------+-----------+',
      '',
    ].join('\n'),
  );
});

t.test('AWS_DEFAULT_OUTPUT picks the default format; --output overrides it', async (t) => {
  const env = { AWS_DEFAULT_OUTPUT: 'text' };
  t.equal((await run(['describe-tasks', '--tasks', 't1', '--query', 'tasks[0].taskArn'], { server: tasks, env })).stdout, 't1\n');
  t.equal((await run(['describe-tasks', '--tasks', 't1', '--query', 'tasks[0].taskArn', '--output', 'json'], { server: tasks, env })).stdout, '"t1"\n');
  const bad = await run(['describe-tasks', '--tasks', 't1', '--output', 'yaml'], { server: tasks });
  t.equal(bad.code, 252);
  t.match(bad.stderr, /ecsctl: error: argument --output: Invalid choice/);
});
