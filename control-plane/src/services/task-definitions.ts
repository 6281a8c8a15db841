// RegisterTaskDefinition, DeregisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
// ListTaskDefinitionFamilies. Validation lives in domain/task-definition.ts.
import type { DescribeTaskDefinitionResponse__Output } from '../../../proto/gen/ecs/v1/DescribeTaskDefinitionResponse.js';
import type { ListTaskDefinitionFamiliesRequest__Output } from '../../../proto/gen/ecs/v1/ListTaskDefinitionFamiliesRequest.js';
import type { ListTaskDefinitionFamiliesResponse__Output } from '../../../proto/gen/ecs/v1/ListTaskDefinitionFamiliesResponse.js';
import type { ListTaskDefinitionsRequest__Output } from '../../../proto/gen/ecs/v1/ListTaskDefinitionsRequest.js';
import type { ListTaskDefinitionsResponse__Output } from '../../../proto/gen/ecs/v1/ListTaskDefinitionsResponse.js';
import type { RegisterTaskDefinitionRequest__Output } from '../../../proto/gen/ecs/v1/RegisterTaskDefinitionRequest.js';
import type { RegisterTaskDefinitionResponse__Output } from '../../../proto/gen/ecs/v1/RegisterTaskDefinitionResponse.js';
import type { TaskDefinition__Output } from '../../../proto/gen/ecs/v1/TaskDefinition.js';
import { taskDefinitionArn } from '../domain/arn.js';
import { ClientException, InvalidParameterException } from '../domain/errors.js';
import type { TaskDefinitionRecord } from '../domain/records.js';
import { parseTaskDefinitionRef, taskRequiresAttributes, validateTaskDefinition } from '../domain/task-definition.js';
import type { Context } from './context.js';
import { paginate } from './pagination.js';

export function registerTaskDefinition(ctx: Context, req: RegisterTaskDefinitionRequest__Output): RegisterTaskDefinitionResponse__Output {
  const content = validateTaskDefinition(req);
  if (req.tags.length > 50) throw new InvalidParameterException('tags can have at most 50 items.');
  const rec = ctx.store.transaction(() => {
    const revision = ctx.store.maxRevision(content.family) + 1;
    const taskDefinition: TaskDefinition__Output = {
      taskDefinitionArn: taskDefinitionArn(ctx.scope, content.family, revision),
      containerDefinitions: content.containerDefinitions,
      family: content.family,
      taskRoleArn: content.taskRoleArn,
      executionRoleArn: content.executionRoleArn,
      networkMode: content.networkMode,
      revision,
      volumes: content.volumes,
      status: 'ACTIVE',
      requiresAttributes: content.requiresAttributes,
      placementConstraints: content.placementConstraints,
      compatibilities: content.compatibilities,
      requiresCompatibilities: content.requiresCompatibilities,
      cpu: content.cpu,
      memory: content.memory,
      pidMode: content.pidMode,
      ipcMode: content.ipcMode,
      registeredAt: ctx.now(),
    };
    const r: TaskDefinitionRecord = { family: content.family, revision, status: 'ACTIVE', taskDefinition, tags: req.tags };
    ctx.store.putTaskDefinition(r);
    return r;
  });
  return { taskDefinition: rec.taskDefinition, tags: rec.tags };
}

/**
 * requiresAttributes are stored with each revision since issue 5 (the document is JSON, so no migration);
 * a revision registered before has an empty list, which is filled here from its containers when read, so
 * DescribeTaskDefinition and placement see the same attributes for every revision.
 */
function withRequiresAttributes(rec: TaskDefinitionRecord | undefined): TaskDefinitionRecord | undefined {
  if (!rec || rec.taskDefinition.requiresAttributes.length > 0) return rec;
  const requiresAttributes = taskRequiresAttributes(rec.taskDefinition.containerDefinitions);
  if (requiresAttributes.length === 0) return rec;
  return { ...rec, taskDefinition: { ...rec.taskDefinition, requiresAttributes } };
}

