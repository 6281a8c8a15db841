// The cluster query language's syntax tree, and the tables of subjects and operators from ECS's
// "Create expressions to define container instances for Amazon ECS tasks" (cluster-query-language).
// Comparisons carry their compiled test: parseQuery compiles regexes, dates, versions and lists once,
// so that evaluating an expression against thousands of instances neither re-parses nor allocates.
import type { InstanceFacts } from '../types.js';

/** Operators in their canonical (symbol) form. */
export type Operator = '==' | '!=' | '>' | '>=' | '<' | '<=' | 'exists' | '!exists' | 'in' | '!in' | '=~' | '!~';

/** Every operator, in the order the ECS documentation lists them. */
export const OPERATORS: readonly Operator[] = ['==', '!=', '>', '>=', '<', '<=', 'exists', '!exists', 'in', '!in', '=~', '!~'];

/** The word form of each operator, as documented (exists has no other form). */
export const OPERATOR_WORDS: Readonly<Record<string, Operator>> = {
  equals: '==',
  not_equals: '!=',
  greater_than: '>',
  greater_than_equal: '>=',
  less_than: '<',
  less_than_equal: '<=',
  exists: 'exists',
  not_exists: '!exists',
  in: 'in',
  not_in: '!in',
  matches: '=~',
  not_matches: '!~',
};

/** The subjects other than attribute:<name>. */
export type FieldName = 'agentConnected' | 'agentVersion' | 'ec2InstanceId' | 'registeredAt' | 'runningTasksCount' | 'task:group';

export const FIELD_NAMES: readonly FieldName[] = [
  'agentConnected',
  'agentVersion',
  'ec2InstanceId',
  'registeredAt',
  'runningTasksCount',
  'task:group',
];

export type Subject = { kind: 'field'; name: FieldName } | { kind: 'attribute'; name: string };

const EQUALITY_SET_MATCH: readonly Operator[] = ['==', '!=', 'in', '!in', '=~', '!~'];
const ORDERED: readonly Operator[] = ['==', '!=', '>', '>=', '<', '<='];

/**
 * The operators each subject accepts: the "Valid operators" lists of the documentation. The documentation
 * lists none for attribute:<name> (every operator applies) nor for task:group (we take the ones that make
 * sense for a set of group names).
 */
export const VALID_OPERATORS: Readonly<Record<FieldName | 'attribute', readonly Operator[]>> = {
  agentConnected: EQUALITY_SET_MATCH,
  agentVersion: ORDERED,
  attribute: OPERATORS,
  ec2InstanceId: EQUALITY_SET_MATCH,
  registeredAt: ORDERED,
  runningTasksCount: ORDERED,
  'task:group': EQUALITY_SET_MATCH,
};

/** `subject operator [argument]`, compiled. */
export interface Comparison {
  readonly kind: 'compare';
  readonly subject: Subject;
  readonly op: Operator;
  /** The argument as written, without quotes: none for exists and !exists, the list for in and !in, else one value. */
  readonly args: readonly string[];
  /** The whole comparison against one instance, compiled by parseQuery. */
  readonly test: (facts: InstanceFacts) => boolean;
}

export interface Not {
  readonly kind: 'not';
  readonly operand: QueryExpr;
  /** The operand's test, negated (compiled by parseQuery). */
  readonly test: (facts: InstanceFacts) => boolean;
}

/** Two or more operands; nested and-s are flattened. */
export interface And {
  readonly kind: 'and';
  readonly operands: readonly QueryExpr[];
  /** All operands' tests, short-circuiting (compiled by parseQuery). */
  readonly test: (facts: InstanceFacts) => boolean;
}

/** Two or more operands; nested or-s are flattened. */
export interface Or {
  readonly kind: 'or';
  readonly operands: readonly QueryExpr[];
  /** Any operand's test, short-circuiting (compiled by parseQuery). */
  readonly test: (facts: InstanceFacts) => boolean;
}

export type QueryExpr = Comparison | Not | And | Or;

/** The subject as written in an expression: attribute:<name> or the field name. */
export function subjectText(s: Subject): string {
  return s.kind === 'attribute' ? `attribute:${s.name}` : s.name;
}

/** The maximum length of an expression (PlacementConstraint.expression in botocore's ECS model). */
export const MAX_EXPRESSION_LENGTH = 2000;
