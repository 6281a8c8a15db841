// Known and desired statuses of tasks and containers, as in amazon-ecs-agent, with the guard that
// refuses backward moves: a status only ever moves forward along its order.

/**
 * A task's known status, reported upward as TaskStateChange.status:
 * - PENDING: assigned; images being pulled, containers being created and started;
 * - ACTIVATING: (reserved: task-level resources being set up; bridge/host tasks skip it, as in ECS);
 * - RUNNING: every container has started;
 * - DEACTIVATING: (reserved, skipped);
 * - STOPPING: the task is to stop and some container is being stopped;
 * - DEPROVISIONING: (reserved, skipped);
 * - STOPPED: every container has stopped. Final.
 */
export type TaskStatus = 'PENDING' | 'ACTIVATING' | 'RUNNING' | 'DEACTIVATING' | 'STOPPING' | 'DEPROVISIONING' | 'STOPPED';

/** What the control plane wants: RUNNING, or STOPPED (final: a task never goes back to RUNNING). */
export type DesiredStatus = 'RUNNING' | 'STOPPED';

/**
 * A container's known status on this host:
 * - NONE: nothing done yet;
 * - PULLED: its image is available locally;
 * - CREATED: the Docker container exists;
 * - RUNNING: started;
 * - STOPPED: exited, was stopped, or could not be pulled/created/started. Final.
 * Reported upward as PENDING (NONE, PULLED, CREATED), RUNNING or STOPPED.
 */
export type ContainerStatus = 'NONE' | 'PULLED' | 'CREATED' | 'RUNNING' | 'STOPPED';

export type ReportedContainerStatus = 'PENDING' | 'RUNNING' | 'STOPPED';

const TASK_ORDER: readonly TaskStatus[] = ['PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'];
const CONTAINER_ORDER: readonly ContainerStatus[] = ['NONE', 'PULLED', 'CREATED', 'RUNNING', 'STOPPED'];
const DESIRED_ORDER: readonly DesiredStatus[] = ['RUNNING', 'STOPPED'];

export function taskRank(s: TaskStatus): number {
  return TASK_ORDER.indexOf(s);
}

export function containerRank(s: ContainerStatus): number {
  return CONTAINER_ORDER.indexOf(s);
}

/** True when moving a task from `from` to `to` is a strictly forward move. */
export function canAdvanceTask(from: TaskStatus, to: TaskStatus): boolean {
  return taskRank(to) > taskRank(from);
}

/** True when moving a container from `from` to `to` is a strictly forward move. */
export function canAdvanceContainer(from: ContainerStatus, to: ContainerStatus): boolean {
  return containerRank(to) > containerRank(from);
}

export function canAdvanceDesired(from: DesiredStatus, to: DesiredStatus): boolean {
  return DESIRED_ORDER.indexOf(to) > DESIRED_ORDER.indexOf(from);
}

export function reportedContainerStatus(s: ContainerStatus): ReportedContainerStatus {
  if (s === 'RUNNING' || s === 'STOPPED') return s;
  return 'PENDING';
}

export function isTaskStatus(s: string): s is TaskStatus {
  return (TASK_ORDER as readonly string[]).includes(s);
}

export function isContainerStatus(s: string): s is ContainerStatus {
  return (CONTAINER_ORDER as readonly string[]).includes(s);
}
