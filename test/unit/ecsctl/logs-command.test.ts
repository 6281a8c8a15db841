import t from 'tap';
import { runCli } from '../../../ecsctl/src/cli.js';
import { LogPrinter } from '../../../ecsctl/src/logs/format.js';
import { parseSince } from '../../../ecsctl/src/logs/since.js';
import { UTC, zoneOffset } from '../../../ecsctl/src/output/timestamp.js';
import { ServiceError } from '../../../ecsctl/src/errors.js';
import type { ResponseStream, Transport, TransportFactory } from '../../../ecsctl/src/transport/grpc-transport.js';

const NOW = Date.UTC(2026, 10, 22, 4, 0, 0); // 2026-11-22T04:00:00Z
const TASK = '0123456789abcdef0123456789abcdef';

t.test('--since: durations back from now', async (t) => {
  const cases: Array<[string, string]> = [
    ['30s', '2026-11-22T03:59:30.000Z'],
    ['10m', '2026-11-22T03:50:00.000Z'],
    ['2h', '2026-11-22T02:00:00.000Z'],
    ['1h30m', '2026-11-22T02:30:00.000Z'],
    ['1d', '2026-11-21T04:00:00.000Z'],
    ['1d2h3m4s', '2026-11-21T01:56:56.000Z'],
    ['1.5h', '2026-11-22T02:30:00.000Z'],
    ['250ms', '2026-11-22T03:59:59.750Z'],
    ['0s', '2026-11-22T04:00:00.000Z'],
  ];
  for (const [v, want] of cases) t.equal(parseSince(v, NOW, UTC), want, v);
});

t.test('--since: absolute times (RFC 3339, ISO without a zone in local time, epoch seconds)', async (t) => {
  const cases: Array<[string, string]> = [
    ['2026-11-22T04:00:00Z', '2026-11-22T04:00:00.000000000Z'],
    ['2026-11-22T04:00:11.427638524Z', '2026-11-22T04:00:11.427638524Z'],
    ['2026-11-22t04:00:11.5z', '2026-11-22T04:00:11.500000000Z'],
    ['2026-11-22T05:00:00+01:00', '2026-11-22T04:00:00.000000000Z'],
    ['2026-11-21T23:00:00.25-0500', '2026-11-22T04:00:00.250000000Z'],
    ['2026-11-22 04:00:00Z', '2026-11-22T04:00:00.000000000Z'],
    ['1700000000', '2023-11-14T22:13:20.000000000Z'],
    ['1700000000.5', '2023-11-14T22:13:20.500000000Z'],
    ['2026-11-22', '2026-11-22T00:00:00.000000000Z'],
    ['2026-11-22T04:30', '2026-11-22T04:30:00.000000000Z'],
    ['2026-11-22T04:30:15.123456', '2026-11-22T04:30:15.123456000Z'],
  ];
  for (const [v, want] of cases) t.equal(parseSince(v, NOW, UTC), want, v);
  const paris = zoneOffset('Europe/Paris');
  t.equal(parseSince('2026-11-22T05:00', NOW, paris), '2026-11-22T04:00:00.000000000Z', 'local time in winter (+01:00)');
  t.equal(parseSince('2026-07-01', NOW, paris), '2026-06-30T22:00:00.000000000Z', 'local time in summer (+02:00)');
  for (const bad of ['yesterday', '10x', '-5m', '2026-13-01', '2026-02-30', '2026-11-22T25:00:00Z', '']) {
    t.throws(() => parseSince(bad, NOW, UTC), /expected a duration/, `refuses ${JSON.stringify(bad)}`);
  }
});

t.test('text output: [time ][task id ][container ]log; partial pieces joined; notices to stderr', async (t) => {
  const ev = (log: string, over: Record<string, unknown> = {}) => ({ time: '2026-11-22T04:00:11.427638524Z', source: 'stdout', log, containerName: 'web', taskId: TASK, partial: false, ...over });
  let p = new LogPrinter({ output: 'text', timestamps: false, service: false });
  t.same(p.response({ containerNames: ['web'], events: [ev('hello')] }), { out: 'hello\n', err: '' });
  p = new LogPrinter({ output: 'text', timestamps: true, service: true });
  const first = p.response({ containerNames: ['web', 'side'], notices: [{ taskId: TASK, message: 'the agent on container instance abc is not connected' }] });
  t.equal(first.err, `ecsctl logs: task ${TASK}: the agent on container instance abc is not connected\n`);
  t.equal(p.response({ events: [ev('hello'), ev('x', { containerName: 'side' })] }).out, `2026-11-22T04:00:11.427638524Z ${TASK} web hello\n2026-11-22T04:00:11.427638524Z ${TASK} side x\n`);
  p = new LogPrinter({ output: 'text', timestamps: false, service: false });
  const parts = p.response({ events: [ev('aaa', { partial: true }), ev('other', { source: 'stderr' }), ev('bbb', { partial: true })] });
  t.equal(parts.out, 'other\n', 'pieces are held until the line is whole');
  t.equal(p.response({ events: [ev('ccc')] }).out, 'aaabbbccc\n');
  p.response({ events: [ev('tail', { partial: true })] });
  t.equal(p.end(), 'tail\n', 'an unfinished line is printed at the end');
  t.equal(p.response({ notices: [{ taskId: '', message: 'general' }] }).err, 'ecsctl logs: general\n');
});

