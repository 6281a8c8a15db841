// runCli: one ecsctl invocation, from argv to exit code. Parsing, request building, validation and
// formatting are pure modules; the only I/O is the injected io (stdout, stderr, env, readFile) and
// the transport (gRPC by default, a fake in tests).
import { parseArgv, type GivenFlag, type Globals } from './args/argv.js';
import { buildRequest, requestShape, validateRequest } from './args/request.js';
import type { ReadFile } from './args/param-values.js';
import { requestMessage, responseMessage, type CommandSpec } from './commands/table.js';
import { BadValueError, CliError, EXIT_GENERIC, EXIT_OK, ParamError, UsageError } from './errors.js';
import { commandHelp, mainHelp, versionText, waiterHelp, waitHelp } from './help.js';
import { normalize } from './output/normalize.js';
import { checkQuery, formatResponse, formatTextPages, parseOutput, type FormatOptions, type OutputFormat } from './output/format.js';
import { toJson } from './output/json.js';
import { zoneOffset } from './output/timestamp.js';
import { fullResult, paginate, textPages } from './paginate.js';
import { ecsShapes, type StructureShape } from './schema/shapes.js';
import { skeleton } from './schema/skeleton.js';
import { grpcTransport, type Transport, type TransportFactory } from './transport/grpc-transport.js';
import type { WaiterSpec } from './waiters/table.js';
import { waitFor } from './waiters/wait.js';
import { runLogs } from './logs/run.js';
import { runExecuteCommand, type ExecStdin } from './exec/run.js';

export const DEFAULT_ENDPOINT = '127.0.0.1:7400';
const DEFAULT_TIMEOUT_SECONDS = 30;

export interface Writable {
  /** false: the stream is full; streamed output (logs, execute-command) waits for 'drain'. */
  write(chunk: string | Uint8Array): unknown;
  once?(event: 'drain', fn: () => void): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
  /** stdout's 'resize' (SIGWINCH): execute-command --interactive follows the window's size. */
  on?(event: 'resize', fn: () => void): unknown;
  off?(event: 'resize', fn: () => void): unknown;
}

export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Record<string, string | undefined>;
  readonly readFile: ReadFile;
  /** How to reach the control plane; gRPC unless a test injects a fake. */
  readonly transport?: TransportFactory;
  /** The waiters' clock; real timers unless a test injects a fake. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Epoch milliseconds (logs --since 10m); Date.now unless a test injects a fake. */
  readonly now?: () => number;
  /** Registers fn for Ctrl-C (SIGINT) and returns the unregister function (main.ts; tests fake it). */
  readonly onInterrupt?: (fn: () => void) => () => void;
  /** ecsctl's stdin (execute-command forwards it; raw mode when --interactive on a terminal). Absent: no input. */
  readonly stdin?: ExecStdin;
  /** Registers fn for SIGTERM / SIGHUP and returns the unregister function (main.ts; tests fake it). */
  readonly onSignal?: (signal: 'SIGTERM' | 'SIGHUP', fn: () => void) => () => void;
  /** Registers fn to run before ecsctl dies of an uncaught exception (restores the terminal); returns the unregister function. */
  readonly onFatal?: (fn: () => void) => () => void;
}

const realSleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const inv = parseArgv(argv);
    if (inv.kind === 'version') {
      io.stdout.write(versionText());
      return EXIT_OK;
    }
    if (inv.kind === 'help') {
      if (inv.wait) io.stdout.write(inv.waiter ? waiterHelp(inv.waiter) : waitHelp());
      else io.stdout.write(inv.command ? commandHelp(inv.command) : mainHelp());
      return EXIT_OK;
    }
    return await runCommand(inv.command, inv.globals, inv.flags, io, inv.waiter);
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr.write(e.render());
      return e.exitCode;
    }
    io.stderr.write(`\n${(e as Error)?.message ?? String(e)}\n`);
    return EXIT_GENERIC;
  }
}

interface Settings {
  readonly endpoint: string;
  readonly output: OutputFormat;
  readonly query?: string;
  readonly connectMs: number;
  readonly readMs: number;
  readonly maxItems?: number;
  readonly pageSize?: number;
}

function intOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw new UsageError(`argument ${flag}: invalid int value: '${value}'`);
  return Number(value);
}

