// The agent's record of one task: what the control plane assigned and what is known on this host.
// Plain JSON data (it is what gets checkpointed); transitions go through status.ts's guard.
import type { TaskAssignment } from '../../../proto/gen/ecs/v1/TaskAssignment.js';
import type { HostBinding, Protocol, RuntimeHealth } from '../runtime/runtime.js';
import { normalizeContainer, normalizeVolume, upgradeContainerDef, type ContainerDef, type VolumeDef } from './container-def.js';
import {
  canAdvanceContainer,
  canAdvanceDesired,
  canAdvanceTask,
  type ContainerStatus,
  type DesiredStatus,
  type TaskStatus,
} from './status.js';

export type NetworkMode = 'bridge' | 'host' | 'none';

export type { ContainerDef, DependencyCondition, DependencyDef, MountPointDef, PortMappingDef, VolumeDef } from './container-def.js';

/** A container's health as ECS reports it (containers with a healthCheck only). */
export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

/** Docker's health (starting, healthy, unhealthy) as ECS names it; "starting" and none are UNKNOWN. */
export function healthStatusOf(h: RuntimeHealth | undefined): HealthStatus {
  if (h === 'healthy') return 'HEALTHY';
  if (h === 'unhealthy') return 'UNHEALTHY';
  return 'UNKNOWN';
}

export interface HostPortClaim {
  hostPort: number;
  protocol: Protocol;
}

export interface ContainerState {
  def: ContainerDef;
  status: ContainerStatus;
  dockerName?: string;
  runtimeId?: string;
  exitCode?: number;
  reason?: string;
  /** The container never ran: pulling, creating or starting it failed (reason says how). */
  failedToStart?: boolean;
  /** Host ports chosen for it before it started (held until it stops). */
  hostPorts: HostPortClaim[];
  bindings: HostBinding[];
  imageDigest?: string;
  /** Epoch ms when it started (as the agent saw it; Docker's StartedAt on adoption): startTimeout counts from here. */
  startedAt?: number;
  /** Its health check's verdict (UNKNOWN until the first one; a stopped container keeps its last). */
  health?: HealthStatus;
}

export interface TaskState {
  arn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  family: string;
  revision: number;
  networkMode: NetworkMode;
  desiredStatus: DesiredStatus;
  status: TaskStatus;
  stopReason?: string;
  stopCode?: string;
  containers: ContainerState[];
  /** The task definition's volumes (scratch volumes get their Docker name once created). */
  volumes: VolumeDef[];
  /** Epoch ms. */
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  executionStoppedAt?: number;
  /** Sequence number of the last report sent upward (reports carry increasing seq). */
  seq: number;
  /** Fingerprint of the last reported projection (see report.ts). */
  lastReport?: string;
  /** The task's containers have been removed after ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION. */
  cleanedUp: boolean;
}

export const OOM_REASON = 'OutOfMemoryError: Container killed due to memory usage';
export const CREATE_ERROR_PREFIX = 'CannotCreateContainerError: ';
export const START_ERROR_PREFIX = 'CannotStartContainerError: ';
export const ESSENTIAL_EXITED_REASON = 'Essential container in task exited';

function networkModeOf(mode: string | undefined): NetworkMode {
  if (mode === 'host' || mode === 'none') return mode;
  return 'bridge';
}

/** A new task record from an assignment: PENDING, nothing done yet. */
export function taskFromAssignment(a: TaskAssignment): TaskState {
  const task: TaskState = {
    arn: a.taskArn ?? '',
    clusterArn: a.clusterArn ?? '',
    taskDefinitionArn: a.taskDefinitionArn ?? '',
    family: a.family ?? '',
    revision: a.revision ?? 0,
    networkMode: networkModeOf(a.networkMode),
    desiredStatus: 'RUNNING',
    status: 'PENDING',
    containers: (a.containers ?? []).map((d, i) => ({ def: normalizeContainer(d, i), status: 'NONE', hostPorts: [], bindings: [] })),
    volumes: (a.volumes ?? []).map(normalizeVolume),
    seq: 0,
    cleanedUp: false,
  };
  return a.desiredStatus === 'STOPPED' ? desireStop(task, a.stopReason, a.stopCode) : task;
}

/** A task read from a checkpoint of an older agent, with the fields added since then defaulted. */
export function upgradeTask(task: TaskState): TaskState {
  const containers = task.containers.map((c) => {
    const def = upgradeContainerDef(c.def);
    return def === c.def ? c : { ...c, def };
  });
  if (Array.isArray(task.volumes) && containers.every((c, i) => c === task.containers[i])) return task;
  return { ...task, volumes: task.volumes ?? [], containers };
}

export function findContainer(task: TaskState, name: string): ContainerState | undefined {
  return task.containers.find((c) => c.def.name === name);
}

/** Replaces the named container with fn(container). */
export function updateContainer(task: TaskState, name: string, fn: (c: ContainerState) => ContainerState): TaskState {
  let changed = false;
  const containers = task.containers.map((c) => {
    if (c.def.name !== name) return c;
    const next = fn(c);
    if (next !== c) changed = true;
    return next;
  });
  return changed ? { ...task, containers } : task;
}

/** Moves a task's known status forward; a backward (or same) move returns the task unchanged. */
export function advanceTask(task: TaskState, to: TaskStatus, now: number): TaskState {
  if (!canAdvanceTask(task.status, to)) return task;
  const next: TaskState = { ...task, status: to };
  if (to === 'RUNNING' && next.startedAt === undefined) next.startedAt = now;
  if (to === 'STOPPED') next.executionStoppedAt = now;
  return next;
}

/** Moves a container's known status forward with extra fields; a backward move returns it unchanged. */
export function advanceContainer(c: ContainerState, to: ContainerStatus, fields: Partial<ContainerState> = {}): ContainerState {
  if (!canAdvanceContainer(c.status, to)) return c;
  return { ...c, ...fields, status: to };
}

/** RUNNING → STOPPED desired status; the first stop reason and code win. */
export function desireStop(task: TaskState, reason?: string, stopCode?: string): TaskState {
  if (!canAdvanceDesired(task.desiredStatus, 'STOPPED')) return task;
  return { ...task, desiredStatus: 'STOPPED', stopReason: task.stopReason ?? reason, stopCode: task.stopCode ?? stopCode };
}

/**
 * The order containers are created and started in: definition order, except that a linked container and a
 * dependsOn dependency go before the container that names them.
 */
export function startOrder(task: TaskState): string[] {
  const names = task.containers.map((c) => c.def.name);
  const byName = new Map(task.containers.map((c) => [c.def.name, c]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const order: string[] = [];
  const visit = (name: string) => {
    if (done.has(name) || visiting.has(name)) return; // a cycle falls back to definition order
    visiting.add(name);
    const def = byName.get(name)?.def;
    const targets = [...(def?.links ?? []).map((l) => l.split(':')[0]), ...(def?.dependsOn ?? []).map((d) => d.containerName)];
    for (const target of targets) if (byName.has(target)) visit(target);
    visiting.delete(name);
    done.add(name);
    order.push(name);
  };
  names.forEach(visit);
  return order;
}
