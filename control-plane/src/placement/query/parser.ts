// A recursive-descent parser for the cluster query language. The grammar (keywords and word operators are
// case-insensitive; subjects are not):
//
//   query      = or END
//   or         = and { ("or" | "||") and }
//   and        = unary { ("and" | "&&") unary }
//   unary      = ("not" | "!") unary | primary
//   primary    = "(" or ")" | comparison
//   comparison = subject ( ("exists" | "!exists" | "not_exists")
//                        | ("in" | "!in" | "not_in") list
//                        | operator value )
//   subject    = "attribute:" name | "agentConnected" | "agentVersion" | "ec2InstanceId"
//              | "registeredAt" | "runningTasksCount" | "task:group"
//   operator   = "==" | "equals" | "!=" | "not_equals" | ">" | "greater_than" | ">=" | "greater_than_equal"
//              | "<" | "less_than" | "<=" | "less_than_equal" | "=~" | "matches" | "!~" | "not_matches"
//   list       = "[" value { "," value } "]"
//   value      = bare | "'" { any but ' } "'" | '"' { any but " } '"'
//   bare       = { letter | digit | . - _ * : / \ @ + ? ^ $ }-   (see scanner.ts)
//   name       = 1 to 128 of letter | digit | - _ / \ .
//
// Which operators a subject takes, and what its values must look like, is checked here too (compile.ts).
import {
  FIELD_NAMES,
  MAX_EXPRESSION_LENGTH,
  OPERATORS,
  OPERATOR_WORDS,
  subjectText,
  VALID_OPERATORS,
  type Comparison,
  type FieldName,
  type Operator,
  type QueryExpr,
  type Subject,
} from './ast.js';
import { compileComparison, type Arg, type Test } from './compile.js';
import { ATTRIBUTE_NAME_RE, at, invalidExpression, isSpace, isValueChar, lexemeAt } from './scanner.js';

const SUBJECTS = `a subject (attribute:<name>, ${FIELD_NAMES.join(', ')}), 'not' or '('`;
const AN_OPERATOR = `an operator (${OPERATORS.join(', ')})`;
/** What ends an attribute name besides a space: brackets, quotes and the characters of operators. */
const NAME_END = '()[],\'"=!<>~&|';
const SPACE_HINT = ' (quote a value that contains spaces)';

/** Symbol operators, longest first so that >= is not read as >. !exists and !in also need a word boundary. */
const SYMBOLS: readonly Operator[] = ['!exists', '!in', '==', '!=', '>=', '<=', '=~', '!~', '>', '<'];

class Parser {
  pos = 0;
  /** Set after a comparison that ended with an unquoted value, for the hint about spaces. */
  private afterBareValue = false;

  constructor(private readonly src: string) {}

  fail(problem: string): never {
    throw invalidExpression(this.src, problem);
  }

  unexpected(pos: number, expected: string): never {
    return this.fail(`unexpected ${lexemeAt(this.src, pos)} ${at(pos)}; expected ${expected}`);
  }

