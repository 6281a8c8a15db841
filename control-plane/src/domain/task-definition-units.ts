// Task-level `cpu` and `memory` strings, as RegisterTaskDefinition accepts them and as ECS returns them.
//
// ECS (RegisterTaskDefinitionRequest.cpu / .memory, and the developer guide's "Troubleshoot Amazon ECS task
// definition invalid CPU or memory errors"): cpu is an integer in CPU units ("1024") or a string in vCPUs
// ("1 vCPU", "1 vcpu", "0.5 vCPU"); memory is an integer in MiB ("1024") or a string in GB ("1GB", "1 GB").
// Both are converted to the integer string when the task definition is registered. For the EC2 and
// EXTERNAL launch types the supported cpu range is 128 (0.125 vCPU) to 196608 (192 vCPU) units.
// An invalid value fails with ClientException "Invalid 'cpu' setting for task." (or 'memory').
import { ClientException } from './errors.js';

/** ECS's supported task cpu range for the EC2 and EXTERNAL launch types, in CPU units. */
export const TASK_CPU_MIN = 128;
export const TASK_CPU_MAX = 196608;
/** The largest int32: ECS models these values as Integer. */
const INT32_MAX = 2147483647;

const INTEGER_RE = /^\d+$/;
const VCPU_RE = /^(\d+(?:\.\d+)?)\s*vcpus?$/i;
const GB_RE = /^(\d+(?:\.\d+)?)\s*gb$/i;

/**
 * Normalizes a task-level cpu value ("1024", "1 vCPU", "0.5 vcpu") to ECS's integer string of CPU units.
 * Throws ClientException "Invalid 'cpu' setting for task. ..." otherwise.
 */
export function parseTaskCpu(value: string): string {
  const s = value.trim();
  let units: number | undefined;
  if (INTEGER_RE.test(s)) units = Number(s);
  else {
    const m = VCPU_RE.exec(s);
    if (m) units = Number(m[1]) * 1024;
  }
  if (units === undefined) {
    throw new ClientException(
      `Invalid 'cpu' setting for task. '${value}' is neither a number of CPU units (e.g. "1024") nor vCPUs (e.g. "1 vCPU").`,
    );
  }
  if (!Number.isInteger(units)) {
    throw new ClientException(`Invalid 'cpu' setting for task. '${value}' is not a whole number of CPU units (1 vCPU = 1024 units).`);
  }
  if (units < TASK_CPU_MIN || units > TASK_CPU_MAX) {
    throw new ClientException(
      `Invalid 'cpu' setting for task. '${value}' must be between ${TASK_CPU_MIN} CPU units (0.125 vCPU) and ${TASK_CPU_MAX} CPU units (192 vCPU).`,
    );
  }
  return String(units);
}

/**
 * Normalizes a task-level memory value ("2048", "2 GB", "0.5GB") to ECS's integer string of MiB.
 * Throws ClientException "Invalid 'memory' setting for task. ..." otherwise.
 */
export function parseTaskMemory(value: string): string {
  const s = value.trim();
  let mib: number | undefined;
  if (INTEGER_RE.test(s)) mib = Number(s);
  else {
    const m = GB_RE.exec(s);
    if (m) mib = Number(m[1]) * 1024;
  }
  if (mib === undefined) {
    throw new ClientException(
      `Invalid 'memory' setting for task. '${value}' is neither a number of MiB (e.g. "2048") nor GB (e.g. "2 GB").`,
    );
  }
  if (!Number.isInteger(mib)) {
    throw new ClientException(`Invalid 'memory' setting for task. '${value}' is not a whole number of MiB (1 GB = 1024 MiB).`);
  }
  if (mib <= 0 || mib > INT32_MAX) {
    throw new ClientException(`Invalid 'memory' setting for task. '${value}' must be a positive number of MiB.`);
  }
  return String(mib);
}
