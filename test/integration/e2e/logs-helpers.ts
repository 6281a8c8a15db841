// Shared by the logs end-to-end tests (test/integration/e2e/logs-*.test.ts): a cluster of the compiled
// control plane and agents on the real Docker engine, ecsctl runs without an output size limit (a log
// of 200,000 lines is ~20 MB of JSON), and checks of numbered lines.
import type { Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxImage } from '../../helpers/images.js';
import {
  BIN, eventually, freePort, removeInstanceContainers, requireBuild, startProcess, tempDir, type Proc,
} from '../../helpers/processes.js';

export const IMAGE = 'ecs-test/busybox-httpd:latest';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** One `ecsctl logs --output json` line. */
export interface JsonLogLine {
  time: string;
  source: 'stdout' | 'stderr';
  log: string;
  taskId: string;
  containerName: string;
}

export interface LogsAgent {
  n: number;
  dataDir: string;
  configFile: string;
  proc: Proc;
  instanceArn: string;
  /** SIGKILLs (or SIGTERMs) the agent and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the agent again with the same config and data dir (the same container instance). */
  start(): void;
}

export interface LogsCluster {
  endpoint: string;
  dir: string;
  agents: LogsAgent[];
  /** ecsctl with --endpoint; the output is not size-limited. */
  run(args: string[], opts?: { timeoutMs?: number }): Promise<CliRun>;
  /** ecsctl whose JSON output is parsed; throws with stderr when it fails. */
  cli<T = any>(args: string[]): Promise<T>;
  /** `ecsctl logs --cluster default --output json ...args`, parsed line by line. */
  logsJson(args: string[]): Promise<{ lines: JsonLogLine[]; run: CliRun }>;
  /** ecsctl started as a child process (for --follow). */
  spawnCli(args: string[]): ChildProcess;
  registerTask(family: string, containerDefinitions: object[]): Promise<any>;
  /** start-task on the given agent: one task, its ARN. */
  startTaskOn(agent: LogsAgent, family: string): Promise<string>;
  describeTask(arn: string): Promise<any>;
  waitTaskStatus(arn: string, status: 'RUNNING' | 'STOPPED', ms?: number): Promise<any>;
  agentConnected(agent: LogsAgent): Promise<boolean>;
}

export interface AgentSpec {
  /** Extra ecs.config lines, KEY → value. */
  config?: Record<string, string>;
}

export function taskIdOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs the compiled ecsctl; stdout and stderr are kept whole. */
export function runEcsctl(endpoint: string, args: string[], timeoutMs = 120_000): Promise<CliRun> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN.ecsctl, '--endpoint', endpoint, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

export function parseJsonLines(stdout: string): JsonLogLine[] {
  const out: JsonLogLine[] = [];
  for (const line of stdout.split('\n')) if (line.trim()) out.push(JSON.parse(line) as JsonLogLine);
  return out;
}

/**
 * Starts a control plane and the agents (one after another, so each agent's container instance is known),
 * and tears everything down (containers included) at the end of `t`.
 */
