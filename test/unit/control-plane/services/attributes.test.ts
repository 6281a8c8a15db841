// PutAttributes, DeleteAttributes, ListAttributes: ECS's rules for custom container instance attributes.
import t from 'tap';
import { deleteAttributes, listAttributes, putAttributes } from '../../../../control-plane/src/services/attributes.js';
import { deregisterContainerInstance } from '../../../../control-plane/src/services/container-instances.js';
import { addInstance, testContext, throwsEcs } from '../fixtures.js';

const attr = (over: object) => ({ name: 'stack', value: 'prod', ...over }) as any;
const listReq = (over: object = {}) => ({ targetType: 'container-instance', ...over }) as any;

t.test('PutAttributes sets a custom attribute on an instance by ARN or id, and replaces it by name', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  const res = putAttributes(ctx, undefined, [attr({ targetId: arn })]);
  t.same(res.attributes, [{ name: 'stack', value: 'prod', targetType: 'container-instance', targetId: arn }]);
  putAttributes(ctx, undefined, [attr({ value: 'staging', targetId: arn.split('/').pop() })]);
  const stack = ctx.store.getInstance(arn)!.attributes.filter((a) => a.name === 'stack');
  t.same(stack, [{ name: 'stack', value: 'staging' }], 'one attribute per name, the newest value');
  putAttributes(ctx, undefined, [{ name: 'gpu', targetId: arn } as any]);
  t.ok(ctx.store.getInstance(arn)!.attributes.some((a) => a.name === 'gpu' && a.value === undefined), 'an attribute may have no value');
});

t.test('PutAttributes refuses bad names and values, reserved names, a missing target and more than 10 custom attributes', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  throwsEcs(t, () => putAttributes(ctx, undefined, [attr({ name: 'bad name', targetId: arn })]), 'InvalidParameterException', ['bad name']);
  throwsEcs(t, () => putAttributes(ctx, undefined, [attr({ name: 'x'.repeat(129), targetId: arn })]), 'InvalidParameterException');
  throwsEcs(t, () => putAttributes(ctx, undefined, [attr({ value: ' padded', targetId: arn })]), 'InvalidParameterException', ['padded']);
  throwsEcs(t, () => putAttributes(ctx, undefined, [attr({ value: 'a;b', targetId: arn })]), 'InvalidParameterException');
  throwsEcs(t, () => putAttributes(ctx, undefined, [attr({ name: 'ecs.availability-zone', targetId: arn })]), 'InvalidParameterException', ['reserved']);
  throwsEcs(t, () => putAttributes(ctx, undefined, [attr({})]), 'InvalidParameterException', ['targetId']);
  throwsEcs(t, () => putAttributes(ctx, undefined, [attr({ targetId: arn, targetType: 'service' })]), 'InvalidParameterException', ['targetType']);
  throwsEcs(t, () => putAttributes(ctx, undefined, [attr({ targetId: 'feedface' })]), 'TargetNotFoundException');
  throwsEcs(t, () => putAttributes(ctx, undefined, []), 'InvalidParameterException');
  const ten = Array.from({ length: 10 }, (_, i) => attr({ name: `a${i}`, targetId: arn }));
  putAttributes(ctx, undefined, ten);
  throwsEcs(t, () => putAttributes(ctx, undefined, [attr({ name: 'eleventh', targetId: arn })]), 'AttributeLimitExceededException');
  t.notOk(ctx.store.getInstance(arn)!.attributes.some((a) => a.name === 'eleventh'), 'nothing was written');
  putAttributes(ctx, undefined, [attr({ name: 'a0', value: 'changed', targetId: arn })]);
  t.pass('replacing one of the ten is fine');
});

t.test('DeleteAttributes removes custom attributes and refuses unknown ones', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const arn = addInstance(ctx);
  putAttributes(ctx, undefined, [attr({ targetId: arn })]);
  const res = deleteAttributes(ctx, undefined, [{ name: 'stack', targetId: arn } as any]);
  t.same(res.attributes, [{ name: 'stack', value: 'prod', targetType: 'container-instance', targetId: arn }]);
  t.notOk(ctx.store.getInstance(arn)!.attributes.some((a) => a.name === 'stack'));
  throwsEcs(t, () => deleteAttributes(ctx, undefined, [{ name: 'stack', targetId: arn } as any]), 'TargetNotFoundException');
  throwsEcs(t, () => deleteAttributes(ctx, undefined, [{ name: 'ecs.os-type', targetId: arn } as any]), 'InvalidParameterException', ['reserved']);
});

t.test('ListAttributes lists built-in and custom attributes, filtered by name and value, with pagination', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const a = addInstance(ctx, { attributes: [{ name: 'ecs.os-type', value: 'linux' }] });
  const b = addInstance(ctx);
  const gone = addInstance(ctx);
  putAttributes(ctx, undefined, [attr({ targetId: a }), attr({ value: 'dev', targetId: b }), attr({ targetId: gone })]);
  deregisterContainerInstance(ctx, undefined, gone, false);
  const byTarget = (xs: any[]) => xs.map((x) => [x.targetId, x.value]).sort((p, q) => String(p[0]).localeCompare(String(q[0])));
  t.same(byTarget(listAttributes(ctx, listReq({ attributeName: 'stack' })).attributes), byTarget([{ targetId: a, value: 'prod' }, { targetId: b, value: 'dev' }]));
  t.same(listAttributes(ctx, listReq({ attributeName: 'stack', attributeValue: 'dev' })).attributes.map((x) => x.targetId), [b]);
  const all = listAttributes(ctx, listReq()).attributes;
  t.ok(all.some((x) => x.name === 'ecs.os-type' && x.targetId === a), 'built-in attributes are listed too');
  const page = listAttributes(ctx, listReq({ maxResults: 1 }));
  t.equal(page.attributes.length, 1);
  t.ok(page.nextToken);
  throwsEcs(t, () => listAttributes(ctx, listReq({ targetType: 'task' })), 'InvalidParameterException', ['targetType']);
  throwsEcs(t, () => listAttributes(ctx, listReq({ attributeValue: 'dev' })), 'InvalidParameterException', ['attributeName']);
});
