// Performs the step function's container actions on the runtime and says what happened as TaskEvents.
// Runtime failures become ECS reasons (CannotCreateContainerError: <docker's message>, ...); a dynamic host
// port that Docker refuses because someone else took it is replaced and the container re-created. It also
// creates the task's scratch volumes and removes them with the containers at cleanup.
import type { PortAllocator } from '../resources/port-allocator.js';
import { RuntimeError, type ContainerInfo, type ContainerRuntime, type HostBinding } from '../runtime/runtime.js';
import { randomHex, type Random } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { TaskEvent } from './apply.js';
import { buildSpec, dockerName, type ContainerLogging } from './container-spec.js';
import type { TaskLogs } from './task-logs.js';
import {
  CREATE_ERROR_PREFIX,
  healthStatusOf,
  OOM_REASON,
  START_ERROR_PREFIX,
  type ContainerState,
  type HostPortClaim,
  type TaskState,
} from './task-state.js';
import { dockerVolumeName, isScratch, volumeLabels } from './volumes.js';

export { CREATE_ERROR_PREFIX, START_ERROR_PREFIX } from './task-state.js';
const PORT_RETRIES = 5;

export interface LauncherOptions {
  runtime: ContainerRuntime;
  ports: PortAllocator;
  cluster: string;
  containerInstanceArn: string;
  random: Random;
  logger: Logger;
  /** Whether the agent's own tasks hold this host port (protocol/port). */
  portInUse: (port: number, protocol: 'tcp' | 'udp') => boolean;
  /** Log drivers allowed and Docker's buffer for routed containers. */
  logging?: ContainerLogging;
  /** The log router: a task's logs are finished before its containers are removed, and removed after. */
  logs?: TaskLogs;
}

/** How long cleanup waits for a task's logs to be collected and delivered before removing its containers. */
export const LOGS_FINISH_TIMEOUT_MS = 30_000;

/** The exit of a container as an event: exit code, and ECS's reason when the kernel killed it for memory. */
export const REMOVED_REASON = 'Container removed outside the agent';
/** ECS's prefix for task resources that could not be set up. */
export const VOLUME_ERROR_PREFIX = 'ResourceInitializationError: ';

export function exitedEvent(container: string, info: ContainerInfo | undefined, missingReason?: string): TaskEvent {
  if (!info) return { kind: 'exited', container, reason: missingReason };
  return { kind: 'exited', container, exitCode: info.exitCode, reason: info.oomKilled ? OOM_REASON : undefined };
}

export function isStoppedState(info: ContainerInfo | undefined): boolean {
  return !info || info.state === 'exited' || info.state === 'dead';
}

export class Launcher {
  constructor(private readonly o: LauncherOptions) {}

  async create(task: TaskState, c: ContainerState): Promise<TaskEvent[]> {
    try {
      const created = await this.createWithPorts(task, c);
      return [{ kind: 'created', container: c.def.name, ...created }];
    } catch (err) {
      return [{ kind: 'failed', container: c.def.name, reason: CREATE_ERROR_PREFIX + (err as Error).message }];
    }
  }

