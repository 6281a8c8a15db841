// Task volumes: a volume with host.sourcePath is a bind mount of that host path; one without is a Docker
// volume private to the task, created by the agent before the task's containers, shared by the containers
// that mount it, and removed with them at cleanup. Names, labels, mounts and re-adoption plans. Pure.
import type { VolumeInfo } from '../runtime/runtime.js';
import type { TaskEvent } from './apply.js';
import { LABEL_CLUSTER, LABEL_INSTANCE, LABEL_TASK_ARN } from './container-spec.js';
import type { TaskState, VolumeDef } from './task-state.js';

/** The task definition's name of the volume (with the task ARN, it finds a volume left by an agent that crashed). */
export const LABEL_VOLUME_NAME = 'com.amazonaws.ecs.volume-name';

const UNSAFE = /[^a-zA-Z0-9_.-]/g;

/** ecs-<family>-<revision>-<volumeName>-<random hex>, like the containers' names. */
export function dockerVolumeName(task: TaskState, volume: string, hex: string): string {
  return `ecs-${task.family}-${task.revision}-${volume}-${hex}`.replace(UNSAFE, '');
}

export function volumeLabels(task: TaskState, volume: string, cluster: string, instanceArn: string): Record<string, string> {
  return { [LABEL_TASK_ARN]: task.arn, [LABEL_VOLUME_NAME]: volume, [LABEL_CLUSTER]: cluster, [LABEL_INSTANCE]: instanceArn };
}

export function isScratch(v: VolumeDef): boolean {
  return !v.sourcePath;
}

export interface VolumeAdoptionPlan {
  /** Volumes created before a crash that the checkpoint missed, by task ARN. */
  events: Map<string, TaskEvent[]>;
  /** Own volumes of no known task, of a task already cleaned up, or duplicates: to be removed. */
  remove: VolumeInfo[];
}

/** Matches the agent's own volumes (by label) with the checkpointed tasks after a restart. */
export function planVolumeAdoption(tasks: readonly TaskState[], own: readonly VolumeInfo[]): VolumeAdoptionPlan {
  const plan: VolumeAdoptionPlan = { events: new Map(), remove: [] };
  const claimed = new Set<string>();
  for (const task of tasks) {
    const events: TaskEvent[] = [];
    for (const v of task.volumes.filter(isScratch)) {
      const candidates = own.filter((i) => i.labels[LABEL_TASK_ARN] === task.arn && i.labels[LABEL_VOLUME_NAME] === v.name);
      const keep = task.cleanedUp ? undefined : (candidates.find((i) => i.name === v.dockerName) ?? (v.dockerName ? undefined : candidates[0]));
      for (const i of candidates) {
        claimed.add(i.name);
        if (i !== keep) plan.remove.push(i);
      }
      if (keep && !v.dockerName) events.push({ kind: 'volume-created', volume: v.name, dockerName: keep.name });
    }
    if (events.length > 0) plan.events.set(task.arn, events);
  }
  for (const i of own) if (!claimed.has(i.name)) plan.remove.push(i);
  return plan;
}