  private code(): number {
    return this.pos < this.src.length ? this.src.charCodeAt(this.pos) : -1;
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && isSpace(this.src.charCodeAt(this.pos))) this.pos++;
  }

  /** The run of value characters at the cursor, without consuming it. */
  private peekWord(): string {
    let end = this.pos;
    while (end < this.src.length && isValueChar(this.src.charCodeAt(end))) end++;
    return this.src.slice(this.pos, end);
  }

  /** Consumes the keyword (or its symbol) when it is next. */
  private keyword(word: string, symbol: string): boolean {
    this.skipSpace();
    if (this.src.startsWith(symbol, this.pos)) {
      this.pos += symbol.length;
      return true;
    }
    const w = this.peekWord();
    if (w.toLowerCase() !== word) return false;
    this.pos += w.length;
    return true;
  }

  parseQuery(): QueryExpr {
    this.skipSpace();
    if (this.pos >= this.src.length) this.fail('the expression is empty');
    const expr = this.parseOr();
    this.skipSpace();
    if (this.pos < this.src.length) {
      if (this.code() === 41) this.fail(`unexpected ')' ${at(this.pos)}; there is no '(' for it to close`);
      this.unexpected(this.pos, `'and', 'or' or the end of the expression${this.afterBareValue ? SPACE_HINT : ''}`);
    }
    return expr;
  }

  private parseOr(): QueryExpr {
    const operands = [this.parseAnd()];
    while (this.keyword('or', '||')) operands.push(this.parseAnd());
    return junction('or', operands);
  }

  private parseAnd(): QueryExpr {
    const operands = [this.parseUnary()];
    while (this.keyword('and', '&&')) operands.push(this.parseUnary());
    return junction('and', operands);
  }

  private parseUnary(): QueryExpr {
    this.skipSpace();
    if (this.code() === 33 /* ! */) {
      this.pos++;
      return negation(this.parseUnary());
    }
    const w = this.peekWord();
    if (w.toLowerCase() === 'not') {
      this.pos += w.length;
      return negation(this.parseUnary());
    }
    return this.parsePrimary();
  }

  private parsePrimary(): QueryExpr {
    this.skipSpace();
    if (this.code() !== 40 /* ( */) return this.parseComparison();
    const open = this.pos++;
    const expr = this.parseOr();
    this.skipSpace();
    if (this.code() !== 41 /* ) */) {
      const hint = this.afterBareValue ? SPACE_HINT : '';
      this.unexpected(this.pos, `'and', 'or' or ')' to close the '(' ${at(open)}${hint}`);
    }
    this.pos++;
    this.afterBareValue = false;
    return expr;
  }

  private parseSubject(): Subject {
    const start = this.pos;
    if (this.src.startsWith('attribute:', start)) {
      // The name runs to the next space or delimiter, so that a bad character is reported as part of it.
      const from = start + 'attribute:'.length;
      let end = from;
      while (end < this.src.length && !isSpace(this.src.charCodeAt(end)) && !NAME_END.includes(this.src[end]!)) end++;
      const name = this.src.slice(from, end);
      if (name === '') this.fail(`expected an attribute name after 'attribute:' ${at(from)}`);
      if (!ATTRIBUTE_NAME_RE.test(name)) {
        this.fail(
          `invalid attribute name '${name}' ${at(from)}; a name has 1 to 128 letters, numbers, hyphens, ` +
            'underscores, forward slashes, back slashes or periods',
        );
      }
      this.pos = end;
      return { kind: 'attribute', name };
    }
    const word = this.peekWord();
    if ((FIELD_NAMES as readonly string[]).includes(word)) {
      this.pos += word.length;
      return { kind: 'field', name: word as FieldName };
    }
    return this.unexpected(start, SUBJECTS);
  }

  private parseOperator(): Operator {
    this.skipSpace();
    for (const s of SYMBOLS) {
      if (!this.src.startsWith(s, this.pos)) continue;
      if (s[1] !== undefined && /[a-z]/.test(s[1]) && isValueChar(this.src.charCodeAt(this.pos + s.length))) continue;
      this.pos += s.length;
      return s;
    }
    const w = this.peekWord();
    const op = OPERATOR_WORDS[w.toLowerCase()];
    if (op === undefined || !Object.hasOwn(OPERATOR_WORDS, w.toLowerCase())) return this.unexpected(this.pos, AN_OPERATOR);
    this.pos += w.length;
    return op;
  }

  private parseValue(): Arg {
    this.skipSpace();
    const pos = this.pos;
    const c = this.code();
    if (c === 39 /* ' */ || c === 34 /* " */) {
      const end = this.src.indexOf(this.src[pos]!, pos + 1);
      if (end < 0) this.fail(`unterminated quoted value ${at(pos)}; expected a closing ${this.src[pos]}`);
      if (end === pos + 1) this.fail(`empty quoted value ${at(pos)}; expected a value of at least one character`);
      this.pos = end + 1;
      this.afterBareValue = false;
      return { text: this.src.slice(pos + 1, end), pos };
    }
    const w = this.peekWord();
    if (w === '') this.unexpected(pos, 'a value');
    this.pos += w.length;
    this.afterBareValue = true;
    return { text: w, pos };
  }

  private parseList(): Arg[] {
    this.skipSpace();
    if (this.code() !== 91 /* [ */) this.unexpected(this.pos, "'[' to start a list of values, e.g. [a, b]");
    this.pos++;
    const values = [this.parseValue()];
    for (;;) {
      this.skipSpace();
      const c = this.code();
      if (c === 44 /* , */) {
        this.pos++;
        values.push(this.parseValue());
      } else if (c === 93 /* ] */) {
        this.pos++;
        this.afterBareValue = false;
        return values;
      } else {
        this.unexpected(this.pos, "',' or ']'");
      }
    }
  }

  private parseComparison(): Comparison {
    this.afterBareValue = false;
    const subject = this.parseSubject();
    const opPos = (this.skipSpace(), this.pos);
    const op = this.parseOperator();
    const valid = VALID_OPERATORS[subject.kind === 'attribute' ? 'attribute' : subject.name];
    if (!valid.includes(op)) {
      this.fail(`operator '${this.src.slice(opPos, this.pos)}' ${at(opPos)} is not valid for ${subjectText(subject)}; valid operators: ${valid.join(', ')}`);
    }
    let args: Arg[];
    if (op === 'exists' || op === '!exists') args = [];
    else if (op === 'in' || op === '!in') args = this.parseList();
    else args = [this.parseValue()];
    const test = compileComparison(subject, op, args, (problem) => this.fail(problem));
    return { kind: 'compare', subject, op, args: args.map((a) => a.text), test };
  }
}

