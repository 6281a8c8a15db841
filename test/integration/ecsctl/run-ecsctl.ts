// The real ecsctl as a child process: what a user sees on stdout/stderr, and the exit code.
// The compiled CLI (`npx tsc -p .`) when it is up to date with the sources, else the sources via tsx.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const COMPILED = join(ROOT, 'dist/ecsctl/src/main.js');

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export const useCompiled = existsSync(COMPILED) && statSync(COMPILED).mtimeMs >= newestSourceMtime(join(ROOT, 'ecsctl/src'));
const CLI = useCompiled ? [COMPILED] : ['--import', 'tsx', join(ROOT, 'ecsctl/src/main.ts')];

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function ecsctl(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((done) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, TZ: 'UTC', ...env };
    delete childEnv.AWS_DEFAULT_OUTPUT;
    execFile(process.execPath, [...CLI, ...args], { cwd: ROOT, env: childEnv }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}
