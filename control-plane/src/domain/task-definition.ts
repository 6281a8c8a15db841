// Task definitions: RegisterTaskDefinition's validation and normalization, task definition references, RunTask
// overrides and a task's resource needs. Pure functions, no I/O. Rules follow ECS (the API reference for
// RegisterTaskDefinition / ContainerDefinition, the developer guide's task definition parameters, and the
// exception texts ECS returns); each rule cites its source where it is implemented:
//   task-definition-units.ts      task-level cpu / memory strings ("1 vCPU", "2 GB") -> "1024", "2048"
//   task-definition-container.ts  one container: image, cpu, memory, ports, healthCheck, logs, ulimits, mounts
//   task-definition-relations.ts  names, essential, links, dependsOn, host ports, sums against the task
//   task-definition-ref.ts        'family' | 'family:revision' | ARN
//   task-definition-runtime.ts    applyOverrides, taskResourceNeeds, taskRequiresAttributes
// Registration failures are ClientException, as ECS returns them, except a bad awsfirelens option, which is
// InvalidParameterException naming the container and the field (issue 5); RunTask-time failures (overrides, a
// bad reference) are InvalidParameterException where ECS uses it.
import type { RegisterTaskDefinitionRequest__Output } from '../../../proto/gen/ecs/v1/RegisterTaskDefinitionRequest.js';
import type { ContainerDefinition__Output } from '../../../proto/gen/ecs/v1/ContainerDefinition.js';
import type { Volume__Output } from '../../../proto/gen/ecs/v1/Volume.js';
import type { TaskDefinitionPlacementConstraint__Output } from '../../../proto/gen/ecs/v1/TaskDefinitionPlacementConstraint.js';
import type { Attribute__Output } from '../../../proto/gen/ecs/v1/Attribute.js';
import { ClientException } from './errors.js';
import { NAME_RE, normalizeContainer, type NetworkMode } from './task-definition-container.js';
import { checkContainerNames, checkDependsOn, checkEssential, checkHostPorts, checkLinks, checkTaskSums } from './task-definition-relations.js';
import { FAMILY_RE } from './task-definition-ref.js';
import { taskRequiresAttributes } from './task-definition-runtime.js';
import { parseTaskCpu, parseTaskMemory } from './task-definition-units.js';

export type { NetworkMode } from './task-definition-container.js';
export { parseTaskDefinitionRef, type TaskDefinitionRef } from './task-definition-ref.js';
export { applyOverrides, taskRequiresAttributes, taskResourceNeeds, type TaskResourceNeeds } from './task-definition-runtime.js';
export { parseTaskCpu, parseTaskMemory } from './task-definition-units.js';
export { MAX_CONTAINERS } from './task-definition-relations.js';

/** What every task definition registered here can run on: container instances, like ECS's EC2 and EXTERNAL. */
export const COMPATIBILITIES: readonly string[] = ['EC2', 'EXTERNAL'];

/** The validated, normalized content of a new revision (no arn/revision/status yet). */
export interface TaskDefinitionContent {
  family: string;
  /** Normalized: essential defaulted to true, protocol to 'tcp', host-mode hostPort = containerPort,
   * healthCheck interval/timeout/retries defaulted to 30/5/3; bridge-mode hostPort left as given. */
  containerDefinitions: ContainerDefinition__Output[];
  networkMode: NetworkMode;
  volumes: Volume__Output[];
  placementConstraints: TaskDefinitionPlacementConstraint__Output[];
  /** The container instance attributes the task needs (one per distinct log driver), as ECS fills them. */
  requiresAttributes: Attribute__Output[];
  requiresCompatibilities: string[];
  /** Always ['EC2', 'EXTERNAL']. */
  compatibilities: string[];
  /** Integer string of CPU units, as ECS returns it. */
  cpu?: string;
  /** Integer string of MiB, as ECS returns it. */
  memory?: string;
  taskRoleArn?: string;
  executionRoleArn?: string;
  pidMode?: string;
  ipcMode?: string;
}

const PID_MODES: ReadonlySet<string> = new Set(['host', 'task']);
const IPC_MODES: ReadonlySet<string> = new Set(['host', 'task', 'none']);
/** ECS's quota on task definition placement constraints. */
const MAX_PLACEMENT_CONSTRAINTS = 10;

