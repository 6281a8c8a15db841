// The AWS CLI's shorthand syntax (awscli/shorthand.py), ported: `type=spread,field=attribute:ecs.az`,
// `key=[a,b]`, `a=b,c` (a list), `{k=v}` hashes, quoted values. Then the model-driven pass
// (BackCompatVisitor) that turns strings into integers/booleans and scalars into one-element lists
// where the shape says so.
import { isScalar, type Shape } from '../schema/shapes.js';
import { isPlainObject } from '../output/py.js';

export type ShorthandValue = string | ShorthandValue[] | { [key: string]: ShorthandValue };

export class ShorthandParseError extends Error {}

const START_WORD = '!#-&(-+\\--<>-Z\\\\-z|-\\uffff';
const FIRST_FOLLOW = '\\s!#-&(-+\\--\\\\^-|~-\\uffff';
const SECOND_FOLLOW = '\\s!#-&(-+\\--<>-\\uffff';
const FIRST_VALUE = new RegExp(`^((\\\\,)|[${START_WORD}])((\\\\,)|[${FIRST_FOLLOW}])*`);
const SECOND_VALUE = new RegExp(`^((\\\\,)|[${START_WORD}])((\\\\,)|[${SECOND_FOLLOW}])*`);
const SINGLE_QUOTED = /^'(?:\\\\|\\'|[^'])*'/;
const DOUBLE_QUOTED = /^"(?:\\\\|\\"|[^"])*"/;
const KEY_CHARS = /[A-Za-z0-9\-_.#/:]/;
const WHITESPACE = /\s/;

class SyntaxErr extends ShorthandParseError {
  constructor(value: string, expected: string, actual: string, index: number) {
    super(`Expected: '${expected}', received: '${actual}' for input:\n${errorLocation(value, index)}`);
  }
}

function errorLocation(value: string, index: number): string {
  let consumed = value;
  let remaining = '';
  let spaces = index;
  const before = value.slice(0, index);
  if (before.includes('\n')) spaces = index - before.lastIndexOf('\n') - 1;
  const after = value.slice(index);
  if (after.includes('\n')) {
    const next = index + after.indexOf('\n');
    consumed = value.slice(0, next);
    remaining = value.slice(next);
  }
  return `${consumed}\n${' '.repeat(spaces)}^${remaining}`;
}

/** Parses one shorthand expression into a dict (values are strings, lists, or dicts). */
export function parseShorthand(input: string): Record<string, ShorthandValue> {
  return new Parser(input).parameter();
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parameter(): Record<string, ShorthandValue> {
    const params: Record<string, ShorthandValue> = {};
    let [key, val] = this.keyval();
    params[key] = val;
    let lastIndex = this.i;
    while (this.i < this.s.length) {
      this.expect(',', true);
      [key, val] = this.keyval();
      if (key in params) {
        throw new ShorthandParseError(
          `Second instance of key "${key}" encountered for input:\n${errorLocation(this.s, lastIndex + 1)}\n` +
            'This is often because there is a preceeding "," instead of a space.',
        );
      }
      params[key] = val;
      lastIndex = this.i;
    }
    return params;
  }

  private keyval(): [string, ShorthandValue] {
    const key = this.key();
    this.expect('=', true);
    return [key, this.values()];
  }

  private key(): string {
    const start = this.i;
    while (!this.eof() && KEY_CHARS.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }

  private values(): ShorthandValue {
    if (this.eof()) return '';
    if (this.current() === '[') return this.explicitList();
    if (this.current() === '{') return this.hashLiteral();
    return this.csvValue();
  }

  private csvValue(): ShorthandValue {
    const first = this.firstValue();
    this.skipWhitespace();
    if (this.eof() || this.s[this.i] !== ',') return first;
    this.expect(',', true);
    const list: string[] = [first];
    for (;;) {
      try {
        const current = this.secondValue();
        this.skipWhitespace();
        if (this.eof()) {
          list.push(current);
          break;
        }
        this.expect(',', true);
        list.push(current);
      } catch (e) {
        if (!(e instanceof SyntaxErr) || this.eof()) throw e;
        // a=b,c=d: what followed the comma was the next key; back up to the comma.
        while (this.i >= 0 && this.s[this.i] !== ',') this.i--;
        break;
      }
    }
    return list.length === 1 ? first : list;
  }

  private explicitList(): ShorthandValue[] {
    this.expect('[', true);
    const values: ShorthandValue[] = [];
    while (this.current() !== ']') {
      values.push(this.explicitValues());
      this.skipWhitespace();
      if (this.current() !== ']') {
        this.expect(',');
        this.skipWhitespace();
      }
    }
    this.expect(']');
    return values;
  }

  private explicitValues(): ShorthandValue {
    if (this.current() === '[') return this.explicitList();
    if (this.current() === '{') return this.hashLiteral();
    return this.firstValue();
  }

  private hashLiteral(): Record<string, ShorthandValue> {
    this.expect('{', true);
    const out: Record<string, ShorthandValue> = {};
    while (this.current() !== '}') {
      const key = this.key();
      this.expect('=', true);
      const v = this.explicitValues();
      this.skipWhitespace();
      if (this.current() !== '}') {
        this.expect(',');
        this.skipWhitespace();
      }
      out[key] = v;
    }
    this.expect('}');
    return out;
  }

  private firstValue(): string {
    if (this.current() === "'") return this.quoted(SINGLE_QUOTED, "'");
    if (this.current() === '"') return this.quoted(DOUBLE_QUOTED, '"');
    const m = FIRST_VALUE.exec(this.s.slice(this.i));
    if (!m) return '';
    this.i += m[0].length;
    return m[0].replace(/\\,/g, ',').trimEnd();
  }

  private secondValue(): string {
    if (this.current() === "'") return this.quoted(SINGLE_QUOTED, "'");
    if (this.current() === '"') return this.quoted(DOUBLE_QUOTED, '"');
    return this.mustConsume(SECOND_VALUE, 'second').replace(/\\,/g, ',').trimEnd();
  }

  private quoted(re: RegExp, quote: string): string {
    const raw = this.mustConsume(re, quote === "'" ? 'singled quoted' : 'double quoted').slice(1, -1);
    return raw.split(`\\${quote}`).join(quote).split('\\\\').join('\\');
  }

  private mustConsume(re: RegExp, name: string): string {
    const m = re.exec(this.s.slice(this.i));
    if (!m) throw new SyntaxErr(this.s, `<${name}>`, '<none>', this.i);
    this.i += m[0].length;
    return m[0];
  }

  private expect(ch: string, skipWs = false): void {
    if (skipWs) this.skipWhitespace();
    if (this.i >= this.s.length) throw new SyntaxErr(this.s, ch, 'EOF', this.i);
    const actual = this.s[this.i]!;
    if (actual !== ch) throw new SyntaxErr(this.s, ch, actual, this.i);
    this.i++;
    if (skipWs) this.skipWhitespace();
  }

  private current(): string | undefined {
    return this.s[this.i];
  }
  private eof(): boolean {
    return this.i >= this.s.length;
  }
  private skipWhitespace(): void {
    while (!this.eof() && WHITESPACE.test(this.s[this.i]!)) this.i++;
  }
}

/**
 * The model-driven pass over parsed shorthand (BackCompatVisitor): "foo=bar" where foo is a list
 * becomes ["bar"]; integer/boolean/double members are converted from their text. A value that does
 * not convert stays a string, so validation reports it with the parameter's path.
 */
export function coerceToShape(value: unknown, shape: Shape): unknown {
  if (value === undefined || value === null) return value;
  if (shape.type === 'list') {
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => coerceToShape(v, shape.member));
  }
  if (shape.type === 'structure') {
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const member = shape.members.get(k);
      out[k] = member ? coerceToShape(v, member) : v;
    }
    return out;
  }
  if (shape.type === 'map') {
    if (!isPlainObject(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerceToShape(v, shape.value)]));
  }
  return isScalar(shape) ? coerceScalar(value, shape.type) : value;
}

function coerceScalar(value: unknown, type: string): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (type === 'integer' || type === 'long') return /^[+-]?\d+$/.test(text) ? Number(text) : value;
  if (type === 'double') return text !== '' && Number.isFinite(Number(text)) ? Number(text) : value;
  if (type === 'boolean') {
    if (text.toLowerCase() === 'true') return true;
    if (text.toLowerCase() === 'false') return false;
  }
  return value;
}
