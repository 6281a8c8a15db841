// A task's container definitions and volumes as the agent keeps them: the assignment's proto objects with
// ECS's defaults applied, as plain JSON (they are checkpointed). Pure.
import type { ContainerDefinition } from '../../../proto/gen/ecs/v1/ContainerDefinition.js';
import type { Volume } from '../../../proto/gen/ecs/v1/Volume.js';
import type { Protocol } from '../runtime/runtime.js';

export interface PortMappingDef {
  containerPort: number;
  /** 0 when the agent picks a host port from the dynamic range. */
  hostPort: number;
  protocol: Protocol;
}

export interface MountPointDef {
  sourceVolume: string;
  containerPath: string;
  readOnly: boolean;
}

/** ECS's HealthCheck with its defaults applied (interval 30 s, timeout 5 s, retries 3, startPeriod 0). */
export interface HealthCheckDef {
  command: string[];
  interval: number;
  timeout: number;
  retries: number;
  startPeriod: number;
}

export interface UlimitDef {
  name: string;
  softLimit: number;
  hardLimit: number;
}

/** dependsOn: START (it started), COMPLETE (it exited), SUCCESS (it exited 0), HEALTHY (its health check passes). */
export type DependencyCondition = 'START' | 'COMPLETE' | 'SUCCESS' | 'HEALTHY';

export interface DependencyDef {
  containerName: string;
  condition: DependencyCondition;
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
  mountPoints: MountPointDef[];
  healthCheck?: HealthCheckDef;
  ulimits: UlimitDef[];
  privileged: boolean;
  readonlyRootFilesystem: boolean;
  disableNetworking: boolean;
  dnsServers: string[];
  dependsOn: DependencyDef[];
  /** Seconds the containers that depend on this one wait for it (COMPLETE, SUCCESS, HEALTHY); none by default. */
  startTimeout?: number;
  interactive: boolean;
  pseudoTerminal: boolean;
}

/**
 * A task definition volume: `host.sourcePath` set → a bind mount of that host path; otherwise a Docker
 * volume private to the task (created by the agent, named in dockerName once it exists).
 */
export interface VolumeDef {
  name: string;
  sourcePath?: string;
  dockerName?: string;
}

const HEALTH_DEFAULTS = { interval: 30, timeout: 5, retries: 3, startPeriod: 0 };
const CONDITIONS: ReadonlySet<string> = new Set<DependencyCondition>(['START', 'COMPLETE', 'SUCCESS', 'HEALTHY']);

function healthCheckOf(h: ContainerDefinition['healthCheck']): HealthCheckDef | undefined {
  if (!h?.command || h.command.length === 0) return undefined;
  return {
    command: [...h.command],
    interval: h.interval || HEALTH_DEFAULTS.interval,
    timeout: h.timeout || HEALTH_DEFAULTS.timeout,
    retries: h.retries || HEALTH_DEFAULTS.retries,
    startPeriod: h.startPeriod ?? HEALTH_DEFAULTS.startPeriod,
  };
}

/** The runtime-facing parts of a definition added after the first checkpoint format (defaults for old checkpoints). */
function hostSettings(d: ContainerDefinition): Pick<
  ContainerDef,
  'mountPoints' | 'healthCheck' | 'ulimits' | 'privileged' | 'readonlyRootFilesystem' | 'disableNetworking' | 'dnsServers' | 'dependsOn' | 'startTimeout' | 'interactive' | 'pseudoTerminal'
> {
  return {
    mountPoints: (d.mountPoints ?? []).map((m) => ({ sourceVolume: m.sourceVolume ?? '', containerPath: m.containerPath ?? '', readOnly: m.readOnly ?? false })),
    healthCheck: healthCheckOf(d.healthCheck),
    ulimits: (d.ulimits ?? []).map((u) => ({ name: u.name ?? '', softLimit: u.softLimit ?? 0, hardLimit: u.hardLimit ?? 0 })),
    privileged: d.privileged ?? false,
    readonlyRootFilesystem: d.readonlyRootFilesystem ?? false,
    disableNetworking: d.disableNetworking ?? false,
    dnsServers: [...(d.dnsServers ?? [])],
    dependsOn: (d.dependsOn ?? [])
      .filter((x) => x.containerName && CONDITIONS.has(x.condition ?? ''))
      .map((x) => ({ containerName: x.containerName!, condition: x.condition as DependencyCondition })),
    startTimeout: d.startTimeout || undefined,
    interactive: d.interactive ?? false,
    pseudoTerminal: d.pseudoTerminal ?? false,
  };
}

export function normalizeContainer(d: ContainerDefinition, i: number): ContainerDef {
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
    ...hostSettings(d),
  };
}

export function normalizeVolume(v: Volume, i: number): VolumeDef {
  const sourcePath = v.host?.sourcePath || undefined;
  return { name: v.name || `volume-${i}`, ...(sourcePath ? { sourcePath } : {}) };
}

/**
 * A definition read from a checkpoint written before a field existed gets that field's default
 * (a checkpoint is never rewritten in an older shape, so this only ever adds).
 */
export function upgradeContainerDef(def: ContainerDef): ContainerDef {
  const missing = (['mountPoints', 'ulimits', 'dnsServers', 'dependsOn'] as const).some((k) => !Array.isArray(def[k]));
  if (!missing && typeof def.privileged === 'boolean') return def;
  return { ...hostSettings({}), ...def };
}
