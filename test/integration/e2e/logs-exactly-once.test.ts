// The log router loses nothing and doubles nothing, end to end on the real Docker engine: 200,000
// numbered lines on stdout and stderr come out of `ecsctl logs` exactly once, from a container that
// writes them as fast as it can and exits at once, and from one that keeps writing while Docker rotates
// its own log files (the outage buffer, ECS_CONTAINER_LOG_DOCKER_MAX_SIZE) under the collector's follow.
// The agent SIGKILL/SIGTERM case is logs-agent-restart.test.ts.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { exactlyOnce, HALF, IMAGE, inOrderPerSource, logsUntil, sourceOf, startLogsCluster, steadyWriter, taskIdOf } from './logs-helpers.js';

t.test('200,000 lines written at full speed by a container that exits at once arrive exactly once', async (t) => {
  const c = await startLogsCluster(t, [{}]);
  await c.registerTask('burst', [{
    name: 'burst', image: IMAGE, memory: 32, essential: true,
    command: ['sh', '-c', `seq 1 ${HALF} & seq ${HALF + 1} ${2 * HALF} >&2; wait`],
  }]);
  const arn = await c.startTaskOn(c.agents[0], 'burst');
  const stopped = await c.waitTaskStatus(arn, 'STOPPED', 60_000);
  t.equal(stopped.containers[0].exitCode, 0, 'the container wrote everything and exited');

  const lines = await logsUntil(c, ['--task', taskIdOf(arn)], 2 * HALF, 90_000);
  t.equal(lines.length, 2 * HALF, 'ecsctl logs returns 200,000 records');
  t.equal(exactlyOnce(lines, 1, 2 * HALF, sourceOf), '', 'every number exactly once, from the stream it was written to');
  t.equal(inOrderPerSource(lines), '', "each stream's lines in the order they were written");
  t.ok(lines.every((l) => l.taskId === taskIdOf(arn) && l.containerName === 'burst'), 'every record names its task and container');
  t.ok(lines.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(l.time)), 'times are RFC 3339 with nanoseconds');
});

t.test('Docker rotating its own log files under the follow: every line exactly once', async (t) => {
  // 200,000 lines are ~7 MB in Docker's local format: 1m × 10 files hold them all, rotated six times or so.
  const c = await startLogsCluster(t, [{ config: { ECS_CONTAINER_LOG_DOCKER_MAX_SIZE: '1m', ECS_CONTAINER_LOG_DOCKER_MAX_FILE: '10' } }]);
  await c.registerTask('rotating', [{ name: 'rotating', image: IMAGE, memory: 32, essential: true, command: ['sh', '-c', steadyWriter(50)] }]);
  const arn = await c.startTaskOn(c.agents[0], 'rotating');
  const stopped = await c.waitTaskStatus(arn, 'STOPPED', 60_000);
  const files = (() => {
    try {
      return readdirSync(`/var/lib/docker/containers/${stopped.containers[0].runtimeId}/local-logs`);
    } catch {
      return undefined; // not a local engine's directory we can read: the check below is skipped
    }
  })();
  if (files) t.ok(files.length > 1, `Docker rotated its log files: ${files.join(' ')}`);
  const lines = await logsUntil(c, ['--task', taskIdOf(arn)], 2 * HALF, 90_000);
  t.equal(lines.length, 2 * HALF, 'ecsctl logs returns 200,000 records');
  t.equal(exactlyOnce(lines, 1, 2 * HALF, sourceOf), '', 'every number exactly once, from the stream it was written to');
  t.equal(inOrderPerSource(lines), '', "each stream's lines in the order they were written");
});
