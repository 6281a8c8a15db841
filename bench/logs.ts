// bench/logs: the agent's log router, 10 containers writing as fast as they can through it to the
// on-disk store. Each container writes a fixed count of numbered 100-byte lines (99 characters and a
// newline; default 300,000 each, 30 MB) with busybox awk and exits. Real processes: the compiled control
// plane and agent on the local Docker engine; the agent is pinned to one core (taskset -c 0) when taskset
// exists.
//
// Measured:
//   - router MB/s and lines/s: line bytes (100 a line) from the first record stored to the last, polling
//     the stores' sizes (ECS_DATADIR/logs/<task id>/<container>/);
//   - the agent's CPU seconds per MB: utime+stime of /proc/<agent pid>/stat, before the tasks start and
//     once the last record is stored;
//   - lines lost and doubled: every store read back at the end, each number counted (lost must be 0);
//   - the baseline, in the same run: the same containers' logs read straight from Docker's Engine API
//     (GET /containers/{id}/logs?stdout=1&stderr=1&timestamps=1 on the unix socket, all concurrently),
//     MB/s of the same line bytes; the router's ratio to it is reported.
//   - baseline 2, in the same run: Docker alone taking the same lines in with the same `local` driver,
//     nothing reading (docker run … ; docker wait), MB/s from the first run to the last exit. This is the
//     ceiling of every collector downstream of Docker's logging (Engine API, log files or the fluentd
//     driver): on a 2-core host Docker takes 100-byte lines in at 15-19 MB/s, 1000-byte lines at ~55 MB/s;
//   - routerCpuBoundMBps: MB per agent CPU second, what the router's one core carries when Docker feeds it.
// Mode --catch-up: the agent is SIGSTOPped while the containers write and SIGCONTed once they have all
// exited, so the router drains a full Docker log exactly as the baseline does (pure read-path speed).
//
// npm run bench -- logs [containers=10] [lines=300000] [--catch-up] [--line-bytes=100] [--keep (the temp dir)]
//   [--agent-log-level=debug]
// (keep lines × line-bytes well under Docker's buffer per container, 20m × 5: what Docker rotated away
// before the router read it would count as lost)
import { execFileSync, spawn } from 'node:child_process';
import * as http from 'node:http';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '../proto/index.js';
import { buildBusyboxImage } from '../test/helpers/images.js';
import { BIN, eventually, freePort, removeInstanceContainers, requireBuild, startProcess, tempDir } from '../test/helpers/processes.js';

const IMAGE = 'ecs-bench/httpd:latest';
const MB = 1e6;
const TARGET_MBPS = 50;
const round2 = (x: number) => Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number, ticks: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

const SEGMENT = /^\d{6}\.log(\.gz)?$/;

function storeBytes(dirs: string[]): number {
  let total = 0;
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      if (!SEGMENT.test(n)) continue;
      try {
        total += statSync(join(dir, n)).size;
      } catch {
        // rotated away
      }
    }
  }
  return total;
}

/** Reads a container's store back: how many of the numbers 1..lines it holds, and how many twice or more. */
export function countStore(dir: string, lines: number): { distinct: number; doubled: number; stray: number } {
  const seen = new Uint8Array(lines + 1);
  let distinct = 0;
  let doubled = 0;
  let stray = 0;
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => SEGMENT.test(n)).sort() : [];
  for (const name of names) {
    const raw = readFileSync(join(dir, name));
    const text = (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    let at = 0;
    for (;;) {
      const i = text.indexOf('"log":"', at);
      if (i < 0) break;
      const n = Number(text.slice(i + 7, i + 17));
      at = i + 17;
      if (!(n >= 1 && n <= lines)) {
        stray++;
        continue;
      }
      if (seen[n] === 0) distinct++;
      else if (seen[n] === 1) doubled++;
      if (seen[n] < 2) seen[n]++;
    }
  }
  return { distinct, doubled, stray };
}

