// JSON exactly as the AWS CLI prints it: Python's json.dump(indent=4, ensure_ascii=False), keys in
// the response's order, floats as Python spells them.
import { PyFloat, pyFloatRepr } from './py.js';

export function toJson(value: unknown, indent = ''): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return jsonNumber(value.value, true);
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return jsonNumber(value, false);
    case 'string':
      return JSON.stringify(value);
  }
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + toJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

function jsonNumber(x: number, isFloat: boolean): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(x) && !isFloat) return String(x);
  return pyFloatRepr(x);
}
