// PutAttributes, DeleteAttributes, ListAttributes: custom attributes of container instances, which
// placement constraints and the cluster query language match on.
import type { Attribute__Output } from '../../../proto/gen/ecs/v1/Attribute.js';
import type { ListAttributesRequest__Output } from '../../../proto/gen/ecs/v1/ListAttributesRequest.js';
import { AttributeLimitExceededException, InvalidParameterException, TargetNotFoundException } from '../domain/errors.js';
import type { ClusterRecord, InstanceRecord } from '../domain/records.js';
import { requireCluster } from './clusters.js';
import { findInstance } from './container-instances.js';
import type { Context } from './context.js';
import { paginate } from './pagination.js';

const TARGET_TYPE = 'container-instance';
const MAX_CUSTOM = 10;
const MAX_PER_CALL = 10;
const NAME_RE = /^[a-zA-Z0-9\-_/\\.]{1,128}$/;
const VALUE_RE = /^[a-zA-Z0-9\-_.@/\\: ]{1,128}$/;

/** Attributes the agent sets (ECS's own namespaces) are not custom and cannot be changed by users. */
export function isReservedAttribute(name: string): boolean {
  return name.startsWith('ecs.') || name.startsWith('com.amazonaws.ecs.');
}

function checkAttribute(a: Attribute__Output, withValue: boolean): void {
  if (!a.name || !NAME_RE.test(a.name)) {
    throw new InvalidParameterException(
      `Invalid attribute name '${a.name ?? ''}': up to 128 letters (uppercase and lowercase), numbers, hyphens, underscores, forward slashes, back slashes, or periods.`,
    );
  }
  if (isReservedAttribute(a.name)) {
    throw new InvalidParameterException(`Attribute name '${a.name}' is reserved: names starting with 'ecs.' or 'com.amazonaws.ecs.' are set by the agent.`);
  }
  if (withValue && a.value !== undefined && (!VALUE_RE.test(a.value) || a.value !== a.value.trim())) {
    throw new InvalidParameterException(
      `Invalid value '${a.value}' for attribute '${a.name}': up to 128 letters (uppercase and lowercase), numbers, hyphens, underscores, periods, at signs (@), forward slashes, back slashes, colons, or spaces, not starting or ending with a space.`,
    );
  }
  if (a.targetType !== undefined && a.targetType !== TARGET_TYPE) {
    throw new InvalidParameterException(`Invalid targetType '${a.targetType}' for attribute '${a.name}'. Valid value: ${TARGET_TYPE}.`);
  }
  if (!a.targetId) throw new InvalidParameterException(`targetId is required for attribute '${a.name}' (a container instance ARN or ID).`);
}

function target(ctx: Context, cluster: ClusterRecord, a: Attribute__Output): InstanceRecord {
  const i = findInstance(ctx, cluster, a.targetId!);
  if (!i || i.status === 'INACTIVE') throw new TargetNotFoundException(`Could not find the target '${a.targetId}' in cluster '${cluster.name}'.`);
  return i;
}

function echo(a: Attribute__Output, i: InstanceRecord): Attribute__Output {
  return { name: a.name, value: a.value, targetType: TARGET_TYPE, targetId: i.arn };
}

function checkBatch(attributes: Attribute__Output[], withValue: boolean): void {
  if (attributes.length === 0) throw new InvalidParameterException('attributes cannot be empty.');
  if (attributes.length > MAX_PER_CALL) throw new InvalidParameterException(`attributes can have at most ${MAX_PER_CALL} items.`);
  for (const a of attributes) checkAttribute(a, withValue);
}

/**
 * Applies `change` to each attribute's target instance, in one transaction, and echoes the attributes
 * as ECS does (with the target's full ARN). Several attributes for one instance change it once.
 */
function changeAttributes(
  ctx: Context,
  cluster: string | undefined,
  attributes: Attribute__Output[],
  withValues: boolean,
  change: (i: InstanceRecord, a: Attribute__Output) => { next: InstanceRecord; echoed: Attribute__Output },
): { attributes: Attribute__Output[] } {
  checkBatch(attributes, withValues);
  const out = ctx.store.transaction(() => {
    const c = requireCluster(ctx, cluster);
    const echoed: Attribute__Output[] = [];
    const changed = new Map<string, InstanceRecord>();
    for (const a of attributes) {
      const found = target(ctx, c, a);
      const r = change(changed.get(found.arn) ?? found, a);
      changed.set(found.arn, { ...r.next, version: found.version + 1 });
      echoed.push(r.echoed);
    }
    for (const i of changed.values()) ctx.store.putInstance(i);
    return echoed;
  });
  return { attributes: out };
}

export function putAttributes(ctx: Context, cluster: string | undefined, attributes: Attribute__Output[]): { attributes: Attribute__Output[] } {
  return changeAttributes(ctx, cluster, attributes, true, (i, a) => {
    const next = { ...i, attributes: [...i.attributes.filter((x) => x.name !== a.name), { name: a.name, value: a.value }] };
    if (next.attributes.filter((x) => !isReservedAttribute(x.name)).length > MAX_CUSTOM) {
      throw new AttributeLimitExceededException(`You can apply up to ${MAX_CUSTOM} custom attributes for each resource (${i.arn}).`);
    }
    return { next, echoed: echo(a, i) };
  });
}

export function deleteAttributes(ctx: Context, cluster: string | undefined, attributes: Attribute__Output[]): { attributes: Attribute__Output[] } {
  return changeAttributes(ctx, cluster, attributes, false, (i, a) => {
    const existing = i.attributes.find((x) => x.name === a.name);
    if (!existing) throw new TargetNotFoundException(`Attribute '${a.name}' was not found on ${i.arn}.`);
    return { next: { ...i, attributes: i.attributes.filter((x) => x.name !== a.name) }, echoed: echo({ ...a, value: existing.value }, i) };
  });
}

export function listAttributes(ctx: Context, req: ListAttributesRequest__Output): { attributes: Attribute__Output[]; nextToken?: string } {
  if (req.targetType !== TARGET_TYPE) throw new InvalidParameterException(`Invalid targetType '${req.targetType}'. Valid value: ${TARGET_TYPE}.`);
  if (req.attributeValue !== undefined && req.attributeName === undefined) {
    throw new InvalidParameterException('attributeValue can only be given together with attributeName.');
  }
  const c = requireCluster(ctx, req.cluster);
  const all: Attribute__Output[] = [];
  for (const i of ctx.store.listInstances(c.name).filter((x) => x.status !== 'INACTIVE')) {
    for (const a of i.attributes) {
      if (req.attributeName !== undefined && a.name !== req.attributeName) continue;
      if (req.attributeValue !== undefined && a.value !== req.attributeValue) continue;
      all.push({ name: a.name, value: a.value, targetType: TARGET_TYPE, targetId: i.arn });
    }
  }
  const page = paginate(all, req.nextToken, req.maxResults);
  return { attributes: page.items, nextToken: page.nextToken };
}
