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

/**
 * aws help's "Shorthand Syntax" line (awscli's ParamShorthandDocGen): `a=string,b=integer`, nested
 * structures as `{...}`, nested lists as `[x,x]` (a top-level member list of scalars as `x,x`), maps
 * as `KeyName1=x,KeyName2=x`, and ` ...` after a list of structures. Undefined when the shape nests
 * too deep to be worth a shorthand (aws shows none then either).
 */
export function shorthandSyntax(shape: Shape): string | undefined {
  try {
    return shape.type === 'list' ? `${shorthandDocs(shape.member, [])} ...` : shorthandDocs(shape, []);
  } catch (e) {
    if (e instanceof TooComplex) return undefined;
    throw e;
  }
}

class TooComplex extends Error {}
const MAX_STACK = 3;

/** A shape's name for recursion checks (botocore shapes are named; scalars by their type here). */
function shapeName(shape: Shape): string {
  return shape.type === 'structure' ? shape.name : shape.type;
}

function shorthandDocs(shape: Shape, stack: string[]): string {
  if (stack.length > MAX_STACK) throw new TooComplex();
  switch (shape.type) {
    case 'structure': {
      const parts = [...shape.members].map(([name, member]) => memberDocs(name, member, stack));
      return stack.length === 0 ? parts.join(',') : `{${parts.join(',')}}`;
    }
    case 'list': {
      stack.push(shapeName(shape.member));
      let element: string;
      try {
        element = shorthandDocs(shape.member, stack);
      } finally {
        stack.pop();
      }
      return !isScalar(shape.member) || stack.length > 1 ? `[${element},${element}]` : `${element},${element}`;
    }
    case 'map': {
      const value = shorthandDocs(shape.value, stack);
      const start = `KeyName1=${value},KeyName2=${value}`;
      return stack.length ? `{${start}}` : start;
    }
    default:
      return shape.type;
  }
}

function memberDocs(name: string, shape: Shape, stack: string[]): string {
  if (shape.type === 'structure' && stack.includes(shape.name)) return '( ... recursive ... )';
  stack.push(shapeName(shape));
  try {
    return `${name}=${shorthandDocs(shape, stack)}`;
  } finally {
    stack.pop();
  }
}
