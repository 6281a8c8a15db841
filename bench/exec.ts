// bench/exec: execute-command sessions through the compiled control plane and agent on the local Docker
// engine, against `docker exec -i` on the same container, in the same run. One task (enableExecuteCommand)
// runs `sleep 3600` in a busybox container; the sessions run `cat` (or `head`) in it.
//
// Measured:
//   - keystroke round trip: write one byte to the session's stdin, wait for cat's echo of it on stdout,
//     N samples (default 2000) after a warm-up of 200. The session is opened with the gRPC client straight
//     from proto/index.ts (ExecuteCommand, then StartSession: the stream ecsctl uses), so the figure is
//     control plane + agent + Docker's exec stream without a process hop per byte (p50Ms, p99Ms). The same
//     through the real ecsctl as a child process (`ecsctl execute-command --command cat`, a byte to its
//     stdin, read from its stdout) is reported as well (ecsctlP50Ms, ecsctlP99Ms): it is the like-for-like
//     of the baseline, which is also a CLI child process.
//     Non-interactive (no TTY) sessions are measured, because the baseline `docker exec -i <id> cat` has
//     no TTY either: under a PTY the terminal's line discipline echoes every byte itself and cat reads
//     nothing before a newline, which would measure a different thing from the baseline. The transport
//     (SessionInput.stdin → ExecControl.stdin → the hijacked exec stream → AgentExecMessage.stdout →
//     SessionOutput.stdout) is the same in both modes.
//   - baseline, same run: `docker exec -i <container id> cat` as a child process, a byte written to its
//     stdin and read back from its stdout, same N (dockerExecP50Ms, dockerExecP99Ms); the ratios.
//     The three paths are open at once (two sessions: the default per-container limit) and sampled in
//     turn, one byte each per round, so that none profits from a warmer machine or a later JIT; every
//     pipe must give back exactly as many bytes as were written.
//   - throughput: 100 MB (default) of stdin written to a session's `cat` (64 KiB messages, honouring the
//     call's backpressure) while its stdout is read back: both directions at once; MB/s from the first
//     byte written to the last byte read (throughputMBps). Baseline: the same through `docker exec -i`
//     (dockerExecThroughputMBps).
//   - output only: a session running `head -c <bytes> /dev/zero` (stdin closed at once), MB/s from
//     ExecuteCommand to the last byte read (outputOnlyMBps), against `docker exec -i` of the same
//     (dockerExecOutputOnlyMBps): whether the output direction alone limits the throughput above.
//   - CPU seconds per MB relayed of the control plane and of the agent during the cat throughput run
//     (utime+stime from /proc; 2 × 100 MB relayed: in and out): controlPlaneCpuSecPerMB, agentCpuSecPerMB.
//   The cluster is created without a configuration, so sessions run with ECS's default logging, DEFAULT:
//   the agent also writes the output to the session's transcript store. Both throughputs are measured
//   again after UpdateCluster to logging NONE (throughputNoTranscriptMBps, outputOnlyNoTranscriptMBps),
//   which is the transport alone.
// Target: p50 round trip ≤ 5 ms (meetsTarget, on p50Ms).
//
// npm run bench -- exec [samples=2000] [mb=100] [--keep (the temp dir)]
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProtos } from '../proto/index.js';
import { buildBusyboxImage } from '../test/helpers/images.js';
import { BIN, eventually, freePort, removeInstanceContainers, requireBuild, startProcess, tempDir } from '../test/helpers/processes.js';

const IMAGE = 'ecs-bench/httpd:latest';
const CLUSTER = 'bench-exec';
const TARGET_P50_MS = 5;
const WARMUP = 200;
const CHUNK = 64 * 1024;
const MB = 1e6;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Nearest-rank percentile of unsorted samples. */
function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

/** utime + stime of a process, in seconds (Linux; NaN elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** A byte pipe: write bytes in, await bytes out. Both the session and the baseline are driven through it. */
interface Pipe {
  write(b: Buffer): boolean | Promise<void>;
  /** Resolves once `n` more bytes have arrived since the last call. */
  read(n: number): Promise<void>;
  /** Ends the input; resolves when the far side has exited. */
  close(): Promise<void>;
  /** Bytes read so far. */
  received(): number;
}

/** Counts arriving bytes and wakes the reader once its count is reached. */
class Counter {
  got = 0;
  private want = 0;
  private wake: (() => void) | undefined;
  add(n: number): void {
    this.got += n;
    if (this.wake && this.got >= this.want) {
      const w = this.wake;
      this.wake = undefined;
      w();
    }
  }
  read(n: number): Promise<void> {
    this.want += n;
    if (this.got >= this.want) return Promise.resolve();
    return new Promise((r) => (this.wake = r));
  }
}

