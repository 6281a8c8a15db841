// Compound expressions: not binds tighter than and, and tighter than or; parentheses override; symbol and
// word forms of the Boolean operators (&&/and, ||/or, !/not) are interchangeable; whitespace is free.
import t from 'tap';
import type { InstanceFacts } from '../../../../../control-plane/src/placement/types.js';
import { evaluateQuery, formatQuery, parseQuery } from '../../../../../control-plane/src/placement/query/index.js';
import { facts } from './helpers.js';

const A = 'attribute:a exists';
const B = 'attribute:b exists';
const C = 'attribute:c exists';

/** All 8 instances: each has some subset of the attributes a, b and c. */
const truthTable: { a: boolean; b: boolean; c: boolean; f: InstanceFacts }[] = [];
for (let bits = 0; bits < 8; bits++) {
  const [a, b, c] = [(bits & 1) !== 0, (bits & 2) !== 0, (bits & 4) !== 0];
  const attributes: Record<string, string> = {};
  if (a) attributes.a = '1';
  if (b) attributes.b = '1';
  if (c) attributes.c = '1';
  truthTable.push({ a, b, c, f: facts({ attributes }) });
}

interface Row {
  expr: string;
  means: (a: boolean, b: boolean, c: boolean) => boolean;
  canonical: string;
}

const rows: Row[] = [
  { expr: `${A} or ${B} and ${C}`, means: (a, b, c) => a || (b && c), canonical: `${A} or ${B} and ${C}` },
  { expr: `${A} and ${B} or ${C}`, means: (a, b, c) => (a && b) || c, canonical: `${A} and ${B} or ${C}` },
  { expr: `(${A} or ${B}) and ${C}`, means: (a, b, c) => (a || b) && c, canonical: `(${A} or ${B}) and ${C}` },
  { expr: `${A} and (${B} or ${C})`, means: (a, b, c) => a && (b || c), canonical: `${A} and (${B} or ${C})` },
  { expr: `not ${A} and ${B}`, means: (a, b) => !a && b, canonical: `not(${A}) and ${B}` },
  { expr: `not ${A} or ${B}`, means: (a, b) => !a || b, canonical: `not(${A}) or ${B}` },
  { expr: `not (${A} or ${B})`, means: (a, b) => !(a || b), canonical: `not(${A} or ${B})` },
  { expr: `not(${A} and ${B}) and ${C}`, means: (a, b, c) => !(a && b) && c, canonical: `not(${A} and ${B}) and ${C}` },
  { expr: `!${A} && ${B} || ${C}`, means: (a, b, c) => (!a && b) || c, canonical: `not(${A}) and ${B} or ${C}` },
  { expr: `${A} && (${B} || !${C})`, means: (a, b, c) => a && (b || !c), canonical: `${A} and (${B} or not(${C}))` },
  { expr: `not not ${A}`, means: (a) => a, canonical: `not(not(${A}))` },
  { expr: `!!${A}`, means: (a) => a, canonical: `not(not(${A}))` },
  { expr: `((${A}))`, means: (a) => a, canonical: A },
  // chains of the same operator flatten, whatever the parentheses
  { expr: `${A} and ${B} and ${C}`, means: (a, b, c) => a && b && c, canonical: `${A} and ${B} and ${C}` },
  { expr: `(${A} and ${B}) and ${C}`, means: (a, b, c) => a && b && c, canonical: `${A} and ${B} and ${C}` },
  { expr: `${A} or (${B} or ${C})`, means: (a, b, c) => a || b || c, canonical: `${A} or ${B} or ${C}` },
  // keywords in any case, and no spaces around symbols
  { expr: `NOT(${A}) AND ${B} Or ${C}`, means: (a, b, c) => (!a && b) || c, canonical: `not(${A}) and ${B} or ${C}` },
  { expr: `${A}&&${B}||${C}`, means: (a, b, c) => (a && b) || c, canonical: `${A} and ${B} or ${C}` },
  { expr: `not(${A})||(${B})&&(${C})`, means: (a, b, c) => !a || (b && c), canonical: `not(${A}) or ${B} and ${C}` },
  { expr: `\t ${A}\n  and\t${B}  \r\n`, means: (a, b) => a && b, canonical: `${A} and ${B}` },
  // comparisons of the other kinds mix in the same way
  {
    expr: `${A} and attribute:a == 1 or not(attribute:b in [1, 2]) and ${C}`,
    means: (a, b, c) => (a && a) || (!b && c),
    canonical: `${A} and attribute:a == 1 or not(attribute:b in [1, 2]) and ${C}`,
  },
];

t.test('precedence is not > and > or, and parentheses override it', async (t) => {
  for (const row of rows) {
    const q = parseQuery(row.expr);
    for (const { a, b, c, f } of truthTable) {
      t.equal(evaluateQuery(q, f), row.means(a, b, c), `${JSON.stringify(row.expr)} with a=${a} b=${b} c=${c}`);
    }
    t.equal(formatQuery(q), row.canonical, `canonical text of ${JSON.stringify(row.expr)}`);
  }
});

t.test('and/or short-circuit and nest deeply', async (t) => {
  const depth = 600;
  const nested = `${'('.repeat(depth)}${A}${')'.repeat(depth)}`;
  t.ok(nested.length <= 2000);
  t.equal(evaluateQuery(parseQuery(nested), truthTable[1]!.f), true, `${depth} parentheses`);
  const nots = `${'!'.repeat(1001)}${A}`;
  t.equal(evaluateQuery(parseQuery(nots), truthTable[1]!.f), false, '1001 nots');
  const longOr = Array.from({ length: 60 }, (_, i) => `attribute:x${i} exists`).join(' or ');
  const q = parseQuery(longOr);
  t.equal(q.kind === 'or' && q.operands.length, 60, 'one or with 60 operands');
  t.equal(evaluateQuery(q, facts({ attributes: { x59: '1' } })), true);
  t.equal(evaluateQuery(q, facts({ attributes: { y: '1' } })), false);
});

t.test('a keyword is a keyword only where one is expected', async (t) => {
  // values may be words like and, or, not, in, exists
  const f = facts({ attributes: { word: 'and', other: 'not' } });
  t.equal(evaluateQuery(parseQuery('attribute:word == and and attribute:other == not'), f), true);
  t.equal(evaluateQuery(parseQuery('attribute:word in [or, and, exists]'), f), true);
  t.equal(formatQuery(parseQuery('attribute:word == and or attribute:other == not')), 'attribute:word == and or attribute:other == not');
  // attribute names may be keywords
  t.equal(evaluateQuery(parseQuery('attribute:and exists or attribute:not exists'), facts({ attributes: { not: '' } })), true);
});
