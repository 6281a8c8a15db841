// What the task engine asks of the log router (agent/src/logs/router.ts): collection starts when a routed
// container has started (or is adopted after a restart), and a task's logs are finished and removed with
// its cleanup. Optional in the engine: without it, containers' logs are left to Docker.
import type { ContainerState, TaskState } from './task-state.js';

export interface TaskLogs {
  /** Starts collecting the container's log if it is routed and not collected yet (idempotent). */
  attach(task: TaskState, container: ContainerState): void;
  /** Waits (at most timeoutMs) until every container of the task is collected and every output drained; false on timeout. */
  finish(taskArn: string, timeoutMs: number): Promise<boolean>;
  /** Stops the task's collectors and outputs and deletes its stores. */
  remove(taskArn: string): Promise<void>;
  /** Deletes the stores of every task not listed (left behind by a crash between cleanup and removal). */
  prune(keepTaskArns: readonly string[]): Promise<void>;
}
