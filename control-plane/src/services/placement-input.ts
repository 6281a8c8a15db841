// What the placement engine is given about a cluster's instances, read from the store in one pass.
import { remaining } from '../domain/instance-resources.js';
import type { InstanceRecord, TaskRecord } from '../domain/records.js';
import type { PlacementInstance } from '../placement/types.js';
import type { Context } from './context.js';

/** `mine`: the instance's tasks that are not STOPPED. */
export function placementInstance(i: InstanceRecord, mine: TaskRecord[]): PlacementInstance {
  const taskGroups: Record<string, number> = {};
  for (const t of mine) {
    const g = t.task.group;
    if (g) taskGroups[g] = (taskGroups[g] ?? 0) + 1;
  }
  const attributes: Record<string, string | null> = {};
  for (const a of i.attributes) attributes[a.name] = a.value ?? null;
  return {
    arn: i.arn,
    ec2InstanceId: i.instanceId,
    status: i.status,
    agentConnected: i.agentConnected,
    agentVersion: i.versionInfo.agentVersion ?? '',
    registeredAt: i.registeredAt,
    runningTasksCount: mine.filter((t) => t.task.lastStatus === 'RUNNING').length,
    attributes,
    taskGroups,
    remaining: remaining(i, mine),
  };
}

/** Every ACTIVE or DRAINING instance of the cluster (the engine itself keeps only ACTIVE, connected ones). */
export function placementInstances(ctx: Context, cluster: string, instances?: InstanceRecord[]): PlacementInstance[] {
  const byInstance = new Map<string, TaskRecord[]>();
  for (const t of ctx.store.listTasks({ cluster, notStopped: true })) {
    const arn = t.task.containerInstanceArn;
    if (!arn) continue;
    const list = byInstance.get(arn);
    if (list) list.push(t);
    else byInstance.set(arn, [t]);
  }
  const list = instances ?? ctx.store.listInstances(cluster).filter((i) => i.status === 'ACTIVE' || i.status === 'DRAINING');
  return list.map((i) => placementInstance(i, byInstance.get(i.arn) ?? []));
}
