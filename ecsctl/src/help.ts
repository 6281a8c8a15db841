// `ecsctl help`, `ecsctl <command> help`, `--help`: generated from the command table and the request
// shapes, laid out like the AWS CLI's help pages (synopsis, options with their types, shorthand and
// JSON syntax for structured flags).
import { COMMANDS, GLOBAL_OPTIONS, requestMessage, type CommandSpec, type FlagSpec } from './commands/table.js';
import { ecsShapes, type Shape } from './schema/shapes.js';
import { jsonSyntax, shorthandSyntax } from './schema/skeleton.js';
import { operationCommand, WAITERS, waiterCliName, type WaiterSpec } from './waiters/table.js';
import { waiterDescription } from './waiters/describe.js';

const I1 = '       ';
const I2 = '          ';

export const VERSION = '0.1.0';

export function versionText(): string {
  return `ecsctl/${VERSION} Node.js/${process.version}\n`;
}

const WAIT_SUMMARY = 'Wait until a particular condition is satisfied. Each subcommand polls an API until the listed requirement is met.';

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = [
    'NAME',
    `${I1}ecsctl -`,
    '',
    'DESCRIPTION',
    `${I1}The command line of the self-hosted ECS control plane. Commands, flags,`,
    `${I1}output and errors follow \`aws ecs\`: what works with \`aws ecs <command>\``,
    `${I1}works with \`ecsctl <command>\`.`,
    '',
    'SYNOPSIS',
    `${I1}ecsctl [options] <command> [parameters]`,
    '',
    `${I1}Use \`ecsctl <command> help\` for the flags of a command.`,
    '',
    'GLOBAL OPTIONS',
    ...globalOptionLines(false),
    'AVAILABLE COMMANDS',
    ...COMMANDS.map((c) => `${I1}o ${c.name.padEnd(width)}  ${c.summary}`),
    `${I1}o ${'wait'.padEnd(width)}  ${WAIT_SUMMARY}`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}

function globalOptionLines(paging: boolean): string[] {
  const out: string[] = [];
  for (const g of GLOBAL_OPTIONS) {
    if (g.hidden || !!g.paging !== paging) continue;
    out.push(`${I1}${g.flag} (${g.arity === 'switch' ? 'boolean' : (g.valueType ?? 'string')})`, `${I2}${g.help ?? ''}`, '');
  }
  return out;
}

function synopsisEntry(f: FlagSpec): string {
  let entry: string;
  if (f.type === 'boolean') entry = `${f.flag} | ${f.negation ?? `--no-${f.flag.slice(2)}`}`;
  else if (f.type === 'list' || f.type === 'list-structure') entry = `${f.flag} <value> [<value>...]`;
  else entry = `${f.flag} <value>`;
  return f.required ? entry : `[${entry}]`;
}

function indentBlock(text: string, indent: string): string[] {
  return text.split('\n').map((l) => indent + l);
}

function optionLines(f: FlagSpec, shape: Shape | undefined): string[] {
  const lines = [`${I1}${f.flag} (${f.type})`];
  if (f.help) lines.push(`${I2}${f.help}`);
  if (shape && (f.type === 'structure' || f.type === 'list-structure' || f.type === 'map')) {
    const sh = shorthandSyntax(shape);
    if (sh) lines.push('', `${I2}Shorthand Syntax:`, '', `${I2}  ${sh}`);
    lines.push('', `${I2}JSON Syntax:`, '', ...indentBlock(jsonSyntax(shape), `${I2}  `));
  }
  lines.push('');
  return lines;
}

function synopsisOf(cmd: CommandSpec, paging: boolean): string[] {
  return [
    ...cmd.flags.filter((f) => !f.hidden).map(synopsisEntry),
    '[--cli-input-json <value>]',
    '[--generate-cli-skeleton <value>]',
    ...(paging ? ['[--starting-token <value>]', '[--page-size <value>]', '[--max-items <value>]'] : []),
  ];
}

