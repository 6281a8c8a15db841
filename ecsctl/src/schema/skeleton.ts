// Example documents generated from shapes: the request skeleton of --generate-cli-skeleton (as
// aws prints it: "" for strings, 0 for numbers, true for booleans, one member per list), and the
// "Shorthand Syntax" / "JSON Syntax" blocks of help.
import { isScalar, type Shape } from './shapes.js';
import { PyFloat } from '../output/py.js';

export function skeleton(shape: Shape, stack: string[] = []): unknown {
  switch (shape.type) {
    case 'string':
    case 'blob':
      return '';
    case 'integer':
    case 'long':
      return 0;
    case 'double':
      return new PyFloat(0);
    case 'boolean':
      return true;
    case 'list':
      return [skeleton(shape.member, stack)];
    case 'map':
      return { KeyName: skeleton(shape.value, stack) };
    case 'structure': {
      if (stack.includes(shape.name)) return {};
      const out: Record<string, unknown> = {};
      for (const [name, member] of shape.members) out[name] = skeleton(member, [...stack, shape.name]);
      return out;
    }
  }
}

/** aws help's "JSON Syntax" block for a flag: type names in place of values, two-space indent. */
export function jsonSyntax(shape: Shape, indent = '', stack: string[] = []): string {
  const inner = `${indent}  `;
  switch (shape.type) {
    case 'list':
      return `[\n${inner}${jsonSyntax(shape.member, inner, stack)}\n${inner}...\n${indent}]`;
    case 'map':
      return `{"string": ${jsonSyntax(shape.value, inner, stack)}\n${inner}...}`;
    case 'structure': {
      if (stack.includes(shape.name)) return '{ ... recursive ... }';
      const lines = [...shape.members].map(([n, m]) => `${inner}"${n}": ${jsonSyntax(m, inner, [...stack, shape.name])}`);
      return `{\n${lines.join(',\n')}\n${indent}}`;
    }
    case 'string':
      return '"string"';
    default:
      return shape.type;
  }
}

/** aws help's "Shorthand Syntax" line, for structures (or lists of them) whose members are scalars or scalar lists. */
export function shorthandSyntax(shape: Shape): string | undefined {
  const struct = shape.type === 'list' ? shape.member : shape;
  if (struct.type !== 'structure') return undefined;
  const parts: string[] = [];
  for (const [name, member] of struct.members) {
    if (isScalar(member)) parts.push(`${name}=${member.type}`);
    else if (member.type === 'list' && isScalar(member.member)) parts.push(`${name}=${member.member.type},${member.member.type}`);
    else return undefined;
  }
  return shape.type === 'list' ? `${parts.join(',')} ...` : parts.join(',');
}
