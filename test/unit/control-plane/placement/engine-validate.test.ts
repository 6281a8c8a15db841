// validatePlacement: what ECS accepts and refuses in placementConstraints and placementStrategy, each
// refusal an InvalidParameterException naming the field. place() and chooseTasksToStop refuse the same.
import t from 'tap';
import {
  chooseTasksToStop,
  DEFAULT_SERVICE_STRATEGY,
  MAX_PLACEMENT_CONSTRAINTS,
  MAX_PLACEMENT_STRATEGIES,
  place,
  validatePlacement,
} from '../../../../control-plane/src/placement/engine.js';
import type { PlacementConstraintSpec, PlacementStrategySpec } from '../../../../control-plane/src/placement/types.js';
import { thrown, throwsEcs } from '../fixtures.js';
import { inst, req } from './engine-fixtures.js';

const memberOf = (expression: string): PlacementConstraintSpec => ({ type: 'memberOf', expression });

t.test('accepted constraints and strategies', async (t) => {
  const table: { name: string; constraints?: PlacementConstraintSpec[]; strategies?: PlacementStrategySpec[] }[] = [
    { name: 'nothing at all' },
    { name: 'distinctInstance without an expression', constraints: [{ type: 'distinctInstance' }] },
    { name: 'distinctInstance with an empty expression', constraints: [{ type: 'distinctInstance', expression: '' }] },
    { name: 'memberOf on an attribute', constraints: [memberOf('attribute:ecs.instance-type =~ t2.*')] },
    { name: 'memberOf on task:group', constraints: [memberOf('task:group == service:db')] },
    { name: `${MAX_PLACEMENT_CONSTRAINTS} constraints`, constraints: Array.from({ length: MAX_PLACEMENT_CONSTRAINTS }, () => ({ type: 'distinctInstance' })) },
    { name: 'random', strategies: [{ type: 'random' }] },
    { name: 'random ignores a field (ECS: not used)', strategies: [{ type: 'random', field: 'whatever' }] },
    { name: 'binpack cpu', strategies: [{ type: 'binpack', field: 'cpu' }] },
    { name: 'binpack memory', strategies: [{ type: 'binpack', field: 'memory' }] },
    { name: 'binpack MEMORY (any case)', strategies: [{ type: 'binpack', field: 'MEMORY' }] },
    { name: 'spread instanceId', strategies: [{ type: 'spread', field: 'instanceId' }] },
    { name: 'spread host', strategies: [{ type: 'spread', field: 'host' }] },
    { name: 'spread on an attribute', strategies: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }] },
    { name: 'spread on a custom attribute', strategies: [{ type: 'spread', field: 'attribute:stack' }] },
    { name: 'the default service strategy', strategies: DEFAULT_SERVICE_STRATEGY },
    {
      name: `${MAX_PLACEMENT_STRATEGIES} strategies`,
      strategies: Array.from({ length: MAX_PLACEMENT_STRATEGIES }, () => ({ type: 'binpack', field: 'cpu' })),
    },
  ];
  for (const row of table) {
    t.equal(thrown(() => validatePlacement(row.constraints ?? [], row.strategies ?? [])), undefined, row.name);
  }
});

t.test('refused constraints and strategies name the field', async (t) => {
  const table: { name: string; constraints?: PlacementConstraintSpec[]; strategies?: PlacementStrategySpec[]; fragments: string[] }[] = [
    {
      name: 'more than 10 constraints',
      constraints: Array.from({ length: 11 }, () => ({ type: 'distinctInstance' })),
      fragments: ['placementConstraints', '10', '11'],
    },
    { name: 'unknown constraint type', constraints: [{ type: 'sameInstance' }], fragments: ['placementConstraints[0].type', 'sameInstance', 'distinctInstance, memberOf'] },
    { name: 'constraint without a type', constraints: [{ type: '' }], fragments: ['placementConstraints[0].type', 'required'] },
    {
      name: 'distinctInstance with an expression',
      constraints: [{ type: 'distinctInstance', expression: 'attribute:a == b' }],
      fragments: ['placementConstraints[0].expression', 'distinctInstance'],
    },
    { name: 'memberOf without an expression', constraints: [{ type: 'distinctInstance' }, { type: 'memberOf' }], fragments: ['placementConstraints[1].expression', 'memberOf'] },
    { name: 'memberOf with a blank expression', constraints: [memberOf('   ')], fragments: ['placementConstraints[0].expression', 'required'] },
    { name: 'memberOf that does not parse', constraints: [memberOf('attribute:a ==')], fragments: ['placementConstraints[0].expression', 'attribute:a =='] },
    { name: 'memberOf over 2000 characters', constraints: [memberOf(`attribute:a == ${'x'.repeat(2000)}`)], fragments: ['placementConstraints[0].expression', '2000'] },
    {
      name: 'more than 5 strategies',
      strategies: Array.from({ length: 6 }, () => ({ type: 'random' })),
      fragments: ['placementStrategy', '5', '6'],
    },
    { name: 'unknown strategy type', strategies: [{ type: 'pack', field: 'cpu' }], fragments: ['placementStrategy[0].type', 'pack', 'random, spread, binpack'] },
    { name: 'strategy without a type', strategies: [{ type: '' }], fragments: ['placementStrategy[0].type', 'required'] },
    { name: 'binpack without a field', strategies: [{ type: 'binpack' }], fragments: ['placementStrategy[0].field', 'binpack', 'cpu, memory'] },
    { name: 'binpack on disk', strategies: [{ type: 'binpack', field: 'disk' }], fragments: ['placementStrategy[0].field', "'disk'", 'cpu, memory'] },
    { name: 'binpack on instanceId', strategies: [{ type: 'binpack', field: 'instanceId' }], fragments: ['placementStrategy[0].field', 'binpack'] },
    { name: 'spread without a field', strategies: [{ type: 'random' }, { type: 'spread' }], fragments: ['placementStrategy[1].field', 'spread', 'instanceId, host, attribute:<name>'] },
    { name: 'spread on memory', strategies: [{ type: 'spread', field: 'memory' }], fragments: ['placementStrategy[0].field', "'memory'", 'spread'] },
    { name: 'spread on attribute: with no name', strategies: [{ type: 'spread', field: 'attribute:' }], fragments: ['placementStrategy[0].field', "'attribute:'"] },
    { name: 'spread field over 255 characters', strategies: [{ type: 'spread', field: `attribute:${'a'.repeat(250)}` }], fragments: ['placementStrategy[0].field', '255'] },
  ];
  for (const row of table) {
    t.test(row.name, async (t) => {
      throwsEcs(t, () => validatePlacement(row.constraints ?? [], row.strategies ?? []), 'InvalidParameterException', row.fragments);
      throwsEcs(t, () => place([inst('a')], req({ constraints: row.constraints ?? [], strategies: row.strategies ?? [] }), () => 0), 'InvalidParameterException', row.fragments);
      if (!row.constraints) {
        throwsEcs(t, () => chooseTasksToStop([inst('a')], [], row.strategies ?? [], 'g', 1, () => 0), 'InvalidParameterException', row.fragments);
      }
    });
  }
});

t.test('the default service strategy spreads over Availability Zones, then over instances', async (t) => {
  t.strictSame(DEFAULT_SERVICE_STRATEGY, [
    { type: 'spread', field: 'attribute:ecs.availability-zone' },
    { type: 'spread', field: 'instanceId' },
  ]);
});
