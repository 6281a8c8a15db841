// Shared by the execute-command end-to-end tests (test/integration/e2e/exec-*.test.ts): a named cluster
// of the compiled control plane and one agent on the real Docker engine, ecsctl runs with stdin, output
// and exit status kept, the control plane's session records, and a tmux pane driven as a person would
// (send-keys, capture-pane) for interactive sessions.
import type { Test } from 'tap';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxImage } from '../../helpers/images.js';
import {
  BIN, docker, eventually, freePort, removeInstanceContainers, requireBuild, startProcess, tempDir, type Proc,
} from '../../helpers/processes.js';

export const IMAGE = 'ecs-test/busybox-httpd:latest';

/** ECS's message for a task run without enableExecuteCommand. */
export const NOT_ENABLED =
  'The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. ' +
  'Wait and try again or run a new task with execute command enabled and try again.';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function taskIdOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** Epoch ms of a timestamp as ecsctl prints it (ISO text) or as a number of seconds. */
export function toMs(v: unknown): number {
  if (typeof v === 'number') return v * 1000;
  if (typeof v === 'string') return Date.parse(v);
  return NaN;
}

/** The compiled ecsctl as a child process; `input` (when given) is written to its stdin, then closed. */
export function spawnEcsctl(endpoint: string, args: string[], opts: { stdin?: 'pipe' | 'ignore' } = {}): ChildProcess {
  return spawn(process.execPath, [BIN.ecsctl, '--endpoint', endpoint, ...args], { stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
}

/** Collects a spawned ecsctl's output and waits for it to end. */
export function finished(child: ChildProcess, timeoutMs = 120_000): Promise<CliRun> {
  return new Promise((res) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Runs the compiled ecsctl to the end; with `input`, stdin is a pipe that gets it and is then closed. */
export function runEcsctl(endpoint: string, args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<CliRun> {
  const child = spawnEcsctl(endpoint, args, { stdin: opts.input === undefined ? 'ignore' : 'pipe' });
  const done = finished(child, opts.timeoutMs);
  if (opts.input !== undefined) {
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input);
  }
  return done;
}

export interface ExecAgent {
  dataDir: string;
  proc: Proc;
  instanceArn: string;
  /** SIGTERMs (or SIGKILLs) the agent and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts it again with the same config and data dir (the same container instance). */
  start(): void;
}

export interface ExecCluster {
  endpoint: string;
  cluster: string;
  dir: string;
  agent: ExecAgent;
  run(args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }): Promise<CliRun>;
  /** ecsctl whose JSON output is parsed; throws with stderr when it fails. */
  cli<T = any>(args: string[]): Promise<T>;
  /** `ecsctl execute-command --cluster <cluster> --task <task> ...rest`. */
  exec(task: string, rest: string[], opts?: { input?: string | Buffer; timeoutMs?: number }): Promise<CliRun>;
  /** The same, as a child process. */
  spawnExec(task: string, rest: string[], opts?: { stdin?: 'pipe' | 'ignore' }): ChildProcess;
  /** register-task-definition: one container per name, each running `command`. */
  register(family: string, names: string[], command?: string[]): Promise<void>;
  /** run-task (with --enable-execute-command unless `exec` is false) and waits for RUNNING; the task ARN. */
  runTask(family: string, exec?: boolean): Promise<string>;
  describeTask(arn: string): Promise<any>;
  waitTaskStatus(arn: string, status: 'RUNNING' | 'STOPPED', ms?: number): Promise<any>;
  /** The Docker id of a task's container. */
  containerId(arn: string, name: string): Promise<string>;
  /** list-execute-command-sessions --cluster <cluster> (all pages). */
  sessions(extra?: string[]): Promise<any[]>;
  /** Waits for the one session of `task` whose command is `command` (and, if given, whose status is `status`). */
  session(task: string, command: string, status?: string, ms?: number): Promise<any>;
  agentConnected(): Promise<boolean>;
  /** `ps` in a container (busybox): the lines. */
  ps(containerId: string): Promise<string[]>;
}

export interface ExecClusterSpec {
  cluster: string;
  /** Extra control plane flags (e.g. --exec-idle-timeout 2s). */
  cpArgs?: string[];
  /** Extra create-cluster flags (e.g. --configuration executeCommandConfiguration={logging=DEFAULT}). */
  createArgs?: string[];
}

/**
 * Starts a control plane, creates the cluster, starts one agent in it, and tears everything down
 * (the agent's containers included) at the end of `t`.
 */
export async function startExecCluster(t: Test, spec: ExecClusterSpec): Promise<ExecCluster> {
  requireBuild();
  buildBusyboxImage(IMAGE);
  const dir = tempDir('ecs-e2e-exec-');
  const endpoint = `127.0.0.1:${await freePort()}`;
  const cp = startProcess(
    BIN.controlPlane,
    ['--listen', endpoint, '--data-dir', join(dir, 'cp'), '--heartbeat-interval', '300', '--scheduler-interval', '500', ...(spec.cpArgs ?? [])],
    {},
    join(dir, 'cp.log'),
  );
  const dataDir = join(dir, 'agent');
  const configFile = join(dir, 'ecs.config');
  const agentLog = join(dir, 'agent.log');
  const agent: ExecAgent = {
    dataDir,
    proc: undefined as unknown as Proc,
    instanceArn: '',
    stop: (signal = 'SIGTERM') => agent.proc.kill(signal),
    start: () => {
      agent.proc = startProcess(BIN.agent, [], { ECS_CONFIG_FILE: configFile }, agentLog);
    },
  };
  t.teardown(async () => {
    if (agent.proc) await agent.proc.kill('SIGKILL');
    await cp.kill();
    if (agent.instanceArn) await removeInstanceContainers(agent.instanceArn);
  });
  t.teardown(() => {
    if (t.passing()) return;
    t.comment(`control plane log (${join(dir, 'cp.log')}):\n${cp.log().slice(-4000)}`);
    if (agent.proc) t.comment(`agent log (${agentLog}):\n${agent.proc.log().slice(-6000)}`);
  });

  const run = (args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}) => runEcsctl(endpoint, args, opts);
  const cli = async <T = any>(args: string[]): Promise<T> => {
    const r = await run(args);
    if (r.code !== 0) throw new Error(`ecsctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  await eventually('the control plane to answer', () => cli(['list-clusters']), 30_000, 200);
  await cli(['create-cluster', '--cluster-name', spec.cluster, ...(spec.createArgs ?? [])]);

  writeFileSync(
    configFile,
    Object.entries({
      ECS_CLUSTER: spec.cluster,
      ECS_BACKEND_HOST: endpoint,
      ECS_DATADIR: dataDir,
      ECS_CONTAINER_STOP_TIMEOUT: '1s',
      ECS_IMAGE_PULL_BEHAVIOR: 'prefer-cached',
      ECS_LOGLEVEL: 'debug',
    }).map(([k, v]) => `${k}=${v}\n`).join(''),
  );
  agent.start();
  const C = ['--cluster', spec.cluster];
  const agentConnected = async () => {
    const l = await cli(['list-container-instances', ...C]);
    if (!l.containerInstanceArns.length) return false;
    const d = await cli(['describe-container-instances', ...C, '--container-instances', ...l.containerInstanceArns]);
    const c = d.containerInstances.find((x: any) => x.agentConnected);
    if (c) agent.instanceArn = c.containerInstanceArn;
    return Boolean(c);
  };
  await eventually('the agent to connect', agentConnected, 30_000, 200);

  const describeTask = async (arn: string) => (await cli(['describe-tasks', ...C, '--tasks', arn])).tasks[0];
  const waitTaskStatus = (arn: string, status: 'RUNNING' | 'STOPPED', ms = 60_000) =>
    eventually(`task ${taskIdOf(arn)} ${status}`, async () => {
      const x = await describeTask(arn);
      if (status === 'RUNNING' && x.lastStatus === 'STOPPED') throw new Error(`task stopped: ${x.stoppedReason}`);
      return x.lastStatus === status ? x : undefined;
    }, ms, 250);
  const sessions = async (extra: string[] = []) => (await cli(['list-execute-command-sessions', ...C, ...extra])).sessions as any[];
  return {
    endpoint,
    cluster: spec.cluster,
    dir,
    agent,
    run,
    cli,
    exec: (task, rest, opts) => run(['execute-command', ...C, '--task', task, ...rest], opts),
    spawnExec: (task, rest, opts) => spawnEcsctl(endpoint, ['execute-command', ...C, '--task', task, ...rest], opts),
    register: async (family, names, command = ['sleep', '3600']) => {
      const defs = names.map((name) => ({ name, image: IMAGE, memory: 16, essential: true, command }));
      await cli(['register-task-definition', '--family', family, '--container-definitions', JSON.stringify(defs)]);
    },
    runTask: async (family, exec = true) => {
      const r = await cli(['run-task', ...C, '--task-definition', family, ...(exec ? ['--enable-execute-command'] : [])]);
      if (!r.tasks?.length) throw new Error(`run-task ${family} placed nothing: ${JSON.stringify(r.failures)}`);
      const arn = r.tasks[0].taskArn as string;
      await waitTaskStatus(arn, 'RUNNING');
      return arn;
    },
    describeTask,
    waitTaskStatus,
    containerId: (arn, name) =>
      eventually(`the Docker id of ${name}`, async () => {
        const x = await describeTask(arn);
        return x.containers.find((k: any) => k.name === name)?.runtimeId as string | undefined;
      }, 30_000),
    sessions,
    session: (task, command, status, ms = 30_000) =>
      eventually(`the session "${command}" of task ${taskIdOf(task)}${status ? ` ${status}` : ''}`, async () => {
        const s = (await sessions()).filter((x) => x.command === command && (x.taskArn === task || taskIdOf(x.taskArn) === task));
        if (s.length > 1) throw new Error(`${s.length} sessions run "${command}"`);
        return s[0] && (!status || s[0].status === status) ? s[0] : undefined;
      }, ms, 250),
    agentConnected,
    ps: async (id) => (await docker(['exec', id, 'ps'])).split('\n').filter(Boolean),
  };
}

/** Whether `ps` lines show a process whose command line is exactly `cmd` (e.g. "sleep 100"). */
export function psHas(lines: string[], cmd: string): boolean {
  return lines.some((l) => l.trim().endsWith(` ${cmd}`) || l.trim() === cmd);
}

function execTmux(args: string[]): Promise<string> {
  return new Promise((res, rej) =>
    execFile('tmux', args, { timeout: 10_000 }, (err, stdout, stderr) => (err ? rej(new Error(`tmux ${args.join(' ')}: ${stderr || err.message}`)) : res(stdout))),
  );
}

let tmuxCount = 0;

/** One tmux server (own socket, no user config) with one session whose pane runs `sh`. */
export class TmuxPane {
  private socketPath = '';

  private constructor(readonly socket: string, readonly target: string) {}

  static async start(t: Test, opts: { cols: number; rows: number; env?: Record<string, string> }): Promise<TmuxPane> {
    const socket = `ecs-e2e-exec-${process.pid}-${++tmuxCount}`;
    const pane = new TmuxPane(socket, 'main');
    const env = Object.entries({ PS1: 'outer$ ', ...opts.env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await execTmux(['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(opts.cols), '-y', String(opts.rows), ...env, 'sh']);
    t.teardown(() => pane.kill());
    t.teardown(async () => {
      if (t.passing()) return;
      t.comment(`tmux pane at the end:\n${await pane.capture().catch((e) => String(e))}`);
    });
    await pane.tmux(['set-option', '-t', 'main', 'status', 'off']);
    pane.socketPath = (await pane.tmux(['display-message', '-p', '#{socket_path}'])).trim();
    return pane;
  }

  tmux(args: string[]): Promise<string> {
    return execTmux(['-L', this.socket, ...args]);
  }

  /** Types `text` literally, then Enter (unless `enter` is false). */
  async type(text: string, enter = true): Promise<void> {
    await this.tmux(['send-keys', '-t', this.target, '-l', text]);
    if (enter) await this.tmux(['send-keys', '-t', this.target, 'Enter']);
  }

  /** Sends tmux key names (C-c, Enter…). */
  keys(...names: string[]): Promise<string> {
    return this.tmux(['send-keys', '-t', this.target, ...names]);
  }

  /** Everything the pane shows, history included, wrapped lines joined. */
  capture(): Promise<string> {
    return this.tmux(['capture-pane', '-p', '-J', '-S', '-', '-t', this.target]);
  }

  /** Polls the pane until `re` matches; the match. */
  waitFor(re: RegExp, ms = 20_000): Promise<RegExpExecArray> {
    return eventually(`the pane to show ${re}`, async () => re.exec(await this.capture()) ?? undefined, ms, 100).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n--- pane ---\n${await this.capture().catch(() => '')}`);
    });
  }

  /** "rows cols" of the pane, as `stty size` prints it. */
  async size(): Promise<string> {
    return (await this.tmux(['display-message', '-p', '-t', this.target, '#{pane_height} #{pane_width}'])).trim();
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.tmux(['resize-window', '-t', this.target, '-x', String(cols), '-y', String(rows)]);
  }

  /** Kills the server (the pane's processes get SIGHUP) and removes its socket. */
  async kill(): Promise<void> {
    await this.tmux(['kill-server']).catch(() => {});
    if (this.socketPath) rmSync(this.socketPath, { force: true });
  }
}

/** One `ecsctl logs --output json` line. */
export interface JsonLogLine {
  time: string;
  source: 'stdout' | 'stderr';
  log: string;
  taskId: string;
  containerName: string;
}

export function parseJsonLines(stdout: string): JsonLogLine[] {
  return stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as JsonLogLine);
}
