// Turns a container of a task into the runtime's ContainerSpec: ECS's names, labels, limits, mounts, health
// check, security settings and log driver. Pure.
import { LogOptionError, logDriverRefusal, logHandling } from '../../../common/log-options.js';
import type { ContainerSpec, HealthCheckSpec, MountSpec, PortBinding } from '../runtime/runtime.js';
import type { ContainerState, TaskState } from './task-state.js';

export const LABEL_TASK_ARN = 'com.amazonaws.ecs.task-arn';
export const LABEL_CONTAINER_NAME = 'com.amazonaws.ecs.container-name';
export const LABEL_CLUSTER = 'com.amazonaws.ecs.cluster';
export const LABEL_FAMILY = 'com.amazonaws.ecs.task-definition-family';
export const LABEL_VERSION = 'com.amazonaws.ecs.task-definition-version';
export const LABEL_INSTANCE = 'com.amazonaws.ecs.container-instance-arn';

/** Docker's minimum cpu shares; ECS gives it to containers with cpu 0 (or 1). */
export const MIN_CPU_SHARES = 2;

export interface SpecContext {
  cluster: string;
  containerInstanceArn: string;
  /** The Docker name for this container (see dockerName). */
  dockerName: string;
  /** Host ports for the container's port mappings, in mapping order (bridge mode). */
  hostPorts: number[];
  /** Log drivers allowed and Docker's buffer for routed containers (default DEFAULT_CONTAINER_LOGGING). */
  logging?: ContainerLogging;
}

/** What the spec needs to know about logging (ECS_AVAILABLE_LOGGING_DRIVERS, ECS_CONTAINER_LOG_DOCKER_*). */
export interface ContainerLogging {
  availableDrivers: string[];
  /** max-size and max-file of Docker's `local` driver for routed containers: the router's outage buffer. */
  dockerMaxSizeBytes: number;
  dockerMaxFiles: number;
}

export const DEFAULT_CONTAINER_LOGGING: ContainerLogging = {
  availableDrivers: ['json-file', 'none'],
  dockerMaxSizeBytes: 20 * 1024 * 1024,
  dockerMaxFiles: 5,
};

/**
 * Docker's log driver for a container: a routed one (no logConfiguration, or awsfirelens) writes to Docker's
 * `local` driver, which the agent's collector reads back; any other driver goes to Docker as given, if
 * ECS_AVAILABLE_LOGGING_DRIVERS lists it. Throws (with the reason the container fails with) otherwise.
 */
export function logConfigOf(c: ContainerState, logging: ContainerLogging = DEFAULT_CONTAINER_LOGGING): { type: string; options: Record<string, string> } {
  const lc = c.def.logConfiguration;
  const refusal = logDriverRefusal(lc, logging.availableDrivers);
  if (refusal) throw new Error(refusal);
  let handling;
  try {
    handling = logHandling(lc);
  } catch (err) {
    if (err instanceof LogOptionError) throw new Error(`Invalid 'logConfiguration' setting for container '${c.def.name}'. ${err.field}: ${err.message}`);
    throw err;
  }
  if (handling.kind === 'docker') return { type: handling.driver, options: handling.options };
  return {
    type: 'local',
    options: { 'max-size': String(logging.dockerMaxSizeBytes), 'max-file': String(logging.dockerMaxFiles), compress: 'false' },
  };
}

const UNSAFE = /[^a-zA-Z0-9_.-]/g;

/** ecs-agent's naming: ecs-<family>-<revision>-<containerName>-<random hex>. */
export function dockerName(task: TaskState, containerName: string, hex: string): string {
  return `ecs-${task.family}-${task.revision}-${containerName}-${hex}`.replace(UNSAFE, '');
}

export function ownLabels(task: TaskState, c: ContainerState, cluster: string, instanceArn: string): Record<string, string> {
  return {
    [LABEL_TASK_ARN]: task.arn,
    [LABEL_CONTAINER_NAME]: c.def.name,
    [LABEL_CLUSTER]: cluster,
    [LABEL_FAMILY]: task.family,
    [LABEL_VERSION]: String(task.revision),
    [LABEL_INSTANCE]: instanceArn,
  };
}

/** Docker legacy links `<dockerName of target>:<alias>`, from ECS links `name` or `name:alias`. */
function dockerLinks(task: TaskState, c: ContainerState): string[] {
  return c.def.links.map((link) => {
    const [target, alias] = link.split(':');
    const other = task.containers.find((x) => x.def.name === target);
    return `${other?.dockerName ?? target}:${alias || target}`;
  });
}

/** The container's mountPoints as mounts; a mount point naming no volume of the task is an error, not skipped. */
export function mountsOf(task: TaskState, c: ContainerState): MountSpec[] {
  return c.def.mountPoints.map((m) => {
    const v = task.volumes.find((x) => x.name === m.sourceVolume);
    if (!v) throw new Error(`mount point ${m.containerPath} of container ${c.def.name} names an unknown volume '${m.sourceVolume}'`);
    if (v.sourcePath) return { kind: 'bind', source: v.sourcePath, target: m.containerPath, readOnly: m.readOnly };
    if (!v.dockerName) throw new Error(`volume '${v.name}' of the task has not been created`);
    return { kind: 'volume', source: v.dockerName, target: m.containerPath, readOnly: m.readOnly };
  });
}

function healthCheckOf(c: ContainerState): HealthCheckSpec | undefined {
  const h = c.def.healthCheck;
  if (!h) return undefined;
  return { test: h.command, intervalSec: h.interval, timeoutSec: h.timeout, retries: h.retries, startPeriodSec: h.startPeriod };
}

export function buildSpec(task: TaskState, c: ContainerState, ctx: SpecContext): ContainerSpec {
  const d = c.def;
  const portBindings: PortBinding[] = d.portMappings.map((p, i) => ({
    containerPort: p.containerPort,
    hostPort: task.networkMode === 'bridge' ? (ctx.hostPorts[i] ?? p.hostPort) : p.containerPort,
    protocol: p.protocol,
  }));
  return {
    name: ctx.dockerName,
    image: d.image,
    entryPoint: d.entryPoint.length > 0 ? d.entryPoint : undefined,
    command: d.command.length > 0 ? d.command : undefined,
    env: d.environment.map((e) => `${e.name}=${e.value}`),
    workingDir: d.workingDirectory,
    user: d.user,
    hostname: d.hostname,
    // The agent's labels win over dockerLabels of the same name: they are how it knows its own containers.
    labels: { ...d.dockerLabels, ...ownLabels(task, c, ctx.cluster, ctx.containerInstanceArn) },
    cpuShares: Math.max(MIN_CPU_SHARES, d.cpu),
    memoryMiB: d.memory,
    memoryReservationMiB: d.memoryReservation,
    networkMode: task.networkMode,
    portBindings,
    links: task.networkMode === 'bridge' ? dockerLinks(task, c) : [],
    logConfig: logConfigOf(c, ctx.logging),
    stopTimeoutSec: d.stopTimeout,
    mounts: mountsOf(task, c),
    healthCheck: healthCheckOf(c),
    ulimits: d.ulimits.map((u) => ({ name: u.name, soft: u.softLimit, hard: u.hardLimit })),
    privileged: d.privileged,
    readonlyRootfs: d.readonlyRootFilesystem,
    networkDisabled: d.disableNetworking,
    dns: d.dnsServers,
    openStdin: d.interactive,
    tty: d.pseudoTerminal,
  };
}
