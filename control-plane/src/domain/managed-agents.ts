// ECS's managed agents on task views: a task run with enableExecuteCommand shows an ExecuteCommandAgent on
// each container, following the container (PENDING before it runs, RUNNING while it does, STOPPED after);
// other tasks show none. Computed when a task is shown, so that records need not keep it. Pure.
import type { Container__Output } from '../../../proto/gen/ecs/v1/Container.js';
import type { ManagedAgent__Output } from '../../../proto/gen/ecs/v1/ManagedAgent.js';
import type { Task__Output } from '../../../proto/gen/ecs/v1/Task.js';

export const EXECUTE_COMMAND_AGENT = 'ExecuteCommandAgent';

export function managedAgentsOf(task: Task__Output, c: Container__Output): ManagedAgent__Output[] {
  if (!task.enableExecuteCommand) return [];
  const agent: ManagedAgent__Output = { name: EXECUTE_COMMAND_AGENT, lastStatus: c.lastStatus === 'RUNNING' || c.lastStatus === 'STOPPED' ? c.lastStatus : 'PENDING' };
  if (agent.lastStatus !== 'PENDING' && task.startedAt !== undefined) agent.lastStartedAt = task.startedAt;
  return [agent];
}

/** The task as DescribeTasks, RunTask, StartTask and StopTask show it. */
export function taskView(task: Task__Output): Task__Output {
  return { ...task, containers: task.containers.map((c) => ({ ...c, managedAgents: managedAgentsOf(task, c) })) };
}
