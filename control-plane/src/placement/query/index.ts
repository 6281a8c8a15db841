// The cluster query language (ECS developer guide, "Create expressions to define container instances for
// Amazon ECS tasks"): memberOf constraints and ListContainerInstances --filter.
//
//   const expr = parseQuery('attribute:ecs.instance-type =~ t2.* and not(task:group == service:web)');
//   instances.filter((i) => evaluateQuery(expr, i));
//   formatQuery(expr); // canonical text, for explanations
export { parseQuery } from './parser.js';
export { evaluateQuery } from './evaluate.js';
export { formatQuery } from './format.js';
export {
  FIELD_NAMES,
  MAX_EXPRESSION_LENGTH,
  OPERATORS,
  OPERATOR_WORDS,
  VALID_OPERATORS,
  subjectText,
  type And,
  type Comparison,
  type FieldName,
  type Not,
  type Operator,
  type Or,
  type QueryExpr,
  type Subject,
} from './ast.js';
