// `ecsctl logs`: one GetLogs call, its responses printed as they arrive. stdout's backpressure pauses the
// call (and through gRPC flow control the control plane and the agents), so a slow reader or `| head`
// costs no memory; Ctrl-C cancels the call (exit 0 with --follow, 130 without).
import type { GivenFlag, Globals } from '../args/argv.js';
import { ParamError, UsageError } from '../errors.js';
import { zoneOffset } from '../output/timestamp.js';
import type { Transport } from '../transport/grpc-transport.js';
import { LogPrinter, type LogsResponseView } from './format.js';
import { parseSince, SinceError } from './since.js';

export const EXIT_INTERRUPTED = 130;

/** What the logs command needs of the process (a subset of CliIo). */
export interface LogsIo {
  readonly stdout: { write(text: string): unknown; once?(event: 'drain', fn: () => void): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Record<string, string | undefined>;
  readonly now?: () => number;
  /** Registers fn for Ctrl-C (SIGINT); returns the unregister function. */
  readonly onInterrupt?: (fn: () => void) => () => void;
}

/** --output for logs: text unless --output says json (AWS_DEFAULT_OUTPUT does not apply: logs are lines). */
export function logsOutput(globals: Globals): 'text' | 'json' {
  const v = globals.output ?? 'text';
  if (v === 'text' || v === 'json') return v;
  throw new UsageError(`argument --output: Invalid choice for logs, valid choices are:\n\ntext | json`);
}

/** The selectors of logs, exactly one of which is given: flag and request field. */
const SELECTORS: ReadonlyArray<readonly [flag: string, field: string]> = [
  ['--task', 'task'],
  ['--service', 'serviceName'],
  ['--session-id', 'sessionId'],
];

/**
 * Checks and completes the request: exactly one of task, serviceName and sessionId (argparse's mutually
 * exclusive group messages); --since → an RFC 3339 startTime.
 */
export function prepareLogsRequest(request: Record<string, unknown>, io: Pick<LogsIo, 'env' | 'now'>): Record<string, unknown> {
  const given = SELECTORS.filter(([, field]) => request[field] !== undefined && request[field] !== '');
  if (given.length > 1) throw new UsageError(`argument ${given[1]![0]}: not allowed with argument ${given[0]![0]}`);
  if (given.length === 0) throw new UsageError(`one of the arguments ${SELECTORS.map(([flag]) => flag).join(' ')} is required`);
  if (typeof request.startTime === 'string') {
    try {
      const now = io.now?.() ?? Date.now();
      return { ...request, startTime: parseSince(request.startTime, now, zoneOffset(io.env.TZ || undefined)) };
    } catch (e) {
      if (e instanceof SinceError) throw new ParamError('--since', e.message);
      throw e;
    }
  }
  return request;
}

export async function runLogs(
  request: Record<string, unknown>,
  flags: readonly GivenFlag[],
  globals: Globals,
  transport: Transport,
  io: LogsIo,
): Promise<number> {
  if (globals.query !== undefined) throw new UsageError('argument --query: not supported by logs');
  const output = logsOutput(globals);
  const req = prepareLogsRequest(request, io);
  if (!transport.stream) throw new Error('this transport cannot stream');
  const printer = new LogPrinter({
    output,
    timestamps: flags.some((f) => f.spec.flag === '--timestamps' && f.value === true),
    service: req.serviceName !== undefined && req.serviceName !== '',
  });
  let interrupted = false;
  let waitingForDrain = false;
  const stream = transport.stream('GetLogs', req, (res) => {
    const { out, err } = printer.response(res as LogsResponseView);
    if (err) io.stderr.write(err);
    if (!out) return;
    if (io.stdout.write(out) === false && io.stdout.once && !waitingForDrain) {
      waitingForDrain = true;
      stream.pause();
      io.stdout.once('drain', () => {
        waitingForDrain = false;
        stream.resume();
      });
    }
  });
  const off = io.onInterrupt?.(() => {
    interrupted = true;
    stream.cancel();
  });
  try {
    await stream.done;
  } finally {
    off?.();
  }
  const rest = printer.end();
  if (rest) io.stdout.write(rest);
  if (interrupted) return req.follow === true ? 0 : EXIT_INTERRUPTED;
  return 0;
}
