// The RegisterContainerInstance request: ECS resources (CPU units, MEMORY MiB, reserved PORTS and
// PORTS_UDP), ECS attributes (os, architecture, instance type, zone, capabilities, custom ones), tags and
// version info. Pure.
import type { RegisterContainerInstanceRequest } from '../../../proto/gen/ecs/v1/RegisterContainerInstanceRequest.js';
import type { Resource } from '../../../proto/gen/ecs/v1/Resource.js';
import type { Attribute } from '../../../proto/gen/ecs/v1/Attribute.js';
import { FIRELENS_DRIVER } from '../../../common/log-options.js';
import type { AgentOptions } from '../config/options.js';
import type { HostResources } from './host.js';

export interface AgentVersions {
  agentVersion: string;
  agentHash: string;
  /** e.g. 20.10.24 */
  dockerVersion: string;
  /** Highest and lowest Docker remote API versions the engine speaks, e.g. 1.41 and 1.12. */
  dockerApiVersion: string;
  dockerMinApiVersion?: string;
}

const CAPABILITY = 'com.amazonaws.ecs.capability.';
/** The oldest Docker remote API ECS lists as a capability. */
const FIRST_LISTED_API_MINOR = 17;

function apiMinor(v: string | undefined): number | undefined {
  const m = /^1\.(\d+)$/.exec(v ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The capabilities this agent can truthfully claim: the Docker remote API versions the engine speaks
 * (from 1.17, as ECS lists them), the awsfirelens log driver (always: the router is built into the agent,
 * no sidecar needed), and the Docker logging drivers it passes through (ECS_AVAILABLE_LOGGING_DRIVERS).
 * Task definitions require `logging-driver.<driver>` for each log driver they use (requiresAttributes).
 */
export function capabilityAttributes(options: Pick<AgentOptions, 'availableLoggingDrivers'>, v: AgentVersions): string[] {
  const out: string[] = [];
  const max = apiMinor(v.dockerApiVersion);
  const min = Math.max(FIRST_LISTED_API_MINOR, apiMinor(v.dockerMinApiVersion) ?? FIRST_LISTED_API_MINOR);
  if (max !== undefined) for (let m = min; m <= max; m++) out.push(`${CAPABILITY}docker-remote-api.1.${m}`);
  const drivers = [FIRELENS_DRIVER, ...options.availableLoggingDrivers.filter((d) => d !== FIRELENS_DRIVER)];
  for (const d of drivers) out.push(`${CAPABILITY}logging-driver.${d}`);
  return out;
}

export function registrationResources(options: AgentOptions, host: HostResources): Resource[] {
  return [
    { name: 'CPU', type: 'INTEGER', integerValue: host.cpuCores * 1024 },
    { name: 'MEMORY', type: 'INTEGER', integerValue: Math.max(0, host.memoryMiB - options.reservedMemoryMiB) },
    { name: 'PORTS', type: 'STRINGSET', stringSetValue: options.reservedPorts.map(String) },
    { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: options.reservedPortsUdp.map(String) },
  ];
}

export function registrationAttributes(options: AgentOptions, host: HostResources, v: AgentVersions): Attribute[] {
  const attrs: Attribute[] = [
    { name: 'ecs.os-type', value: 'linux' },
    { name: 'ecs.os-family', value: 'LINUX' },
    { name: 'ecs.cpu-architecture', value: host.cpuArchitecture },
    { name: 'ecs.instance-type', value: options.instanceType },
  ];
  if (options.availabilityZone) attrs.push({ name: 'ecs.availability-zone', value: options.availabilityZone });
  for (const name of capabilityAttributes(options, v)) attrs.push({ name });
  // What the agent does beyond the Docker API versions, under ECS's own capability names.
  for (const name of ['ecs.capability.container-health-check', 'ecs.capability.container-ordering']) attrs.push({ name });
  for (const [name, value] of Object.entries(options.instanceAttributes)) attrs.push({ name, value });
  return attrs;
}

export interface RegistrationInput {
  options: AgentOptions;
  host: HostResources;
  versions: AgentVersions;
  instanceId: string;
  containerInstanceArn?: string;
}

export function buildRegistrationRequest(i: RegistrationInput): RegisterContainerInstanceRequest {
  const req: RegisterContainerInstanceRequest = {
    cluster: i.options.cluster,
    instanceId: i.instanceId,
    totalResources: registrationResources(i.options, i.host),
    versionInfo: {
      agentVersion: i.versions.agentVersion,
      agentHash: i.versions.agentHash,
      dockerVersion: `DockerVersion: ${i.versions.dockerVersion}`,
    },
    attributes: registrationAttributes(i.options, i.host, i.versions),
    tags: Object.entries(i.options.instanceTags).map(([key, value]) => ({ key, value })),
  };
  if (i.containerInstanceArn) req.containerInstanceArn = i.containerInstanceArn;
  return req;
}
