// Compiles one comparison (subject operator [argument]) into a test of an instance's facts. Literals are
// checked and converted here, once; the returned closures only read facts and compare.
//
// Semantics the documentation leaves open, as chosen here:
// - attribute:<name> that the instance lacks: every comparison is false, including !=, !in and !~ (the
//   guide's `attribute:stack != prod` "lists the instances with the custom attribute stack unless the
//   attribute value is prod"); only !exists is true.
// - attribute with no value (e.g. a capability): exists; ==, in, =~ and orderings are false; !=, !in, !~ true.
// - task:group is the set of groups of the instance's tasks that are not STOPPED, and a comparison holds when
//   some group in it satisfies it: `task:group == web` is "runs a task of web", `task:group != web` is "runs
//   a task of another group". Anti-affinity is `not(task:group == web)`, as the guide writes it.
import type { InstanceFacts } from '../types.js';
import type { FieldName, Operator, Subject } from './ast.js';
import {
  compareAttribute,
  compareVersion,
  compilePattern,
  DATE_FORMATS,
  isNumber,
  parseBoolean,
  parseDate,
  parseVersion,
  parseWholeNumber,
} from './literals.js';
import { at } from './scanner.js';

export type Test = (facts: InstanceFacts) => boolean;

/** A value as written, unquoted, and where it starts in the expression. */
export interface Arg {
  text: string;
  pos: number;
}

/** Throws the InvalidParameterException for `problem`. */
export type Fail = (problem: string) => never;

const hasOwn = Object.hasOwn;

/** The positive operator behind a negative one. */
const POSITIVE: Partial<Record<Operator, Operator>> = { '!=': '==', '!in': 'in', '!~': '=~' };

/** `cmp op 0`; false when cmp is NaN (not comparable), except for != which is then true. */
function ordered(op: Operator, cmp: (f: InstanceFacts) => number): Test {
  switch (op) {
    case '==':
      return (f) => cmp(f) === 0;
    case '!=':
      return (f) => !(cmp(f) === 0);
    case '>':
      return (f) => cmp(f) > 0;
    case '>=':
      return (f) => cmp(f) >= 0;
    case '<':
      return (f) => cmp(f) < 0;
    case '<=':
      return (f) => cmp(f) <= 0;
    default:
      throw new Error(`not an ordering operator: ${op}`);
  }
}

function pattern(arg: Arg, fail: Fail): RegExp {
  try {
    return compilePattern(arg.text);
  } catch (e) {
    // V8: "Invalid regular expression: /a(/: Unterminated group"; keep the reason.
    const message = e instanceof Error ? e.message : String(e);
    const why = message.slice(message.lastIndexOf(': ') + 2);
    return fail(`invalid regular expression '${arg.text}' ${at(arg.pos)} (${why})`);
  }
}

/** How many distinct values a pattern remembers its answer for. */
export const PATTERN_MEMO_SIZE = 1024;

/**
 * re.test, remembering the answers for the first PATTERN_MEMO_SIZE distinct values: instances share few
 * attribute values (instance types, zones, groups), and a Map lookup costs a fraction of a regex run.
 */
function memoized(re: RegExp): (v: string) => boolean {
  const memo = new Map<string, boolean>();
  return (v) => {
    let r = memo.get(v);
    if (r === undefined) {
      r = re.test(v);
      if (memo.size < PATTERN_MEMO_SIZE) memo.set(v, r);
    }
    return r;
  };
}

/** ==, in and =~ (the positive form) on a string; orderings compare as numbers when both are numbers. */
function stringPredicate(op: Operator, args: readonly Arg[], fail: Fail): (v: string) => boolean {
  const first = args[0]!;
  switch (op) {
    case '==': {
      const lit = first.text;
      return (v) => v === lit;
    }
    case 'in': {
      const set = new Set(args.map((a) => a.text));
      return (v) => set.has(v);
    }
    case '=~':
      return memoized(pattern(first, fail));
    default: {
      const lit = first.text;
      const num = isNumber(lit) ? Number(lit) : NaN;
      switch (op) {
        case '>':
          return (v) => compareAttribute(v, lit, num) > 0;
        case '>=':
          return (v) => compareAttribute(v, lit, num) >= 0;
        case '<':
          return (v) => compareAttribute(v, lit, num) < 0;
        case '<=':
          return (v) => compareAttribute(v, lit, num) <= 0;
        default:
          throw new Error(`no string predicate for ${op}`);
      }
    }
  }
}

