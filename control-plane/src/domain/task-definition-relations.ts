// Rules of RegisterTaskDefinition that relate the containers of one task definition to each other: unique
// names, links, dependsOn, the host ports the task binds, and the container sums against task cpu/memory.
// Inputs are the normalized containers (essential and protocol defaulted, host-mode hostPort filled in).
import type { ContainerDefinition__Output } from '../../../proto/gen/ecs/v1/ContainerDefinition.js';
import { ClientException } from './errors.js';
import { NAME_RE, type NetworkMode } from './task-definition-container.js';

/** ECS's fixed quota: "Containers per task definition: 10". */
export const MAX_CONTAINERS = 10;
/** ContainerDependency.condition. */
const CONDITIONS: ReadonlySet<string> = new Set(['START', 'COMPLETE', 'SUCCESS', 'HEALTHY']);

/** Container names: required, ECS's character rule, unique. */
export function checkContainerNames(containers: ContainerDefinition__Output[]): void {
  if (containers.length === 0) {
    throw new ClientException("Container list cannot be empty. 'containerDefinitions' needs at least one container.");
  }
  if (containers.length > MAX_CONTAINERS) {
    throw new ClientException(
      `Too many containers. A task definition can have at most ${MAX_CONTAINERS} 'containerDefinitions'; got ${containers.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const c of containers) {
    if (!c.name) throw new ClientException("Container.name should not be null or empty. Every entry of 'containerDefinitions' needs a 'name'.");
    if (!NAME_RE.test(c.name)) {
      throw new ClientException(
        `Container.name contains invalid characters. '${c.name}' must be 1-255 letters, numbers, hyphens and underscores.`,
      );
    }
    if (seen.has(c.name)) {
      throw new ClientException(`Container names must be unique within a Task Definition. 'name' '${c.name}' is used more than once.`);
    }
    seen.add(c.name);
  }
}

/** At least one container must be essential (essential defaults to true). */
export function checkEssential(containers: ContainerDefinition__Output[]): void {
  if (!containers.some((c) => c.essential !== false)) {
    throw new ClientException(
      "Task definition doesn't have any essential container. At least one of 'containerDefinitions' must have 'essential' true (the default).",
    );
  }
}

/** Finds a cycle in a graph given as name -> successor names; returns it as a path, or undefined. */
function findCycle(edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'visiting') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'visiting');
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      const cycle = visit(m);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of edges.keys()) {
    const cycle = visit(n);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * links: bridge mode only ("Links are not supported when networkMode=awsvpc." is ECS's wording for awsvpc);
 * each entry is `name` or `name:alias` naming another container of this task definition; no cycles
 * ("Container links should not have a cycle").
 */
export function checkLinks(containers: ContainerDefinition__Output[], mode: NetworkMode): void {
  const names = new Set(containers.map((c) => c.name as string));
  const edges = new Map<string, string[]>();
  for (const c of containers) {
    const name = c.name as string;
    if (c.links.length > 0 && mode !== 'bridge') {
      throw new ClientException(`Links are not supported when networkMode=${mode}. Remove 'links' from container '${name}'.`);
    }
    const targets: string[] = [];
    for (const link of c.links) {
      const [target, alias, ...rest] = link.split(':');
      if (!target || rest.length > 0 || (alias !== undefined && !NAME_RE.test(alias))) {
        throw new ClientException(`Invalid 'links' setting for container '${name}'. Expected 'name' or 'name:alias'; got '${link}'.`);
      }
      if (target === name) {
        throw new ClientException(`Invalid 'links' setting for container '${name}'. A container cannot link to itself.`);
      }
      if (!names.has(target)) {
        throw new ClientException(
          `Invalid 'links' setting for container '${name}'. Container '${target}' is not defined in this task definition; links must name containers of the same task definition.`,
        );
      }
      targets.push(target);
    }
    edges.set(name, targets);
  }
  const cycle = findCycle(edges);
  if (cycle) throw new ClientException(`Container links should not have a cycle. 'links' form the cycle ${cycle.join(' -> ')}.`);
}

/**
 * dependsOn: the container must exist ("Cannot depend on container 'x' because it does not exist"), the
 * condition is START | COMPLETE | SUCCESS | HEALTHY, a SUCCESS/COMPLETE dependency cannot be essential
 * (ECS's wording), a HEALTHY dependency needs a healthCheck, and dependencies cannot form a cycle.
 */
export function checkDependsOn(containers: ContainerDefinition__Output[]): void {
  const byName = new Map(containers.map((c) => [c.name as string, c]));
  const edges = new Map<string, string[]>();
  for (const c of containers) {
    const name = c.name as string;
    const targets: string[] = [];
    for (const d of c.dependsOn) {
      const target = byName.get(d.containerName);
      if (!d.containerName || !target) {
        throw new ClientException(
          `Cannot depend on container '${d.containerName}' because it does not exist. Check 'dependsOn' of container '${name}'.`,
        );
      }
      if (d.containerName === name) {
        throw new ClientException(`Invalid 'dependsOn' setting for container '${name}'. A container cannot depend on itself.`);
      }
      if (!CONDITIONS.has(d.condition)) {
        throw new ClientException(
          `Invalid 'dependsOn' setting for container '${name}'. 'condition' must be one of ${[...CONDITIONS].join(', ')}; got '${d.condition}'.`,
        );
      }
      if ((d.condition === 'SUCCESS' || d.condition === 'COMPLETE') && target.essential !== false) {
        throw new ClientException(
          `A dependency container with SUCCESS or COMPLETE condition cannot be an essential container. Container '${name}' has 'dependsOn' '${d.containerName}' (${d.condition}), which is essential.`,
        );
      }
      if (d.condition === 'HEALTHY' && !target.healthCheck) {
        throw new ClientException(
          `A dependency container with HEALTHY condition must have a health check. Container '${name}' has 'dependsOn' '${d.containerName}' (HEALTHY), which has no 'healthCheck'.`,
        );
      }
      targets.push(d.containerName);
    }
    edges.set(name, targets);
  }
  const cycle = findCycle(edges);
  if (cycle) throw new ClientException(`Container 'dependsOn' should not have a cycle. 'dependsOn' forms the cycle ${cycle.join(' -> ')}.`);
}

/** The static host ports one container binds: hostPort > 0 (host mode has hostPort = containerPort). */
export function staticHostPorts(c: ContainerDefinition__Output, mode: string | undefined): { protocol: string; port: number }[] {
  const out: { protocol: string; port: number }[] = [];
  for (const pm of c.portMappings) {
    if (pm.containerPortRange !== undefined) continue; // bridge mode only: host ports chosen at run time
    const port = mode === 'host' ? (pm.hostPort || pm.containerPort) : pm.hostPort;
    if (port !== undefined && port > 0) out.push({ protocol: pm.protocol ?? 'tcp', port });
  }
  return out;
}

/** No two mappings of the task bind the same static host port and protocol (ECS's wording). */
export function checkHostPorts(containers: ContainerDefinition__Output[], mode: NetworkMode): void {
  const seen = new Set<string>();
  for (const c of containers) {
    for (const { protocol, port } of staticHostPorts(c, mode)) {
      const key = `${protocol}/${port}`;
      if (seen.has(key)) {
        throw new ClientException(
          `${protocol.toUpperCase()} host port '${port}' is mapped multiple times in task. Check 'hostPort' in the 'portMappings' of container '${c.name}'.`,
        );
      }
      seen.add(key);
    }
  }
}

/**
 * With task-level values: the sum of container cpu must not exceed task cpu, and the sum of the memory each
 * container reserves (memoryReservation, else memory) must not exceed task memory (ECS's wordings).
 */
export function checkTaskSums(containers: ContainerDefinition__Output[], taskCpu?: number, taskMemory?: number): void {
  if (taskCpu !== undefined) {
    const sum = containers.reduce((acc, c) => acc + c.cpu, 0);
    if (sum > taskCpu) {
      throw new ClientException(
        `The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'. The containers reserve ${sum} CPU units; the task has ${taskCpu}.`,
      );
    }
  }
  if (taskMemory !== undefined) {
    const sum = containers.reduce((acc, c) => acc + (c.memoryReservation ?? c.memory ?? 0), 0);
    if (sum > taskMemory) {
      const field = containers.some((c) => c.memoryReservation !== undefined) ? 'memoryReservation' : 'memory';
      throw new ClientException(
        `The sum of all container '${field}' values cannot be greater than the value of the task 'memory'. The containers reserve ${sum} MiB; the task has ${taskMemory}.`,
      );
    }
  }
}
