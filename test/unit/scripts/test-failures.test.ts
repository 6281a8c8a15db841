// `npm test` prints every failing test again at the end of a failed run (scripts/test-failures.mjs), so
// a CI log read from its tail names what failed.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), '../../../scripts/test-failures.mjs');

const run = (dir: string) => execFileSync(process.execPath, [script, dir], { encoding: 'utf8' });

const write = (dir: string, file: string, tap: string) => {
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  writeFileSync(join(dir, file), tap);
};

const PASSING = `TAP version 14
# Subtest: fine
    ok 1 - yes
    1..1
ok 1 - fine
1..1
`;

const NESTED_FAILURE = `TAP version 14
# Subtest: outer
    # Subtest: inner
        not ok 1 - one is two
          ---
          diff: |
            -2
            +1
          ...
        1..1
    not ok 1 - inner
    ok 2 - fine
    not ok 3 - a todo # TODO later
    1..3
not ok 1 - outer
1..1
`;

const TIMEOUT = `TAP version 14
# Subtest: slow
    1..0
not ok 1 - slow
  ---
  message: timeout!
  ...
1..1
`;

t.test('nothing failed: prints nothing', async (t) => {
  const dir = t.testdir();
  write(dir, 'test/a.test.ts.tap', PASSING);
  t.equal(run(dir), '');
});

t.test('no results directory: prints nothing', async (t) => {
  t.equal(run(join(t.testdir(), 'missing')), '');
});

t.test('names each innermost failure with its file and diagnostics; todo and passing ones are left out', async (t) => {
  const dir = t.testdir();
  write(dir, 'test/a.test.ts.tap', PASSING);
  write(dir, 'test/unit/b.test.ts.tap', NESTED_FAILURE);
  write(dir, 'test/c.test.ts.tap', TIMEOUT);
  const out = run(dir);
  t.match(out, /# 2 failing test\(s\) in 2 file\(s\):/);
  t.match(out, /not ok test\/unit\/b\.test\.ts > outer > inner > one is two\n  diff: \|\n    -2\n    \+1/);
  t.match(out, /not ok test\/c\.test\.ts > slow\n  message: timeout!/);
  t.notMatch(out, /> outer\n|> outer > inner\n|a todo|fine/);
});
