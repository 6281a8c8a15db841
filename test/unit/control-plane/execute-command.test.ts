// ExecuteCommand, the session records and ListExecuteCommandSessions, in process against an in-memory store.
import t from 'tap';
import type { ExecuteCommandRequest__Output } from '../../../proto/gen/ecs/v1/ExecuteCommandRequest.js';
import { splitCommand } from '../../../control-plane/src/domain/exec-session.js';
import { applyTaskReport, setAgentConnected } from '../../../control-plane/src/services/agents.js';
import { createCluster, updateCluster } from '../../../control-plane/src/services/clusters.js';
import type { Context } from '../../../control-plane/src/services/context.js';
import {
  executeCommand,
  hashToken,
  listExecuteCommandSessions,
  openSession,
  sessionStarted,
  sessionStopped,
  stopLeftOverSessions,
  streamUrlFor,
  sweepExpiredSessions,
  type ExecSettings,
} from '../../../control-plane/src/services/execute-command.js';
import { runTask } from '../../../control-plane/src/services/run-task.js';
import { describeTasks } from '../../../control-plane/src/services/tasks.js';
import {
  addInstance,
  addTaskDefinition,
  compact,
  containerDefinition,
  containerStateChange,
  createClusterRequest,
  runTaskRequest,
  taskStateChange,
  testContext,
  thrown,
  throwsEcs,
} from './fixtures.js';

const TOKEN_BYTES = Buffer.alloc(32, 7);
const TOKEN = TOKEN_BYTES.toString('base64url');

function settings(over: Partial<ExecSettings> = {}): ExecSettings {
  return { sessionsPerContainer: 2, idleTimeoutMs: 1_200_000, streamUrl: () => streamUrlFor('127.0.0.1:7400'), randomBytes: () => TOKEN_BYTES, ...over };
}

function execRequest(over: Partial<ExecuteCommandRequest__Output> = {}): ExecuteCommandRequest__Output {
  return compact({ command: 'sh', interactive: true, task: '', ...over });
}

class Agents {
  connected = true;
  isConnected(): boolean {
    return this.connected;
  }
}

let seq = 0;
interface World {
  ctx: Context;
  agents: Agents;
  instance: string;
  /** A task (RUNNING unless told), run with enableExecuteCommand unless told. */
  task(o?: { enable?: boolean; containers?: string[]; status?: string; containerStatus?: Record<string, string> }): { arn: string; id: string };
}

function world(t: { teardown(fn: () => void): unknown }): World & { clock: { advance(s: number): void } } {
  const { ctx, close, clock } = testContext();
  t.teardown(close);
  const instance = addInstance(ctx, { cpu: 10_000, memory: 10_000 });
  let families = 0;
  return {
    ctx,
    clock,
    agents: new Agents(),
    instance,
    task(o = {}) {
      const family = `f${++families}`;
      const names = o.containers ?? ['web'];
      addTaskDefinition(ctx, family, {}, { containerDefinitions: names.map((name) => containerDefinition({ name, memory: 16 })) });
      const task = runTask(ctx, runTaskRequest({ taskDefinition: family, enableExecuteCommand: o.enable ?? true })).tasks[0]!;
      const status = o.status ?? 'RUNNING';
      if (status !== 'PROVISIONING') {
        applyTaskReport(
          ctx,
          instance,
          taskStateChange({
            taskArn: task.taskArn,
            status,
            seq: ++seq,
            containers: names.map((name) => containerStateChange({ name, status: o.containerStatus?.[name] ?? (status === 'STOPPED' ? 'STOPPED' : 'RUNNING') })),
          }),
        );
      }
      return { arn: task.taskArn, id: task.taskArn.split('/').pop()! };
    },
  };
}

