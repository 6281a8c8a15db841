import t from 'tap';
import { parseArgv, type Invocation } from '../../../ecsctl/src/args/argv.js';

function flagsOf(inv: Invocation): Record<string, unknown> {
  if (inv.kind !== 'run') throw new Error(`not a run: ${inv.kind}`);
  return Object.fromEntries(inv.flags.map((f) => [f.spec.field, f.value]));
}

t.test('list flags take every word up to the next option', async (t) => {
  t.same(flagsOf(parseArgv(['describe-tasks', '--tasks', 'a', 'b', '--cluster', 'c'])), { tasks: ['a', 'b'], cluster: ['c'] });
  t.same(flagsOf(parseArgv(['describe-container-instances', '--container-instances', 'x', 'y'])), { containerInstances: ['x', 'y'] });
});

t.test('--flag=value works as --flag value', async (t) => {
  t.same(flagsOf(parseArgv(['stop-task', '--task=t1', '--reason=done'])), { task: ['t1'], reason: ['done'] });
});

t.test('booleans: --x is true, --no-x is false, last one wins', async (t) => {
  t.same(flagsOf(parseArgv(['run-task', '--task-definition', 'w', '--enable-execute-command'])).enableExecuteCommand, true);
  t.same(flagsOf(parseArgv(['run-task', '--task-definition', 'w', '--no-enable-execute-command'])).enableExecuteCommand, false);
  t.same(flagsOf(parseArgv(['deregister-container-instance', '--container-instance', 'i', '--force', '--no-force'])).force, false);
});

t.test('global options go before or after the command; aws-only ones are accepted and ignored', async (t) => {
  const inv = parseArgv(['--output', 'text', '--region', 'us-east-1', 'list-clusters', '--profile', 'p', '--no-cli-pager', '--color', 'off', '--query', 'x']);
  t.equal(inv.kind, 'run');
  if (inv.kind === 'run') {
    t.equal(inv.globals.output, 'text');
    t.equal(inv.globals.query, 'x');
  }
});

t.test('`ecsctl ecs run-task` (pasted from `aws ecs run-task`) is run-task', async (t) => {
  const inv = parseArgv(['ecs', 'run-task', '--task-definition', 'w']);
  t.equal(inv.kind === 'run' && inv.command.name, 'run-task');
});

t.test('help: `help`, `<command> help`, --help, -h', async (t) => {
  t.same(parseArgv(['help']), { kind: 'help' });
  t.equal(parseArgv(['run-task', 'help']).kind, 'help');
  const h = parseArgv(['run-task', '--help']);
  t.equal(h.kind === 'help' && h.command?.name, 'run-task', 'help does not need the required flags');
  t.equal(parseArgv(['-h']).kind, 'help');
  t.equal(parseArgv(['--version']).kind, 'version');
});

t.test('repeated flags: the last one wins', async (t) => {
  t.same(flagsOf(parseArgv(['stop-task', '--task', 'a', '--task', 'b'])).task, ['b']);
});

t.test('boolean flags refuse a value', async (t) => {
  t.throws(() => parseArgv(['deregister-container-instance', '--container-instance', 'i', '--force=yes']), {
    message: "argument --force: ignored explicit argument 'yes'",
    exitCode: 252,
  });
});

t.test('--generate-cli-skeleton takes an optional word', async (t) => {
  const a = parseArgv(['stop-task', '--generate-cli-skeleton']);
  t.equal(a.kind === 'run' && a.globals.skeleton, 'input');
  const b = parseArgv(['stop-task', '--generate-cli-skeleton', 'output']);
  t.equal(b.kind === 'run' && b.globals.skeleton, 'output');
});
