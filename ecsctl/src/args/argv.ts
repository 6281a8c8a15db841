// The command line → an invocation, the way the AWS CLI's argparse setup reads it: global options
// anywhere, `--flag value` and `--flag=value`, list flags taking every word up to the next option,
// `--x` / `--no-x` booleans, `help` after the command, unknown words collected into one error.
// `wait <waiter>` takes the flags of the waiter's operation (wait services-stable → describe-services).
import { UsageError } from '../errors.js';
import { COMMANDS, findCommand, GLOBAL_OPTIONS, type CommandSpec, type FlagSpec, type GlobalKey } from '../commands/table.js';
import { findWaiter, operationCommand, WAITERS, waiterCliName, type WaiterSpec } from '../waiters/table.js';

/** The `wait` command word, which takes a waiter name as its subcommand. */
export const WAIT_COMMAND = 'wait';

export interface Globals {
  endpoint?: string;
  output?: string;
  query?: string;
  paginate: boolean;
  readTimeout?: string;
  connectTimeout?: string;
  cliInputJson?: string;
  skeleton?: string;
  maxItems?: string;
  startingToken?: string;
  pageSize?: string;
}

/** A flag as given: its words, or true/false for booleans. */
export interface GivenFlag {
  readonly spec: FlagSpec;
  readonly value: string[] | boolean;
}

export type Invocation =
  | { kind: 'version' }
  /** `wait` set: help on `wait` (a list of waiters), or on one waiter when `waiter` is set too. */
  | { kind: 'help'; command?: CommandSpec; wait?: true; waiter?: WaiterSpec }
  /** With `waiter`, `command` is the waiter's operation, polled until the waiter decides. */
  | { kind: 'run'; command: CommandSpec; globals: Globals; flags: GivenFlag[]; waiter?: WaiterSpec };

const PAGING_KEYS = new Set<GlobalKey>(['maxItems', 'startingToken', 'pageSize']);

export function parseArgv(argv: readonly string[]): Invocation {
  const p = new ArgvParser(argv);
  return p.parse();
}

class ArgvParser {
  private i = 0;
  private command: CommandSpec | undefined;
  private commandWord: string | undefined;
  private waiterWord: string | undefined;
  private waiter: WaiterSpec | undefined;
  private skippedEcs = false;
  private helpWanted = false;
  private version = false;
  private readonly globals: Globals = { paginate: true };
  private readonly flags = new Map<string, GivenFlag>();
  private readonly unknown: string[] = [];
  private readonly pagingGiven: string[] = [];

  constructor(private readonly argv: readonly string[]) {}

  parse(): Invocation {
    while (this.i < this.argv.length) {
      const tok = this.argv[this.i++]!;
      if (tok === '-h') this.helpWanted = true;
      else if (tok.startsWith('--') && tok.length > 2) this.option(tok);
      else this.positional(tok);
    }
    if (this.version) return { kind: 'version' };
    const waiting = this.commandWord === WAIT_COMMAND;
    if (this.helpWanted) {
      if (waiting) return { kind: 'help', wait: true, ...(this.waiter ? { waiter: this.waiter } : {}) };
      return { kind: 'help', ...(this.command ? { command: this.command } : {}) };
    }
    if (this.commandWord === undefined) throw new UsageError('the following arguments are required: command');
    if (waiting && this.waiterWord === undefined) throw new UsageError('too few arguments');
    const command = this.command ?? (waiting ? invalidWaiter() : invalidChoice(this.commandWord));
    this.checkRequired(command);
    if (!command.paginate || waiting) this.unknown.unshift(...this.pagingGiven);
    if (this.unknown.length) throw new UsageError(`Unknown options: ${this.unknown.join(', ')}`);
    const flags = [...this.flags.values()];
    return { kind: 'run', command, globals: this.globals, flags, ...(this.waiter ? { waiter: this.waiter } : {}) };
  }

  private positional(tok: string): void {
    if (this.commandWord === undefined) {
      if (tok === 'ecs' && !this.skippedEcs) {
        this.skippedEcs = true; // `ecsctl ecs run-task ...` as pasted from `aws ecs run-task ...`
        return;
      }
      if (tok === 'help') {
        this.helpWanted = true;
        return;
      }
      this.commandWord = tok;
      this.command = findCommand(tok);
      return;
    }
    if (tok === 'help') {
      this.helpWanted = true;
    } else if (this.commandWord === WAIT_COMMAND && this.waiterWord === undefined) {
      this.waiterWord = tok; // `wait services-stable`: the waiter's operation supplies the flags
      this.waiter = findWaiter(tok);
      if (this.waiter) this.command = operationCommand(this.waiter);
    } else {
      this.unknown.push(tok);
    }
  }

