// What this host has, read with systeminformation: logical CPUs, total memory, CPU architecture.
import si from 'systeminformation';
import { arch } from 'node:os';

export interface HostResources {
  cpuCores: number;
  memoryMiB: number;
  /** ECS's ecs.cpu-architecture: x86_64 or arm64. */
  cpuArchitecture: string;
}

export function ecsArchitecture(nodeArch: string): string {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'arm64';
  return nodeArch;
}

export async function readHostResources(): Promise<HostResources> {
  const [cpu, mem] = await Promise.all([si.cpu(), si.mem()]);
  return {
    cpuCores: cpu.cores,
    memoryMiB: Math.floor(mem.total / (1024 * 1024)),
    cpuArchitecture: ecsArchitecture(arch()),
  };
}
