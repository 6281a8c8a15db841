import t from 'tap';
import { formatText } from '../../../ecsctl/src/output/text.js';
import { PyFloat } from '../../../ecsctl/src/output/py.js';

t.test('a list of scalars under a key prints one KEY<TAB>value row per item', async (t) => {
  t.equal(formatText({ clusterArns: ['a', 'b'] }), 'CLUSTERARNS\ta\nCLUSTERARNS\tb\n');
});

t.test('a bare list of scalars is one tab-separated line', async (t) => {
  t.equal(formatText(['a', 'b', 3]), 'a\tb\t3\n');
});

t.test('a dict prints its scalars sorted by key on one line, then its nested values as prefixed rows', async (t) => {
  const data = {
    tasks: [
      {
        taskArn: 't1',
        lastStatus: 'RUNNING',
        enableExecuteCommand: false,
        containers: [{ name: 'web', exitCode: 0, networkBindings: [{ hostPort: 8080, containerPort: 80 }] }],
      },
    ],
    failures: [],
  };
  t.equal(
    formatText(data),
    'TASKS\tFalse\tRUNNING\tt1\n' + 'CONTAINERS\t0\tweb\n' + 'NETWORKBINDINGS\t80\t8080\n',
  );
});

t.test('items of one list share the union of scalar keys (missing ones are empty)', async (t) => {
  t.equal(formatText({ failures: [{ arn: 'a', reason: 'MISSING' }, { reason: 'X', detail: 'd' }] }), 'FAILURES\ta\t\tMISSING\nFAILURES\t\td\tX\n');
});

t.test('scalars print as Python str(): True/False/None, floats with .0', async (t) => {
  t.equal(formatText({ a: true, b: null, c: new PyFloat(2) }), 'True\tNone\t2.0\n');
  t.equal(formatText('RUNNING'), 'RUNNING\n');
  t.equal(formatText(null), 'None\n');
});

t.test('a top-level dict without scalars prints only its nested rows', async (t) => {
  t.equal(formatText({ task: { taskArn: 't', tags: [{ key: 'k', value: 'v' }] } }), 'TASK\tt\nTAGS\tk\tv\n');
});