/** Reads one container's whole log from the Engine API; resolves with its line count. */
export function dockerReadAll(socketPath: string, id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path: `/containers/${id}/logs?stdout=1&stderr=1&timestamps=1`, method: 'GET' },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`docker logs ${id}: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        // The multiplexed stream: an 8-byte header (stream, 0, 0, 0, uint32 BE length) per frame.
        let lines = 0;
        let pending: Buffer = Buffer.alloc(0);
        let need = -1; // payload bytes still to skip in the current frame, -1 when reading a header
        res.on('data', (chunk: Buffer) => {
          const buf: Buffer = pending.length ? Buffer.concat([pending, chunk]) : chunk;
          let i = 0;
          for (;;) {
            if (need < 0) {
              if (buf.length - i < 8) break;
              need = buf.readUInt32BE(i + 4);
              i += 8;
            }
            const take = Math.min(need, buf.length - i);
            if (take === need) {
              if (need > 0 && buf[i + need - 1] === 0x0a) lines++;
              i += need;
              need = -1;
            } else {
              // keep the frame's bytes until it is whole (frames are small: one line each)
              i -= 8;
              need = -1;
              break;
            }
          }
          pending = buf.subarray(i);
        });
        res.on('end', () => resolve(lines));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Baseline 2, in the same run: Docker alone, nothing reading. The same writers run straight on Docker with
 * the `local` driver the router uses; MB/s of line bytes from the first `docker run` to the last exit. No
 * collector downstream of Docker's logging can beat the rate at which Docker takes the lines in.
 */
function dockerIngest(containers: number, lines: number, lineBytes: number, awkProgram: string): { seconds: number; mbps: number } {
  const t0 = performance.now();
  const ids: string[] = [];
  try {
    for (let i = 0; i < containers; i++) {
      const out = execFileSync('docker', [
        'run', '-d', '--log-driver', 'local', '--log-opt', 'max-size=20m', '--log-opt', 'max-file=5',
        IMAGE, 'awk', awkProgram,
      ]);
      ids.push(out.toString().trim());
    }
    execFileSync('docker', ['wait', ...ids], { stdio: 'ignore' });
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, mbps: (containers * lines * lineBytes) / MB / seconds };
  } finally {
    if (ids.length) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  }
}

function dockerSocket(): string {
  const h = process.env.DOCKER_HOST;
  return h?.startsWith('unix://') ? h.slice('unix://'.length) : '/var/run/docker.sock';
}

export async function main(args: string[]): Promise<void> {
  const catchUp = args.includes('--catch-up');
  const keep = args.includes('--keep');
  const LINE_BYTES = Number(args.find((a) => a.startsWith('--line-bytes='))?.slice('--line-bytes='.length) ?? 100);
  if (!(LINE_BYTES >= 16 && LINE_BYTES <= 16_000)) throw new Error('--line-bytes must be 16..16000');
  const positional = args.filter((a) => !a.startsWith('--'));
  const containers = Number(positional[0] ?? 10);
  const lines = Number(positional[1] ?? 300_000);
  requireBuild();
  buildBusyboxImage(IMAGE);
  const pinned = hasTaskset();
  const ticks = clockTicks();

  const dir = tempDir('ecs-bench-logs-');
  const endpoint = `127.0.0.1:${await freePort()}`;
  const cp = startProcess(BIN.controlPlane, ['--listen', endpoint, '--data-dir', join(dir, 'cp'), '--log-level', 'warn'], {}, join(dir, 'cp.log'));
  const dataDir = join(dir, 'agent');
  const configFile = join(dir, 'ecs.config');
  writeFileSync(
    configFile,
    [
      `ECS_BACKEND_HOST=${endpoint}`,
      `ECS_DATADIR=${dataDir}`,
      `ECS_LOGLEVEL=${args.find((a) => a.startsWith('--agent-log-level='))?.split('=')[1] ?? 'warn'}`,
      'ECS_IMAGE_PULL_BEHAVIOR=prefer-cached',
      'ECS_CONTAINER_STOP_TIMEOUT=1s',
      // Room for every line: nothing may be rotated away before it is counted.
      'ECS_CONTAINER_LOG_MAX_SIZE=100m',
      'ECS_CONTAINER_LOG_MAX_FILE=5',
      '',
    ].join('\n'),
  );
  const agentLog = join(dir, 'agent.log');
  const fd = openSync(agentLog, 'a');
  const agentCmd = pinned ? ['taskset', ['-c', '0', process.execPath, BIN.agent]] as const : [process.execPath, [BIN.agent]] as const;
  const agent = spawn(agentCmd[0], [...agentCmd[1]], { env: { ...process.env, ECS_CONFIG_FILE: configFile }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const agentExited = new Promise((r) => agent.once('exit', r));
  const agentPid = agent.pid!;

  const { cp: proto } = loadProtos();
  const client = new proto.ecs.v1.EcsControlPlane(endpoint, grpc.credentials.createInsecure());
  const call = <T = any>(m: string, req: object) =>
    new Promise<T>((res, rej) => (client as any)[m](req, (e: Error | null, r: T) => (e ? rej(e) : res(r))));
  let instanceArn = '';
  try {
    instanceArn = await eventually('the agent to connect', async () => {
      const l = await call('ListContainerInstances', {});
      const arn = l.containerInstanceArns[0];
      if (!arn) return undefined;
      const d = await call('DescribeContainerInstances', { containerInstances: [arn] });
      return d.containerInstances[0].agentConnected ? (arn as string) : undefined;
    });
    const pad = 'x'.repeat(LINE_BYTES - 12);
    const awkProgram = `BEGIN { for (i = 1; i <= ${lines}; i++) printf "%010d ${pad}\\n", i }`;
    await call('RegisterTaskDefinition', {
      family: 'logbench',
      containerDefinitions: [{ name: 'w', image: IMAGE, memory: 32, essential: true, command: ['awk', awkProgram] }],
    });
    const ingest = dockerIngest(containers, lines, LINE_BYTES, awkProgram);

    let cpu0 = cpuSeconds(agentPid, ticks);
    const arns: string[] = [];
    while (arns.length < containers) {
      const r = await call('RunTask', { taskDefinition: 'logbench', count: Math.min(10, containers - arns.length) });
      if (!r.tasks.length) throw new Error(`RunTask placed nothing: ${JSON.stringify(r.failures)}`);
      arns.push(...r.tasks.map((x: any) => x.taskArn as string));
    }
    const dirs = arns.map((a) => join(dataDir, 'logs', a.slice(a.lastIndexOf('/') + 1), 'w'));
    const describe = async () => {
      const out: any[] = [];
      for (let i = 0; i < arns.length; i += 100) out.push(...(await call('DescribeTasks', { tasks: arns.slice(i, i + 100) })).tasks);
      return out;
    };

    let stoppedAgent = false;
    let resumedAt = 0;
    let bytesAtResume = 0;
    if (catchUp) {
      // Let the tasks start, then freeze the agent until every container has written everything.
      await eventually('the tasks to start', async () => (await describe()).every((x) => x.lastStatus === 'RUNNING' || x.lastStatus === 'STOPPED'), 120_000, 100);
      process.kill(agentPid, 'SIGSTOP');
      stoppedAgent = true;
      const ids = (await describe()).map((x) => x.containers[0].runtimeId as string);
      await eventually('the containers to exit', async () => {
        const out = execFileSync('docker', ['inspect', '-f', '{{.State.Running}}', ...ids]).toString();
        return !out.includes('true');
      }, 300_000, 250);
      bytesAtResume = storeBytes(dirs);
      resumedAt = performance.now();
      cpu0 = cpuSeconds(agentPid, ticks); // the CPU of the drain only (the frozen agent used none meanwhile)
      process.kill(agentPid, 'SIGCONT');
      stoppedAgent = false;
    }

    // Poll the stores: first record, last growth, and done when every store is complete (or stable).
    const totalLines = containers * lines;
    let first = 0;
    let last = 0;
    let lastBytes = 0;
    let cpuAtLast = cpu0;
    const startedPolling = performance.now();
    let exitedAt = 0;
    let nextDescribe = 0;
    for (;;) {
      const now = performance.now();
      const bytes = storeBytes(dirs);
      if (bytes > 0 && !first) first = now;
      if (bytes > lastBytes) {
        lastBytes = bytes;
        last = now;
        cpuAtLast = cpuSeconds(agentPid, ticks);
      }
      const complete = dirs.every((d) => existsSync(join(d, 'complete')));
      if (!exitedAt && now > nextDescribe) {
        nextDescribe = now + 500;
        const ts = await describe();
        if (ts.every((x) => x.containers[0].lastStatus === 'STOPPED')) exitedAt = now;
      }
      const stable = exitedAt && last && now - last > 5_000;
      if (complete || stable) break;
      if (now - startedPolling > 600_000) throw new Error('the stores did not settle within 10 minutes');
      await sleep(20);
    }
    if (!first) throw new Error('no record was ever stored: is the log router there?');

    let stored = 0;
    let doubled = 0;
    let stray = 0;
    for (const d of dirs) {
      const c = countStore(d, lines);
      stored += c.distinct;
      doubled += c.doubled;
      stray += c.stray;
    }

    // Baseline: the same containers' logs read straight from Docker, all at once.
    const ids = (await describe()).map((x) => x.containers[0].runtimeId as string);
    const socket = dockerSocket();
    await dockerReadAll(socket, ids[0]); // warm-up
    const b0 = performance.now();
    const dockerLines = (await Promise.all(ids.map((id) => dockerReadAll(socket, id)))).reduce((a, b) => a + b, 0);
    const dockerSeconds = (performance.now() - b0) / 1000;

    // Catch-up: only what was stored after the agent resumed, from then on.
    const drained = catchUp && lastBytes > 0 ? (lastBytes - bytesAtResume) / lastBytes : 1;
    const routerSeconds = ((catchUp ? last - resumedAt : last - first)) / 1000;
    const routerMB = (stored * drained * LINE_BYTES) / MB;
    const routerMBps = routerMB / routerSeconds;
    const dockerMBps = (dockerLines * LINE_BYTES) / MB / dockerSeconds;
    const agentCpu = cpuAtLast - cpu0;
    const result = {
      mode: catchUp ? 'catch-up (agent stopped while the containers wrote)' : 'live (containers writing as fast as they can)',
      containers,
      linesPerContainer: lines,
      lineBytes: LINE_BYTES,
      totalMB: round2((totalLines * LINE_BYTES) / MB),
      agentPinned: pinned ? 'one core (taskset -c 0)' : 'not pinned (no taskset)',
      routerSeconds: round2(routerSeconds),
      routerMBps: round2(routerMBps),
      routerLinesPerSec: Math.round((stored * drained) / routerSeconds),
      // when every container had exited (seen through DescribeTasks, ±0.5 s), from the first stored record
      containersExitedAfterSeconds: catchUp ? undefined : round2((exitedAt - first) / 1000),
      agentCpuSeconds: round2(agentCpu),
      agentCpuSecondsPerMB: Math.round((agentCpu / routerMB) * 10_000) / 10_000,
      linesLost: totalLines - stored,
      linesDuplicated: doubled,
      strayRecords: stray,
      dockerReadSeconds: round2(dockerSeconds),
      dockerReadMBps: round2(dockerMBps),
      dockerReadLines: dockerLines,
      ratioToDockerRead: round2(routerMBps / dockerMBps),
      // Docker alone taking the same lines in, nothing reading them: the ceiling for any collector
      dockerIngestSeconds: round2(ingest.seconds),
      dockerIngestMBps: round2(ingest.mbps),
      ratioToDockerIngest: round2(routerMBps / ingest.mbps),
      // what one core of the router would carry if Docker fed it faster: MB per agent CPU second
      routerCpuBoundMBps: round2(routerMB / agentCpu),
      targetMBps: TARGET_MBPS,
      meetsTarget: routerMBps >= TARGET_MBPS && totalLines === stored && doubled === 0,
    };
    process.stderr.write(
      `router: ${result.routerMBps} MB/s, ${result.routerLinesPerSec} lines/s over ${result.routerSeconds} s; ` +
        `docker read: ${result.dockerReadMBps} MB/s; docker ingest alone: ${result.dockerIngestMBps} MB/s; ` +
        `agent CPU ${result.agentCpuSeconds} s (${result.routerCpuBoundMBps} MB per CPU second); lost ${result.linesLost}\n`,
    );
    console.log(JSON.stringify(result));
    if (stoppedAgent) process.kill(agentPid, 'SIGCONT');
  } catch (err) {
    process.stderr.write(`agent log (${agentLog}):\n${existsSync(agentLog) ? readFileSync(agentLog, 'utf8').slice(-4000) : ''}\n`);
    throw err;
  } finally {
    client.close();
    try {
      process.kill(agentPid, 'SIGCONT');
    } catch {
      // gone
    }
    if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
    await agentExited;
    await cp.kill();
    if (instanceArn) await removeInstanceContainers(instanceArn);
    if (keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