function childPipe(child: ChildProcessWithoutNullStreams, what: string): Pipe {
  const counter = new Counter();
  let err = '';
  child.stdout.on('data', (b: Buffer) => counter.add(b.length));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<void>((res, rej) =>
    child.once('exit', (code) => (code === 0 ? res() : rej(new Error(`${what} exited ${code}: ${err.trim()}`)))),
  );
  exited.catch(() => {});
  return {
    write: (b) => (child.stdin.write(b) ? true : new Promise<void>((r) => child.stdin.once('drain', r))),
    read: (n) => Promise.race([counter.read(n), exited.then(() => Promise.reject(new Error(`${what} ended early: ${err.trim()}`)))]),
    close: () => {
      child.stdin.end();
      return exited;
    },
    received: () => counter.got,
  };
}

interface Ctx {
  client: any;
  taskArn: string;
  containerId: string;
  endpoint: string;
}

function unary<T = any>(client: any, method: string, req: object): Promise<T> {
  return new Promise((res, rej) => client[method](req, (e: Error | null, r: T) => (e ? rej(e) : res(r))));
}

/** A session running `command` (cat), opened with the gRPC client: ExecuteCommand, then StartSession. */
async function grpcSession(ctx: Ctx, command = 'cat'): Promise<Pipe> {
  const ex = await unary(ctx.client, 'ExecuteCommand', { cluster: CLUSTER, task: ctx.taskArn, container: 'app', command, interactive: false });
  const call = ctx.client.StartSession() as grpc.ClientDuplexStream<any, any>;
  const counter = new Counter();
  let started!: () => void;
  const isStarted = new Promise<void>((r) => (started = r));
  let endErr: Error | undefined;
  const ended = new Promise<void>((res, rej) => {
    call.on('data', (m: any) => {
      if (m.started) started();
      if (m.stdout) counter.add(m.stdout.length);
      if (m.exit) {
        if (m.exit.exitCode === 0) res();
        else rej((endErr = new Error(`session exit: ${JSON.stringify(m.exit)}`)));
      }
    });
    call.on('error', (e) => rej((endErr = e)));
    call.on('end', () => res());
  });
  ended.catch(() => {});
  call.write({ open: { sessionId: ex.session.sessionId, tokenValue: ex.session.tokenValue } });
  await Promise.race([isStarted, ended.then(() => Promise.reject(endErr ?? new Error('the session ended before it started')))]);
  return {
    write: (b) => (call.write({ stdin: b }) ? true : new Promise<void>((r) => call.once('drain', r))),
    read: (n) => Promise.race([counter.read(n), ended.then(() => Promise.reject(endErr ?? new Error('the session ended early')))]),
    close: async () => {
      call.write({ stdinEof: true });
      await ended;
      call.end();
    },
    received: () => counter.got,
  };
}

function ecsctlSession(ctx: Ctx): Pipe {
  const child = spawn(process.execPath, [BIN.ecsctl, '--endpoint', ctx.endpoint, 'execute-command', '--cluster', CLUSTER, '--task', ctx.taskArn, '--container', 'app', '--command', 'cat']);
  return childPipe(child, 'ecsctl execute-command');
}

function dockerExec(ctx: Ctx, argv = ['cat']): Pipe {
  return childPipe(spawn('docker', ['exec', '-i', ctx.containerId, ...argv]), 'docker exec');
}

/** Reads `bytes` of a command's output (stdin closed at once); MB/s from the start to the last byte. */
async function outputOnly(open: () => Promise<Pipe> | Pipe, bytes: number): Promise<number> {
  const t0 = nowMs();
  const pipe = await open();
  const closing = pipe.close();
  await pipe.read(bytes);
  const ms = nowMs() - t0;
  await closing;
  return bytes / MB / (ms / 1000);
}

/**
 * Round trips of one byte through each pipe, taken in turn (pipe 1, pipe 2, …, pipe 1, …) so that the
 * paths see the same machine state: `warmup` unmeasured rounds, then `n` samples per pipe, in ms. Each
 * pipe's byte count is checked at the end (every byte came back once, nothing else arrived).
 */