function settingsFrom(globals: Globals, env: CliIo['env']): Settings {
  const endpoint = (globals.endpoint ?? env.ECSCTL_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  const output = parseOutput(globals.output ?? (env.AWS_DEFAULT_OUTPUT || undefined));
  checkQuery(globals.query);
  const connect = intOption('--cli-connect-timeout', globals.connectTimeout) ?? DEFAULT_TIMEOUT_SECONDS;
  const read = intOption('--cli-read-timeout', globals.readTimeout) ?? DEFAULT_TIMEOUT_SECONDS;
  const maxItems = intOption('--max-items', globals.maxItems);
  const pageSize = intOption('--page-size', globals.pageSize);
  return {
    endpoint,
    output,
    ...(globals.query !== undefined ? { query: globals.query } : {}),
    connectMs: connect * 1000,
    readMs: read * 1000,
    ...(maxItems !== undefined ? { maxItems } : {}),
    ...(pageSize !== undefined ? { pageSize } : {}),
  };
}

/**
 * The waiter's delay and attempts, or the environment's overrides (ecsctl extensions, for tests:
 * the AWS CLI has no way to change them).
 */
function waitSettingsFrom(waiter: WaiterSpec, env: CliIo['env']): { delayMs: number; maxAttempts: number } {
  const delayMs = envInt('ECSCTL_WAITER_DELAY_MS', env) ?? waiter.delay * 1000;
  const maxAttempts = envInt('ECSCTL_WAITER_MAX_ATTEMPTS', env) ?? waiter.maxAttempts;
  return { delayMs, maxAttempts };
}

function envInt(name: string, env: CliIo['env']): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\s*\d+\s*$/.test(value)) throw new BadValueError(`Bad value for environment variable ${name}: '${value}' is not a non-negative integer`);
  return Number(value);
}

async function runCommand(
  command: CommandSpec,
  globals: Globals,
  flags: readonly GivenFlag[],
  io: CliIo,
  waiter?: WaiterSpec,
): Promise<number> {
  const settings = settingsFrom(globals, io.env);
  const waitSettings = waiter ? waitSettingsFrom(waiter, io.env) : undefined;
  const shape = requestShape(command, ecsShapes().structure(requestMessage(command)));

  if (globals.skeleton !== undefined) return printSkeleton(globals.skeleton, shape, io);

  const request = await buildRequest(shape, { flags, cliInputJson: globals.cliInputJson, readFile: io.readFile, env: io.env });
  validateRequest(request, shape);

  const transport = (io.transport ?? grpcTransport)(settings.endpoint, { connectMs: settings.connectMs, readMs: settings.readMs });
  try {
    if (command.session) return await runExecuteCommand(request, transport, io);
    if (command.streaming) return await runLogs(request, flags, globals, transport, io);
    if (waiter && waitSettings) {
      // Waiters print nothing: success is exit 0, failure a WaiterError (exit 255).
      const responseShape = ecsShapes().structure(responseMessage(command));
      const norm = { offset: zoneOffset(io.env.TZ || undefined), floats: false };
      // The acceptors see the response as aws's waiters do: absent members left out.
      const poll = async () => normalize(await transport.call(command.rpc, request), responseShape, norm) as Record<string, unknown>;
      await waitFor(waiter, poll, { ...waitSettings, sleep: io.sleep ?? realSleep });
      return EXIT_OK;
    }
    io.stdout.write(await callAndFormat(command, request, flags, globals, settings, transport, io));
    return EXIT_OK;
  } finally {
    transport.close();
  }
}

/** One call, or every page of a paginated command; then normalize, query and format. */
async function callAndFormat(
  command: CommandSpec,
  request: Record<string, unknown>,
  flags: readonly GivenFlag[],
  globals: Globals,
  settings: Settings,
  transport: Transport,
  io: CliIo,
): Promise<string> {
  const opts: FormatOptions = {
    output: settings.output,
    ...(settings.query !== undefined ? { query: settings.query } : {}),
    title: command.rpc,
    terminalWidth: io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : 80,
  };
  const responseShape = ecsShapes().structure(responseMessage(command));
  const norm = { offset: zoneOffset(io.env.TZ || undefined), floats: settings.query === undefined };
  const tidy = (page: unknown) => normalize(page, responseShape, norm) as Record<string, unknown>;

  // Giving the raw paging fields (--next-token/--max-results) turns auto-pagination off, as in aws.
  const p = command.paginate;
  const rawPaging = p !== undefined && flags.some((f) => f.spec.field === p.inputToken || f.spec.field === p.limitKey);
  if (!p || !globals.paginate || rawPaging) return formatResponse(tidy(await transport.call(command.rpc, request)), opts);

  const paged = await paginate((req) => transport.call(command.rpc, req), request, p, {
    ...(settings.maxItems !== undefined ? { maxItems: settings.maxItems } : {}),
    ...(settings.pageSize !== undefined ? { pageSize: settings.pageSize } : {}),
    ...(globals.startingToken !== undefined ? { startingToken: globals.startingToken } : {}),
  });
  const pages = { ...paged, pages: paged.pages.map(tidy) };
  return settings.output === 'text'
    ? formatTextPages(textPages(pages, p), settings.query)
    : formatResponse(fullResult(pages, p), opts);
}

function printSkeleton(kind: string, shape: StructureShape, io: CliIo): number {
  if (kind !== 'input') {
    throw new ParamError('--generate-cli-skeleton', `Invalid value '${kind}': ecsctl can generate the "input" skeleton only`);
  }
  io.stdout.write(`${toJson(skeleton(shape))}\n`);
  return EXIT_OK;
}
