// Every operator, in its symbol and its word form, against a table of instances; which operators each
// subject takes (the guide's "Valid operators" lists); keywords in any case.
import t from 'tap';
import {
  FIELD_NAMES,
  OPERATORS,
  OPERATOR_WORDS,
  VALID_OPERATORS,
  formatQuery,
  parseQuery,
  type Operator,
} from '../../../../../control-plane/src/placement/query/index.js';
import { facts, parseError, selected } from './helpers.js';

// attribute:cores is 2, 4, 16, absent, present without a value, and not a number.
const instances = {
  two: facts({ attributes: { cores: '2' } }),
  four: facts({ attributes: { cores: '4' } }),
  sixteen: facts({ attributes: { cores: '16' } }),
  missing: facts({ attributes: { other: '4' } }),
  valueless: facts({ attributes: { cores: null } }),
  many: facts({ attributes: { cores: 'many' } }),
};

interface Row {
  symbol: Operator;
  word: string;
  /** Without the subject: what follows the operator. */
  argument: string;
  selects: (keyof typeof instances)[];
}

const rows: Row[] = [
  { symbol: '==', word: 'equals', argument: '4', selects: ['four'] },
  { symbol: '!=', word: 'not_equals', argument: '4', selects: ['two', 'sixteen', 'valueless', 'many'] },
  // numbers compare as numbers (16 > 4); 'many' is not a number, so it compares as a string ('many' > '4')
  { symbol: '>', word: 'greater_than', argument: '4', selects: ['sixteen', 'many'] },
  { symbol: '>=', word: 'greater_than_equal', argument: '4', selects: ['four', 'sixteen', 'many'] },
  { symbol: '<', word: 'less_than', argument: '4', selects: ['two'] },
  { symbol: '<=', word: 'less_than_equal', argument: '4', selects: ['two', 'four'] },
  { symbol: 'exists', word: 'exists', argument: '', selects: ['two', 'four', 'sixteen', 'valueless', 'many'] },
  { symbol: '!exists', word: 'not_exists', argument: '', selects: ['missing'] },
  { symbol: 'in', word: 'in', argument: '[2, 16]', selects: ['two', 'sixteen'] },
  { symbol: '!in', word: 'not_in', argument: '[2, 16]', selects: ['four', 'valueless', 'many'] },
  // the whole value must match (Java's Pattern.matches): 1.? matches 16 but not 4
  { symbol: '=~', word: 'matches', argument: '1.?', selects: ['sixteen'] },
  { symbol: '!~', word: 'not_matches', argument: '1.?', selects: ['two', 'four', 'valueless', 'many'] },
];

t.test('every operator in symbol and word form selects the same instances', async (t) => {
  t.equal(rows.length, OPERATORS.length, 'one row per operator');
  for (const row of rows) {
    const bySymbol = `attribute:cores ${row.symbol} ${row.argument}`.trim();
    const byWord = `attribute:cores ${row.word} ${row.argument}`.trim();
    t.strictSame(selected(bySymbol, instances), row.selects, bySymbol);
    t.strictSame(selected(byWord, instances), row.selects, byWord);
    t.equal(formatQuery(parseQuery(byWord)), bySymbol, `${row.word} is ${row.symbol}`);
  }
});

t.test('the word forms are exactly the documented ones', async (t) => {
  t.strictSame(Object.keys(OPERATOR_WORDS).sort(), [
    'equals',
    'exists',
    'greater_than',
    'greater_than_equal',
    'in',
    'less_than',
    'less_than_equal',
    'matches',
    'not_equals',
    'not_exists',
    'not_in',
    'not_matches',
  ]);
});

t.test('operators need no spaces around them, except word forms', async (t) => {
  const table: [string, (keyof typeof instances)[]][] = [
    ['attribute:cores==4', ['four']],
    ['attribute:cores!=4', ['two', 'sixteen', 'valueless', 'many']],
    ['attribute:cores>=16', ['sixteen', 'many']],
    ['attribute:cores<4', ['two']],
    ['attribute:cores=~1.?', ['sixteen']],
    ['attribute:cores!~1.?', ['two', 'four', 'valueless', 'many']],
    ['attribute:cores in[2,16]', ['two', 'sixteen']],
    ['attribute:cores !in[2,16]', ['four', 'valueless', 'many']],
    ['(attribute:cores exists)', ['two', 'four', 'sixteen', 'valueless', 'many']],
    ['(attribute:cores !exists)', ['missing']],
  ];
  for (const [expr, want] of table) t.strictSame(selected(expr, instances), want, expr);
});

t.test('keywords and word operators are case-insensitive; subjects are not', async (t) => {
  t.strictSame(selected('attribute:cores EQUALS 4', instances), ['four']);
  t.strictSame(selected('attribute:cores Not_In [2, 16] AND NOT attribute:cores EXISTS', instances), []);
  t.strictSame(selected('attribute:cores == 2 OR attribute:cores == 4', instances), ['two', 'four']);
  t.match(parseError('AgentConnected == true').message, "unexpected 'AgentConnected' at position 1; expected a subject");
  t.match(parseError('Attribute:cores exists').message, "unexpected 'Attribute:cores' at position 1");
});

t.test('each subject takes the operators the guide lists for it, and refuses the others', async (t) => {
  t.strictSame(VALID_OPERATORS, {
    agentConnected: ['==', '!=', 'in', '!in', '=~', '!~'],
    agentVersion: ['==', '!=', '>', '>=', '<', '<='],
    attribute: OPERATORS,
    ec2InstanceId: ['==', '!=', 'in', '!in', '=~', '!~'],
    registeredAt: ['==', '!=', '>', '>=', '<', '<='],
    runningTasksCount: ['==', '!=', '>', '>=', '<', '<='],
    'task:group': ['==', '!=', 'in', '!in', '=~', '!~'],
  });
  // a value each subject accepts, for each kind of argument
  const value: Record<string, string> = {
    agentConnected: 'true',
    agentVersion: '1.14.5',
    ec2InstanceId: 'i-1',
    registeredAt: '2018-02-13',
    runningTasksCount: '1',
    'task:group': 'service:web',
    'attribute:stack': 'prod',
  };
  for (const subject of [...FIELD_NAMES, 'attribute:stack']) {
    const valid = VALID_OPERATORS[subject.startsWith('attribute:') ? 'attribute' : (subject as keyof typeof VALID_OPERATORS)];
    for (const op of OPERATORS) {
      const v = value[subject]!;
      const arg = op === 'exists' || op === '!exists' ? '' : op === 'in' || op === '!in' ? ` [${v}]` : op === '=~' || op === '!~' ? ' .*' : ` ${v}`;
      const expr = `${subject} ${op}${arg}`;
      if (valid.includes(op)) {
        t.doesNotThrow(() => parseQuery(expr), `${expr} parses`);
      } else {
        const msg = parseError(expr).message;
        t.match(msg, `operator '${op}' at position ${subject.length + 2} is not valid for ${subject}; valid operators: ${valid.join(', ')}`, expr);
      }
    }
  }
});