  async start(task: TaskState, c: ContainerState): Promise<TaskEvent[]> {
    let current = { runtimeId: c.runtimeId!, dockerName: c.dockerName! };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.o.runtime.startContainer(current.runtimeId);
        break;
      } catch (err) {
        const conflict = err instanceof RuntimeError && err.kind === 'port-conflict';
        if (!conflict || !hasDynamicPorts(task, c) || attempt >= PORT_RETRIES) {
          return [{ kind: 'failed', container: c.def.name, reason: START_ERROR_PREFIX + (err as Error).message }];
        }
        this.o.logger.warn({ taskArn: task.arn, container: c.def.name, err: (err as Error).message }, 'host port taken; retrying with another');
        await this.o.runtime.removeContainer(current.runtimeId);
        try {
          current = await this.createWithPorts(task, c);
        } catch (createErr) {
          return [{ kind: 'failed', container: c.def.name, reason: CREATE_ERROR_PREFIX + (createErr as Error).message }];
        }
      }
    }
    const info = await this.o.runtime.inspectContainer(current.runtimeId);
    const running: TaskEvent = {
      kind: 'running',
      container: c.def.name,
      ...current,
      bindings: this.bindingsOf(task, c, info),
      health: healthStatusOf(info?.health),
    };
    return isStoppedState(info) ? [running, exitedEvent(c.def.name, info, 'Container disappeared after it started')] : [running];
  }

  /** SIGTERM, SIGKILL after timeoutSec; then the container's exit as Docker recorded it. */
  async stop(c: ContainerState, timeoutSec: number): Promise<TaskEvent[]> {
    if (!c.runtimeId) return [{ kind: 'exited', container: c.def.name }];
    try {
      await this.o.runtime.stopContainer(c.runtimeId, timeoutSec);
    } catch (err) {
      if (!(err instanceof RuntimeError && err.kind === 'not-found')) throw err;
    }
    const info = await this.o.runtime.inspectContainer(c.runtimeId);
    if (info && !isStoppedState(info) && info.state !== 'created') return [];
    return [exitedEvent(c.def.name, info, REMOVED_REASON)];
  }

  /** Creates the task's Docker volume for the task definition volume of that name. */
  async createVolume(task: TaskState, volume: string): Promise<TaskEvent[]> {
    const name = dockerVolumeName(task, volume, randomHex(this.o.random, 20));
    try {
      await this.o.runtime.createVolume({ name, labels: volumeLabels(task, volume, this.o.cluster, this.o.containerInstanceArn) });
      return [{ kind: 'volume-created', volume, dockerName: name }];
    } catch (err) {
      return [{ kind: 'volume-failed', volume, reason: `${VOLUME_ERROR_PREFIX}failed to create volume ${volume}: ${(err as Error).message}` }];
    }
  }

  /**
   * Finishes the task's logs (bounded), removes its containers, then its scratch volumes (a volume Docker
   * will not remove is logged and left), then its logs.
   */
  async cleanup(task: TaskState): Promise<TaskEvent[]> {
    await this.o.logs?.finish(task.arn, LOGS_FINISH_TIMEOUT_MS);
    for (const c of task.containers) if (c.runtimeId) await this.o.runtime.removeContainer(c.runtimeId);
    for (const v of task.volumes) {
      if (!isScratch(v) || !v.dockerName) continue;
      try {
        await this.o.runtime.removeVolume(v.dockerName);
      } catch (err) {
        this.o.logger.warn({ taskArn: task.arn, volume: v.dockerName, err: (err as Error).message }, 'could not remove the task volume');
      }
    }
    await this.o.logs?.remove(task.arn);
    return [{ kind: 'cleaned-up' }];
  }

  private async createWithPorts(task: TaskState, c: ContainerState): Promise<{ runtimeId: string; dockerName: string; hostPorts: HostPortClaim[] }> {
    const hostPorts = await this.chooseHostPorts(task, c);
    const name = dockerName(task, c.def.name, randomHex(this.o.random, 20));
    const spec = buildSpec(task, c, {
      cluster: this.o.cluster,
      containerInstanceArn: this.o.containerInstanceArn,
      dockerName: name,
      hostPorts: hostPorts.map((p) => p.hostPort),
      logging: this.o.logging,
    });
    const runtimeId = await this.o.runtime.createContainer(spec);
    return { runtimeId, dockerName: name, hostPorts };
  }

  /** Host ports in mapping order: the given hostPort, or one from the dynamic range (bridge mode only). */
  private async chooseHostPorts(task: TaskState, c: ContainerState): Promise<HostPortClaim[]> {
    if (task.networkMode !== 'bridge') return [];
    const out: HostPortClaim[] = [];
    for (const p of c.def.portMappings) {
      const taken = (port: number) => this.o.portInUse(port, p.protocol) || out.some((x) => x.hostPort === port && x.protocol === p.protocol);
      const hostPort = p.hostPort > 0 ? p.hostPort : await this.o.ports.allocate(p.protocol, taken);
      out.push({ hostPort, protocol: p.protocol });
    }
    return out;
  }

  /** networkBindings: Docker's in bridge mode; in host mode the container's ports are the host's. */
  private bindingsOf(task: TaskState, c: ContainerState, info: ContainerInfo | undefined): HostBinding[] {
    if (task.networkMode === 'host') {
      return c.def.portMappings.map((p) => ({ bindIp: '0.0.0.0', containerPort: p.containerPort, hostPort: p.containerPort, protocol: p.protocol }));
    }
    return info?.bindings ?? [];
  }
}

function hasDynamicPorts(task: TaskState, c: ContainerState): boolean {
  return task.networkMode === 'bridge' && c.def.portMappings.some((p) => p.hostPort === 0);
}
