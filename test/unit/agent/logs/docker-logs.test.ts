// The collector on the real Docker engine: a container that prints 10,000 numbered lines on stdout and
// stderr (and lines longer than Docker's 16 KiB pieces) and exits at once has every line collected once;
// a collector resuming from a store that holds part of the log (Docker's `since` in seconds.nanoseconds)
// adds exactly the rest; a TTY container's raw stream.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { LogCollector } from '../../../../agent/src/logs/collector.js';
import { StoreWriter } from '../../../../agent/src/logs/store/writer.js';
import type { ContainerLogMeta, LogRecord } from '../../../../agent/src/logs/types.js';
import { DockerRuntime } from '../../../../agent/src/runtime/docker-runtime.js';
import type { ContainerSpec } from '../../../../agent/src/runtime/runtime.js';
import { systemClock } from '../../../../agent/src/util/clock.js';
import { silentLogger } from '../../../../agent/src/util/logger.js';
import { buildBusyboxImage } from '../../../helpers/images.js';

const RUN = randomBytes(6).toString('hex');
const LABEL = 'ecs-test.docker-logs';
const runtime = new DockerRuntime({ kind: 'unix', socketPath: '/var/run/docker.sock' });
const limits = { maxSizeBytes: 1024 * 1024, maxFiles: 1000, compress: false };

let image: string;
try {
  execFileSync('docker', ['info'], { stdio: 'ignore' });
  image = buildBusyboxImage('ecs-test/busybox-httpd:latest');
} catch {
  t.plan(0, 'no Docker engine');
  process.exit(0);
}

t.teardown(() => {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=${LABEL}=${RUN}`], { encoding: 'utf8' }).trim();
  if (ids) execFileSync('docker', ['rm', '-f', ...ids.split('\n')], { stdio: 'ignore' });
});

function spec(name: string, script: string, tty = false): ContainerSpec {
  return {
    name: `ecs-test-logs-${name}-${RUN}`,
    image,
    entryPoint: ['sh', '-c'],
    command: [script],
    env: [],
    labels: { [LABEL]: RUN },
    cpuShares: 2,
    networkMode: 'none',
    portBindings: [],
    links: [],
    logConfig: { type: 'local', options: { 'max-size': '20m', 'max-file': '5', compress: 'false' } },
    mounts: [],
    ulimits: [],
    privileged: false,
    readonlyRootfs: false,
    networkDisabled: false,
    dns: [],
    openStdin: false,
    tty,
  };
}

function meta(id: string): ContainerLogMeta {
  return { container_name: 'app', container_id: id, ecs_cluster: 'default', ecs_task_arn: `arn:aws:ecs:us-east-1:0:task/default/${RUN}`, ecs_task_definition: 'app:1' };
}

function stored(dir: string): LogRecord[] {
  return readdirSync(dir)
    .filter((n) => /^\d+\.log$/.test(n))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogRecord));
}

async function collect(t: Test, id: string, dir: string, tty = false): Promise<LogRecord[]> {
  const c = new LogCollector({
    runtime,
    containerId: id,
    dir,
    meta: meta(id),
    limits,
    tty,
    maxLineBytes: 1024 * 1024,
    clock: systemClock,
    random: Math.random,
    logger: silentLogger(),
  });
  c.start();
  await c.done;
  await c.close();
  t.ok(existsSync(join(dir, 'complete')), 'the store is complete');
  return stored(dir);
}

const N = 10_000;
const LONG = 40_000;
// Numbered lines on both streams, two lines longer than Docker's 16 KiB pieces (one exactly 16 KiB), exit at once.
const SCRIPT = [
  `i=1; while [ $i -le ${N} ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done`,
  `head -c ${LONG} /dev/zero | tr '\\0' L; echo`,
  `head -c 16384 /dev/zero | tr '\\0' M >&2; echo >&2`,
  `echo done`,
].join('; ');

function check(t: Test, records: LogRecord[]): void {
  const out = records.filter((r) => r.source === 'stdout').map((r) => r.log);
  const err = records.filter((r) => r.source === 'stderr').map((r) => r.log);
  t.same(out.slice(0, N), Array.from({ length: N }, (_, i) => `out ${i + 1}`), `${N} stdout lines once, in order`);
  t.same(err.slice(0, N), Array.from({ length: N }, (_, i) => `err ${i + 1}`), `${N} stderr lines once, in order`);
  t.equal(out.length, N + 2);
  t.equal(err.length, N + 1);
  t.ok(out[N] === 'L'.repeat(LONG), 'the 40,000-byte line joined whole');
  t.ok(err[N] === 'M'.repeat(16384), 'the 16 KiB line joined whole');
  t.equal(out[N + 1], 'done');
  t.ok(records.every((r) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(r.time) && r.partial === undefined));
}

t.test('a container that writes quickly and exits at once has every line collected', async (t) => {
  const id = await runtime.createContainer(spec('burst', SCRIPT));
  await runtime.startContainer(id);
  const dir = join(mkdtempSync(join(tmpdir(), 'ecs-dockerlogs-')), 'app');
  check(t, await collect(t, id, dir));
});

t.test('resuming from a store that holds part of the log adds exactly the rest', async (t) => {
  const id = await runtime.createContainer(spec('resume', SCRIPT));
  await runtime.startContainer(id);
  const full = await collect(t, id, join(mkdtempSync(join(tmpdir(), 'ecs-dockerlogs-')), 'app'));
  for (const k of [1, 5_001, 12_345, 19_999]) {
    const dir = join(mkdtempSync(join(tmpdir(), 'ecs-dockerlogs-')), 'app');
    const w = await StoreWriter.open(dir, meta(id), limits);
    await w.append(full.slice(0, k));
    await w.close();
    const records = await collect(t, id, dir);
    t.equal(records.length, full.length, `resumed after ${k} records`);
    t.ok(JSON.stringify(records) === JSON.stringify(full), `after ${k}: the same records`);
  }
});

t.test('a TTY container: the raw stream', async (t) => {
  const id = await runtime.createContainer(spec('tty', `echo one; echo two; head -c 20000 /dev/zero | tr '\\0' T; echo; echo three`, true));
  await runtime.startContainer(id);
  const dir = join(mkdtempSync(join(tmpdir(), 'ecs-dockerlogs-')), 'app');
  const records = await collect(t, id, dir, true);
  t.same(
    records.map((r) => [r.source, r.log.length > 20 ? `${r.log[0]}×${r.log.length}` : r.log]),
    [
      ['stdout', 'one'],
      ['stdout', 'two'],
      ['stdout', 'T×20000'],
      ['stdout', 'three'],
    ],
  );
});