t.test('ExecuteCommand answers the session, its stream URL and a one-time token, and records the session PENDING', async (t) => {
  const w = world(t);
  const task = w.task();
  const res = executeCommand(w.ctx, w.agents, settings(), execRequest({ task: task.id, command: 'sh -c "echo hi; exit 3"' }));
  t.equal(res.taskArn, task.arn);
  t.equal(res.containerName, 'web', 'the only container, when none is named');
  t.equal(res.interactive, true);
  t.match(res.clusterArn, /:cluster\/default$/);
  t.match(res.containerArn, /:container\/default\//);
  t.match(res.session!.sessionId, /^ecs-execute-command-[0-9a-f]{17}$/);
  t.equal(res.session!.streamUrl, 'grpc://127.0.0.1:7400/ecs.v1.EcsControlPlane/StartSession');
  t.equal(res.session!.tokenValue, TOKEN);
  const rec = w.ctx.store.getExecSession(res.session!.sessionId)!;
  t.strictSame(rec.argv, ['sh', '-c', 'echo hi; exit 3']);
  t.equal(rec.tokenHash, hashToken(TOKEN), 'only a hash of the token is kept');
  t.notOk(JSON.stringify(rec).includes(TOKEN), 'the token itself is nowhere in the record');
  t.strictSame(rec.session, {
    sessionId: res.session!.sessionId,
    clusterArn: res.clusterArn,
    taskArn: task.arn,
    containerName: 'web',
    containerArn: res.containerArn,
    containerInstanceArn: w.instance,
    command: 'sh -c "echo hi; exit 3"',
    interactive: true,
    status: 'PENDING',
    createdAt: w.ctx.now(),
    logging: 'DEFAULT',
  });
});

t.test('ExecuteCommand refuses, in order, with ECS exception names and messages', async (t) => {
  const w = world(t);
  const ok = w.task({ containers: ['a', 'b'] });
  const run = (r: Partial<ExecuteCommandRequest__Output>) => () => executeCommand(w.ctx, w.agents, settings(), execRequest(r));
  throwsEcs(t, run({ cluster: 'nope', task: ok.id }), 'ClusterNotFoundException', ['Cluster not found.']);
  throwsEcs(t, run({ task: '' }), 'InvalidParameterException', ['task is required.']);
  throwsEcs(t, run({ task: 'ffffffffffffffffffffffffffffffff' }), 'InvalidParameterException', ['The referenced task was not found.']);
  const off = w.task({ enable: false });
  const err = throwsEcs(t, run({ task: off.id }), 'InvalidParameterException');
  t.equal(
    err?.message,
    'The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. Wait and try again or run a new task with execute command enabled and try again.',
  );
  const stopped = w.task({ status: 'STOPPED' });
  t.equal(
    (thrown(run({ task: stopped.id })) as Error).message,
    `The execute command failed because the task ${stopped.id} is not running (its last status is STOPPED).`,
  );
  const pending = w.task({ status: 'PENDING' });
  throwsEcs(t, run({ task: pending.arn }), 'InvalidParameterException', [`the task ${pending.id} is not running (its last status is PENDING).`]);
  throwsEcs(t, run({ task: ok.id }), 'InvalidParameterException', [
    `The container name must be specified (--container) because task ${ok.id} has more than one container: a, b.`,
  ]);
  throwsEcs(t, run({ task: ok.id, container: 'c' }), 'InvalidParameterException', [`The container c does not exist in task ${ok.id}.`]);
  const exited = w.task({ containers: ['a', 'b'], containerStatus: { b: 'STOPPED' } });
  throwsEcs(t, run({ task: exited.id, container: 'b' }), 'InvalidParameterException', [
    'The execute command failed because the container b is not running (its last status is STOPPED).',
  ]);
  throwsEcs(t, run({ task: ok.id, container: 'a', command: '' }), 'InvalidParameterException', ['command']);
  throwsEcs(t, run({ task: ok.id, container: 'a', command: 'ls | wc -l' }), 'InvalidParameterException', ['command', 'shell operator |', "sh -c '...'"]);
  w.agents.connected = false;
  throwsEcs(t, run({ task: ok.id, container: 'a' }), 'TargetNotConnectedException', [
    `The execute command failed because the agent on container instance ${w.instance.split('/').pop()} is not connected. Try again later.`,
  ]);
  t.equal(w.ctx.store.listExecSessions({ cluster: 'default' }).length, 0, 'no session was recorded by a refusal');
});

t.test('a command is split like shell words, and shell syntax is refused naming command', async (t) => {
  t.strictSame(splitCommand('/bin/sh'), ['/bin/sh']);
  t.strictSame(splitCommand(`sh -c 'echo $HOME | wc; exit 3'`), ['sh', '-c', 'echo $HOME | wc; exit 3']);
  t.strictSame(splitCommand('echo "a b" c\\ d \'e"f\''), ['echo', 'a b', 'c d', 'e"f']);
  t.strictSame(splitCommand('  ls   -la  '), ['ls', '-la']);
  const refused: [string, string][] = [
    ['', 'cannot be empty'],
    ['   ', 'cannot be empty'],
    ['ls | wc', 'shell operator |'],
    ['a; b', 'shell operator ;'],
    ['a && b', 'shell operator &&'],
    ['sleep 1 &', 'shell operator &'],
    ['echo x > f', 'shell operator >'],
    ['cat < f', 'shell operator <'],
    ['(ls)', 'shell operator ('],
    ['ls *.txt', 'the pattern *.txt'],
    ['echo $HOME', 'the variable $HOME'],
    ['echo "$HOME"', 'the variable $HOME'],
    ['echo $(ls)', 'a substitution'],
    ['echo `ls`', 'command substitution'],
    ['ls # all', 'a comment'],
    ["echo 'abc", 'single quote is not closed'],
    ['echo "abc', 'double quote is not closed'],
    ['echo abc\\', 'ends with a backslash'],
    ['x'.repeat(4097), '4096'],
  ];
  for (const [cmd, fragment] of refused) {
    throwsEcs(t, () => splitCommand(cmd), 'InvalidParameterException', ['command', fragment]);
  }
});

t.test('sessions PENDING or RUNNING per container are limited; stopped ones and other containers do not count', async (t) => {
  const w = world(t);
  const task = w.task({ containers: ['a', 'b'] });
  const exec = (container: string, limit = 2) =>
    executeCommand(w.ctx, w.agents, settings({ sessionsPerContainer: limit }), execRequest({ task: task.id, container })).session!.sessionId;
  const first = exec('a');
  exec('a');
  throwsEcs(t, () => exec('a'), 'LimitExceededException', [
    `The execute command failed because container a of task ${task.id} already has 2 sessions (the limit per container is 2).`,
  ]);
  exec('b');
  sessionStarted(w.ctx, first);
  throwsEcs(t, () => exec('a'), 'LimitExceededException', ['already has 2 sessions']);
  sessionStopped(w.ctx, first, { exitCode: 0 });
  t.ok(exec('a'), 'a stopped session frees its place');
  t.ok(exec('a', 3), 'the limit is an option');
});

t.test('a token is good once, within 60 s; an unknown session or a wrong token is refused alike', async (t) => {
  const w = world(t);
  const task = w.task();
  const id = executeCommand(w.ctx, w.agents, settings(), execRequest({ task: task.id })).session!.sessionId;
  const invalid = `The session ${id} does not exist or its token is not valid.`;
  throwsEcs(t, () => openSession(w.ctx, id, 'wrong'), 'InvalidParameterException', [invalid]);
  throwsEcs(t, () => openSession(w.ctx, 'ecs-execute-command-00000000000000000', TOKEN), 'InvalidParameterException', ['does not exist or its token is not valid']);
  w.clock.advance(59);
  const rec = openSession(w.ctx, id, TOKEN);
  t.equal(rec.id, id);
  t.equal(rec.tokenHash, undefined, 'the token is used up');
  throwsEcs(t, () => openSession(w.ctx, id, TOKEN), 'InvalidParameterException', [invalid]);
  w.clock.advance(120);
  t.equal(sweepExpiredSessions(w.ctx), 0, 'an opened session does not expire (it waits for its agent)');

  const late = executeCommand(w.ctx, w.agents, settings(), execRequest({ task: task.id })).session!.sessionId;
  w.clock.advance(60);
  throwsEcs(t, () => openSession(w.ctx, late, TOKEN), 'InvalidParameterException', [`The session ${late} was not started within 60 seconds`]);
  const stopped = w.ctx.store.getExecSession(late)!.session;
  t.equal(stopped.status, 'STOPPED');
  t.equal(stopped.reason, 'The session was not started within 60 seconds.');
  t.equal(stopped.stoppedAt, w.ctx.now());
  throwsEcs(t, () => openSession(w.ctx, late, TOKEN), 'InvalidParameterException', ['was not started within 60 seconds']);
});

t.test('the sweep stops sessions not opened within 60 s, and a restart stops every live one', async (t) => {
  const w = world(t);
  const task = w.task();
  const exec = () => executeCommand(w.ctx, w.agents, settings({ sessionsPerContainer: 10 }), execRequest({ task: task.id })).session!.sessionId;
  const old = exec();
  w.clock.advance(30);
  const fresh = exec();
  const running = exec();
  openSession(w.ctx, running, TOKEN);
  sessionStarted(w.ctx, running);
  w.clock.advance(30);
  t.equal(sweepExpiredSessions(w.ctx), 1);
  t.equal(w.ctx.store.getExecSession(old)!.session.status, 'STOPPED');
  t.equal(w.ctx.store.getExecSession(old)!.session.reason, 'The session was not started within 60 seconds.');
  t.equal(w.ctx.store.getExecSession(fresh)!.session.status, 'PENDING');
  t.equal(w.ctx.store.getExecSession(running)!.session.status, 'RUNNING');
  t.equal(w.ctx.store.getExecSession(running)!.session.startedAt, w.ctx.now() - 30);

  t.equal(stopLeftOverSessions(w.ctx, 'The control plane restarted.'), 2);
  for (const id of [fresh, running]) {
    const s = w.ctx.store.getExecSession(id)!.session;
    t.equal(s.status, 'STOPPED');
    t.equal(s.reason, 'The control plane restarted.');
  }
  t.equal(w.ctx.store.listLiveExecSessions().length, 0);
});

t.test('the record moves forward only: RUNNING on start, STOPPED with exit code and reason, final', async (t) => {
  const w = world(t);
  const task = w.task();
  const id = executeCommand(w.ctx, w.agents, settings(), execRequest({ task: task.id })).session!.sessionId;
  sessionStarted(w.ctx, id);
  w.clock.advance(5);
  sessionStopped(w.ctx, id, { exitCode: 3 });
  sessionStarted(w.ctx, id);
  sessionStopped(w.ctx, id, { reason: 'later' });
  const s = w.ctx.store.getExecSession(id)!.session;
  t.equal(s.status, 'STOPPED');
  t.equal(s.exitCode, 3);
  t.equal(s.reason, undefined);
  t.equal(s.stoppedAt! - s.startedAt!, 5);
});

t.test('the session records the cluster logging setting of the time (DEFAULT when unset)', async (t) => {
  const w = world(t);
  const task = w.task();
  const logging = () =>
    w.ctx.store.getExecSession(executeCommand(w.ctx, w.agents, settings({ sessionsPerContainer: 10 }), execRequest({ task: task.id })).session!.sessionId)!
      .session.logging;
  t.equal(logging(), 'DEFAULT');
  updateCluster(w.ctx, { cluster: 'default', settings: [], configuration: { executeCommandConfiguration: { logging: 'NONE' } } });
  t.equal(logging(), 'NONE');
  updateCluster(w.ctx, {
    cluster: 'default',
    settings: [],
    configuration: { executeCommandConfiguration: { logging: 'OVERRIDE', logConfiguration: { s3BucketName: 'b' } } },
  });
  t.equal(logging(), 'OVERRIDE');
});

t.test('ListExecuteCommandSessions: newest first, by task and status, paginated, status validated', async (t) => {
  const w = world(t);
  const a = w.task();
  const b = w.task();
  const ids: string[] = [];
  for (const task of [a, b, a, b, a]) {
    ids.push(executeCommand(w.ctx, w.agents, settings({ sessionsPerContainer: 10 }), execRequest({ task: task.id })).session!.sessionId);
    w.clock.advance(1);
  }
  sessionStarted(w.ctx, ids[0]!);
  sessionStopped(w.ctx, ids[1]!, { exitCode: 0 });
  const list = (r: object) => listExecuteCommandSessions(w.ctx, compact({ ...r }));
  t.strictSame(list({}).sessions.map((s) => s.sessionId), [...ids].reverse(), 'newest first, cluster default');
  t.strictSame(list({ task: a.id }).sessions.map((s) => s.sessionId), [ids[4], ids[2], ids[0]]);
  t.strictSame(list({ task: b.arn, cluster: 'default' }).sessions.map((s) => s.sessionId), [ids[3], ids[1]]);
  t.strictSame(list({ status: 'RUNNING' }).sessions.map((s) => s.sessionId), [ids[0]]);
  t.strictSame(list({ status: 'STOPPED' }).sessions.map((s) => s.sessionId), [ids[1]]);
  t.strictSame(list({ status: 'PENDING', task: a.id }).sessions.map((s) => s.sessionId), [ids[4], ids[2]]);
  const p1 = list({ maxResults: 2 });
  t.strictSame(p1.sessions.map((s) => s.sessionId), [ids[4], ids[3]]);
  const p2 = list({ maxResults: 2, nextToken: p1.nextToken });
  t.strictSame(p2.sessions.map((s) => s.sessionId), [ids[2], ids[1]]);
  const p3 = list({ maxResults: 2, nextToken: p2.nextToken });
  t.strictSame(p3.sessions.map((s) => s.sessionId), [ids[0]]);
  t.equal(p3.nextToken, undefined);
  throwsEcs(t, () => list({ status: 'DONE' }), 'InvalidParameterException', ["Invalid value for status: 'DONE'. Valid values: PENDING, RUNNING, STOPPED."]);
  throwsEcs(t, () => list({ maxResults: 0 }), 'InvalidParameterException', ['maxResults']);
  throwsEcs(t, () => list({ nextToken: 'garbage' }), 'InvalidParameterException', ['nextToken']);
  throwsEcs(t, () => list({ cluster: 'nope' }), 'ClusterNotFoundException');
  createCluster(w.ctx, createClusterRequest({ clusterName: 'other' }));
  t.strictSame(list({ cluster: 'other' }).sessions, [], "another cluster's sessions are its own");
  t.ok(list({}).sessions.every((s) => !('tokenHash' in s)), 'records show no token hash');
});

t.test('DescribeTasks shows an ExecuteCommandAgent on each container of a task run with enableExecuteCommand only', async (t) => {
  const w = world(t);
  const on = w.task({ containers: ['a', 'b'], containerStatus: { b: 'STOPPED' } });
  const off = w.task({ enable: false });
  const d = describeTasks(w.ctx, undefined, [on.id, off.id]);
  const task = d.tasks.find((x) => x.taskArn === on.arn)!;
  const started = task.startedAt;
  t.strictSame(
    task.containers.map((c) => [c.name, c.managedAgents]),
    [
      ['a', [{ name: 'ExecuteCommandAgent', lastStatus: 'RUNNING', ...(started !== undefined ? { lastStartedAt: started } : {}) }]],
      ['b', [{ name: 'ExecuteCommandAgent', lastStatus: 'STOPPED', ...(started !== undefined ? { lastStartedAt: started } : {}) }]],
    ],
  );
  t.strictSame(d.tasks.find((x) => x.taskArn === off.arn)!.containers[0]!.managedAgents, []);
  const pending = w.task({ status: 'PROVISIONING' });
  t.strictSame(describeTasks(w.ctx, undefined, [pending.id]).tasks[0]!.containers[0]!.managedAgents, [
    { name: 'ExecuteCommandAgent', lastStatus: 'PENDING' },
  ]);
  const ran = runTask(w.ctx, runTaskRequest({ taskDefinition: 'f1', enableExecuteCommand: true })).tasks[0]!;
  t.strictSame(ran.containers[0]!.managedAgents, [{ name: 'ExecuteCommandAgent', lastStatus: 'PENDING' }], 'RunTask shows it too');
  t.strictSame(w.ctx.store.getTask(ran.taskArn)!.task.containers[0]!.managedAgents, [], 'records do not keep it: views compute it');
});

t.test('an agent that disconnects after ExecuteCommand: sessions are still listed', async (t) => {
  const w = world(t);
  const task = w.task();
  executeCommand(w.ctx, w.agents, settings(), execRequest({ task: task.id }));
  setAgentConnected(w.ctx, w.instance, false);
  t.equal(listExecuteCommandSessions(w.ctx, {}).sessions.length, 1);
});
