// Malformed expressions: InvalidParameterException, "Invalid placement expression '<expr>': <what> at
// position N; expected <what>", positions counted from 1.
import t from 'tap';
import { InvalidParameterException } from '../../../../../control-plane/src/domain/errors.js';
import { MAX_EXPRESSION_LENGTH, parseQuery } from '../../../../../control-plane/src/placement/query/index.js';
import { parseError } from './helpers.js';

const OPERATOR_LIST = 'expected an operator (==, !=, >, >=, <, <=, exists, !exists, in, !in, =~, !~)';
const SUBJECT_LIST =
  "expected a subject (attribute:<name>, agentConnected, agentVersion, ec2InstanceId, registeredAt, runningTasksCount, task:group), 'not' or '('";

interface Row {
  name: string;
  src: string;
  /** Position the message names (from 1); src.length + 1 for the end. */
  pos: number;
  /** What stands at pos (checked against src, so the table cannot miscount); '' for the end. */
  there: string;
  /** The message after "Invalid placement expression '<src>': ". */
  problem: string;
}

const rows: Row[] = [
  // the example of the brief: =! is not an operator
  {
    name: 'a misspelt operator',
    src: 'attribute:ecs.instance-type =! t2.micro',
    pos: 29,
    there: '=!',
    problem: `unexpected '=!' at position 29; ${OPERATOR_LIST}`,
  },
  { name: 'a single =', src: 'attribute:stack = prod', pos: 17, there: '=', problem: `unexpected '=' at position 17; ${OPERATOR_LIST}` },
  { name: 'a missing operator', src: 'attribute:stack prod', pos: 17, there: 'prod', problem: `unexpected 'prod' at position 17; ${OPERATOR_LIST}` },
  { name: 'an unknown word operator', src: 'attribute:stack like prod', pos: 17, there: 'like', problem: `unexpected 'like' at position 17; ${OPERATOR_LIST}` },
  { name: 'a word operator run into its value', src: 'attribute:stack equalsprod', pos: 17, there: 'equalsprod', problem: `unexpected 'equalsprod'` },
  { name: '!in run into a word', src: 'attribute:stack !inx [a]', pos: 17, there: '!inx', problem: `unexpected '!inx' at position 17; ${OPERATOR_LIST}` },
  { name: 'an operator at the end', src: 'attribute:stack', pos: 16, there: '', problem: `unexpected end of expression at position 16; ${OPERATOR_LIST}` },
  { name: '===', src: 'attribute:stack === prod', pos: 19, there: '=', problem: "unexpected '=' at position 19; expected a value" },
  { name: 'a missing value', src: 'attribute:stack ==', pos: 19, there: '', problem: 'unexpected end of expression at position 19; expected a value' },
  { name: 'a value that is a bracket', src: 'attribute:stack == (prod)', pos: 20, there: '(', problem: "unexpected '(' at position 20; expected a value" },
  {
    name: 'an unknown subject',
    src: 'instanceType == t2.micro',
    pos: 1,
    there: 'instanceType',
    problem: `unexpected 'instanceType' at position 1; ${SUBJECT_LIST}`,
  },
  { name: 'a subject in the wrong case', src: 'RunningTasksCount > 1', pos: 1, there: 'RunningTasksCount', problem: `unexpected 'RunningTasksCount' at position 1; ${SUBJECT_LIST}` },
  { name: 'task:groups', src: 'task:groups == web', pos: 1, there: 'task:groups', problem: `unexpected 'task:groups' at position 1` },
  { name: 'attribute: without a name', src: 'attribute: == x', pos: 11, there: ' ', problem: "expected an attribute name after 'attribute:' at position 11" },
  { name: 'attribute: at the end', src: 'attribute:', pos: 11, there: '', problem: "expected an attribute name after 'attribute:' at position 11" },
  { name: 'a non-ASCII attribute name', src: 'attribute:\u00e9t\u00e9 exists', pos: 11, there: '\u00e9t\u00e9', problem: "invalid attribute name '\u00e9t\u00e9' at position 11" },
  {
    name: 'an attribute name with a colon',
    src: 'attribute:foo:bar == x',
    pos: 11,
    there: 'foo:bar',
    problem:
      "invalid attribute name 'foo:bar' at position 11; a name has 1 to 128 letters, numbers, hyphens, underscores, forward slashes, back slashes or periods",
  },
  { name: 'an attribute name with a star', src: 'attribute:ecs.* exists', pos: 11, there: 'ecs.*', problem: "invalid attribute name 'ecs.*' at position 11" },
  {
    name: 'an attribute name over 128 characters',
    src: `attribute:${'n'.repeat(129)} exists`,
    pos: 11,
    there: 'nnn',
    problem: `invalid attribute name '${'n'.repeat(129)}' at position 11`,
  },
  { name: 'an and at the start', src: 'and attribute:a exists', pos: 1, there: 'and', problem: `unexpected 'and' at position 1; ${SUBJECT_LIST}` },
  { name: 'a dangling and', src: 'attribute:a exists and', pos: 23, there: '', problem: `unexpected end of expression at position 23; ${SUBJECT_LIST}` },
  { name: 'a dangling &&', src: 'attribute:a exists &&', pos: 22, there: '', problem: `unexpected end of expression at position 22; ${SUBJECT_LIST}` },
  { name: 'or or', src: 'attribute:a exists or or attribute:b exists', pos: 23, there: 'or', problem: `unexpected 'or' at position 23; ${SUBJECT_LIST}` },
  { name: 'a lone not', src: 'not', pos: 4, there: '', problem: `unexpected end of expression at position 4; ${SUBJECT_LIST}` },
  { name: 'empty parentheses', src: '()', pos: 2, there: ')', problem: `unexpected ')' at position 2; ${SUBJECT_LIST}` },
  { name: 'a single &', src: 'attribute:a exists & attribute:b exists', pos: 20, there: '&', problem: "unexpected '&' at position 20; expected 'and', 'or' or the end of the expression" },
  {
    name: 'two comparisons without and/or',
    src: 'attribute:a exists attribute:b exists',
    pos: 20,
    there: 'attribute:b',
    problem: "unexpected 'attribute:b' at position 20; expected 'and', 'or' or the end of the expression",
  },
  {
    name: 'an unquoted value with a space',
    src: 'attribute:owner == Jane Doe',
    pos: 25,
    there: 'Doe',
    problem: "unexpected 'Doe' at position 25; expected 'and', 'or' or the end of the expression (quote a value that contains spaces)",
  },
  {
    name: 'an unclosed parenthesis',
    src: '(attribute:a exists or attribute:b exists',
    pos: 42,
    there: '',
    problem: "unexpected end of expression at position 42; expected 'and', 'or' or ')' to close the '(' at position 1",
  },
  {
    name: 'an unclosed not(',
    src: 'attribute:a exists and not(attribute:b == x y',
    pos: 45,
    there: 'y',
    problem: "unexpected 'y' at position 45; expected 'and', 'or' or ')' to close the '(' at position 27 (quote a value that contains spaces)",
  },
  { name: 'an extra )', src: 'attribute:a exists)', pos: 19, there: ')', problem: "unexpected ')' at position 19; there is no '(' for it to close" },
  { name: 'in without a list', src: 'attribute:stack in prod', pos: 20, there: 'prod', problem: "unexpected 'prod' at position 20; expected '[' to start a list of values, e.g. [a, b]" },
  { name: 'an empty list', src: 'attribute:stack in []', pos: 21, there: ']', problem: "unexpected ']' at position 21; expected a value" },
  { name: 'a trailing comma', src: 'attribute:stack in [a,]', pos: 23, there: ']', problem: "unexpected ']' at position 23; expected a value" },
  { name: 'a list without commas', src: 'attribute:stack in [a b]', pos: 23, there: 'b', problem: "unexpected 'b' at position 23; expected ',' or ']'" },
  { name: 'an unclosed list', src: 'attribute:stack in [a, b', pos: 25, there: '', problem: "unexpected end of expression at position 25; expected ',' or ']'" },
  { name: 'a list for ==', src: 'attribute:stack == [a, b]', pos: 20, there: '[', problem: "unexpected '[' at position 20; expected a value" },
  { name: 'an unterminated quote', src: "attribute:stack == 'prod", pos: 20, there: "'", problem: "unterminated quoted value at position 20; expected a closing '" },
  { name: 'an unterminated double quote', src: 'attribute:stack in ["a", "b]', pos: 26, there: '"', problem: 'unterminated quoted value at position 26; expected a closing "' },
  { name: 'an empty quoted value', src: "attribute:stack == ''", pos: 20, there: "'", problem: 'empty quoted value at position 20; expected a value of at least one character' },
  {
    name: 'an operator the subject does not take',
    src: 'agentConnected > true',
    pos: 16,
    there: '>',
    problem: "operator '>' at position 16 is not valid for agentConnected; valid operators: ==, !=, in, !in, =~, !~",
  },
  {
    name: 'a word operator the subject does not take',
    src: 'registeredAt matches 2018.*',
    pos: 14,
    there: 'matches',
    problem: "operator 'matches' at position 14 is not valid for registeredAt; valid operators: ==, !=, >, >=, <, <=",
  },
  { name: 'exists on a field', src: 'task:group exists', pos: 12, there: 'exists', problem: "operator 'exists' at position 12 is not valid for task:group" },
  { name: 'an invalid regex', src: "attribute:type =~ 't2.(micro'", pos: 19, there: "'", problem: "invalid regular expression 't2.(micro' at position 19 (Unterminated group)" },
  { name: 'a regex with nothing to repeat', src: 'attribute:type =~ *', pos: 19, there: '*', problem: "invalid regular expression '*' at position 19 (Nothing to repeat)" },
  // valid once wrapped as ^(?:a)|(b)$, but not on its own: refused rather than silently unanchored
  { name: 'a regex that closes a group it did not open', src: "attribute:type !~ 'a)|(b'", pos: 19, there: "'", problem: "invalid regular expression 'a)|(b' at position 19" },
  { name: 'a bad date', src: 'registeredAt < 2018-02-30', pos: 16, there: '2018-02-30', problem: "'2018-02-30' at position 16 is not a valid date" },
  { name: 'a bad version', src: 'agentVersion < 1.x', pos: 16, there: '1.x', problem: "'1.x' at position 16 is not a valid agent version; expected numbers separated by periods, e.g. 1.14.5" },
  { name: 'a bad count', src: 'runningTasksCount >= two', pos: 22, there: 'two', problem: "'two' at position 22 is not a valid runningTasksCount; expected a whole number" },
  { name: 'a bad boolean', src: 'agentConnected != 1', pos: 19, there: '1', problem: "'1' at position 19 is not a valid agentConnected value; expected true or false" },
  { name: 'an empty expression', src: '', pos: 1, there: '', problem: 'the expression is empty' },
  { name: 'a blank expression', src: ' \t\n', pos: 4, there: '', problem: 'the expression is empty' },
];

