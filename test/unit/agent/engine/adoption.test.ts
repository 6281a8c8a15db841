import t from 'tap';
import { planAdoption, MISSING_CONTAINER_REASON } from '../../../../agent/src/engine/adoption.js';
import { LABEL_CONTAINER_NAME, LABEL_TASK_ARN } from '../../../../agent/src/engine/container-spec.js';
import type { ContainerInfo } from '../../../../agent/src/runtime/runtime.js';
import { taskWith } from '../helpers/tasks.js';

function info(task: string, name: string, id: string, state: ContainerInfo['state'], extra: Partial<ContainerInfo> = {}): ContainerInfo {
  return { id, name: `ecs-${name}-${id}`, labels: { [LABEL_TASK_ARN]: task, [LABEL_CONTAINER_NAME]: name }, state, oomKilled: false, bindings: [], startedAt: 1, ...extra };
}

t.test('running containers are adopted as RUNNING; exited ones bring their exit code', async (t) => {
  const task = taskWith('RUNNING', ['RUNNING', 'RUNNING']);
  const plan = planAdoption([task], [info(task.arn, 'c0', 'id0', 'running'), info(task.arn, 'c1', 'id1', 'exited', { exitCode: 2 })]);
  t.same(plan.remove, []);
  t.same(plan.events.get(task.arn)!.map((e) => e.kind), ['created', 'running', 'created', 'running', 'exited']);
  t.match(plan.events.get(task.arn)!.at(-1), { kind: 'exited', container: 'c1', exitCode: 2 });
});

t.test('a container created just before a crash is found by its labels', async (t) => {
  const task = taskWith('PENDING', ['PULLED']);
  const plan = planAdoption([task], [info(task.arn, 'c0', 'new', 'created')]);
  t.match(plan.events.get(task.arn), [{ kind: 'created', container: 'c0', runtimeId: 'new' }]);
});

t.test('a container gone while the agent was away is STOPPED with a reason', async (t) => {
  const task = taskWith('RUNNING', ['RUNNING']);
  t.same(planAdoption([task], []).events.get(task.arn), [{ kind: 'exited', container: 'c0', reason: MISSING_CONTAINER_REASON }]);
});

t.test('duplicates and orphans are removed; the running one is kept', async (t) => {
  const task = taskWith('RUNNING', ['RUNNING']);
  const keep = info(task.arn, 'c0', 'keep', 'running');
  const dup = info(task.arn, 'c0', 'dup', 'exited', { exitCode: 0 });
  const orphan = info('arn:other-task', 'x', 'orphan', 'running');
  const plan = planAdoption([{ ...task, containers: [{ ...task.containers[0], runtimeId: undefined }] }], [dup, keep, orphan]);
  t.same(plan.remove.map((i) => i.id).sort(), ['dup', 'orphan']);
  t.match(plan.events.get(task.arn), [{ kind: 'created', runtimeId: 'keep' }, { kind: 'running', runtimeId: 'keep' }]);
});
