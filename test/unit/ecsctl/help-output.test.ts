import t from 'tap';
import { run } from './run-cli-harness.js';

t.test('`ecsctl help` lists every command', async (t) => {
  const r = await run(['help']);
  t.equal(r.code, 0);
  for (const c of ['create-cluster', 'run-task', 'describe-tasks', 'list-container-instances', 'deregister-container-instance']) {
    t.match(r.stdout, new RegExp(`o ${c} `));
  }
  t.match(r.stdout, /--endpoint \(string\)/);
});

t.test('`ecsctl <command> help` shows the synopsis with required flags unbracketed', async (t) => {
  const r = await run(['run-task', 'help']);
  t.equal(r.code, 0);
  t.match(r.stdout, /\n {10}\[--cluster <value>\]\n {10}--task-definition <value>\n/);
  t.match(r.stdout, /\[--enable-execute-command \| --no-enable-execute-command\]/);
  t.match(r.stdout, /--placement-strategy \(list-structure\)[\s\S]*Shorthand Syntax:\s+type=string,field=string \.\.\./);
  t.notMatch(r.stdout, /--next-token/);
});

t.test('paginated commands document the paging options', async (t) => {
  const r = await run(['list-tasks', '--help']);
  t.match(r.stdout, /\[--max-items <value>\]/);
  t.match(r.stdout, /--page-size \(integer\)/);
});
