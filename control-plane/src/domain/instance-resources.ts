// A container instance's remaining resources and task counters, derived from what its tasks hold.
// Pure: resources are registered minus the needs of every task on the instance not yet STOPPED.
import type { Resource__Output } from '../../../proto/gen/ecs/v1/Resource.js';
import type { InstanceRecord, TaskRecord } from './records.js';
import { isPendingStatus } from './task-lifecycle.js';

export interface Remaining {
  cpu: number;
  memory: number;
  tcpPorts: Set<number>;
  udpPorts: Set<number>;
}

export function resource(resources: Resource__Output[], name: string): Resource__Output | undefined {
  return resources.find((r) => r.name === name);
}

export function integerResource(name: string, value: number): Resource__Output {
  return { name, type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: value, stringSetValue: [] };
}

export function stringSetResource(name: string, values: string[]): Resource__Output {
  return { name, type: 'STRINGSET', doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: values };
}

function ports(r: Resource__Output | undefined): number[] {
  return (r?.stringSetValue ?? []).map(Number).filter((n) => Number.isInteger(n));
}

/** The resources still free on an instance: what placement checks against. Used ports are listed. */
export function remaining(instance: InstanceRecord, tasks: TaskRecord[]): Remaining {
  const reg = instance.registeredResources;
  const out: Remaining = {
    cpu: resource(reg, 'CPU')?.integerValue ?? 0,
    memory: resource(reg, 'MEMORY')?.integerValue ?? 0,
    tcpPorts: new Set(ports(resource(reg, 'PORTS'))),
    udpPorts: new Set(ports(resource(reg, 'PORTS_UDP'))),
  };
  for (const t of tasks) {
    if (t.task.lastStatus === 'STOPPED' || t.task.containerInstanceArn !== instance.arn) continue;
    out.cpu -= t.needs.cpu;
    out.memory -= t.needs.memory;
    for (const p of t.needs.tcpPorts) out.tcpPorts.add(p);
    for (const p of t.needs.udpPorts) out.udpPorts.add(p);
  }
  return out;
}

/** ECS's remainingResources: CPU and MEMORY left, PORTS and PORTS_UDP in use (reserved + static). */
export function remainingResources(instance: InstanceRecord, tasks: TaskRecord[]): Resource__Output[] {
  const r = remaining(instance, tasks);
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b).map(String);
  return [
    integerResource('CPU', r.cpu),
    integerResource('MEMORY', r.memory),
    stringSetResource('PORTS', sorted(r.tcpPorts)),
    stringSetResource('PORTS_UDP', sorted(r.udpPorts)),
  ];
}

export function taskCounts(tasks: TaskRecord[]): { running: number; pending: number } {
  let running = 0;
  let pending = 0;
  for (const t of tasks) {
    if (t.task.lastStatus === 'RUNNING') running++;
    else if (isPendingStatus(t.task.lastStatus)) pending++;
  }
  return { running, pending };
}
