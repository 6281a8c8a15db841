// Evaluates a parsed expression against one instance. parseQuery compiled every node into a test
// (comparisons with their literals, regexes and lists; and/or/not as short-circuiting closures), so
// evaluation is one call that reads facts and allocates nothing.
import type { InstanceFacts } from '../types.js';
import type { QueryExpr } from './ast.js';

export function evaluateQuery(expr: QueryExpr, facts: InstanceFacts): boolean {
  return expr.test(facts);
}
