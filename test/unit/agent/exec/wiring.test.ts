import t from 'tap';
import { ExecDemuxer } from '../../../../agent/src/runtime/docker-exec.js';
import { dockerLogFrame } from '../../../../agent/src/runtime/fake-runtime.js';
import { execTargetOf, notRunningReason } from '../../../../agent/src/exec/target.js';
import { AgentSession, EXEC_UNSUPPORTED_REASON } from '../../../../agent/src/session/session.js';
import { Reporter } from '../../../../agent/src/session/reporter.js';
import type { ControlPlaneTransport, ControlStream } from '../../../../agent/src/session/transport.js';
import { silentLogger } from '../../../../agent/src/util/logger.js';
import type { AgentMessage } from '../../../../proto/gen/ecs/v1/AgentMessage.js';
import type { ControlMessage__Output } from '../../../../proto/gen/ecs/v1/ControlMessage.js';
import type { ExecRequest__Output } from '../../../../proto/gen/ecs/v1/ExecRequest.js';
import type { RegisterContainerInstanceResponse__Output } from '../../../../proto/gen/ecs/v1/RegisterContainerInstanceResponse.js';
import { FakeClock, flush } from '../helpers/fake-clock.js';
import { taskWith } from '../helpers/tasks.js';
import { FakeExecCall, request } from './rig.js';

t.test("Docker's multiplexed exec output is split into stdout and stderr, frames cut anywhere", async (t) => {
  const got: string[] = [];
  const d = new ExecDemuxer((s, b) => got.push(`${s}:${b.toString()}`));
  const all = Buffer.concat([dockerLogFrame('stdout', Buffer.from('hello\n')), dockerLogFrame('stderr', Buffer.from('bad')), dockerLogFrame(1, Buffer.from('x'))]);
  for (let i = 0; i < all.length; i += 3) d.push(all.subarray(i, i + 3));
  t.same(got, ['stdout:hello\n', 'stderr:bad', 'stdout:x']);
});

t.test('the exec target is a RUNNING container of the task, by its Docker id', async (t) => {
  const task = taskWith('RUNNING', ['RUNNING', 'STOPPED']);
  t.same(execTargetOf(task, 'c0'), { containerId: 'id0', clusterArn: task.clusterArn, taskDefinition: `${task.family}:${task.revision}` });
  t.equal(execTargetOf(task, 'c1'), undefined, 'a stopped container');
  t.equal(execTargetOf(task, 'nope'), undefined, 'an unknown container');
  t.equal(execTargetOf(undefined, 'c0'), undefined, 'an unknown task');
  t.equal(notRunningReason('web', 'arn:aws:ecs:r:1:task/c/abc'), 'The container web of task abc is not running.');
});

class Stream implements ControlStream {
  private onMsg?: (m: ControlMessage__Output) => void;
  private onEnd?: (err?: Error) => void;
  send(_m: AgentMessage): void {}
  onMessage(fn: (m: ControlMessage__Output) => void): void {
    this.onMsg = fn;
  }
  onClose(fn: (err?: Error) => void): void {
    this.onEnd = fn;
  }
  close(): void {
    this.onEnd?.();
  }
  deliver(m: ControlMessage__Output): void {
    this.onMsg?.(m);
  }
}

function sessionWith(exec?: { handle(req: ExecRequest__Output): unknown }) {
  const stream = new Stream();
  const calls: FakeExecCall[] = [];
  const transport: ControlPlaneTransport = {
    register: async () => ({}) as RegisterContainerInstanceResponse__Output,
    openSession: () => stream,
    openExec: () => {
      const c = new FakeExecCall();
      calls.push(c);
      return c;
    },
    close: () => {},
  };
  const session = new AgentSession({
    transport,
    register: async () => ({ containerInstanceArn: 'ci', clusterArn: 'c' }),
    engine: { assign: async () => {}, stopTask: async () => {}, knownTaskArns: () => [] },
    reporter: new Reporter(),
    clock: new FakeClock(),
    random: () => 0.5,
    logger: silentLogger(),
    exec,
  });
  return { stream, calls, session };
}

t.test('the session hands exec_request to the exec manager', async (t) => {
  const handled: string[] = [];
  const { stream, session } = sessionWith({ handle: (r) => handled.push(r.sessionId) });
  session.start();
  await flush();
  stream.deliver({ welcome: { heartbeatIntervalMs: 1000, sessionId: 's' } });
  stream.deliver({ execRequest: request() });
  t.same(handled, ['ecs-execute-command-0123456789abcdef0']);
  await session.close();
});

t.test('without an exec manager an exec_request is answered with an exit saying so', async (t) => {
  const { stream, calls, session } = sessionWith();
  session.start();
  await flush();
  stream.deliver({ execRequest: request() });
  t.same(calls[0]!.summary(), ['session ecs-execute-command-0123456789abcdef0', `exit: ${EXEC_UNSUPPORTED_REASON}`]);
  await session.close();
});
