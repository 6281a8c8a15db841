// The README's walk-through runs `npx ecsctl …` in a clone: the built entry points in package.json "bin"
// must be executable files, or npm's exec fails with "sh: 1: ecsctl: Permission denied".
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { requireBuild } from '../../helpers/processes.js';
import { ROOT } from './run-ecsctl.js';

requireBuild();
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

t.test('every built bin is executable', async (t) => {
  for (const [name, file] of Object.entries(pkg.bin)) {
    t.equal(statSync(join(ROOT, file)).mode & 0o111, 0o111, `${name} (${file}) is executable`);
  }
});

t.test('npx ecsctl --version runs the built CLI', async (t) => {
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile('npx', ['--offline', 'ecsctl', '--version'], { cwd: ROOT }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, new RegExp(`^ecsctl/${pkg.version.replace(/\./g, '\\.')} `));
});
