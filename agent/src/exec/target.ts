// Which Docker container an execute-command session runs in: the task engine's record of the task's
// container, only while it is RUNNING. Pure.
import type { TaskState } from '../engine/task-state.js';
import { taskIdOf } from '../logs/types.js';

export interface ExecTarget {
  /** Docker's id of the container. */
  containerId: string;
  clusterArn: string;
  /** family:revision */
  taskDefinition: string;
}

/** Looks a task's container up (the task engine's state); undefined when it is unknown or not running. */
export type ExecLocator = (taskArn: string, containerName: string) => ExecTarget | undefined;

export function execTargetOf(task: TaskState | undefined, containerName: string): ExecTarget | undefined {
  const c = task?.containers.find((x) => x.def.name === containerName);
  if (!task || !c || c.status !== 'RUNNING' || !c.runtimeId) return undefined;
  return { containerId: c.runtimeId, clusterArn: task.clusterArn, taskDefinition: `${task.family}:${task.revision}` };
}

/** The reason a session cannot start in that container (agent.proto's exit.reason). */
export function notRunningReason(containerName: string, taskArn: string): string {
  return `The container ${containerName} of task ${taskIdOf(taskArn)} is not running.`;
}