async function roundTrips(pipes: Pipe[], n: number, warmup = WARMUP): Promise<number[][]> {
  const byte = Buffer.from('x');
  const out: number[][] = pipes.map(() => []);
  for (let i = 0; i < warmup + n; i++) {
    for (const [k, pipe] of pipes.entries()) {
      const t0 = nowMs();
      const w = pipe.write(byte);
      if (w !== true) await w;
      await pipe.read(1);
      if (i >= warmup) out[k]!.push(nowMs() - t0);
    }
  }
  for (const pipe of pipes) {
    await pipe.close();
    if (pipe.received() !== warmup + n) throw new Error(`a pipe gave back ${pipe.received()} bytes for ${warmup + n} written`);
  }
  return out;
}

/** Writes `bytes` while reading them back; MB/s from the first write to the last byte read. */
async function throughput(pipe: Pipe, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(CHUNK, 'y');
  const t0 = nowMs();
  const reading = pipe.read(bytes);
  let sent = 0;
  while (sent < bytes) {
    const b = bytes - sent >= CHUNK ? chunk : chunk.subarray(0, bytes - sent);
    const w = pipe.write(b);
    sent += b.length;
    if (w !== true) await w;
  }
  await reading;
  const ms = nowMs() - t0;
  await pipe.close();
  return bytes / MB / (ms / 1000);
}

