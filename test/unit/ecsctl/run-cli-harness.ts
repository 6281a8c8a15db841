// Drives runCli in-process with captured output, fake files and a fake transport.
import { runCli } from '../../../ecsctl/src/cli.js';
import type { Transport, TransportFactory } from '../../../ecsctl/src/transport/grpc-transport.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Requests the fake transport received. */
  calls: { rpc: string; request: Record<string, unknown> }[];
  endpoint?: string;
  /** The delays the waiters slept, in ms. */
  sleeps: number[];
}

export type FakeServer = (rpc: string, request: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>;

export async function run(
  argv: string[],
  opts: {
    server?: FakeServer;
    files?: Record<string, string>;
    env?: Record<string, string>;
    /** The waiters' sleep; by default records the delay and returns at once. */
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const calls: RunResult['calls'] = [];
  let endpoint: string | undefined;
  const sleeps: number[] = [];
  const transport: TransportFactory = (ep): Transport => {
    endpoint = ep;
    return {
      async call(rpc, request) {
        calls.push({ rpc, request });
        if (!opts.server) throw new Error('no fake server');
        return opts.server(rpc, request);
      },
      close() {},
    };
  };
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { TZ: 'UTC', ...opts.env },
    readFile: (path: string) => {
      const text = opts.files?.[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    transport,
    sleep: opts.sleep ?? (async (ms: number) => void sleeps.push(ms)),
  });
  return { code, stdout, stderr, calls, sleeps, ...(endpoint !== undefined ? { endpoint } : {}) };
}
