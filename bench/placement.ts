// bench/placement: the pure placement engine. A cluster of 1,000 instances over 3 Availability Zones, of
// varied sizes and attributes; 10,000 tasks placed with [spread attribute:ecs.availability-zone, binpack
// memory] and memberOf(attribute:ecs.instance-type =~ m5.*). Reports placements per second, the time of
// one placement at 100, 1,000 and 5,000 instances (and how it grows), the time of a RunTask-sized call
// (count 10, setup included), and, as the baseline in the same run, the first cut (bench/baseline/random-placement.ts: random
// among the instances with room, no constraints or strategies) at the same size.
//
//   npm run bench -- placement [rounds]      (default 5 rounds; the best round of each measure is kept)
import { place } from '../control-plane/src/placement/engine.js';
import { placeTasks, type Candidate } from './baseline/random-placement.js';
import type { PlacementInstance, PlacementRequest } from '../control-plane/src/placement/types.js';
import { seededRandom } from '../test/helpers/random.js';


const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
/** [type, CPU units, memory MiB] */
const TYPES: [string, number, number][] = [
  ['m5.large', 2048, 7680],
  ['m5.xlarge', 4096, 15360],
  ['m5.2xlarge', 8192, 31232],
  ['c5.large', 2048, 3584],
  ['c5.xlarge', 4096, 7424],
  ['r5.large', 2048, 15616],
];
const GROUP = 'service:web';

function cluster(n: number, seed: number): PlacementInstance[] {
  const rnd = seededRandom(seed);
  const out: PlacementInstance[] = [];
  for (let k = 0; k < n; k++) {
    const [type, cpu, memory] = TYPES[Math.floor(rnd() * TYPES.length)];
    const used = Math.floor(rnd() * 4); // tasks of other services already there
    const attributes: Record<string, string | null> = {
      'ecs.availability-zone': ZONES[k % 3],
      'ecs.instance-type': type,
      'ecs.os-type': 'linux',
      'ecs.cpu-architecture': 'x86_64',
      'ecs.ami-id': `ami-${(k % 7).toString(16).padStart(8, '0')}`,
      stack: rnd() < 0.8 ? 'prod' : 'dev',
      'ecs.capability.docker-remote-api.1.40': null,
      'ecs.capability.task-eni': null,
    };
    out.push({
      arn: `arn:aws:ecs:us-east-1:123456789012:container-instance/bench/${k.toString(16).padStart(32, '0')}`,
      ec2InstanceId: `i-${k.toString(16).padStart(17, '0')}`,
      status: rnd() < 0.02 ? 'DRAINING' : 'ACTIVE',
      agentConnected: rnd() >= 0.01,
      agentVersion: '0.1.0',
      registeredAt: 1_700_000_000 + k,
      runningTasksCount: used,
      attributes,
      taskGroups: used > 0 ? { 'service:other': used } : {},
      remaining: {
        cpu: cpu - used * 256,
        memory: memory - used * 512,
        tcpPorts: new Set([22, 2375, 2376, 51678, 51679]),
        udpPorts: new Set<number>(),
      },
    });
  }
  return out;
}

function request(count: number): PlacementRequest {
  return {
    needs: { cpu: 64, memory: 256, tcpPorts: [], udpPorts: [] },
    group: GROUP,
    count,
    constraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type =~ m5.*' }],
    strategies: [
      { type: 'spread', field: 'attribute:ecs.availability-zone' },
      { type: 'binpack', field: 'memory' },
    ],
  };
}