export function commandHelp(cmd: CommandSpec): string {
  const request = ecsShapes().structure(requestMessage(cmd));
  const visible = cmd.flags.filter((f) => !f.hidden);
  const synopsis = synopsisOf(cmd, !!cmd.paginate);
  const lines = [
    'NAME',
    `${I1}${cmd.name} -`,
    '',
    'DESCRIPTION',
    `${I1}${cmd.summary}`,
    '',
    ...(cmd.notes ? [...cmd.notes.map((l) => I1 + l), ''] : []),
    `${I1}Calls the ${cmd.rpc} operation (EcsControlPlane.${cmd.rpc}${cmd.streaming ? ', server streaming' : ''})${cmd.session ? ',' : '.'}`,
    ...(cmd.session ? [`${I1}then StartSession (EcsControlPlane.StartSession, bidirectional streaming).`] : []),
    ...(cmd.paginate
      ? ['', `${I1}${cmd.name} is a paginated operation: all pages are fetched and their`, `${I1}${cmd.paginate.resultKey} merged unless --no-paginate is given.`]
      : []),
    '',
    'SYNOPSIS',
    `            ${cmd.name}`,
    ...synopsis.map((s) => `          ${s}`),
    '',
    'OPTIONS',
    ...visible.flatMap((f) => optionLines(f, request.members.get(f.field))),
    ...(cmd.paginate ? globalOptionLines(true) : []),
    'GLOBAL OPTIONS',
    ...globalOptionLines(false),
  ];
  return `${lines.join('\n')}\n`;
}

// --- wait ---

/** Settings beyond the AWS CLI, read from the environment by `ecsctl wait` (meant for tests). */
const WAITER_ENV_LINES = [
  'ENVIRONMENT (ecsctl extensions, not in the AWS CLI)',
  `${I1}ECSCTL_WAITER_DELAY_MS (integer)`,
  `${I2}Milliseconds between polls, in place of the waiter's delay.`,
  '',
  `${I1}ECSCTL_WAITER_MAX_ATTEMPTS (integer)`,
  `${I2}Polls before "Max attempts exceeded", in place of the waiter's maximum.`,
  '',
];

/** `ecsctl wait help`: the waiters, as `aws ecs wait help` lists them. */
export function waitHelp(): string {
  const width = Math.max(...WAITERS.map((w) => waiterCliName(w).length));
  const lines = [
    'NAME',
    `${I1}wait -`,
    '',
    'DESCRIPTION',
    `${I1}${WAIT_SUMMARY}`,
    '',
    'SYNOPSIS',
    `${I1}ecsctl wait <waiter> [parameters]`,
    '',
    `${I1}Use \`ecsctl wait <waiter> help\` for the flags of a waiter. On success nothing`,
    `${I1}is printed (exit 0); on failure the reason goes to stderr (exit 255).`,
    '',
    'AVAILABLE WAITERS',
    ...WAITERS.map((w) => `${I1}o ${waiterCliName(w).padEnd(width)}  polls ${operationCommand(w).name} every ${w.delay}s, at most ${w.maxAttempts} times`),
    '',
    ...WAITER_ENV_LINES,
  ];
  return `${lines.join('\n')}\n`;
}

/** `ecsctl wait services-stable help`: the waiter's description and its operation's flags. */
export function waiterHelp(w: WaiterSpec): string {
  const cmd = operationCommand(w);
  const request = ecsShapes().structure(requestMessage(cmd));
  const name = waiterCliName(w);
  const lines = [
    'NAME',
    `${I1}${name} -`,
    '',
    'DESCRIPTION',
    ...wrap(waiterDescription(w), 80 - I1.length).map((l) => I1 + l),
    '',
    'SYNOPSIS',
    `            ${name}`,
    ...synopsisOf(cmd, false).map((s) => `          ${s}`),
    '',
    'OPTIONS',
    ...cmd.flags.filter((f) => !f.hidden).flatMap((f) => optionLines(f, request.members.get(f.field))),
    ...WAITER_ENV_LINES,
    'GLOBAL OPTIONS',
    ...globalOptionLines(false),
  ];
  return `${lines.join('\n')}\n`;
}

/** Greedy word wrap (long words such as JMESPath expressions stay whole). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