/** family → latest ACTIVE revision; family:revision or ARN → that revision (any status). */
export function resolveTaskDefinition(ctx: Context, ref: string): TaskDefinitionRecord | undefined {
  const parsed = parseTaskDefinitionRef(ref);
  if (parsed.revision === undefined) return withRequiresAttributes(ctx.store.latestTaskDefinition(parsed.family, 'ACTIVE'));
  return withRequiresAttributes(ctx.store.getTaskDefinition(parsed.family, parsed.revision));
}

export function describeTaskDefinition(ctx: Context, ref: string, include: string[]): DescribeTaskDefinitionResponse__Output {
  if (!ref) throw new ClientException('taskDefinition is required.');
  const rec = resolveTaskDefinition(ctx, ref);
  if (!rec) throw new ClientException('Unable to describe task definition.');
  return { taskDefinition: rec.taskDefinition, tags: include.includes('TAGS') ? rec.tags : [] };
}

export function deregisterTaskDefinition(ctx: Context, ref: string): { taskDefinition: TaskDefinition__Output } {
  if (!ref) throw new ClientException('taskDefinition is required.');
  const parsed = parseTaskDefinitionRef(ref);
  if (parsed.revision === undefined) {
    throw new ClientException('Invalid revision number. Specify the task definition as family:revision or its full ARN.');
  }
  const rec = ctx.store.transaction(() => {
    const r = withRequiresAttributes(ctx.store.getTaskDefinition(parsed.family, parsed.revision!));
    if (!r) throw new ClientException('The specified task definition does not exist.');
    if (r.status === 'INACTIVE') return r;
    const next: TaskDefinitionRecord = {
      ...r,
      status: 'INACTIVE',
      taskDefinition: { ...r.taskDefinition, status: 'INACTIVE', deregisteredAt: ctx.now() },
    };
    ctx.store.putTaskDefinition(next);
    return next;
  });
  return { taskDefinition: rec.taskDefinition };
}

function statusFilter(status: string | undefined, allowed: string[], dflt: string): string {
  const s = status ?? dflt;
  if (!allowed.includes(s)) {
    throw new InvalidParameterException(`Invalid value for status: '${s}'. Valid values: ${allowed.join(', ')}.`);
  }
  return s;
}

export function listTaskDefinitions(ctx: Context, req: ListTaskDefinitionsRequest__Output): ListTaskDefinitionsResponse__Output {
  const status = statusFilter(req.status, ['ACTIVE', 'INACTIVE'], 'ACTIVE');
  const sort = req.sort ?? 'ASC';
  if (sort !== 'ASC' && sort !== 'DESC') throw new InvalidParameterException(`Invalid value for sort: '${sort}'. Valid values: ASC, DESC.`);
  let arns = ctx.store.listTaskDefinitions({ family: req.familyPrefix, status }).map((r) => r.taskDefinition.taskDefinitionArn);
  if (sort === 'DESC') arns = arns.reverse();
  const page = paginate(arns, req.nextToken, req.maxResults);
  return { taskDefinitionArns: page.items, nextToken: page.nextToken };
}

export function listTaskDefinitionFamilies(
  ctx: Context,
  req: ListTaskDefinitionFamiliesRequest__Output,
): ListTaskDefinitionFamiliesResponse__Output {
  const status = statusFilter(req.status, ['ACTIVE', 'INACTIVE', 'ALL'], 'ALL');
  const all = ctx.store.listTaskDefinitions({ familyPrefix: req.familyPrefix });
  const active = new Set(all.filter((r) => r.status === 'ACTIVE').map((r) => r.family));
  const families = [...new Set(all.map((r) => r.family))].filter((f) =>
    status === 'ALL' ? true : status === 'ACTIVE' ? active.has(f) : !active.has(f),
  );
  const page = paginate(families, req.nextToken, req.maxResults);
  return { families: page.items, nextToken: page.nextToken };
}