export async function startLogsCluster(t: Test, specs: AgentSpec[], cpArgs: string[] = []): Promise<LogsCluster> {
  requireBuild();
  buildBusyboxImage(IMAGE);
  const dir = tempDir('ecs-e2e-logs-');
  const endpoint = `127.0.0.1:${await freePort()}`;
  const cp = startProcess(
    BIN.controlPlane,
    ['--listen', endpoint, '--data-dir', join(dir, 'cp'), '--heartbeat-interval', '300', '--scheduler-interval', '500', ...cpArgs],
    {},
    join(dir, 'cp.log'),
  );
  const agents: LogsAgent[] = [];
  t.teardown(async () => {
    for (const a of agents) await a.proc.kill('SIGKILL');
    await cp.kill();
    for (const a of agents) if (a.instanceArn) await removeInstanceContainers(a.instanceArn);
  });
  t.teardown(() => {
    if (t.passing()) return;
    t.comment(`control plane log (${join(dir, 'cp.log')}):\n${cp.log().slice(-3000)}`);
    for (const a of agents) t.comment(`agent ${a.n} log (${a.proc.logFile}):\n${a.proc.log().slice(-5000)}`);
  });

  const run = (args: string[], opts: { timeoutMs?: number } = {}) => runEcsctl(endpoint, args, opts.timeoutMs);
  const cli = async <T = any>(args: string[]): Promise<T> => {
    const r = await run(args);
    if (r.code !== 0) throw new Error(`ecsctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const connectedArns = async (): Promise<string[]> => {
    const l = await cli(['list-container-instances']);
    if (!l.containerInstanceArns.length) return [];
    const d = await cli(['describe-container-instances', '--container-instances', ...l.containerInstanceArns]);
    return d.containerInstances.filter((c: any) => c.agentConnected).map((c: any) => c.containerInstanceArn as string);
  };

  for (const [n, spec] of specs.entries()) {
    const dataDir = join(dir, `agent-${n}`);
    const configFile = join(dir, `ecs-${n}.config`);
    const config: Record<string, string> = {
      ECS_BACKEND_HOST: endpoint,
      ECS_DATADIR: dataDir,
      ECS_CONTAINER_STOP_TIMEOUT: '1s',
      ECS_IMAGE_PULL_BEHAVIOR: 'prefer-cached',
      ...spec.config,
    };
    writeFileSync(configFile, Object.entries(config).map(([k, v]) => `${k}=${v}\n`).join(''));
    const logFile = join(dir, `agent-${n}.log`);
    const agent: LogsAgent = {
      n,
      dataDir,
      configFile,
      proc: startProcess(BIN.agent, [], { ECS_CONFIG_FILE: configFile }, logFile),
      instanceArn: '',
      stop: async (signal = 'SIGKILL') => {
        await agent.proc.kill(signal);
      },
      start: () => {
        agent.proc = startProcess(BIN.agent, [], { ECS_CONFIG_FILE: configFile }, logFile);
      },
    };
    agents.push(agent);
    const known = new Set(agents.map((a) => a.instanceArn));
    agent.instanceArn = await eventually(`agent ${n} to connect`, async () => (await connectedArns()).find((a) => !known.has(a)), 30_000, 200);
  }

  const describeTask = async (arn: string) => (await cli(['describe-tasks', '--tasks', arn])).tasks[0];
  return {
    endpoint,
    dir,
    agents,
    run,
    cli,
    logsJson: async (args) => {
      const r = await run(['logs', '--cluster', 'default', '--output', 'json', ...args]);
      if (r.code !== 0) throw new Error(`ecsctl logs ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(0, 2000)}`);
      return { lines: parseJsonLines(r.stdout), run: r };
    },
    spawnCli: (args) => spawn(process.execPath, [BIN.ecsctl, '--endpoint', endpoint, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }),
    registerTask: (family, defs) => cli(['register-task-definition', '--family', family, '--container-definitions', JSON.stringify(defs)]),
    startTaskOn: async (agent, family) => {
      const r = await cli(['start-task', '--task-definition', family, '--container-instances', agent.instanceArn]);
      if (!r.tasks?.length) throw new Error(`start-task ${family} placed nothing: ${JSON.stringify(r.failures)}`);
      return r.tasks[0].taskArn as string;
    },
    describeTask,
    waitTaskStatus: (arn, status, ms = 60_000) =>
      eventually(`task ${taskIdOf(arn)} ${status}`, async () => {
        const x = await describeTask(arn);
        if (status === 'RUNNING' && x.lastStatus === 'STOPPED') throw new Error(`task stopped: ${x.stoppedReason}`);
        return x.lastStatus === status ? x : undefined;
      }, ms, 250),
    agentConnected: async (agent) =>
      (await cli(['describe-container-instances', '--container-instances', agent.instanceArn])).containerInstances[0].agentConnected,
  };
}

/** The on-disk store of one container: ECS_DATADIR/logs/<task id>/<container name>. */
export function storeDir(agent: LogsAgent, taskArn: string, container: string): string {
  return join(agent.dataDir, 'logs', taskIdOf(taskArn), container);
}

export const SEGMENT = /^\d{6}\.log(\.gz)?$/;

/** The bytes of a directory's files (those matching `filter`), tolerant of files deleted while it looks. */
export function dirBytes(dir: string, filter: (name: string) => boolean = () => true): { bytes: number; files: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { bytes: 0, files: [] };
  }
  let bytes = 0;
  const files: string[] = [];
  for (const name of names) {
    if (!filter(name)) continue;
    try {
      bytes += statSync(join(dir, name)).size;
      files.push(name);
    } catch {
      // rotated away between readdir and stat
    }
  }
  return { bytes, files };
}

export function exists(p: string): boolean {
  return existsSync(p);
}

/**
 * Checks that every number in [from, to] arrives exactly once among `lines` (each line's log being
 * `<prefix><number>`), and that each came from `sourceOf(n)`. Returns a short description of what is
 * wrong, or '' when all is right.
 */
export function exactlyOnce(
  lines: { log: string; source: string }[],
  from: number,
  to: number,
  sourceOf: (n: number) => string,
): string {
  const count = new Uint32Array(to - from + 1);
  const wrongSource: string[] = [];
  const strays: string[] = [];
  for (const l of lines) {
    const m = /(\d+)$/.exec(l.log);
    const n = m ? Number(m[1]) : NaN;
    if (!(n >= from && n <= to)) {
      if (strays.length < 5) strays.push(JSON.stringify(l));
      continue;
    }
    count[n - from]++;
    if (l.source !== sourceOf(n) && wrongSource.length < 5) wrongSource.push(`${n} on ${l.source}`);
  }
  const missing: number[] = [];
  const doubled: number[] = [];
  let missingCount = 0;
  let doubledCount = 0;
  for (let i = 0; i < count.length; i++) {
    if (count[i] === 0) {
      missingCount++;
      if (missing.length < 10) missing.push(i + from);
    } else if (count[i] > 1) {
      doubledCount++;
      if (doubled.length < 10) doubled.push(i + from);
    }
  }
  const problems: string[] = [];
  if (missingCount) problems.push(`${missingCount} missing (e.g. ${missing.join(', ')})`);
  if (doubledCount) problems.push(`${doubledCount} more than once (e.g. ${doubled.join(', ')})`);
  if (wrongSource.length) problems.push(`wrong source: ${wrongSource.join(', ')}`);
  if (strays.length) problems.push(`unexpected lines: ${strays.join(' ')}`);
  return problems.join('; ');
}

/**
 * Polls `ecsctl logs` until it returns at least `count` lines (or `ms` passes), reads once more, and
 * returns that answer, so a test can say what is missing or doubled rather than only that it timed out.
 */
export async function logsUntil(c: LogsCluster, args: string[], count: number, ms = 60_000): Promise<JsonLogLine[]> {
  const end = Date.now() + ms;
  let last: JsonLogLine[] = [];
  for (;;) {
    try {
      last = (await c.logsJson(args)).lines;
      if (last.length >= count) {
        // settled? read once more, so lines doubled after the count was reached are seen too
        await sleep(1500);
        return (await c.logsJson(args)).lines;
      }
    } catch (err) {
      if (Date.now() > end) throw err;
    }
    if (Date.now() > end) return last;
    await sleep(1000);
  }
}

/** The numbered-lines tests: 1..HALF on stdout, HALF+1..2×HALF on stderr. */
export const HALF = 100_000;
export const sourceOf = (n: number) => (n <= HALF ? 'stdout' : 'stderr');

/** '' when each stream's numbers are increasing, else where they are not. */
export function inOrderPerSource(lines: JsonLogLine[]): string {
  const last: Record<string, number> = { stdout: 0, stderr: 0 };
  for (const l of lines) {
    const n = Number(/(\d+)$/.exec(l.log)?.[1]);
    if (n <= last[l.source]) return `${l.source}: ${n} after ${last[l.source]}`;
    last[l.source] = n;
  }
  return '';
}

/** A shell loop writing 1..HALF on stdout and HALF+1..2×HALF on stderr in `rounds` rounds, one every ~0.14 s. */
export function steadyWriter(rounds: number): string {
  const per = HALF / rounds;
  return `i=0; while [ $i -lt ${rounds} ]; do a=$((i*${per}+1)); b=$((a+${per - 1})); ` +
    `seq $a $b; seq $((a+${HALF})) $((b+${HALF})) >&2; i=$((i+1)); sleep 0.14; done`;
}