function summary(samples: number[]) {
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

export async function main(args: string[]): Promise<void> {
  const positional = args.filter((a) => !a.startsWith('--'));
  const samples = Number(positional[0] ?? 2000);
  const mb = Number(positional[1] ?? 100);
  const keep = args.includes('--keep');
  requireBuild();
  buildBusyboxImage(IMAGE);

  const dir = tempDir('ecs-bench-exec-');
  const endpoint = `127.0.0.1:${await freePort()}`;
  const cp = startProcess(BIN.controlPlane, ['--listen', endpoint, '--data-dir', join(dir, 'cp'), '--log-level', 'warn'], {}, join(dir, 'cp.log'));
  const { cp: proto } = loadProtos();
  const client = new proto.ecs.v1.EcsControlPlane(endpoint, grpc.credentials.createInsecure(), { 'grpc-node.flow_control_window': 1 << 20 }) as any;
  let agent: ReturnType<typeof startProcess> | undefined;
  let instanceArn = '';
  try {
    await eventually('the control plane to answer', () => unary(client, 'ListClusters', {}), 30_000, 100);
    await unary(client, 'CreateCluster', { clusterName: CLUSTER });
    writeFileSync(
      join(dir, 'ecs.config'),
      `ECS_CLUSTER=${CLUSTER}\nECS_BACKEND_HOST=${endpoint}\nECS_DATADIR=${join(dir, 'agent')}\nECS_LOGLEVEL=warn\n` +
        'ECS_IMAGE_PULL_BEHAVIOR=prefer-cached\nECS_CONTAINER_STOP_TIMEOUT=1s\n',
    );
    agent = startProcess(BIN.agent, [], { ECS_CONFIG_FILE: join(dir, 'ecs.config') }, join(dir, 'agent.log'));
    instanceArn = await eventually('the agent to connect', async () => {
      const l = await unary(client, 'ListContainerInstances', { cluster: CLUSTER });
      const arn = l.containerInstanceArns[0];
      if (!arn) return undefined;
      const d = await unary(client, 'DescribeContainerInstances', { cluster: CLUSTER, containerInstances: [arn] });
      return d.containerInstances[0].agentConnected ? (arn as string) : undefined;
    }, 30_000, 200);
    await unary(client, 'RegisterTaskDefinition', {
      family: 'bench-exec',
      containerDefinitions: [{ name: 'app', image: IMAGE, memory: 64, essential: true, command: ['sleep', '3600'] }],
    });
    const run = await unary(client, 'RunTask', { cluster: CLUSTER, taskDefinition: 'bench-exec', enableExecuteCommand: true });
    if (!run.tasks.length) throw new Error(`RunTask placed nothing: ${JSON.stringify(run.failures)}`);
    const taskArn = run.tasks[0].taskArn as string;
    const containerId = await eventually('the task to run', async () => {
      const d = await unary(client, 'DescribeTasks', { cluster: CLUSTER, tasks: [taskArn] });
      const x = d.tasks[0];
      if (x.lastStatus === 'STOPPED') throw new Error(`the task stopped: ${x.stoppedReason}`);
      return x.lastStatus === 'RUNNING' ? (x.containers[0].runtimeId as string) : undefined;
    }, 60_000, 200);
    const ctx: Ctx = { client, taskArn, containerId, endpoint };

    console.log(`round trips: ${samples} samples each after ${WARMUP} of warm-up, the three paths in turn`);
    const [bySession, byCli, byDocker] = await roundTrips([await grpcSession(ctx), ecsctlSession(ctx), dockerExec(ctx)], samples);
    const session = summary(bySession!);
    const viaCli = summary(byCli!);
    const docker = summary(byDocker!);
    console.log(`  session (gRPC):      p50 ${round3(session.p50)} ms, p99 ${round3(session.p99)} ms`);
    console.log(`  session (ecsctl):    p50 ${round3(viaCli.p50)} ms, p99 ${round3(viaCli.p99)} ms`);
    console.log(`  docker exec -i cat:  p50 ${round3(docker.p50)} ms, p99 ${round3(docker.p99)} ms`);

    const bytes = Math.round(mb * MB);
    console.log(`throughput: ${mb} MB through cat, stdin and stdout at once`);
    const cpu0 = { cp: cpuSeconds(cp.child.pid), agent: cpuSeconds(agent.child.pid) };
    const sessionMBps = await throughput(await grpcSession(ctx), bytes);
    const cpu1 = { cp: cpuSeconds(cp.child.pid), agent: cpuSeconds(agent.child.pid) };
    console.log(`  session (gRPC):      ${round2(sessionMBps)} MB/s`);
    const dockerMBps = await throughput(dockerExec(ctx), bytes);
    console.log(`  docker exec -i cat:  ${round2(dockerMBps)} MB/s`);
    console.log(`output only: ${mb} MB of head -c ${bytes} /dev/zero (nothing written in)`);
    const sessionOutMBps = await outputOnly(() => grpcSession(ctx, `head -c ${bytes} /dev/zero`), bytes);
    console.log(`  session (gRPC):      ${round2(sessionOutMBps)} MB/s`);
    const dockerOutMBps = await outputOnly(() => dockerExec(ctx, ['head', '-c', String(bytes), '/dev/zero']), bytes);
    console.log(`  docker exec -i:      ${round2(dockerOutMBps)} MB/s`);
    await unary(client, 'UpdateCluster', { cluster: CLUSTER, configuration: { executeCommandConfiguration: { logging: 'NONE' } } });
    console.log('the same with the cluster\'s execute command logging NONE (no transcript)');
    const sessionNoTranscriptMBps = await throughput(await grpcSession(ctx), bytes);
    console.log(`  session cat (gRPC):  ${round2(sessionNoTranscriptMBps)} MB/s`);
    const sessionOutNoTranscriptMBps = await outputOnly(() => grpcSession(ctx, `head -c ${bytes} /dev/zero`), bytes);
    console.log(`  session head (gRPC): ${round2(sessionOutNoTranscriptMBps)} MB/s`);

    const result = {
      samples,
      p50Ms: round3(session.p50),
      p99Ms: round3(session.p99),
      ecsctlP50Ms: round3(viaCli.p50),
      ecsctlP99Ms: round3(viaCli.p99),
      dockerExecP50Ms: round3(docker.p50),
      dockerExecP99Ms: round3(docker.p99),
      p50Ratio: round2(session.p50 / docker.p50),
      p99Ratio: round2(session.p99 / docker.p99),
      ecsctlP50Ratio: round2(viaCli.p50 / docker.p50),
      throughputMB: mb,
      throughputMBps: round2(sessionMBps),
      dockerExecThroughputMBps: round2(dockerMBps),
      throughputRatio: round2(sessionMBps / dockerMBps),
      outputOnlyMBps: round2(sessionOutMBps),
      dockerExecOutputOnlyMBps: round2(dockerOutMBps),
      outputOnlyRatio: round2(sessionOutMBps / dockerOutMBps),
      controlPlaneCpuSecPerMB: round3((cpu1.cp - cpu0.cp) / mb / 2),
      agentCpuSecPerMB: round3((cpu1.agent - cpu0.agent) / mb / 2),
      throughputNoTranscriptMBps: round2(sessionNoTranscriptMBps),
      outputOnlyNoTranscriptMBps: round2(sessionOutNoTranscriptMBps),
      targetP50Ms: TARGET_P50_MS,
      meetsTarget: session.p50 <= TARGET_P50_MS,
    };
    console.log(JSON.stringify(result));
  } finally {
    client.close();
    if (agent) await agent.kill('SIGTERM');
    await cp.kill();
    if (instanceArn) await removeInstanceContainers(instanceArn);
    if (keep) console.error(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
