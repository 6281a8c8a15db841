// Properties (fast-check):
// - formatQuery(parseQuery(x)) parses to an expression that selects the same instances, and formatting is
//   idempotent, for random expressions written in every documented style;
// - and/or/not parse with the precedence of a reference model, however they are spelt;
// - no input makes parseQuery throw anything but InvalidParameterException.
import t from 'tap';
import fc from 'fast-check';
import { InvalidParameterException } from '../../../../../control-plane/src/domain/errors.js';
import type { InstanceFacts } from '../../../../../control-plane/src/placement/types.js';
import { evaluateQuery, formatQuery, parseQuery, type Operator } from '../../../../../control-plane/src/placement/query/index.js';
import { epoch, facts } from './helpers.js';

const ATTRIBUTE_NAMES = ['a', 'b', 'ecs.instance-type', 'x/y_z', 'back\\slash'];
const ATTRIBUTE_VALUES = ['1', '2', '10', '-3', '2.5', 'a', 'b', 'prod', 't2.micro', 'Jane Doe', "it's", 'x,y', 'and', 'ops@example.com'];
const PATTERNS = ['t2.*', '.*', '1.?', 'a|b', '[ab]', 'p.*d', '\\d+', '(a|b)c?', 'J.* D.*'];
const GROUPS = ['service:web', 'family:x', 'db'];
const VERSIONS = ['0.1.0', '1.2.9', '1.2.10', '1.14', '1.14.5'];
const DATES = ['2018-02-13', '2018-02-13T12:00:00Z', '2018-02-13T12:00:00+02:00', '2018-02-13T12:00:00', '2019-01-01'];
const IDS = ['i-abcd1234', 'i-wxyx7890', 'host-3'];

const WORD: Record<Operator, string> = {
  '==': 'equals',
  '!=': 'not_equals',
  '>': 'greater_than',
  '>=': 'greater_than_equal',
  '<': 'less_than',
  '<=': 'less_than_equal',
  exists: 'exists',
  '!exists': 'not_exists',
  in: 'in',
  '!in': 'not_in',
  '=~': 'matches',
  '!~': 'not_matches',
};

const space = fc.constantFrom(' ', '  ', '\t', ' \n ');

/** A value as it may be written: bare when it can be, else in quotes that it does not contain. */
function written(value: string): fc.Arbitrary<string> {
  const bare = /^[A-Za-z0-9.\-_*:/\\@+?^$]+$/.test(value);
  const quotes = [...(value.includes("'") ? [] : [`'${value}'`]), ...(value.includes('"') ? [] : [`"${value}"`])];
  return fc.constantFrom(...(bare ? [value, ...quotes] : quotes));
}

function operatorText(op: Operator): fc.Arbitrary<string> {
  const word = WORD[op];
  return fc.constantFrom(op, word, word.toUpperCase());
}

/** A comparison: subject, an operator it takes (symbol or word), and a fitting argument. */
function comparison(subject: fc.Arbitrary<string>, ops: Operator[], values: string[], patterns: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(subject, fc.constantFrom(...ops), space, space)
    .chain(([s, op, s1, s2]) => {
      const opText = operatorText(op);
      if (op === 'exists' || op === '!exists') return opText.map((o) => `${s}${s1}${o}`);
      if (op === 'in' || op === '!in') {
        const list = fc.array(fc.constantFrom(...values).chain(written), { minLength: 1, maxLength: 4 }).map((vs) => `[${vs.join(', ')}]`);
        return fc.tuple(opText, list).map(([o, l]) => `${s}${s1}${o}${s2}${l}`);
      }
      const arg = fc.constantFrom(...(op === '=~' || op === '!~' ? patterns : values)).chain(written);
      return fc.tuple(opText, arg).map(([o, v]) => `${s}${s1}${o}${s2}${v}`);
    });
}

const ALL: Operator[] = ['==', '!=', '>', '>=', '<', '<=', 'exists', '!exists', 'in', '!in', '=~', '!~'];
const SET_OPS: Operator[] = ['==', '!=', 'in', '!in', '=~', '!~'];
const ORDER_OPS: Operator[] = ['==', '!=', '>', '>=', '<', '<='];

