// The log router wired into the task engine, on the fake runtime with real stores: a started routed
// container is collected (a Docker driver is not), the stdout output ships FireLens records, cleanup
// finishes the logs before removing the containers and deletes them after, an agent restart resumes
// collection from the stores (exactly once, also for a container that exited meanwhile), and stores of
// tasks that are gone are pruned.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { LABEL_TASK_ARN } from '../../../../agent/src/engine/container-spec.js';
import { clusterName, LogRouter } from '../../../../agent/src/logs/router.js';
import { containerLogDir, logsRoot, taskLogDir, type LogRecord } from '../../../../agent/src/logs/types.js';
import { FakeRuntime } from '../../../../agent/src/runtime/fake-runtime.js';
import { silentLogger } from '../../../../agent/src/util/logger.js';
import { engineRig, type Rig } from '../helpers/engine-rig.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { RecordingSink } from '../helpers/recording-sink.js';
import { assignment } from '../helpers/tasks.js';

const CLEANUP_MS = 60_000;

function stored(dir: string): LogRecord[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /^\d+\.log$/.test(n))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogRecord));
}

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Agent {
  rig: Rig;
  router: LogRouter;
  stdout: PassThrough;
}

async function agent(dataDir: string, runtime: FakeRuntime, clock: FakeClock, sink = new RecordingSink()): Promise<Agent> {
  const stdout = new PassThrough();
  const router = new LogRouter({
    runtime,
    dataDir,
    cluster: 'default',
    defaults: { maxSizeBytes: 1024 * 1024, maxFiles: 5, compress: false, maxLineBytes: 1024 * 1024 },
    clock,
    random: () => 0,
    logger: silentLogger(),
    stdout,
    collector: { retryMs: 5 },
    closeDrainMs: 100,
  });
  const rig = await engineRig({ dir: join(dataDir, 'tasks'), runtime, clock, sink, cleanupWaitMs: CLEANUP_MS, logs: router });
  return { rig, router, stdout };
}

const web = { name: 'web', image: 'img' };
const side = { name: 'side', image: 'img', essential: false, logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'stdout', 'exclude-pattern': 'noise' } } };
const plain = { name: 'plain', image: 'img', essential: false, logConfiguration: { logDriver: 'json-file', options: {} } };

function setup(): { dataDir: string; runtime: FakeRuntime; clock: FakeClock } {
  const clock = new FakeClock();
  const runtime = new FakeRuntime(() => clock.now());
  runtime.cachedImages.add('img');
  return { dataDir: mkdtempSync(join(tmpdir(), 'ecs-router-')), runtime, clock };
}

t.test('collects started routed containers, ships the stdout output, and cleans up after finishing', async (t) => {
  const { dataDir, runtime, clock } = setup();
  const { rig, router, stdout } = await agent(dataDir, runtime, clock);
  const a = assignment([web, side, plain]);
  const arn = a.taskArn!;
  await rig.engine.assign(a);
  await rig.settle();
  t.equal(rig.sink.latest(arn)!.status, 'RUNNING');
  t.same(
    router.attached().map((x) => x.container).sort(),
    ['side', 'web'],
    'routed containers only',
  );
  const id = (name: string) => rig.idOf(arn, name);
  t.match(runtime.containers.get(id('web'))!.spec.logConfig, { type: 'local' });
  t.match(runtime.containers.get(id('plain'))!.spec.logConfig, { type: 'json-file' });

  const shipped: string[] = [];
  stdout.on('data', (b: Buffer) => shipped.push(...b.toString().split('\n').filter(Boolean)));
  for (let i = 0; i < 50; i++) runtime.writeLog(id('web'), i % 2 ? 'stderr' : 'stdout', `web ${i}`);
  runtime.writeLog(id('side'), 'stdout', 'side says hi');
  runtime.writeLog(id('side'), 'stdout', 'noise');
  const webDir = containerLogDir(dataDir, arn, 'web');
  await until('web stored', () => stored(webDir).length === 50);
  await until('side shipped', () => shipped.length === 1);
  const rec = JSON.parse(shipped[0]);
  t.match(rec, {
    log: 'side says hi',
    source: 'stdout',
    container_name: 'side',
    container_id: id('side'),
    ecs_cluster: 'default',
    ecs_task_arn: arn,
    ecs_task_definition: 'web:3',
  });
  t.same(JSON.parse(readFileSync(join(webDir, 'meta.json'), 'utf8')).ecs_task_definition, 'web:3');

  // The essential container exits: the task stops; its logs are complete.
  runtime.writeLog(id('web'), 'stdout', 'last words');
  runtime.exit(id('web'), 0);
  await rig.settle();
  t.equal(rig.sink.latest(arn)!.status, 'STOPPED');
  await until('web complete', () => existsSync(join(webDir, 'complete')));
  t.equal(stored(webDir).at(-1)!.log, 'last words');

  await clock.advance(CLEANUP_MS);
  await until('cleaned up', async () => {
    await rig.settle();
    return rig.engine.task(arn) === undefined || rig.engine.task(arn)!.cleanedUp;
  });
  t.notOk(existsSync(taskLogDir(dataDir, arn)), 'the task\'s logs are removed with it');
  t.equal(runtime.find({ [LABEL_TASK_ARN]: arn }).length, 0, 'containers removed');
  t.same(router.attached(), []);
  rig.engine.close();
  await router.close();
});

