// `ecsctl help`, `ecsctl <command> help`, `--help`: generated from the command table and the request
// shapes, laid out like the AWS CLI's help pages (synopsis, options with their types, shorthand and
// JSON syntax for structured flags).
import { COMMANDS, GLOBAL_OPTIONS, requestMessage, type CommandSpec, type FlagSpec } from './commands/table.js';
import { ecsShapes, type Shape } from './schema/shapes.js';
import { jsonSyntax, shorthandSyntax } from './schema/skeleton.js';

const I1 = '       ';
const I2 = '          ';

export const VERSION = '0.1.0';

export function versionText(): string {
  return `ecsctl/${VERSION} Node.js/${process.version}\n`;
}

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
  if (f.type === 'boolean') entry = `${f.flag} | --no-${f.flag.slice(2)}`;
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

export function commandHelp(cmd: CommandSpec): string {
  const request = ecsShapes().structure(requestMessage(cmd));
  const visible = cmd.flags.filter((f) => !f.hidden);
  const synopsis = [
    ...visible.map(synopsisEntry),
    '[--cli-input-json <value>]',
    '[--generate-cli-skeleton <value>]',
    ...(cmd.paginate ? ['[--starting-token <value>]', '[--page-size <value>]', '[--max-items <value>]'] : []),
  ];
  const lines = [
    'NAME',
    `${I1}${cmd.name} -`,
    '',
    'DESCRIPTION',
    `${I1}${cmd.summary}`,
    '',
    `${I1}Calls the ${cmd.rpc} operation (EcsControlPlane.${cmd.rpc}).`,
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
