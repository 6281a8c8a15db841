// ECS ARNs: arn:aws:ecs:<region>:<account>:<type>/... with region and account configurable.
import { InvalidParameterException } from './errors.js';

export interface ArnScope {
  region: string;
  account: string;
}

export type ArnType = 'cluster' | 'task-definition' | 'task' | 'container-instance' | 'container' | 'service';

const ARN_RE = /^arn:aws:ecs:([^:]*):([^:]*):([a-z-]+)\/(.+)$/;

export interface ParsedArn {
  region: string;
  account: string;
  type: string;
  /** everything after `<type>/` */
  resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const m = ARN_RE.exec(arn);
  if (!m) return undefined;
  return { region: m[1], account: m[2], type: m[3], resource: m[4] };
}

export function isArn(s: string): boolean {
  return s.startsWith('arn:');
}

export function clusterArn(scope: ArnScope, name: string): string {
  return `arn:aws:ecs:${scope.region}:${scope.account}:cluster/${name}`;
}

export function taskDefinitionArn(scope: ArnScope, family: string, revision: number): string {
  return `arn:aws:ecs:${scope.region}:${scope.account}:task-definition/${family}:${revision}`;
}

export function taskArn(scope: ArnScope, cluster: string, id: string): string {
  return `arn:aws:ecs:${scope.region}:${scope.account}:task/${cluster}/${id}`;
}

export function containerInstanceArn(scope: ArnScope, cluster: string, id: string): string {
  return `arn:aws:ecs:${scope.region}:${scope.account}:container-instance/${cluster}/${id}`;
}

export function containerArn(scope: ArnScope, cluster: string, taskId: string, containerId: string): string {
  return `arn:aws:ecs:${scope.region}:${scope.account}:container/${cluster}/${taskId}/${containerId}`;
}

/** The last path segment of an ARN (a task id, an instance id), or the input when it is not an ARN. */
export function resourceId(arnOrId: string): string {
  const p = parseArn(arnOrId);
  if (!p) return arnOrId;
  const parts = p.resource.split('/');
  return parts[parts.length - 1];
}

/** A cluster name from a name or cluster ARN. */
export function clusterNameOf(nameOrArn: string): string {
  if (!isArn(nameOrArn)) return nameOrArn;
  const p = parseArn(nameOrArn);
  if (!p || p.type !== 'cluster') throw new InvalidParameterException(`Invalid cluster ARN: ${nameOrArn}`);
  return p.resource;
}

/** The cluster name embedded in a task / container-instance ARN in the new (long) format. */
export function clusterOfResourceArn(arn: string): string | undefined {
  const p = parseArn(arn);
  if (!p) return undefined;
  const parts = p.resource.split('/');
  return parts.length >= 2 ? parts[0] : undefined;
}
