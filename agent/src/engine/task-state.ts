// The agent's record of one task: what the control plane assigned and what is known on this host.
// Plain JSON data (it is what gets checkpointed); transitions go through status.ts's guard.
import type { TaskAssignment } from '../../../proto/gen/ecs/v1/TaskAssignment.js';
import type { ContainerDefinition } from '../../../proto/gen/ecs/v1/ContainerDefinition.js';
import type { HostBinding, Protocol } from '../runtime/runtime.js';
import {
  canAdvanceContainer,
  canAdvanceDesired,
  canAdvanceTask,
  type ContainerStatus,
  type DesiredStatus,
  type TaskStatus,
} from './status.js';

export type NetworkMode = 'bridge' | 'host' | 'none';

export interface PortMappingDef {
  containerPort: number;
  /** 0 when the agent picks a host port from the dynamic range. */
  hostPort: number;
  protocol: Protocol;
}

/** A container definition with ECS's defaults applied (essential true, cpu 0, tcp). */
export interface ContainerDef {
  name: string;
  image: string;
  cpu: number;
  memory?: number;
  memoryReservation?: number;
  links: string[];
  portMappings: PortMappingDef[];
  essential: boolean;
  entryPoint: string[];
  command: string[];
  environment: Array<{ name: string; value: string }>;
  hostname?: string;
  user?: string;
  workingDirectory?: string;
  dockerLabels: Record<string, string>;
  stopTimeout?: number;
  logConfiguration?: { logDriver: string; options: Record<string, string> };
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
export const ESSENTIAL_EXITED_REASON = 'Essential container in task exited';

function normalizeContainer(d: ContainerDefinition, i: number): ContainerDef {
  return {
    name: d.name || `container-${i}`,
    image: d.image ?? '',
    cpu: d.cpu ?? 0,
    memory: d.memory || undefined,
    memoryReservation: d.memoryReservation || undefined,
    links: d.links ?? [],
    portMappings: (d.portMappings ?? []).map((p) => ({
      containerPort: p.containerPort ?? 0,
      hostPort: p.hostPort ?? 0,
      protocol: p.protocol === 'udp' ? 'udp' : 'tcp',
    })),
    essential: d.essential ?? true,
    entryPoint: d.entryPoint ?? [],
    command: d.command ?? [],
    environment: (d.environment ?? []).map((e) => ({ name: e.name ?? '', value: e.value ?? '' })),
    hostname: d.hostname || undefined,
    user: d.user || undefined,
    workingDirectory: d.workingDirectory || undefined,
    dockerLabels: { ...(d.dockerLabels ?? {}) },
    stopTimeout: d.stopTimeout || undefined,
    logConfiguration: d.logConfiguration?.logDriver
      ? { logDriver: d.logConfiguration.logDriver, options: { ...(d.logConfiguration.options ?? {}) } }
      : undefined,
  };
}

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
    seq: 0,
    cleanedUp: false,
  };
  return a.desiredStatus === 'STOPPED' ? desireStop(task, a.stopReason, a.stopCode) : task;
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

/** The order containers are created and started in: definition order, except a linked container goes first. */
export function startOrder(task: TaskState): string[] {
  const names = task.containers.map((c) => c.def.name);
  const byName = new Map(task.containers.map((c) => [c.def.name, c]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const order: string[] = [];
  const visit = (name: string) => {
    if (done.has(name) || visiting.has(name)) return; // a cycle falls back to definition order
    visiting.add(name);
    for (const link of byName.get(name)?.def.links ?? []) {
      const target = link.split(':')[0];
      if (byName.has(target)) visit(target);
    }
    visiting.delete(name);
    done.add(name);
    order.push(name);
  };
  names.forEach(visit);
  return order;
}