  private option(tok: string): void {
    const eq = tok.indexOf('=');
    const name = eq >= 0 ? tok.slice(0, eq) : tok;
    const inline = eq >= 0 ? tok.slice(eq + 1) : undefined;

    const global = GLOBAL_OPTIONS.find((g) => g.flag === name);
    if (global) {
      if (global.arity === 'switch') {
        if (inline !== undefined) throw new UsageError(`argument ${name}: ignored explicit argument '${inline}'`);
        if (global.key === 'paginate') this.globals.paginate = false;
        else if (global.key === 'help') this.helpWanted = true;
        else if (global.key === 'version') this.version = true;
        return;
      }
      const value = global.key === 'skeleton' ? this.skeletonWord(inline) : this.oneWord(name, inline);
      if (global.key === 'ignored' || global.key === 'help' || global.key === 'version' || global.key === 'paginate') return;
      if (PAGING_KEYS.has(global.key)) this.pagingGiven.push(name, value);
      this.globals[global.key as Exclude<keyof Globals, 'paginate'>] = value;
      return;
    }

    const cmd = this.command;
    const spec = cmd?.flags.find((f) => f.flag === name);
    if (spec) {
      this.flags.set(spec.field, { spec, value: this.words(spec, inline) });
      return;
    }
    const negated = cmd?.flags.find((f) => f.type === 'boolean' && (f.negation ?? `--no-${f.flag.slice(2)}`) === name);
    if (negated) {
      if (inline !== undefined) throw new UsageError(`argument ${name}: ignored explicit argument '${inline}'`);
      this.flags.set(negated.field, { spec: negated, value: false });
      return;
    }
    this.unknown.push(tok);
  }

  private words(spec: FlagSpec, inline: string | undefined): string[] | boolean {
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`argument ${spec.flag}: ignored explicit argument '${inline}'`);
      return true;
    }
    if (spec.type !== 'list' && spec.type !== 'list-structure') return [this.oneWord(spec.flag, inline)];
    if (inline !== undefined) return [inline];
    const out: string[] = [];
    while (this.i < this.argv.length && !isOptionLike(this.argv[this.i]!)) out.push(this.argv[this.i++]!);
    if (out.length === 0) throw new UsageError(`argument ${spec.flag}: expected at least one argument`);
    return out;
  }

  /** --generate-cli-skeleton takes an optional word (input | output | yaml-input), "input" by default. */
  private skeletonWord(inline: string | undefined): string {
    if (inline !== undefined) return inline;
    const next = this.argv[this.i];
    if (next === 'input' || next === 'output' || next === 'yaml-input') {
      this.i++;
      return next;
    }
    return 'input';
  }

  private oneWord(flag: string, inline: string | undefined): string {
    if (inline !== undefined) return inline;
    const next = this.argv[this.i];
    if (next === undefined || isOptionLike(next)) throw new UsageError(`argument ${flag}: expected one argument`);
    this.i++;
    return next;
  }

  private checkRequired(command: CommandSpec): void {
    // With --cli-input-json (or a skeleton request) the JSON may carry them: validation checks later.
    if (this.globals.cliInputJson !== undefined || this.globals.skeleton !== undefined) return;
    const missing = command.flags.filter((f) => f.required && !this.flags.has(f.field)).map((f) => f.flag);
    if (missing.length) throw new UsageError(`the following arguments are required: ${missing.join(', ')}`);
  }
}

function isOptionLike(word: string): boolean {
  return (word.startsWith('--') && word.length > 2) || word === '-h';
}

function invalidWaiter(): never {
  throw new UsageError(`argument subcommand: Invalid choice, valid choices are:\n\n${choiceColumns(WAITERS.map(waiterCliName))}`);
}

function invalidChoice(word: string): never {
  const names = [...COMMANDS.map((c) => c.name), WAIT_COMMAND];
  const close = names
    .map((name) => ({ name, score: similarity(name, word) }))
    .filter((c) => c.score >= 0.8)
    .sort((a, b) => b.score - a.score)
    .slice(0, 3)
    .map((c) => c.name);
  if (close.length) {
    throw new UsageError(`argument command: Invalid choice: '${word}', maybe you meant:\n\n${close.map((c) => `  * ${c}`).join('\n')}`);
  }
  throw new UsageError(`argument command: Invalid choice, valid choices are:\n\n${choiceColumns(names)}`);
}

/** Two columns, as argparse/aws lists choices. */
function choiceColumns(names: string[]): string {
  const rows: string[] = [];
  for (let i = 0; i < names.length; i += 2) {
    rows.push(names[i + 1] === undefined ? names[i]! : `${names[i]!.padEnd(40)} | ${names[i + 1]}`);
  }
  return rows.join('\n');
}

/** difflib.SequenceMatcher-like ratio via the longest common subsequence: 2*M/T. */
function similarity(a: string, b: string): number {
  const dp: number[] = new Array(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let prev = 0;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = a[i - 1] === b[j - 1] ? prev + 1 : Math.max(dp[j]!, dp[j - 1]!);
      prev = tmp;
    }
  }
  return (2 * dp[b.length]!) / (a.length + b.length);
}
