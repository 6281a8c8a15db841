// What every service function gets: the store, the ARN scope, and the injected clock, randomness and
// agent notifier. Built once in main.ts (or by a test).
import type { Logger } from 'pino';
import type { ArnScope } from '../domain/arn.js';
import type { TaskRecord } from '../domain/records.js';
import type { Store } from '../store/store.js';

/** The dispatcher as the services see it: told when a task's desired state changed. */
export interface AgentNotifier {
  taskChanged(task: TaskRecord): void;
  /** The instance was deregistered: its agent's session should end. */
  instanceDeregistered(instanceArn: string): void;
}

/** The service scheduler as the rest of the control plane sees it: told when something changed. */
export interface SchedulerHooks {
  kick(cluster: string, service: string): void;
  kickCluster(cluster: string): void;
  taskChanged(task: TaskRecord): void;
}

export const NO_SCHEDULER: SchedulerHooks = { kick: () => {}, kickCluster: () => {}, taskChanged: () => {} };

export interface Context {
  store: Store;
  scope: ArnScope;
  /** Epoch seconds. */
  now: () => number;
  /** Uniform in [0, 1). */
  random: () => number;
  agents: AgentNotifier;
  scheduler: SchedulerHooks;
  log: Logger;
}

/** 32 lowercase hex characters, as ECS task and container instance ids. */
export function newId(random: () => number): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}
