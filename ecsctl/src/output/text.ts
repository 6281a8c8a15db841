// --output text, after awscli/text.py: scalars of a dict on one tab-separated line (keys sorted),
// prefixed by the upper-cased name of the list/dict they came from; nested lists and dicts follow as
// their own rows; a bare list of scalars is one tab-separated line.
import { isPlainObject, pyStr } from './py.js';

export function formatText(data: unknown): string {
  const out: string[] = [];
  formatItem(data, out, undefined, undefined);
  return out.join('');
}

const isComplex = (v: unknown) => Array.isArray(v) || isPlainObject(v);

function formatItem(item: unknown, out: string[], identifier: string | undefined, scalarKeys: string[] | undefined): void {
  if (isPlainObject(item)) formatDict(item, out, identifier, scalarKeys);
  else if (Array.isArray(item)) formatList(item, out, identifier);
  else out.push(`${pyStr(item)}\n`);
}

function formatList(items: unknown[], out: string[], identifier: string | undefined): void {
  if (items.length === 0) return;
  if (items.some(isPlainObject)) {
    const keys = allScalarKeys(items);
    for (const el of items) formatItem(el, out, identifier, keys);
  } else if (items.some(Array.isArray)) {
    const scalars = items.filter((el) => !isComplex(el));
    if (scalars.length) formatScalarList(scalars, out, identifier);
    for (const el of items.filter(isComplex)) formatItem(el, out, identifier, undefined);
  } else {
    formatScalarList(items, out, identifier);
  }
}

function formatScalarList(items: unknown[], out: string[], identifier: string | undefined): void {
  if (identifier !== undefined) {
    for (const item of items) out.push(`${identifier.toUpperCase()}\t${pyStr(item)}\n`);
  } else {
    out.push(`${items.map(pyStr).join('\t')}\n`);
  }
}

function formatDict(
  item: Record<string, unknown>,
  out: string[],
  identifier: string | undefined,
  scalarKeys: string[] | undefined,
): void {
  const scalars: string[] = [];
  const nested: [string, unknown][] = [];
  if (scalarKeys === undefined) {
    for (const key of Object.keys(item).sort()) {
      if (isComplex(item[key])) nested.push([key, item[key]]);
      else scalars.push(pyStr(item[key]));
    }
  } else {
    for (const key of scalarKeys) scalars.push(key in item ? pyStr(item[key]) : '');
    for (const key of Object.keys(item).filter((k) => !scalarKeys.includes(k)).sort()) nested.push([key, item[key]]);
  }
  if (scalars.length) {
    if (identifier !== undefined) scalars.unshift(identifier.toUpperCase());
    out.push(`${scalars.join('\t')}\n`);
  }
  for (const [key, value] of nested) formatItem(value, out, key, undefined);
}

function allScalarKeys(items: unknown[]): string[] {
  const seen = new Set<string>();
  for (const el of items) {
    if (!isPlainObject(el)) continue;
    for (const [k, v] of Object.entries(el)) if (!isComplex(v)) seen.add(k);
  }
  return [...seen].sort();
}