function attributeTest(name: string, op: Operator, args: readonly Arg[], fail: Fail): Test {
  if (op === 'exists') return (f) => hasOwn(f.attributes, name);
  if (op === '!exists') return (f) => !hasOwn(f.attributes, name);
  // A string read from `attributes` is the instance's own value (Object.prototype has no string
  // properties), so hasOwn is only needed to tell a value-less attribute from a missing one.
  const positive = POSITIVE[op];
  if (positive === undefined) {
    const p = stringPredicate(op, args, fail);
    return (f) => {
      const v = f.attributes[name];
      return typeof v === 'string' && p(v);
    };
  }
  const p = stringPredicate(positive, args, fail);
  return (f) => {
    const a = f.attributes;
    const v = a[name];
    if (typeof v === 'string') return !p(v);
    return hasOwn(a, name);
  };
}

function ec2InstanceIdTest(op: Operator, args: readonly Arg[], fail: Fail): Test {
  const positive = POSITIVE[op];
  const p = stringPredicate(positive ?? op, args, fail);
  return positive === undefined ? (f) => p(f.ec2InstanceId) : (f) => !p(f.ec2InstanceId);
}

function agentConnectedTest(op: Operator, args: readonly Arg[], fail: Fail): Test {
  const positive = POSITIVE[op] ?? op;
  let whenTrue: boolean;
  let whenFalse: boolean;
  if (positive === '=~') {
    const re = pattern(args[0]!, fail);
    whenTrue = re.test('true');
    whenFalse = re.test('false');
  } else {
    const values = args.map((a) => parseBoolean(a.text) ?? fail(`'${a.text}' ${at(a.pos)} is not a valid agentConnected value; expected true or false`));
    whenTrue = values.includes(true);
    whenFalse = values.includes(false);
  }
  if (positive !== op) [whenTrue, whenFalse] = [!whenTrue, !whenFalse];
  return (f) => (f.agentConnected ? whenTrue : whenFalse);
}

function agentVersionTest(op: Operator, arg: Arg, fail: Fail): Test {
  const wanted =
    parseVersion(arg.text) ?? fail(`'${arg.text}' ${at(arg.pos)} is not a valid agent version; expected numbers separated by periods, e.g. 1.14.5`);
  return ordered(op, (f) => compareVersion(f.agentVersion, wanted));
}

function registeredAtTest(op: Operator, arg: Arg, fail: Fail): Test {
  const span = parseDate(arg.text) ?? fail(`'${arg.text}' ${at(arg.pos)} is not a valid date; expected ${DATE_FORMATS}`);
  const { from, to } = span;
  switch (op) {
    case '==':
      return (f) => f.registeredAt >= from && f.registeredAt < to;
    case '!=':
      return (f) => !(f.registeredAt >= from && f.registeredAt < to);
    case '>':
      return (f) => f.registeredAt >= to;
    case '>=':
      return (f) => f.registeredAt >= from;
    case '<':
      return (f) => f.registeredAt < from;
    case '<=':
      return (f) => f.registeredAt < to;
    default:
      throw new Error(`not a registeredAt operator: ${op}`);
  }
}

function runningTasksCountTest(op: Operator, arg: Arg, fail: Fail): Test {
  const n = parseWholeNumber(arg.text) ?? fail(`'${arg.text}' ${at(arg.pos)} is not a valid runningTasksCount; expected a whole number`);
  return ordered(op, (f) => f.runningTasksCount - n);
}

function taskGroupTest(op: Operator, args: readonly Arg[], fail: Fail): Test {
  if (op === '==') {
    const group = args[0]!.text;
    return (f) => {
      const g = f.taskGroups;
      return hasOwn(g, group) && g[group]! > 0;
    };
  }
  if (op === 'in') {
    const groups = [...new Set(args.map((a) => a.text))];
    return (f) => {
      const g = f.taskGroups;
      for (let i = 0; i < groups.length; i++) if (hasOwn(g, groups[i]!) && g[groups[i]!]! > 0) return true;
      return false;
    };
  }
  const positive = POSITIVE[op];
  const negate = positive !== undefined;
  const p = stringPredicate(positive ?? op, args, fail);
  return (f) => {
    const g = f.taskGroups;
    for (const group in g) if (hasOwn(g, group) && g[group]! > 0 && p(group) !== negate) return true;
    return false;
  };
}

export function compileComparison(subject: Subject, op: Operator, args: readonly Arg[], fail: Fail): Test {
  if (subject.kind === 'attribute') return attributeTest(subject.name, op, args, fail);
  const field: FieldName = subject.name;
  switch (field) {
    case 'agentConnected':
      return agentConnectedTest(op, args, fail);
    case 'agentVersion':
      return agentVersionTest(op, args[0]!, fail);
    case 'ec2InstanceId':
      return ec2InstanceIdTest(op, args, fail);
    case 'registeredAt':
      return registeredAtTest(op, args[0]!, fail);
    case 'runningTasksCount':
      return runningTasksCountTest(op, args[0]!, fail);
    case 'task:group':
      return taskGroupTest(op, args, fail);
  }
}
