// Placement constraints and strategies, validated and compiled once: memberOf expressions are parsed
// here (one parse per place() call), strategy fields are resolved to what the rankers need. Every
// refusal is an InvalidParameterException that names the offending field, as ECS's API does.
//
// ECS sources: botocore's ECS model and the API reference (PlacementConstraint: type distinctInstance |
// memberOf, "you can't specify an expression if the constraint type is distinctInstance", expression up
// to 2000 characters; PlacementStrategy: type random | spread | binpack, "for the binpack placement
// strategy, valid values are cpu and memory", "for the spread placement strategy, valid values are
// instanceId (or host, which has the same effect), or any platform or custom attribute ... such as
// attribute:ecs.availability-zone", "for the random placement strategy, this field is not used");
// RunTask: "you can specify up to 10 constraints for each task (including constraints in the task
// definition and those specified at runtime)", "a maximum of 5 strategy rules for each task".
import { InvalidParameterException } from '../domain/errors.js';
import { formatQuery, MAX_EXPRESSION_LENGTH, parseQuery, type QueryExpr } from './query/index.js';
import type { PlacementConstraintSpec, PlacementStrategySpec } from './types.js';

export const MAX_PLACEMENT_CONSTRAINTS = 10;
export const MAX_PLACEMENT_STRATEGIES = 5;
export const MAX_STRATEGY_FIELD_LENGTH = 255;

export type CompiledConstraint =
  | { kind: 'memberOf'; expr: QueryExpr; /** formatQuery(expr): how reports name it */ text: string }
  | { kind: 'distinctInstance' };

export type CompiledStrategy =
  | { kind: 'binpack'; field: 'cpu' | 'memory' }
  /** spread over instanceId / host: every instance is its own bucket */
  | { kind: 'spreadInstance' }
  /** spread over attribute:<name>: one bucket per value (instances without a value share one bucket) */
  | { kind: 'spreadAttribute'; attribute: string }
  | { kind: 'random' };

export interface CompiledPlacement {
  constraints: CompiledConstraint[];
  strategies: CompiledStrategy[];
}

const CONSTRAINT_TYPES = 'distinctInstance, memberOf';
const STRATEGY_TYPES = 'random, spread, binpack';
const ATTRIBUTE_PREFIX = 'attribute:';

function present(s: string | undefined): s is string {
  return s !== undefined && s !== '';
}

function compileConstraint(c: PlacementConstraintSpec, i: number): CompiledConstraint {
  const where = `placementConstraints[${i}]`;
  if (!present(c.type)) throw new InvalidParameterException(`${where}.type is required. Valid values: ${CONSTRAINT_TYPES}.`);
  if (c.type === 'distinctInstance') {
    if (present(c.expression)) {
      throw new InvalidParameterException(`${where}.expression cannot be specified when the constraint type is distinctInstance.`);
    }
    return { kind: 'distinctInstance' };
  }
  if (c.type === 'memberOf') {
    if (!present(c.expression) || c.expression.trim() === '') {
      throw new InvalidParameterException(`${where}.expression is required when the constraint type is memberOf.`);
    }
    if (c.expression.length > MAX_EXPRESSION_LENGTH) {
      throw new InvalidParameterException(
        `${where}.expression can be up to ${MAX_EXPRESSION_LENGTH} characters long; got ${c.expression.length}.`,
      );
    }
    let expr: QueryExpr;
    try {
      expr = parseQuery(c.expression);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new InvalidParameterException(`${where}.expression: ${message}`);
    }
    return { kind: 'memberOf', expr, text: formatQuery(expr) };
  }
  throw new InvalidParameterException(`${where}.type '${c.type}' is not valid. Valid values: ${CONSTRAINT_TYPES}.`);
}

function compileStrategy(s: PlacementStrategySpec, i: number): CompiledStrategy {
  const where = `placementStrategy[${i}]`;
  if (!present(s.type)) throw new InvalidParameterException(`${where}.type is required. Valid values: ${STRATEGY_TYPES}.`);
  // ECS: "For the random placement strategy, this field is not used."
  if (s.type === 'random') return { kind: 'random' };
  if (s.type !== 'binpack' && s.type !== 'spread') {
    throw new InvalidParameterException(`${where}.type '${s.type}' is not valid. Valid values: ${STRATEGY_TYPES}.`);
  }
  const valid = s.type === 'binpack' ? 'cpu, memory' : 'instanceId, host, attribute:<name>';
  if (!present(s.field)) {
    throw new InvalidParameterException(`${where}.field is required for a ${s.type} strategy. Valid values: ${valid}.`);
  }
  if (s.field.length > MAX_STRATEGY_FIELD_LENGTH) {
    throw new InvalidParameterException(`${where}.field can be up to ${MAX_STRATEGY_FIELD_LENGTH} characters long.`);
  }
  const lower = s.field.toLowerCase();
  if (s.type === 'binpack') {
    // Accepted in any case: ECS echoes "MEMORY" back as given and places by it.
    if (lower === 'cpu' || lower === 'memory') return { kind: 'binpack', field: lower };
  } else if (lower === 'instanceid' || lower === 'host') {
    return { kind: 'spreadInstance' };
  } else if (s.field.startsWith(ATTRIBUTE_PREFIX) && s.field.length > ATTRIBUTE_PREFIX.length) {
    return { kind: 'spreadAttribute', attribute: s.field.slice(ATTRIBUTE_PREFIX.length) };
  }
  throw new InvalidParameterException(`${where}.field '${s.field}' is not valid for a ${s.type} strategy. Valid values: ${valid}.`);
}

/** Validates constraints and strategies and compiles them (memberOf expressions parsed once). */
export function compilePlacement(constraints: PlacementConstraintSpec[], strategies: PlacementStrategySpec[]): CompiledPlacement {
  if (constraints.length > MAX_PLACEMENT_CONSTRAINTS) {
    throw new InvalidParameterException(
      `placementConstraints can have at most ${MAX_PLACEMENT_CONSTRAINTS} items for a task, counting the task definition's; got ${constraints.length}.`,
    );
  }
  if (strategies.length > MAX_PLACEMENT_STRATEGIES) {
    throw new InvalidParameterException(
      `placementStrategy can have at most ${MAX_PLACEMENT_STRATEGIES} items; got ${strategies.length}.`,
    );
  }
  return { constraints: constraints.map(compileConstraint), strategies: strategies.map(compileStrategy) };
}