/** Validates a RegisterTaskDefinition request and returns the normalized content of the new revision. */
export function validateTaskDefinition(req: RegisterTaskDefinitionRequest__Output): TaskDefinitionContent {
  const family = checkFamily(req.family);
  checkContainerNames(req.containerDefinitions);
  const networkMode = checkNetworkMode(req.networkMode);
  const requiresCompatibilities = checkCompatibilities(req.requiresCompatibilities);
  const cpu = req.cpu !== undefined ? parseTaskCpu(req.cpu) : undefined;
  const memory = req.memory !== undefined ? parseTaskMemory(req.memory) : undefined;
  const pidMode = checkEnum('pidMode', req.pidMode, PID_MODES);
  const ipcMode = checkEnum('ipcMode', req.ipcMode, IPC_MODES);
  const volumes = checkVolumes(req.volumes);
  const placementConstraints = checkPlacementConstraints(req.placementConstraints);

  const taskMemory = memory !== undefined ? Number(memory) : undefined;
  const volumeNames = new Set(volumes.map((v) => v.name as string));
  const containerDefinitions = req.containerDefinitions.map((c) => normalizeContainer(c, { networkMode, taskMemory, volumeNames }));
  checkEssential(containerDefinitions);
  checkLinks(containerDefinitions, networkMode);
  checkDependsOn(containerDefinitions);
  checkHostPorts(containerDefinitions, networkMode);
  checkTaskSums(containerDefinitions, cpu !== undefined ? Number(cpu) : undefined, taskMemory);

  const content: TaskDefinitionContent = {
    family,
    containerDefinitions,
    networkMode,
    volumes,
    placementConstraints,
    requiresAttributes: taskRequiresAttributes(containerDefinitions),
    requiresCompatibilities,
    compatibilities: [...COMPATIBILITIES],
  };
  if (cpu !== undefined) content.cpu = cpu;
  if (memory !== undefined) content.memory = memory;
  if (req.taskRoleArn) content.taskRoleArn = req.taskRoleArn;
  if (req.executionRoleArn) content.executionRoleArn = req.executionRoleArn;
  if (pidMode !== undefined) content.pidMode = pidMode;
  if (ipcMode !== undefined) content.ipcMode = ipcMode;
  return content;
}

function checkFamily(family: string | undefined): string {
  if (!family) throw new ClientException("Family can not be blank. Give the task definition a 'family'.");
  if (family.length > 255) throw new ClientException(`Invalid 'family' setting. At most 255 characters are allowed; got ${family.length}.`);
  if (!FAMILY_RE.test(family)) {
    throw new ClientException(`Family contains invalid characters. 'family' '${family}' may contain only letters, numbers, hyphens and underscores.`);
  }
  return family;
}

/**
 * bridge (the default), host and none. awsvpc is refused: it gives each task an elastic network interface,
 * which container instances of this cluster do not have (like ECS Anywhere's EXTERNAL instances).
 */
function checkNetworkMode(mode: string | undefined): NetworkMode {
  if (mode === undefined || mode === '') return 'bridge';
  if (mode === 'bridge' || mode === 'host' || mode === 'none') return mode;
  if (mode === 'awsvpc') {
    throw new ClientException(
      "Invalid 'networkMode' setting for task. networkMode=awsvpc is not supported by this cluster: its container instances have no elastic network interfaces. Use bridge, host or none.",
    );
  }
  throw new ClientException(`Invalid 'networkMode' setting for task. It must be bridge, host or none; got '${mode}'.`);
}

/** EC2 and EXTERNAL are accepted (deduplicated); FARGATE and MANAGED_INSTANCES are refused clearly. */
function checkCompatibilities(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (v === 'FARGATE' || v === 'MANAGED_INSTANCES') {
      throw new ClientException(
        `Invalid 'requiresCompatibilities' setting. ${v} is not supported by this cluster, which runs tasks only on its own container instances; use EC2 or EXTERNAL.`,
      );
    }
    if (v !== 'EC2' && v !== 'EXTERNAL') {
      throw new ClientException(`Invalid 'requiresCompatibilities' setting. Values must be EC2 or EXTERNAL; got '${v}'.`);
    }
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

function checkEnum(field: string, value: string | undefined, allowed: ReadonlySet<string>): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!allowed.has(value)) {
    throw new ClientException(`Invalid '${field}' setting for task. It must be one of ${[...allowed].join(', ')}; got '${value}'.`);
  }
  return value;
}

/** Volume names: required, the container-name character rule, unique. host.sourcePath is optional. */
function checkVolumes(volumes: Volume__Output[]): Volume__Output[] {
  const seen = new Set<string>();
  for (const v of volumes) {
    if (!v.name) throw new ClientException("Invalid 'volumes' setting. Every volume needs a 'name'.");
    if (!NAME_RE.test(v.name)) {
      throw new ClientException(
        `Invalid 'volumes' setting. Volume name '${v.name}' must be 1-255 letters, numbers, hyphens and underscores.`,
      );
    }
    if (seen.has(v.name)) throw new ClientException(`Invalid 'volumes' setting. The volume name '${v.name}' is used more than once.`);
    seen.add(v.name);
  }
  return volumes.map((v) => structuredClone(v));
}

/** Task definition placement constraints: type memberOf with an expression, at most 10. */
function checkPlacementConstraints(
  constraints: TaskDefinitionPlacementConstraint__Output[],
): TaskDefinitionPlacementConstraint__Output[] {
  if (constraints.length > MAX_PLACEMENT_CONSTRAINTS) {
    throw new ClientException(
      `Invalid 'placementConstraints' setting. At most ${MAX_PLACEMENT_CONSTRAINTS} are allowed; got ${constraints.length}.`,
    );
  }
  for (const pc of constraints) {
    if (pc.type !== 'memberOf') {
      throw new ClientException(`Invalid 'placementConstraints' setting. A task definition constraint's 'type' must be memberOf; got '${pc.type}'.`);
    }
    if (!pc.expression || pc.expression.trim() === '') {
      throw new ClientException("Invalid 'placementConstraints' setting. A memberOf constraint needs an 'expression'.");
    }
  }
  return constraints.map((pc) => structuredClone(pc));
}
