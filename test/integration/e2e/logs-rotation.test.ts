// Rotation of the on-disk log store, end to end: with small limits (the agent's ECS_CONTAINER_LOG_MAX_SIZE
// and _MAX_FILE, or a task's awsfirelens `file` output with max-size/max-file), the store never holds
// more than max-file × max-size while a container writes far more, compressed or not, and `ecsctl logs`
// still reads a contiguous, in-order suffix of the lines that ends with the last one written.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { dirBytes, IMAGE, logsUntil, SEGMENT, startLogsCluster, storeDir, taskIdOf, type LogsAgent } from './logs-helpers.js';

const LINES = 40_000;
// 40 rounds of 1,000 lines, one every ~0.06 s: a few seconds of writing, about 3 MB of records in all.
const WRITER = `i=0; while [ $i -lt 40 ]; do seq $((i*1000+1)) $((i*1000+1000)); i=$((i+1)); sleep 0.06; done`;
const KiB = 1024;

interface Case {
  name: string;
  agent: LogsAgent;
  family: string;
  maxSize: number;
  maxFiles: number;
  compressed: boolean;
  arn?: string;
  maxSegments?: number;
  maxBytes?: number;
  maxDirBytes?: number;
  /** The segment files when the most bytes were seen. */
  atPeak?: string;
}

t.test('the store stays within max-file × max-size while the lines stay readable in order', async (t) => {
  const c = await startLogsCluster(t, [
    { config: { ECS_CONTAINER_LOG_MAX_SIZE: '64k', ECS_CONTAINER_LOG_MAX_FILE: '3' } },
    { config: { ECS_CONTAINER_LOG_MAX_SIZE: '64k', ECS_CONTAINER_LOG_MAX_FILE: '3', ECS_CONTAINER_LOG_COMPRESS: 'true' } },
  ]);
  const [plain, gz] = c.agents;
  await c.registerTask('rot', [{ name: 'w', image: IMAGE, memory: 16, essential: true, command: ['sh', '-c', WRITER] }]);
  await c.registerTask('rot-task', [{
    name: 'w', image: IMAGE, memory: 16, essential: true, command: ['sh', '-c', WRITER],
    logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'file', 'max-size': '32k', 'max-file': '2' } },
  }]);
  const cases: Case[] = [
    { name: 'agent limits 64k × 3', agent: plain, family: 'rot', maxSize: 64 * KiB, maxFiles: 3, compressed: false },
    { name: 'agent limits 64k × 3, compressed', agent: gz, family: 'rot', maxSize: 64 * KiB, maxFiles: 3, compressed: true },
    { name: "the task's max-size 32k × max-file 2", agent: plain, family: 'rot-task', maxSize: 32 * KiB, maxFiles: 2, compressed: false },
  ];
  for (const k of cases) {
    k.arn = await c.startTaskOn(k.agent, k.family);
    k.maxSegments = 0;
    k.maxBytes = 0;
    k.maxDirBytes = 0;
  }

  // Sample the stores' sizes while the containers write.
  let samples = 0;
  const sample = () => {
    samples++;
    for (const k of cases) {
      const dir = storeDir(k.agent, k.arn!, 'w');
      const seg = dirBytes(dir, (n) => SEGMENT.test(n));
      const all = dirBytes(dir);
      k.maxSegments = Math.max(k.maxSegments!, new Set(seg.files.map((f) => f.slice(0, 6))).size);
      if (seg.bytes > k.maxBytes!) {
        k.maxBytes = seg.bytes;
        k.atPeak = seg.files.sort().join(' ');
      }
      k.maxDirBytes = Math.max(k.maxDirBytes!, all.bytes);
    }
  };
  const timer = setInterval(sample, 10);
  try {
    for (const k of cases) await c.waitTaskStatus(k.arn!, 'STOPPED', 90_000);
  } finally {
    clearInterval(timer);
  }
  sample();
  t.ok(samples > 100, `sampled the stores ${samples} times while the containers wrote`);

  for (const k of cases) {
    t.test(k.name, async (t) => {
      const dir = storeDir(k.agent, k.arn!, 'w');
      const bound = k.maxSize * k.maxFiles;
      t.ok(k.maxBytes! <= bound, `segments never exceeded ${bound} bytes (at most ${k.maxBytes} seen, in ${k.atPeak})`);
      t.ok(k.maxDirBytes! <= bound + 8 * KiB, `the whole store directory stayed within the bound plus its small metadata (at most ${k.maxDirBytes})`);
      t.ok(k.maxSegments! <= k.maxFiles + 1, `at most ${k.maxFiles} segment numbers (+1 while one rotates); saw ${k.maxSegments}`);
      const final = dirBytes(dir, (n) => SEGMENT.test(n));
      t.ok(final.files.length <= k.maxFiles && final.bytes <= bound, `at the end: ${final.files.length} segments, ${final.bytes} bytes`);
      const highest = Math.max(...final.files.map((f) => Number(f.slice(0, 6))));
      t.ok(highest > k.maxFiles, `the store rotated (highest segment ${highest})`);
      const gzFiles = final.files.filter((f) => f.endsWith('.gz'));
      if (k.compressed) {
        t.ok(gzFiles.length >= 1, `closed segments are compressed: ${final.files.join(' ')}`);
        for (const f of gzFiles) {
          const text = gunzipSync(readFileSync(join(dir, f))).toString('utf8');
          const first = JSON.parse(text.slice(0, text.indexOf('\n')));
          t.match(first, { time: String, source: 'stdout', log: /^\d+$/ }, `${f} holds JSON-lines records`);
        }
      } else {
        t.same(gzFiles, [], 'nothing is compressed when compression is off');
      }

      // The task is STOPPED when its container exits; the collector may still be catching up.
      let numbers: number[] = [];
      const until = Date.now() + 30_000;
      do {
        if (numbers.length) await new Promise((r) => setTimeout(r, 500));
        numbers = (await logsUntil(c, ['--task', taskIdOf(k.arn!)], 1, 30_000)).map((l) => Number(l.log));
      } while (numbers[numbers.length - 1] !== LINES && Date.now() < until);
      t.ok(numbers.length >= 300, `ecsctl logs returns the retained suffix (${numbers.length} lines)`);
      t.equal(numbers[numbers.length - 1], LINES, 'ending with the last line written');
      const gap = numbers.findIndex((n, i) => i > 0 && n !== numbers[i - 1] + 1);
      t.equal(gap, -1, gap < 0 ? 'contiguous and in order' : `broken at ${numbers[gap - 1]} → ${numbers[gap]}`);
      t.ok(numbers[0] > 1, `the oldest lines were rotated away (the suffix starts at ${numbers[0]})`);
    });
  }
});
