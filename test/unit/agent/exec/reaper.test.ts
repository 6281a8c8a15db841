// A killed agent's sessions: their exec ids are checkpointed while the command runs, and the next agent run
// ends the commands still running (SIGHUP/SIGTERM, SIGKILL after the grace) and forgets the records.
import t from 'tap';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reapOrphanedExecs } from '../../../../agent/src/exec/reaper.js';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../../../../agent/src/util/logger.js';
import { execRig, TASK_ARN } from './rig.js';

const GRACE = 2_000;

t.test('a running command is recorded with its exec id, and the record goes when it ends', async (t) => {
  const rig = execRig();
  const { proc, done } = await rig.start({ interactive: true });
  t.same(rig.records.loadAll().values, [
    { sessionId: 'ecs-execute-command-0123456789abcdef0', execId: proc!.id, containerId: rig.containerId, taskArn: TASK_ARN, interactive: true },
  ]);
  proc!.exit(0);
  await done;
  t.same(rig.records.loadAll().values, [], 'no record once the command is over');
});

t.test('a session refused before its command ran leaves no record', async (t) => {
  const rig = execRig({ running: false });
  const { done } = await rig.start();
  await done;
  t.same(rig.records.loadAll().values, []);
});

t.test('the next agent run ends the commands a killed agent left running, and forgets them', async (t) => {
  const first = execRig();
  const piped = await first.start({ sessionId: 'ecs-execute-command-aaaaaaaaaaaaaaaaa' });
  const tty = await first.start({ sessionId: 'ecs-execute-command-bbbbbbbbbbbbbbbbb', interactive: true });
  const stubborn = await first.start({ sessionId: 'ecs-execute-command-ccccccccccccccccc' });
  stubborn.proc!.ignoreSignals = true;
  const over = await first.start({ sessionId: 'ecs-execute-command-ddddddddddddddddd' });
  over.proc!.exit(0);
  await over.done;
  // The agent is SIGKILLed here: nothing of it runs on, the processes and records stay.
  t.equal(first.records.loadAll().values.length, 3);

  const reaped = reapOrphanedExecs({ records: first.records, runtime: first.runtime, clock: first.clock, logger: silentLogger(), graceMs: GRACE });
  await first.clock.advance(0);
  t.same(piped.proc!.signals, ['SIGTERM'], 'a piped command gets SIGTERM');
  t.same(tty.proc!.signals, ['SIGHUP'], 'a terminal gets SIGHUP');
  t.same(stubborn.proc!.signals, ['SIGTERM']);
  t.ok(stubborn.proc!.running, 'a command that ignores it runs on for the grace');
  await first.clock.advance(GRACE);
  const result = await reaped;
  t.same(stubborn.proc!.signals, ['SIGTERM', 'SIGKILL'], 'then SIGKILL');
  t.notOk(stubborn.proc!.running);
  t.same(result.ended.sort(), ['ecs-execute-command-aaaaaaaaaaaaaaaaa', 'ecs-execute-command-bbbbbbbbbbbbbbbbb', 'ecs-execute-command-ccccccccccccccccc']);
  t.same(result.gone, []);
  t.same(first.records.loadAll().values, [], 'the records are forgotten');
});

t.test('a command that ended while no agent ran is only forgotten; one that cannot be signalled is logged and forgotten', async (t) => {
  const rig = execRig();
  const unreachable = await rig.start({ sessionId: 'ecs-execute-command-bbbbbbbbbbbbbbbbb' });
  unreachable.proc!.killError = Object.assign(new Error('no process 4242 is visible to the agent'), { code: 'ESRCH' });
  // A command that ended with no agent to see it: its record stays behind, and Docker no longer runs it.
  rig.records.save('ecs-execute-command-aaaaaaaaaaaaaaaaa', {
    sessionId: 'ecs-execute-command-aaaaaaaaaaaaaaaaa', execId: 'exec-gone', containerId: rig.containerId, taskArn: TASK_ARN, interactive: false,
  });
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }));
  const result = await reapOrphanedExecs({ records: rig.records, runtime: rig.runtime, clock: rig.clock, logger, graceMs: GRACE });
  t.same(result, { ended: [], gone: ['ecs-execute-command-aaaaaaaaaaaaaaaaa'], failed: ['ecs-execute-command-bbbbbbbbbbbbbbbbb'] });
  const warning = lines.map((l) => JSON.parse(l)).find((l) => l.level === 40);
  t.match(warning, { msg: 'could not end the command of a session the previous agent run left', sessionId: 'ecs-execute-command-bbbbbbbbbbbbbbbbb', err: /is visible to the agent/ });
  t.same(rig.records.loadAll().values, []);
});

t.test('a command that ends on the first signal is not reported as failed when its SIGKILL finds no process', async (t) => {
  const rig = execRig();
  const s = await rig.start();
  s.proc!.ignoreSignals = true;
  const reaped = reapOrphanedExecs({ records: rig.records, runtime: rig.runtime, clock: rig.clock, logger: silentLogger(), graceMs: GRACE });
  await rig.clock.advance(0);
  t.same(s.proc!.signals, ['SIGTERM']);
  // Docker still says Running, but /proc no longer has the process.
  s.proc!.killError = Object.assign(new Error('no process 4242 is visible to the agent'), { code: 'ESRCH' });
  await rig.clock.advance(GRACE);
  t.same(await reaped, { ended: ['ecs-execute-command-0123456789abcdef0'], gone: [], failed: [] });
});

t.test('a record that cannot be read is moved aside, the others are still reaped', async (t) => {
  const rig = execRig();
  const s = await rig.start();
  writeFileSync(join(rig.records.dir, 'broken.json'), '{not json');
  const reaped = reapOrphanedExecs({ records: rig.records, runtime: rig.runtime, clock: rig.clock, logger: silentLogger(), graceMs: GRACE });
  await rig.clock.advance(GRACE);
  const result = await reaped;
  t.same(result.ended, ['ecs-execute-command-0123456789abcdef0']);
  t.same(s.proc!.signals, ['SIGTERM']);
  t.same(readdirSync(rig.records.dir), ['broken.json.corrupt']);
});