/** The best (smallest) time in ms of `rounds` runs of fn, after one warm-up run. */
function best(rounds: number, fn: () => void): number {
  fn();
  let min = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

/** Time of one placement (µs) at a size: one place() call placing `count` tasks. */
function usPerPlacement(instances: PlacementInstance[], count: number, rounds: number): number {
  const r = request(count);
  const ms = best(rounds, () => {
    const out = place(instances, r, seededRandom(1));
    if (out.placements.length !== count) throw new Error(`only ${out.placements.length} of ${count} placed at ${instances.length} instances`);
  });
  return (ms * 1000) / count;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function main(args: string[]): Promise<void> {
  const rounds = Number(args[0] ?? 5);
  const TASKS = 10_000;
  const at1000 = cluster(1000, 7);

  // The engine: 10,000 tasks at 1,000 instances in one call (a service scaled to 10,000).
  const bulkMs = best(rounds, () => {
    const out = place(at1000, request(TASKS), seededRandom(1));
    if (out.placements.length !== TASKS) throw new Error(`only ${out.placements.length} of ${TASKS} placed`);
  });
  const placementsPerSec = (TASKS / bulkMs) * 1000;

  // RunTask-sized calls: count 10, including the per-call setup (memberOf on every instance, buckets).
  const calls = 200;
  const runTaskMs = best(rounds, () => {
    const rnd = seededRandom(2);
    for (let c = 0; c < calls; c++) place(at1000, request(10), rnd);
  });
  const usPerRunTaskCall = (runTaskMs * 1000) / calls;

  // Growth with the cluster size: the same 2,000 tasks at 100, 1,000 and 5,000 instances.
  const SCALE_TASKS = 2000;
  const us100 = usPerPlacement(cluster(100, 7), SCALE_TASKS, rounds);
  const us1000 = usPerPlacement(at1000, SCALE_TASKS, rounds);
  const us5000 = usPerPlacement(cluster(5000, 7), SCALE_TASKS, rounds);

  // Baseline: the first cut (random among instances with room) on the same 1,000 instances. It consumes
  // its candidates, so each run gets fresh copies (copying is outside the timed part).
  const fresh = (): Candidate[] =>
    at1000.map((i) => ({
      arn: i.arn,
      status: i.status,
      agentConnected: i.agentConnected,
      remaining: { ...i.remaining, tcpPorts: new Set(i.remaining.tcpPorts), udpPorts: new Set(i.remaining.udpPorts) },
    }));
  let baselineMs = Infinity;
  for (let r = 0; r <= rounds; r++) {
    const cs = fresh();
    const t0 = performance.now();
    const out = placeTasks(cs, request(TASKS).needs, TASKS, seededRandom(1));
    const ms = performance.now() - t0;
    if (out.placements.length !== TASKS) throw new Error(`baseline placed only ${out.placements.length}`);
    if (r > 0) baselineMs = Math.min(baselineMs, ms);
  }
  const baselinePlacementsPerSec = (TASKS / baselineMs) * 1000;

  process.stdout.write(
    [
      `placement engine, 1,000 instances, ${TASKS} tasks, [spread AZ, binpack memory] + memberOf(m5.*): ${round(bulkMs)} ms, ${Math.round(placementsPerSec)} placements/s`,
      `  RunTask-sized call (count 10) at 1,000 instances: ${round(usPerRunTaskCall)} µs per call`,
      `  one placement at 100 / 1,000 / 5,000 instances: ${round(us100, 3)} / ${round(us1000, 3)} / ${round(us5000, 3)} µs` +
        ` (x${round(us1000 / us100)} from 100 to 1,000, x${round(us5000 / us1000)} from 1,000 to 5,000)`,
      `baseline, bench/baseline/random-placement.ts (random among instances with room), same 1,000 instances: ${round(baselineMs)} ms, ${Math.round(baselinePlacementsPerSec)} placements/s`,
      `  engine / baseline: x${round(placementsPerSec / baselinePlacementsPerSec)}`,
      '',
    ].join('\n'),
  );
  process.stdout.write(
    `${JSON.stringify({
      instances: 1000,
      tasks: TASKS,
      placementsPerSec: Math.round(placementsPerSec),
      usPerRunTaskCallCount10At1000: round(usPerRunTaskCall),
      usPerPlacementAt100: round(us100, 3),
      usPerPlacementAt1000: round(us1000, 3),
      usPerPlacementAt5000: round(us5000, 3),
      growth100to1000: round(us1000 / us100),
      growth1000to5000: round(us5000 / us1000),
      baselinePlacementsPerSec: Math.round(baselinePlacementsPerSec),
      placementsPerSecRatioToBaseline: round(placementsPerSec / baselinePlacementsPerSec),
    })}\n`,
  );
}