t.test('json output: one object per event and line', async (t) => {
  const p = new LogPrinter({ output: 'json', timestamps: false, service: false });
  const { out } = p.response({
    containerNames: ['web'],
    events: [
      { time: 'T1', source: 'stderr', log: 'a "quoted"\tline', containerName: 'web', taskId: TASK, partial: false },
      { time: 'T2', source: 'stdout', log: 'piece', containerName: 'web', taskId: TASK, partial: true },
    ],
  });
  const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l));
  t.same(lines, [
    { time: 'T1', source: 'stderr', log: 'a "quoted"\tline', taskId: TASK, containerName: 'web' },
    { time: 'T2', source: 'stdout', log: 'piece', taskId: TASK, containerName: 'web', partial: true },
  ]);
});

// --- the command, with a streaming fake transport ---

interface Script {
  responses?: Array<Record<string, unknown>>;
  error?: Error;
  /** Keep the stream open until cancelled. */
  hang?: boolean;
}

interface Harness {
  code: number;
  stdout: string;
  stderr: string;
  requests: Array<{ rpc: string; request: Record<string, unknown> }>;
  cancelled: boolean;
}

async function runLogs(
  argv: string[],
  script: Script = {},
  opts: { env?: Record<string, string>; stdoutFull?: number; onStream?: (s: { pauses: number; resumes: number }) => void; interruptAfterMs?: number } = {},
): Promise<Harness> {
  let stdout = '';
  let stderr = '';
  const requests: Harness['requests'] = [];
  let cancelled = false;
  let interrupt: (() => void) | undefined;
  const drains: Array<() => void> = [];
  let writes = 0;
  const transport: TransportFactory = (): Transport => ({
    call: async () => {
      throw new Error('unary call');
    },
    stream(rpc, request, onMessage): ResponseStream {
      requests.push({ rpc, request });
      const counts = { pauses: 0, resumes: 0 };
      let finish!: () => void;
      let fail!: (e: Error) => void;
      const done = new Promise<void>((res, rej) => {
        finish = res;
        fail = rej;
      });
      setImmediate(() => {
        for (const r of script.responses ?? []) onMessage(r);
        opts.onStream?.(counts);
        if (script.error) fail(script.error);
        else if (!script.hang) finish();
        if (opts.interruptAfterMs !== undefined) setTimeout(() => interrupt?.(), opts.interruptAfterMs);
      });
      return {
        done,
        pause: () => void counts.pauses++,
        resume: () => void counts.resumes++,
        cancel: () => {
          cancelled = true;
          finish();
        },
      };
    },
    close() {},
  });
  const code = await runCli(argv, {
    stdout: {
      write: (s: string) => {
        stdout += s;
        writes++;
        return opts.stdoutFull === undefined || writes < opts.stdoutFull;
      },
      once: (_e: 'drain', fn: () => void) => void drains.push(fn),
    },
    stderr: { write: (s: string) => (stderr += s) },
    env: { TZ: 'UTC', ...opts.env },
    readFile: () => {
      throw new Error('no files');
    },
    transport,
    now: () => NOW,
    onInterrupt: (fn) => {
      interrupt = fn;
      return () => (interrupt = undefined);
    },
  });
  for (const d of drains) d();
  return { code, stdout, stderr, requests, cancelled };
}

const event = (log: string, over: Record<string, unknown> = {}) => ({ time: '2026-11-22T04:00:01.000000000Z', source: 'stdout', log, containerName: 'web', taskId: TASK, partial: false, ...over });

t.test('logs maps its flags to GetLogs: --service → serviceName, --container, --since → startTime (RFC 3339), --tail, --follow', async (t) => {
  const r = await runLogs(['logs', '--cluster', 'prod', '--service', 'api', '--container', 'web', '--since', '10m', '--tail', '20', '--follow', '--timestamps']);
  t.equal(r.code, 0);
  t.same(r.requests, [
    {
      rpc: 'GetLogs',
      request: { cluster: 'prod', serviceName: 'api', containerName: 'web', startTime: '2026-11-22T03:50:00.000Z', tail: 20, follow: true },
    },
  ]);
  const r2 = await runLogs(['logs', '--task', TASK]);
  t.same(r2.requests[0]!.request, { task: TASK });
});