t.test('an agent restart resumes collection from the stores: every line once', async (t) => {
  const { dataDir, runtime, clock } = setup();
  const first = await agent(dataDir, runtime, clock);
  const a = assignment([web, { ...web, name: 'batch', essential: false }]);
  const arn = a.taskArn!;
  await first.rig.engine.assign(a);
  await first.rig.settle();
  const webId = first.rig.idOf(arn, 'web');
  const batchId = first.rig.idOf(arn, 'batch');
  let n = 0;
  const write = (id: string, count: number) => {
    for (let i = 0; i < count; i++) runtime.writeLog(id, i % 3 ? 'stdout' : 'stderr', `line ${n++}`);
  };
  write(webId, 100);
  write(batchId, 10);
  await until('stored', () => stored(containerLogDir(dataDir, arn, 'web')).length === 100);
  first.rig.engine.close();
  await first.router.close();

  // While the agent is away: more lines, and the batch container finishes.
  write(webId, 100);
  write(batchId, 10);
  runtime.exit(batchId, 0);

  const second = await agent(dataDir, runtime, clock, first.rig.sink);
  await second.rig.settle();
  t.same(second.router.attached().map((x) => x.container).sort(), ['batch', 'web'], 'adopted containers are collected again');
  const batchDir = containerLogDir(dataDir, arn, 'batch');
  await until('batch complete', () => existsSync(join(batchDir, 'complete')));
  await until('web caught up', () => stored(containerLogDir(dataDir, arn, 'web')).length === 200);
  const logs = (name: string) => stored(containerLogDir(dataDir, arn, name)).map((r) => r.log);
  t.same(logs('batch'), Array.from({ length: 20 }, (_, i) => `line ${i < 10 ? 100 + i : 200 + i}`));
  t.same(logs('web'), [...Array.from({ length: 100 }, (_, i) => `line ${i}`), ...Array.from({ length: 100 }, (_, i) => `line ${110 + i}`)]);
  second.rig.engine.close();
  await second.router.close();
});

t.test('stores of tasks that are gone are pruned at start', async (t) => {
  const { dataDir, runtime, clock } = setup();
  mkdirSync(join(logsRoot(dataDir), 'deadbeef', 'web'), { recursive: true });
  const { rig, router } = await agent(dataDir, runtime, clock);
  t.notOk(existsSync(join(logsRoot(dataDir), 'deadbeef')));
  rig.engine.close();
  await router.close();
});

t.test('attach is idempotent; a replaced container is followed instead', async (t) => {
  const { dataDir, runtime, clock } = setup();
  const { rig, router } = await agent(dataDir, runtime, clock);
  const a = assignment([web]);
  await rig.engine.assign(a);
  await rig.settle();
  const task = rig.engine.task(a.taskArn!)!;
  const c = task.containers[0];
  router.attach(task, c);
  router.attach(task, c);
  t.equal(router.attached().length, 1);
  const other = runtime.add(runtime.containers.get(c.runtimeId!)!.spec, 'running');
  router.attach(task, { ...c, runtimeId: other });
  t.same(router.attached().map((x) => x.containerId), [other]);
  runtime.writeLog(other, 'stdout', 'from the new one');
  await until('stored', () => stored(containerLogDir(dataDir, a.taskArn!, 'web')).length === 1);
  t.ok(await router.finish('arn:unknown', 10), 'a task without logs is finished at once');
  rig.engine.close();
  await router.close();
});

t.test('finish is bounded: a container still running times out', async (t) => {
  const { dataDir, runtime, clock } = setup();
  const { rig, router } = await agent(dataDir, runtime, clock);
  const a = assignment([web]);
  await rig.engine.assign(a);
  await rig.settle();
  const done = router.finish(a.taskArn!, 1000);
  await clock.advance(1000);
  t.equal(await done, false);
  rig.engine.close();
  await router.close();
});

t.test('clusterName: FireLens\'s ecs_cluster is the name', async (t) => {
  t.equal(clusterName('arn:aws:ecs:us-east-1:000000000000:cluster/prod'), 'prod');
  t.equal(clusterName('prod'), 'prod');
});
