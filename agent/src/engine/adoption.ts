// Re-adoption after a restart: the checkpointed tasks are matched with the containers Docker has that
// carry this instance's label (by task ARN and container name, so a container created just before a crash
// is found even if its id never reached the checkpoint). Pure: it plans; the engine carries it out.
import type { ContainerInfo } from '../runtime/runtime.js';
import type { TaskEvent } from './apply.js';
import { LABEL_CONTAINER_NAME, LABEL_TASK_ARN } from './container-spec.js';
import { exitedEvent, isStoppedState } from './launcher.js';
import { containerRank } from './status.js';
import { healthStatusOf, type ContainerState, type TaskState } from './task-state.js';

export const MISSING_CONTAINER_REASON = 'Container not found when the agent restarted';

export interface AdoptionPlan {
  /** Events that bring each task up to date with Docker, by task ARN. */
  events: Map<string, TaskEvent[]>;
  /** Own containers that belong to no known task, or duplicates of an adopted one: to be removed. */
  remove: ContainerInfo[];
}

const STATE_PREFERENCE: Record<string, number> = { running: 0, restarting: 1, paused: 1, created: 2, exited: 3, dead: 4, removing: 5 };

/** The container to adopt among several with the same task and name: a running one, else the newest. */
function pick(candidates: ContainerInfo[], current?: string): ContainerInfo {
  return [...candidates].sort((a, b) => {
    if (a.id === current) return -1;
    if (b.id === current) return 1;
    const s = (STATE_PREFERENCE[a.state] ?? 9) - (STATE_PREFERENCE[b.state] ?? 9);
    return s !== 0 ? s : (b.startedAt ?? 0) - (a.startedAt ?? 0);
  })[0];
}

function containerEvents(c: ContainerState, info: ContainerInfo | undefined): TaskEvent[] {
  const name = c.def.name;
  if (c.status === 'STOPPED') return [];
  if (!info) {
    // Never created (it will be), or gone while the agent was away.
    return containerRank(c.status) >= containerRank('CREATED') ? [{ kind: 'exited', container: name, reason: MISSING_CONTAINER_REASON }] : [];
  }
  const dockerName = info.name;
  const created: TaskEvent = { kind: 'created', container: name, runtimeId: info.id, dockerName, hostPorts: c.hostPorts };
  if (info.state === 'created') return [created];
  const running: TaskEvent = {
    kind: 'running',
    container: name,
    runtimeId: info.id,
    dockerName,
    bindings: info.bindings.length > 0 ? info.bindings : c.bindings,
    startedAt: info.startedAt,
    health: healthStatusOf(info.health),
  };
  if (isStoppedState(info)) return info.startedAt === undefined && c.status !== 'RUNNING' ? [created, exitedEvent(name, info)] : [created, running, exitedEvent(name, info)];
  // A container already known to run keeps its record, but its health is brought up to date.
  if (c.status === 'RUNNING' && c.def.healthCheck) return [created, running, { kind: 'health', container: name, health: healthStatusOf(info.health) }];
  return [created, running];
}

export function planAdoption(tasks: readonly TaskState[], own: readonly ContainerInfo[]): AdoptionPlan {
  const byKey = new Map<string, ContainerInfo[]>();
  for (const info of own) {
    const key = `${info.labels[LABEL_TASK_ARN]}\u0000${info.labels[LABEL_CONTAINER_NAME]}`;
    byKey.set(key, [...(byKey.get(key) ?? []), info]);
  }
  const plan: AdoptionPlan = { events: new Map(), remove: [] };
  const claimed = new Set<string>();
  for (const task of tasks) {
    const events: TaskEvent[] = [];
    for (const c of task.containers) {
      const candidates = byKey.get(`${task.arn}\u0000${c.def.name}`) ?? [];
      const chosen = candidates.length > 0 ? pick(candidates, c.runtimeId) : undefined;
      for (const info of candidates) {
        claimed.add(info.id);
        if (info !== chosen && !task.cleanedUp) plan.remove.push(info);
      }
      if (!task.cleanedUp) events.push(...containerEvents(c, chosen));
      else if (chosen) plan.remove.push(chosen);
    }
    plan.events.set(task.arn, events);
  }
  for (const info of own) if (!claimed.has(info.id)) plan.remove.push(info);
  return plan;
}