t.test('logs prints each response as it arrives (text by default, json with --output json)', async (t) => {
  const responses = [
    { containerNames: ['web', 'side'], events: [], notices: [] },
    { events: [event('one'), event('two', { containerName: 'side' })], notices: [{ taskId: TASK, message: 'container side: 1 log segment(s) were rotated away before they could be read' }] },
  ];
  let r = await runLogs(['logs', '--task', TASK], { responses });
  t.equal(r.stdout, 'web one\nside two\n');
  t.equal(r.stderr, `ecsctl logs: task ${TASK}: container side: 1 log segment(s) were rotated away before they could be read\n`);
  r = await runLogs(['logs', '--service', 'api', '--timestamps'], { responses: [{ containerNames: ['web'] }, { events: [event('one')] }] });
  t.equal(r.stdout, `2026-11-22T04:00:01.000000000Z ${TASK} one\n`);
  r = await runLogs(['logs', '--task', TASK, '--output', 'json'], { responses: [{ containerNames: ['web'] }, { events: [event('one')] }] });
  t.same(JSON.parse(r.stdout), { time: '2026-11-22T04:00:01.000000000Z', source: 'stdout', log: 'one', taskId: TASK, containerName: 'web' });
  r = await runLogs(['logs', '--task', TASK], { responses: [{ containerNames: ['web'] }, { events: [event('one')] }] }, { env: { AWS_DEFAULT_OUTPUT: 'json' } });
  t.equal(r.stdout, 'one\n', 'AWS_DEFAULT_OUTPUT does not turn logs into json');
});

t.test('logs: bad command lines exit 252 before any call', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['logs'], /one of the arguments --task --service --session-id is required/],
    [['logs', '--task', 'a', '--service', 'b'], /argument --service: not allowed with argument --task/],
    [['logs', '--task', 'a', '--since', 'yesterday'], /Error parsing parameter '--since': 'yesterday': expected a duration/],
    [['logs', '--task', 'a', '--output', 'table'], /argument --output: Invalid choice for logs/],
    [['logs', '--task', 'a', '--tail', 'ten'], /Invalid type for parameter tail/],
    [['logs', '--task', 'a', '--query', 'events'], /--query: not supported by logs/],
  ];
  for (const [argv, re] of cases) {
    const r = await runLogs(argv);
    t.equal(r.code, 252, argv.join(' '));
    t.match(r.stderr, re);
    t.same(r.requests, []);
  }
});

t.test('logs: a service error prints the AWS CLI error line and exits 254', async (t) => {
  const r = await runLogs(['logs', '--task', TASK], {
    error: new ServiceError('TargetNotConnectedException', 'GetLogs', 'The agent on container instance abc is not connected.'),
  });
  t.equal(r.code, 254);
  t.equal(r.stderr, '\nAn error occurred (TargetNotConnectedException) when calling the GetLogs operation: The agent on container instance abc is not connected.\n');
});

t.test('logs: a full stdout pauses the stream until it drains', async (t) => {
  let counts: { pauses: number; resumes: number } | undefined;
  const responses = [{ containerNames: ['web'] }, ...Array.from({ length: 5 }, (_, i) => ({ events: [event(`l${i}`)] }))];
  const r = await runLogs(['logs', '--task', TASK], { responses }, { stdoutFull: 2, onStream: (c) => (counts = c) });
  t.equal(r.code, 0);
  t.equal(counts!.pauses, 1, 'paused once while waiting for drain');
  t.equal(r.stdout, 'l0\nl1\nl2\nl3\nl4\n');
});

t.test('logs --follow: Ctrl-C cancels the call and exits 0', async (t) => {
  const r = await runLogs(['logs', '--task', TASK, '--follow'], { responses: [{ containerNames: ['web'] }, { events: [event('live')] }], hang: true }, { interruptAfterMs: 10 });
  t.equal(r.code, 0);
  t.ok(r.cancelled);
  t.equal(r.stdout, 'live\n');
});

t.test('`ecsctl logs help` and `ecsctl help` show the command', async (t) => {
  const r = await runLogs(['logs', 'help']);
  t.equal(r.code, 0);
  t.match(r.stdout, /--since \(string\)/);
  t.match(r.stdout, /--timestamps \| --no-timestamps/);
  t.match(r.stdout, /server streaming/);
  const m = await runLogs(['help']);
  t.match(m.stdout, /o logs +Prints the container logs/);
});

t.test('logs --session-id: an execute-command session transcript (GetLogsRequest.sessionId)', async (t) => {
  const SID = 'ecs-execute-command-0123456789abcdef0';
  const r = await runLogs(['logs', '--cluster', 'prod', '--session-id', SID, '--timestamps'], {
    responses: [{ containerNames: [SID] }, { events: [event('$ echo hello', { containerName: SID }), event('hello', { containerName: SID })] }],
  });
  t.equal(r.code, 0);
  t.same(r.requests, [{ rpc: 'GetLogs', request: { cluster: 'prod', sessionId: SID } }]);
  t.equal(r.stdout, '2026-11-22T04:00:01.000000000Z $ echo hello\n2026-11-22T04:00:01.000000000Z hello\n', 'one container (the session): no name prefix');
  for (const argv of [
    ['logs', '--task', 'a', '--session-id', SID],
    ['logs', '--service', 'api', '--session-id', SID],
  ]) {
    const bad = await runLogs(argv);
    t.equal(bad.code, 252, argv.join(' '));
    t.match(bad.stderr, /argument --session-id: not allowed with argument --(task|service)/);
    t.same(bad.requests, []);
  }
  const h = await runLogs(['logs', 'help']);
  t.match(h.stdout, /--session-id \(string\)/);
});