function negation(operand: QueryExpr): QueryExpr {
  const t = operand.test;
  return { kind: 'not', operand, test: (f) => !t(f) };
}

/** One operand stands alone; operands of the same junction are flattened into it. */
function junction(kind: 'and' | 'or', operands: QueryExpr[]): QueryExpr {
  if (operands.length === 1) return operands[0]!;
  const flat: QueryExpr[] = [];
  for (const o of operands) {
    if (o.kind === kind) flat.push(...o.operands);
    else flat.push(o);
  }
  return { kind, operands: flat, test: kind === 'and' ? all(flat.map((o) => o.test)) : any(flat.map((o) => o.test)) };
}

function all(tests: Test[]): Test {
  if (tests.length === 2) {
    const [a, b] = tests as [Test, Test];
    return (f) => a(f) && b(f);
  }
  return (f) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(f)) return false;
    return true;
  };
}

function any(tests: Test[]): Test {
  if (tests.length === 2) {
    const [a, b] = tests as [Test, Test];
    return (f) => a(f) || b(f);
  }
  return (f) => {
    for (let i = 0; i < tests.length; i++) if (tests[i]!(f)) return true;
    return false;
  };
}

/**
 * Parses and compiles a cluster query language expression. Throws InvalidParameterException, naming the
 * position (counted from 1) and what was expected, for a malformed expression, an expression over 2000
 * characters, an operator a subject does not take, a value of the wrong kind or an invalid regex.
 */
export function parseQuery(src: string): QueryExpr {
  if (typeof src !== 'string') throw invalidExpression(String(src), 'the expression must be a string');
  if (src.length > MAX_EXPRESSION_LENGTH) {
    throw invalidExpression(
      `${src.slice(0, 40)}...`,
      `the expression is ${src.length} characters long; the maximum is ${MAX_EXPRESSION_LENGTH}`,
    );
  }
  return new Parser(src).parseQuery();
}