const leaf: fc.Arbitrary<string> = fc.oneof(
  comparison(fc.constantFrom(...ATTRIBUTE_NAMES).map((n) => `attribute:${n}`), ALL, ATTRIBUTE_VALUES, PATTERNS),
  comparison(fc.constant('task:group'), SET_OPS, GROUPS, ['service:.*', '.*x', 'db']),
  comparison(fc.constant('ec2InstanceId'), SET_OPS, IDS, ['i-.*', 'host-\\d']),
  comparison(fc.constant('agentConnected'), SET_OPS, ['true', 'false', 'TRUE'], ['t.*', 'false']),
  comparison(fc.constant('agentVersion'), ORDER_OPS, VERSIONS, []),
  comparison(fc.constant('registeredAt'), ORDER_OPS, DATES, []),
  comparison(fc.constant('runningTasksCount'), ORDER_OPS, ['0', '1', '2', '10'], []),
);

/** Random expressions in every style: word/symbol operators and connectives, any case, extra parentheses. */
const expression: fc.Arbitrary<string> = fc.letrec<{ node: string; not: string; bin: string }>((tie) => ({
  node: fc.oneof({ maxDepth: 4, depthIdentifier: 'expr' }, leaf, tie('not'), tie('bin')),
  not: fc
    .tuple(fc.constantFrom('not', 'NOT', '!'), fc.boolean(), tie('node'))
    .map(([kw, paren, e]) => (paren ? `${kw}(${e})` : kw === '!' ? `!${e}` : `${kw} ${e}`)),
  bin: fc
    .tuple(tie('node'), fc.constantFrom(' and ', ' AND ', '&&', ' && ', ' or ', ' Or ', '||', ' || '), tie('node'), fc.boolean())
    .map(([l, c, r, paren]) => (paren ? `(${l}${c}${r})` : `${l}${c}${r}`)),
})).node;

const T = epoch('2018-02-13T12:00:00Z');
const instance: fc.Arbitrary<InstanceFacts> = fc
  .record({
    ec2InstanceId: fc.constantFrom(...IDS),
    agentConnected: fc.boolean(),
    agentVersion: fc.constantFrom(...VERSIONS, '', '1.2.3-dev'),
    registeredAt: fc.oneof(
      fc.constantFrom(T, T - 1, T + 1, T - 7200, T - 7201, T - 43_200, T + 43_200, epoch('2019-01-01T00:00:00Z')),
      fc.integer({ min: epoch('2018-01-01T00:00:00Z'), max: epoch('2019-12-31T00:00:00Z') }),
    ),
    runningTasksCount: fc.nat(12),
    attributes: fc.dictionary(fc.constantFrom(...ATTRIBUTE_NAMES), fc.option(fc.constantFrom(...ATTRIBUTE_VALUES), { nil: null })),
    taskGroups: fc.dictionary(fc.constantFrom(...GROUPS), fc.nat(2)),
  })
  .map((r) => facts(r));

t.test('formatQuery(parseQuery(x)) selects the same instances as x, and formats to itself', async (t) => {
  fc.assert(
    fc.property(expression, fc.array(instance, { minLength: 1, maxLength: 12 }), (src, instances) => {
      const q = parseQuery(src);
      const text = formatQuery(q);
      const again = parseQuery(text);
      if (formatQuery(again) !== text) throw new Error(`not idempotent: ${text} -> ${formatQuery(again)}`);
      for (const f of instances) {
        if (evaluateQuery(q, f) !== evaluateQuery(again, f)) {
          throw new Error(`${JSON.stringify(src)} and ${JSON.stringify(text)} differ on ${JSON.stringify(f)}`);
        }
      }
    }),
    { numRuns: 1000 },
  );
  t.pass('1000 random expressions');
});

// A reference model for precedence: atoms a..d are "attribute:<x> exists".
type Model = { kind: 'atom'; name: string } | { kind: 'not'; e: Model } | { kind: 'and' | 'or'; l: Model; r: Model };

const model: fc.Arbitrary<Model> = fc.letrec<{ node: Model }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 5, depthIdentifier: 'model' },
    fc.constantFrom('a', 'b', 'c', 'd').map((name): Model => ({ kind: 'atom', name })),
    tie('node').map((e): Model => ({ kind: 'not', e })),
    fc.tuple(fc.constantFrom('and' as const, 'or' as const), tie('node'), tie('node')).map(([kind, l, r]): Model => ({ kind, l, r })),
  ),
})).node;

