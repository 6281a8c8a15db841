// The log router loses nothing and doubles nothing across agent outages, end to end on the real Docker
// engine: a container keeps writing 200,000 numbered lines on stdout and stderr while its agent is
// SIGKILLed and restarted, then SIGTERMed and restarted; `ecsctl logs` returns every number exactly once.
import t from 'tap';
import { exactlyOnce, HALF, IMAGE, inOrderPerSource, logsUntil, sleep, sourceOf, startLogsCluster, steadyWriter, taskIdOf } from './logs-helpers.js';

t.test('a container writing through an agent SIGKILL + restart and a SIGTERM + restart: every line exactly once', async (t) => {
  const c = await startLogsCluster(t, [{}]);
  const agent = c.agents[0];
  // 100 rounds of 1,000 lines on each stream, one round every ~0.14 s: about 14 s of steady writing.
  await c.registerTask('steady', [{ name: 'steady', image: IMAGE, memory: 32, essential: true, command: ['sh', '-c', steadyWriter(100)] }]);
  const arn = await c.startTaskOn(agent, 'steady');
  await c.waitTaskStatus(arn, 'RUNNING', 30_000);

  const outages: { signal: string; from: number; to: number }[] = [];
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    await sleep(1500);
    const from = Date.now();
    await agent.stop(signal);
    await sleep(2000);
    const running = await c.describeTask(arn);
    t.equal(running.lastStatus, 'RUNNING', `the container still runs while the agent is down (${signal})`);
    agent.start();
    outages.push({ signal, from, to: Date.now() });
    await sleep(500);
  }
  await c.waitTaskStatus(arn, 'STOPPED', 60_000);

  const lines = await logsUntil(c, ['--task', taskIdOf(arn)], 2 * HALF, 90_000);
  t.equal(lines.length, 2 * HALF, 'ecsctl logs returns 200,000 records');
  t.equal(exactlyOnce(lines, 1, 2 * HALF, sourceOf), '', 'every number exactly once, from the stream it was written to');
  t.equal(inOrderPerSource(lines), '', "each stream's lines in the order they were written");
  for (const o of outages) {
    const from = new Date(o.from).toISOString().replace('Z', '');
    const to = new Date(o.to).toISOString().replace('Z', '');
    const during = lines.filter((l) => l.time.slice(0, 23) >= from && l.time.slice(0, 23) <= to).length;
    t.ok(during > 1000, `the container wrote ${during} lines while the agent was down (${o.signal})`);
  }
});
