// Real processes for end-to-end tests: the compiled control plane, agent and ecsctl from dist/.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, openSync, readFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = {
  controlPlane: join(ROOT, 'dist/control-plane/src/main.js'),
  agent: join(ROOT, 'dist/agent/src/main.js'),
  ecsctl: join(ROOT, 'dist/ecsctl/src/main.js'),
};

export function requireBuild(): void {
  for (const b of Object.values(BIN)) {
    if (!existsSync(b)) throw new Error(`${b} is missing: run \`npm run build\` first (npm test does)`);
  }
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface Proc {
  child: ChildProcess;
  logFile: string;
  log(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `node <script> args` with its output going to a log file (read it on failure). */
export function startProcess(script: string, args: string[], env: Record<string, string>, logFile: string): Proc {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    logFile,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    exited,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real ecsctl. */
export function ecsctl(endpoint: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [BIN.ecsctl, '--endpoint', endpoint, ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        res({ code, stdout, stderr });
      },
    );
  });
}

/** Runs ecsctl and parses its JSON output; throws with stderr when it fails. */
export async function ecsctlJson<T = any>(endpoint: string, args: string[]): Promise<T> {
  const r = await ecsctl(endpoint, args);
  if (r.code !== 0) throw new Error(`ecsctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000, every = 200): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

export function docker(args: string[]): Promise<string> {
  return new Promise((res, rej) =>
    execFile('docker', args, { timeout: 60_000 }, (err, stdout, stderr) => (err ? rej(new Error(`docker ${args.join(' ')}: ${stderr}`)) : res(stdout))),
  );
}

/** Removes every container labelled as owned by the given container instance. */
export async function removeInstanceContainers(instanceArn: string): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=com.amazonaws.ecs.container-instance-arn=${instanceArn}`])).split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', ...ids]).catch(() => {});
}