function holds(m: Model, has: Set<string>): boolean {
  switch (m.kind) {
    case 'atom':
      return has.has(m.name);
    case 'not':
      return !holds(m.e, has);
    case 'and':
      return holds(m.l, has) && holds(m.r, has);
    case 'or':
      return holds(m.l, has) || holds(m.r, has);
  }
}

const PRECEDENCE = { or: 1, and: 2, not: 3, atom: 4 } as const;

/** Writes the model with only the parentheses precedence needs. */
function render(m: Model, pick: () => number): string {
  const wrap = (child: Model, min: number, text: string) => (PRECEDENCE[child.kind] < min ? `(${text})` : text);
  switch (m.kind) {
    case 'atom':
      return `attribute:${m.name} exists`;
    case 'not': {
      const kw = ['not ', '!', 'NOT '][pick() % 3]!;
      return `${kw}${wrap(m.e, PRECEDENCE.not, render(m.e, pick))}`;
    }
    case 'and':
    case 'or': {
      const conn = m.kind === 'and' ? [' and ', ' && ', ' AND '][pick() % 3]! : [' or ', ' || ', ' OR '][pick() % 3]!;
      // a and (b and c) is written a and b and c: the same Boolean function
      return `${wrap(m.l, PRECEDENCE[m.kind], render(m.l, pick))}${conn}${wrap(m.r, PRECEDENCE[m.kind], render(m.r, pick))}`;
    }
  }
}

t.test('and, or and not parse with the precedence of the reference model, however they are spelt', async (t) => {
  const subsets = Array.from({ length: 16 }, (_, bits) => new Set(['a', 'b', 'c', 'd'].filter((_, i) => (bits >> i) & 1)));
  fc.assert(
    fc.property(model, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (m, choices) => {
      let i = 0;
      const src = render(m, () => choices[i++ % choices.length]!);
      const q = parseQuery(src);
      const canonical = parseQuery(formatQuery(q));
      for (const has of subsets) {
        const f = facts({ attributes: Object.fromEntries([...has].map((n) => [n, '1'])) });
        const want = holds(m, has);
        if (evaluateQuery(q, f) !== want) throw new Error(`${src} with ${[...has].join(',')}: want ${want}`);
        if (evaluateQuery(canonical, f) !== want) throw new Error(`${formatQuery(q)} with ${[...has].join(',')}: want ${want}`);
      }
    }),
    { numRuns: 1000 },
  );
  t.pass('1000 random trees');
});

function onlyInvalidParameter(src: string): void {
  try {
    const q = parseQuery(src);
    parseQuery(formatQuery(q));
  } catch (e) {
    if (!(e instanceof InvalidParameterException)) throw new Error(`${JSON.stringify(src)} threw ${String(e)}`);
    if (!e.message.startsWith('Invalid placement expression ')) throw new Error(`unexpected message: ${e.message}`);
  }
}

t.test('no input makes parseQuery throw anything but InvalidParameterException', async (t) => {
  const tokens = [
    'attribute:a', 'attribute:', 'task:group', 'agentVersion', 'registeredAt', 'runningTasksCount', 'agentConnected', 'ec2InstanceId',
    '==', '!=', '>', '<=', '=~', '!~', '!in', 'in', 'exists', '!exists', 'not_in', 'matches',
    '[', ']', ',', '(', ')', 'and', 'or', 'not', '!', '&&', '||', '&', '|', "'", '"',
    'x', '1', '1.2', '2018-02-13', 'true', '.*', '(', '*', '\\', ' ', ' ', ' ',
  ];
  fc.assert(fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 25 }).map((ts) => ts.join('')), onlyInvalidParameter), { numRuns: 3000 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), onlyInvalidParameter), { numRuns: 2000 });
  fc.assert(fc.property(expression, fc.nat(), fc.string({ maxLength: 3 }), (src, at, junk) => onlyInvalidParameter(src.slice(0, at % (src.length + 1)) + junk)), {
    numRuns: 2000,
  });
  t.pass('token soup, random strings and truncated expressions');
});