t.test('every kind of malformed expression names what and where', async (t) => {
  for (const row of rows) {
    t.test(row.name, async (t) => {
      if (row.there === '') t.equal(row.pos, row.src.length + 1, 'the table points at the end');
      else t.equal(row.src.slice(row.pos - 1, row.pos - 1 + row.there.length), row.there, 'the table points at the right text');
      const err = parseError(row.src);
      t.equal(err.code, 'InvalidParameterException');
      t.equal(err.message.startsWith(`Invalid placement expression '${row.src}': ${row.problem}`), true, err.message);
    });
  }
});

t.test(`an expression over ${MAX_EXPRESSION_LENGTH} characters is refused, one of ${MAX_EXPRESSION_LENGTH} is not`, async (t) => {
  const clause = 'attribute:a == b or ';
  let src = clause.repeat(Math.floor(MAX_EXPRESSION_LENGTH / clause.length) - 1) + 'attribute:a exists';
  src += ' '.repeat(MAX_EXPRESSION_LENGTH - src.length);
  t.equal(src.length, MAX_EXPRESSION_LENGTH);
  t.doesNotThrow(() => parseQuery(src));
  const err = parseError(`${src} `);
  t.match(err.message, `the expression is ${MAX_EXPRESSION_LENGTH + 1} characters long; the maximum is ${MAX_EXPRESSION_LENGTH}`);
  t.ok(err.message.length < 200, 'the message does not repeat the whole expression');
});

t.test('nothing but InvalidParameterException escapes, whatever the input', async (t) => {
  const inputs = [
    '\u0000',
    'attribute:\u00e9t\u00e9 exists',
    "attribute:a == '\u{1F600}'",
    'attribute:a in [',
    'attribute:a in [,',
    '!',
    '(((',
    ')))',
    'not not not',
    '"',
    "attribute:a =~ '(?i)abc'",
    "attribute:a =~ '\\'",
    'task:group == constructor and attribute:__proto__ == x',
  ];
  for (const src of inputs) {
    try {
      parseQuery(src);
      t.pass(`${JSON.stringify(src)} parses`);
    } catch (e) {
      t.ok(e instanceof InvalidParameterException, `${JSON.stringify(src)}: ${(e as Error).message}`);
    }
  }
});
