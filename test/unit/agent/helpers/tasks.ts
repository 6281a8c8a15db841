// Builders for assignments and task records in tests.
import type { TaskAssignment } from '../../../../proto/gen/ecs/v1/TaskAssignment.js';
import type { ContainerDefinition } from '../../../../proto/gen/ecs/v1/ContainerDefinition.js';
import { taskFromAssignment, type HealthStatus, type TaskState } from '../../../../agent/src/engine/task-state.js';
import type { ContainerStatus, TaskStatus } from '../../../../agent/src/engine/status.js';

let n = 0;

export function assignment(containers: ContainerDefinition[], extra: Partial<TaskAssignment> = {}): TaskAssignment {
  const id = (++n).toString(16).padStart(32, '0');
  return {
    messageId: `m-${id}`,
    taskArn: `arn:aws:ecs:us-east-1:000000000000:task/default/${id}`,
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/default',
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:3',
    family: 'web',
    revision: 3,
    desiredStatus: 'RUNNING',
    containers,
    ...extra,
  };
}

export interface ContainerOpts {
  essential: boolean;
  failedToStart: boolean;
  reason: string;
  links: string[];
  /** [containerName, condition] pairs. */
  dependsOn: Array<[string, string]>;
  /** Gives the container a health check. */
  healthCheck: boolean;
  health: HealthStatus;
  exitCode: number;
  startTimeout: number;
  startedAt: number;
}

/** A task record with the given task status and container statuses (containers c0, c1, ...). */
export function taskWith(status: TaskStatus, containers: Array<ContainerStatus | [ContainerStatus, Partial<ContainerOpts>]>, desired: 'RUNNING' | 'STOPPED' = 'RUNNING'): TaskState {
  const defs = containers.map((c, i) => {
    const opts = Array.isArray(c) ? c[1] : {};
    return {
      name: `c${i}`,
      image: 'img',
      essential: opts.essential ?? true,
      links: opts.links ?? [],
      dependsOn: (opts.dependsOn ?? []).map(([containerName, condition]) => ({ containerName, condition })),
      healthCheck: opts.healthCheck ? { command: ['CMD-SHELL', 'true'] } : undefined,
      startTimeout: opts.startTimeout,
    };
  });
  const t = taskFromAssignment(assignment(defs));
  return {
    ...t,
    status,
    desiredStatus: desired,
    containers: t.containers.map((c, i) => {
      const spec = containers[i];
      const [st, opts] = Array.isArray(spec) ? spec : [spec, {}];
      const extra = {
        ...(opts.health ? { health: opts.health } : {}),
        ...(opts.exitCode !== undefined ? { exitCode: opts.exitCode } : {}),
        ...(opts.startedAt !== undefined ? { startedAt: opts.startedAt } : {}),
      };
      return { ...c, status: st, failedToStart: opts.failedToStart, reason: opts.reason, runtimeId: st === 'NONE' || st === 'PULLED' ? undefined : `id${i}`, ...extra };
    }),
  };
}
