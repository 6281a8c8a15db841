// What RunTask does with a registered task definition: apply the overrides to copies of its containers, and
// work out what placement must find on an instance for one task.
import type { ContainerDefinition__Output } from '../../../proto/gen/ecs/v1/ContainerDefinition.js';
import type { TaskOverride__Output } from '../../../proto/gen/ecs/v1/TaskOverride.js';
import type { KeyValuePair__Output } from '../../../proto/gen/ecs/v1/KeyValuePair.js';
import type { Attribute__Output } from '../../../proto/gen/ecs/v1/Attribute.js';
import { requiredLogDriverAttribute } from '../../../common/log-options.js';
import { InvalidParameterException } from './errors.js';
import { CONTAINER_MEMORY_MIN_MIB } from './task-definition-container.js';
import { staticHostPorts } from './task-definition-relations.js';
import { parseTaskCpu, parseTaskMemory } from './task-definition-units.js';

function isInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n);
}

/** Environment merged by name: the override's value wins, new names are appended in override order. */
function mergeEnvironment(base: KeyValuePair__Output[], overrides: KeyValuePair__Output[]): KeyValuePair__Output[] {
  const out = base.map((kv) => ({ ...kv }));
  for (const kv of overrides) {
    if (!kv.name) throw new InvalidParameterException("Invalid 'containerOverrides': every 'environment' entry needs a non-empty 'name'.");
    const existing = out.find((e) => e.name === kv.name);
    if (existing) existing.value = kv.value;
    else out.push({ ...kv });
  }
  return out;
}

/**
 * Applies RunTask overrides to copies of the containers: command replaces (when given), environment merges by
 * name (override wins), cpu / memory / memoryReservation replace. An override naming no container of the
 * definition is ECS's InvalidParameterException "Override for container named X is not a container in the
 * TaskDefinition." The input containers are never mutated.
 */
export function applyOverrides(
  containers: ContainerDefinition__Output[],
  overrides: TaskOverride__Output | null | undefined,
): ContainerDefinition__Output[] {
  const out = containers.map((c) => structuredClone(c));
  for (const o of overrides?.containerOverrides ?? []) {
    if (!o.name) throw new InvalidParameterException("Invalid 'containerOverrides': every container override needs a 'name'.");
    const c = out.find((x) => x.name === o.name);
    if (!c) throw new InvalidParameterException(`Override for container named ${o.name} is not a container in the TaskDefinition.`);
    if (o.command.length > 0) c.command = [...o.command];
    if (o.environment.length > 0) c.environment = mergeEnvironment(c.environment, o.environment);
    if (o.cpu !== undefined) {
      if (!isInt(o.cpu) || o.cpu < 0) {
        throw new InvalidParameterException(`Invalid 'cpu' override for container '${o.name}'. It must be a whole number of CPU units, 0 or more; got ${o.cpu}.`);
      }
      c.cpu = o.cpu;
    }
    if (o.memory !== undefined) {
      if (!isInt(o.memory) || o.memory < CONTAINER_MEMORY_MIN_MIB) {
        throw new InvalidParameterException(
          `Invalid 'memory' override for container '${o.name}'. The minimum is ${CONTAINER_MEMORY_MIN_MIB} MiB; got ${o.memory}.`,
        );
      }
      c.memory = o.memory;
    }
    if (o.memoryReservation !== undefined) {
      if (!isInt(o.memoryReservation) || o.memoryReservation <= 0) {
        throw new InvalidParameterException(
          `Invalid 'memoryReservation' override for container '${o.name}'. It must be a positive number of MiB; got ${o.memoryReservation}.`,
        );
      }
      c.memoryReservation = o.memoryReservation;
    }
    if (c.memory !== undefined && c.memoryReservation !== undefined && c.memory < c.memoryReservation) {
      throw new InvalidParameterException(
        `Invalid overrides for container '${o.name}'. 'memory' (${c.memory}) must be greater than or equal to 'memoryReservation' (${c.memoryReservation}).`,
      );
    }
  }
  return out;
}

/** What placement must find on an instance for one task. */
export interface TaskResourceNeeds {
  cpu: number;
  memory: number;
  tcpPorts: number[];
  udpPorts: number[];
}

/**
 * cpu: the task cpu if given, else the sum of container cpu. memory: the task memory if given, else the sum
 * of what each container reserves on the instance — memoryReservation when given, else memory (ECS:
 * "If you specify memoryReservation, then that value is subtracted from the available memory resources for
 * the container instance ... Otherwise, the value of memory is used."). Ports: the static host ports the
 * task binds (hostPort > 0, or containerPort in host mode), sorted; dynamic ones (bridge hostPort 0/absent,
 * containerPortRange) are not included. Task cpu/memory may be normalized ("1024") or ECS's unit forms.
 */
export function taskResourceNeeds(
  td: { cpu?: string; memory?: string; networkMode?: string },
  containers: ContainerDefinition__Output[],
): TaskResourceNeeds {
  const cpu = td.cpu ? Number(parseTaskCpu(td.cpu)) : containers.reduce((acc, c) => acc + (c.cpu || 0), 0);
  const memory = td.memory
    ? Number(parseTaskMemory(td.memory))
    : containers.reduce((acc, c) => acc + (c.memoryReservation ?? c.memory ?? 0), 0);
  const tcp = new Set<number>();
  const udp = new Set<number>();
  for (const c of containers) {
    for (const { protocol, port } of staticHostPorts(c, td.networkMode)) (protocol === 'udp' ? udp : tcp).add(port);
  }
  const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);
  return { cpu, memory, tcpPorts: sorted(tcp), udpPorts: sorted(udp) };
}

/**
 * A task definition's requiresAttributes, as ECS fills them at RegisterTaskDefinition: one
 * `com.amazonaws.ecs.capability.logging-driver.<driver>` per distinct log driver its containers use (in the
 * order they first appear; containers without a logConfiguration require nothing). Placement only puts the
 * task on instances that have every one (reason ATTRIBUTE).
 */
export function taskRequiresAttributes(containers: ContainerDefinition__Output[]): Attribute__Output[] {
  const names: string[] = [];
  for (const c of containers) {
    const name = requiredLogDriverAttribute(c.logConfiguration ?? undefined);
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names.map((name) => ({ name }));
}
