// The canonical text of a parsed expression, for explanations ("memberOf(attribute:ecs.instance-type =~ t2.*)"):
// symbol operators, lower-case and/or, not(...), single spaces, lists as [a, b], values quoted only when
// they need it, and parentheses only where precedence needs them. parseQuery reads it back to an
// expression that selects the same instances.
import { subjectText, type QueryExpr } from './ast.js';
import { VALUE_RE } from './scanner.js';

function formatValue(v: string): string {
  if (VALUE_RE.test(v)) return v;
  return v.includes("'") ? `"${v}"` : `'${v}'`;
}

export function formatQuery(expr: QueryExpr): string {
  switch (expr.kind) {
    case 'compare': {
      const head = `${subjectText(expr.subject)} ${expr.op}`;
      if (expr.op === 'exists' || expr.op === '!exists') return head;
      if (expr.op === 'in' || expr.op === '!in') return `${head} [${expr.args.map(formatValue).join(', ')}]`;
      return `${head} ${formatValue(expr.args[0] ?? '')}`;
    }
    case 'not':
      return `not(${formatQuery(expr.operand)})`;
    case 'and':
      return expr.operands.map((o) => (o.kind === 'or' ? `(${formatQuery(o)})` : formatQuery(o))).join(' and ');
    case 'or':
      return expr.operands.map(formatQuery).join(' or ');
  }
}
