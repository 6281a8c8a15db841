// GetLogs with session_id: an execute-command session's transcript, read from the session's task's agent.
import t from 'tap';
import type { AgentLogsMessage__Output } from '../../../proto/gen/ecs/v1/AgentLogsMessage.js';
import type { GetLogsRequest__Output } from '../../../proto/gen/ecs/v1/GetLogsRequest.js';
import type { GetLogsResponse } from '../../../proto/gen/ecs/v1/GetLogsResponse.js';
import { updateCluster } from '../../../control-plane/src/services/clusters.js';
import { executeCommand, streamUrlFor } from '../../../control-plane/src/services/execute-command.js';
import { getLogs, type AgentLogStream, type LogsAgents, type LogsRequestFields } from '../../../control-plane/src/services/logs.js';
import { applyTaskReport } from '../../../control-plane/src/services/agents.js';
import { runTask } from '../../../control-plane/src/services/run-task.js';
import { addInstance, addTaskDefinition, compact, containerStateChange, runTaskRequest, taskStateChange, testContext, throwsEcs } from './fixtures.js';

class Stream implements AgentLogStream {
  h?: { message(m: AgentLogsMessage__Output): void; end(err?: Error): void };
  start(h: { message(m: AgentLogsMessage__Output): void; end(err?: Error): void }): void {
    this.h = h;
  }
  pause(): void {}
  resume(): void {}
  close(): void {}
}

class Agents implements LogsAgents {
  connected = true;
  readonly requests: Array<{ instanceArn: string; req: LogsRequestFields; stream: Stream }> = [];
  isConnected(): boolean {
    return this.connected;
  }
  requestLogs(instanceArn: string, req: LogsRequestFields): AgentLogStream | undefined {
    const stream = new Stream();
    this.requests.push({ instanceArn, req, stream });
    return stream;
  }
}

const request = (over: Partial<GetLogsRequest__Output> = {}): GetLogsRequest__Output => compact({ cluster: '', follow: false, ...over });

function world(t: { teardown(fn: () => void): unknown }) {
  const { ctx, close } = testContext();
  t.teardown(close);
  const instance = addInstance(ctx);
  addTaskDefinition(ctx, 'web', { memory: 16 });
  const taskArn = runTask(ctx, runTaskRequest({ taskDefinition: 'web', enableExecuteCommand: true })).tasks[0]!.taskArn;
  applyTaskReport(ctx, instance, taskStateChange({ taskArn, status: 'RUNNING', seq: 1, containers: [containerStateChange({ name: 'web' })] }));
  const agents = new Agents();
  const session = () =>
    executeCommand(
      ctx,
      agents,
      { sessionsPerContainer: 10, idleTimeoutMs: 0, streamUrl: () => streamUrlFor('x:1') },
      compact({ task: taskArn, command: 'sh', interactive: true }),
    ).session!.sessionId;
  return { ctx, instance, taskArn, agents, session };
}

t.test("a session's transcript: the store named by the session id, in the session's task", async (t) => {
  const w = world(t);
  const id = w.session();
  const out: GetLogsResponse[] = [];
  let ended = false;
  getLogs(w.ctx, w.agents, request({ sessionId: id }), { write: (r) => (out.push(r), true), onDrain: () => {}, end: () => (ended = true), fail: (e) => t.fail(String(e)) });
  t.strictSame(out[0], { containerNames: [id] }, 'the selection is the session');
  t.equal(w.agents.requests.length, 1);
  t.equal(w.agents.requests[0]!.instanceArn, w.instance);
  t.strictSame(w.agents.requests[0]!.req, { taskArn: w.taskArn, containerNames: [id], follow: false, quietIfMissing: false });
  const s = w.agents.requests[0]!.stream;
  s.h!.message({ requestId: 'r', events: [], notices: [] });
  s.h!.message({
    requestId: '',
    notices: [],
    events: [{ time: '2026-11-22T04:00:00.000000000Z', source: 'stdout', log: '$ echo hi', containerName: id, taskId: '', partial: false }],
  });
  s.h!.end();
  t.ok(ended);
  t.strictSame(out.flatMap((r) => (r.events ?? []).map((e) => e.log)), ['$ echo hi']);
});

t.test('GetLogs refuses: two selections, an unknown session, a session with logging NONE, a container name with it', async (t) => {
  const w = world(t);
  const id = w.session();
  const out = { write: () => true, onDrain: () => {}, end: () => {}, fail: () => {} };
  const run = (r: Partial<GetLogsRequest__Output>) => () => getLogs(w.ctx, w.agents, request(r), out);
  throwsEcs(t, run({}), 'InvalidParameterException', ['Exactly one of task, serviceName and sessionId must be specified.']);
  throwsEcs(t, run({ sessionId: id, task: w.taskArn }), 'InvalidParameterException', ['Exactly one of task, serviceName and sessionId']);
  throwsEcs(t, run({ sessionId: id, serviceName: 'api' }), 'InvalidParameterException', ['Exactly one of task, serviceName and sessionId']);
  throwsEcs(t, run({ sessionId: 'ecs-execute-command-00000000000000000' }), 'InvalidParameterException', [
    'The execute command session ecs-execute-command-00000000000000000 was not found.',
  ]);
  throwsEcs(t, run({ sessionId: id, containerName: 'web' }), 'InvalidParameterException', ['containerName cannot be combined with sessionId.']);
  updateCluster(w.ctx, { cluster: 'default', settings: [], configuration: { executeCommandConfiguration: { logging: 'NONE' } } });
  const quiet = w.session();
  throwsEcs(t, run({ sessionId: quiet }), 'InvalidParameterException', [`The execute command session ${quiet} has no transcript`, 'logging was NONE']);
  t.ok(run({ sessionId: id })(), 'the earlier session, logged with DEFAULT, still has one');
  w.agents.connected = false;
  throwsEcs(t, run({ sessionId: id }), 'TargetNotConnectedException', ['is not connected']);
});
