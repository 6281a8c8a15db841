// Parameter validation before any call, after botocore's ParamValidator: every problem is collected
// and reported with the same wording and parameter paths (containerDefinitions[0].cpu).
import { INT32_MAX, INT32_MIN, type Shape, type StructureShape } from './shapes.js';
import { isPlainObject, pyStr, pyTypeName } from '../output/py.js';

const VALID_TYPES: Record<string, string> = {
  structure: "<class 'dict'>",
  map: "<class 'dict'>",
  list: "<class 'list'>, <class 'tuple'>",
  string: "<class 'str'>",
  blob: "<class 'bytes'>, <class 'bytearray'>, file-like object",
  integer: "<class 'int'>",
  long: "<class 'int'>",
  boolean: "<class 'bool'>",
  double: "<class 'float'>, <class 'decimal.Decimal'>, <class 'int'>",
};

/** Returns the report lines; empty when the params are valid. */
export function validateParams(params: unknown, shape: StructureShape): string[] {
  const errors: string[] = [];
  validate(params, shape, '', errors);
  return errors;
}

function label(name: string): string {
  if (!name) return 'input';
  return name.startsWith('.') ? name.slice(1) : name;
}

function invalidType(value: unknown, shape: Shape, name: string, errors: string[]): void {
  errors.push(
    `Invalid type for parameter ${label(name)}, value: ${pyStr(value)}, type: ${pyTypeName(value)}, ` +
      `valid types: ${VALID_TYPES[shape.type]}`,
  );
}

function validate(value: unknown, shape: Shape, name: string, errors: string[]): void {
  switch (shape.type) {
    case 'structure':
      if (!isPlainObject(value)) return invalidType(value, shape, name, errors);
      return validateStructure(value, shape, name, errors);
    case 'list':
      if (!Array.isArray(value)) return invalidType(value, shape, name, errors);
      value.forEach((item, i) => validate(item, shape.member, `${name}[${i}]`, errors));
      return;
    case 'map':
      if (!isPlainObject(value)) return invalidType(value, shape, name, errors);
      for (const [k, v] of Object.entries(value)) {
        validate(k, shape.key, `${name} (key: ${k})`, errors);
        validate(v, shape.value, `${name}.${k}`, errors);
      }
      return;
    case 'string':
    case 'blob':
      if (typeof value !== 'string') invalidType(value, shape, name, errors);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') invalidType(value, shape, name, errors);
      return;
    case 'double':
      if (typeof value !== 'number') invalidType(value, shape, name, errors);
      return;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) return invalidType(value, shape, name, errors);
      if (shape.type === 'integer' && (value < INT32_MIN || value > INT32_MAX)) {
        errors.push(`Invalid range for parameter ${label(name)}, value: ${value}, valid range: ${INT32_MIN}-${INT32_MAX}`);
      }
      return;
  }
}

function validateStructure(params: Record<string, unknown>, shape: StructureShape, name: string, errors: string[]): void {
  for (const required of shape.required) {
    if (!(required in params)) errors.push(`Missing required parameter in ${label(name)}: "${required}"`);
  }
  const known: string[] = [];
  for (const key of Object.keys(params)) {
    if (shape.members.has(key)) known.push(key);
    else {
      errors.push(
        `Unknown parameter in ${label(name)}: "${key}", must be one of: ${[...shape.members.keys()].join(', ')}`,
      );
    }
  }
  for (const key of known) validate(params[key], shape.members.get(key)!, `${name}.${key}`, errors);
}
