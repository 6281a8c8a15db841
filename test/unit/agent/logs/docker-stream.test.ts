// Docker's log stream parser and the joiner of long lines: frames split across chunks at every byte
// position, Docker's 16 KiB pieces (the local driver's unterminated last piece, json-file's terminated one),
// the line limit (consecutive records flagged partial, nothing dropped, characters never cut), TTY streams
// (raw, "\r\n"), daemon errors in the stream, and times in another zone.
import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { DOCKER_PIECE_BYTES, DockerStreamParser, LineJoiner, parseDockerLog } from '../../../../agent/src/logs/docker-stream.js';
import type { LogRecord } from '../../../../agent/src/logs/types.js';
import { dockerLogFrame, dockerLogPayload } from '../../../../agent/src/runtime/fake-runtime.js';

const T1 = '2026-11-22T04:00:11.427638524Z';
const T2 = '2026-11-22T04:00:11.500000000Z';
const T3 = '2026-11-22T04:00:12.000000001Z';
const P = DOCKER_PIECE_BYTES;

type Src = 'stdout' | 'stderr';
const frame = (src: Src, time: string, data: string | Buffer, partial = false) => dockerLogFrame(src, dockerLogPayload(time, data, partial));
const raw = (time: string, data: string | Buffer, partial = false) => dockerLogPayload(time, data, partial);

/** Docker's pieces of a long line: 16 KiB each, then the rest (local: no newline on it; json-file: newline). */
function pieces(src: Src, time: string, line: Buffer, driver: 'local' | 'json-file'): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  for (; line.length - i >= P; i += P) out.push(frame(src, time, line.subarray(i, i + P), true));
  out.push(frame(src, time, line.subarray(i), driver === 'local'));
  return out;
}

function splits(all: Buffer, at: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const a of at) {
    out.push(all.subarray(prev, a));
    prev = a;
  }
  out.push(all.subarray(prev));
  return out;
}

const bytes = (n: number, fill = 'a') => Buffer.alloc(n, fill);

/** Records with long logs shortened to their length and digest (readable diffs). */
function brief(rs: LogRecord[]): LogRecord[] {
  return rs.map((r) => (r.log.length > 64 ? { ...r, log: `${r.log.length}:${createHash('sha1').update(r.log).digest('hex')}` } : r));
}
const parse = parseDockerLog;
/** t.same on records, with readable diffs. */
function same(t: Test, got: LogRecord[], want: LogRecord[], msg = 'the records'): void {
  t.same(brief(got), brief(want), msg);
}

t.test('frames split at every byte position give the same records', async (t) => {
  const stream = Buffer.concat([
    frame('stdout', T1, 'hello'),
    frame('stderr', T1, 'oops: été ✓ 😀'),
    frame('stdout', T2, ''),
    frame('stderr', T2, 'tab\tand "quotes" and \\ backslash'),
    ...pieces('stdout', T3, bytes(P + 100, 'b'), 'local'),
    frame('stdout', T3, 'after'),
  ]);
  const want: LogRecord[] = [
    { time: T1, source: 'stdout', log: 'hello' },
    { time: T1, source: 'stderr', log: 'oops: été ✓ 😀' },
    { time: T2, source: 'stdout', log: '' },
    { time: T2, source: 'stderr', log: 'tab\tand "quotes" and \\ backslash' },
    { time: T3, source: 'stdout', log: 'b'.repeat(P + 100) },
    { time: T3, source: 'stdout', log: 'after' },
  ];
  same(t, parse([stream]), want, 'one chunk');
  let bad = 0;
  for (let p = 1; p < stream.length; p++) {
    const got = parseDockerLog(splits(stream, [p]));
    if (JSON.stringify(got) !== JSON.stringify(want)) bad++;
  }
  t.equal(bad, 0, 'every split position of two chunks');
  for (let p = 1; p + 7 < stream.length; p += 97) {
    const got = parseDockerLog(splits(stream, [p, p + 3, p + 7]));
    if (JSON.stringify(got) !== JSON.stringify(want)) bad++;
  }
  t.equal(bad, 0, 'a header split in three');
  const small = Buffer.concat([frame('stdout', T1, 'hello'), frame('stderr', T2, 'été')]);
  same(t, parse([...small].map((b) => Buffer.from([b]))), want.slice(0, 1).concat({ time: T2, source: 'stderr', log: 'été' }), 'one byte at a time');
});

t.test('long lines: Docker pieces joined per source; the local driver last piece has no newline', async (t) => {
  const long = bytes(2 * P + 7232, 'a');
  for (const driver of ['local', 'json-file'] as const) {
    const [a, b, c] = pieces('stdout', T1, long, driver);
    const stream = [a, frame('stderr', T1, 'err between'), b, c, frame('stdout', T2, 'short')];
    same(
      t,
      parse(stream),
      [
        { time: T1, source: 'stderr', log: 'err between' },
        { time: T1, source: 'stdout', log: long.toString() },
        { time: T2, source: 'stdout', log: 'short' },
      ],
      `${driver}: a line is a record when its last piece arrives, in stream order`,
    );
  }
  same(
    t,
    parse(pieces('stderr', T1, bytes(P, 'x'), 'local')),
    [{ time: T1, source: 'stderr', log: 'x'.repeat(P) }],
    'exactly 16 KiB: a full piece and an empty last piece',
  );
  same(t, parse([frame('stdout', T1, bytes(P - 1, 'y'))]), [{ time: T1, source: 'stdout', log: 'y'.repeat(P - 1) }], 'just under a piece');
  // A multibyte character cut by Docker's 16 KiB boundary is whole in the record.
  const euro = Buffer.concat([bytes(P - 1, 'e'), Buffer.from('€€'), Buffer.from('end')]);
  same(t, parse(pieces('stdout', T1, euro, 'local')), [{ time: T1, source: 'stdout', log: 'e'.repeat(P - 1) + '€€end' }]);
  same(
    t,
    parse([frame('stdout', T1, 'no newline at exit', true)]),
    [{ time: T1, source: 'stdout', log: 'no newline at exit' }],
    'what a container wrote without a newline before it exited',
  );
  same(
    t,
    parse([frame('stdout', T1, bytes(P, 'q'), true), frame('stdout', T2, 'next')]),
    [
      { time: T1, source: 'stdout', log: 'q'.repeat(P) },
      { time: T2, source: 'stdout', log: 'next' },
    ],
    'a 16 KiB piece followed by another time: that line had ended',
  );
});

t.test('the line limit: longer lines become consecutive partial records, nothing dropped', async (t) => {
  const long = bytes(40_000, 'z');
  const got = parseDockerLog(pieces('stdout', T1, long, 'local'), { maxLineBytes: 20_000 });
  t.same(
    got.map((r) => [r.log.length, r.partial ?? false]),
    [
      [20_000, true],
      [20_000, false],
    ],
  );
  t.equal(got.map((r) => r.log).join(''), long.toString());
  t.ok(got.every((r) => r.time === T1 && r.source === 'stdout'));

  const small = parseDockerLog(pieces('stdout', T1, bytes(50_000, 'w'), 'json-file'), { maxLineBytes: 16_000 });
  t.same(small.map((r) => [r.log.length, r.partial ?? false]), [
    [16_000, true],
    [16_000, true],
    [16_000, true],
    [2_000, false],
  ]);
  t.same(parse([frame('stdout', T1, bytes(5000, 'v'))], { maxLineBytes: 4096 }).map((r) => [r.log.length, r.partial ?? false]), [
    [5000, false],
  ], 'a whole Docker message is not cut (only joined lines are)');

  // Multibyte characters: the cut backs off to a character boundary.
  const mixed = Buffer.from('€'.repeat(10_000)); // 30,000 bytes
  const parts = parseDockerLog(pieces('stderr', T1, mixed, 'local'), { maxLineBytes: 16_385 });
  t.equal(parts.map((r) => r.log).join(''), '€'.repeat(10_000), 'nothing lost or mangled');
  t.ok(parts.every((r) => !r.log.includes('\ufffd')), 'no replacement characters');
  t.ok(parts.slice(0, -1).every((r) => r.partial === true) && parts.at(-1)!.partial === undefined);
});

t.test('records are made only for whole lines; reset drops a line in progress', async (t) => {
  const out: LogRecord[] = [];
  const joiner = new LineJoiner(1 << 20, (r) => out.push(r));
  const parser = new DockerStreamParser(joiner, { tty: false });
  parser.push(frame('stdout', T1, bytes(P), true));
  t.equal(out.length, 0);
  t.ok(joiner.joining('stdout'));
  t.notOk(joiner.joining('stderr'));
  joiner.reset();
  parser.reset();
  parser.push(frame('stdout', T2, 'fresh'));
  t.same(out, [{ time: T2, source: 'stdout', log: 'fresh' }]);
  parser.push(frame('stderr', T2, bytes(P), true));
  joiner.flush();
  same(t, out.slice(-1), [{ time: T2, source: 'stderr', log: 'a'.repeat(P) }], 'flush completes it as it is');
});

t.test('TTY: a raw stream, all stdout, "\\r\\n" line ends, split anywhere', async (t) => {
  const long = bytes(P + 500, 'L');
  const stream = Buffer.concat([
    raw(T1, 'prompt> ls\r'),
    raw(T1, ''),
    raw(T2, 'é\r'),
    raw(T2, long.subarray(0, P), true),
    raw(T2, long.subarray(P), true), // the local driver's last piece: no newline
    raw(T3, 'next\r'),
    raw(T3, 'unterminated', true),
  ]);
  const want: LogRecord[] = [
    { time: T1, source: 'stdout', log: 'prompt> ls' },
    { time: T1, source: 'stdout', log: '' },
    { time: T2, source: 'stdout', log: 'é' },
    { time: T2, source: 'stdout', log: long.toString() },
    { time: T3, source: 'stdout', log: 'next' },
    { time: T3, source: 'stdout', log: 'unterminated' },
  ];
  same(t, parse([stream], { tty: true }), want);
  let bad = 0;
  for (let p = 1; p < stream.length; p += p < 200 || p > stream.length - 200 ? 1 : 61) {
    if (JSON.stringify(parseDockerLog(splits(stream, [p]), { tty: true })) !== JSON.stringify(want)) bad++;
  }
  t.equal(bad, 0, 'every split position');
  const jsonFile = Buffer.concat([raw(T1, long.subarray(0, P), true), raw(T1, Buffer.concat([long.subarray(P), Buffer.from('\r')])), raw(T2, 'x')]);
  same(t, parse([jsonFile], { tty: true }), [
    { time: T1, source: 'stdout', log: long.toString() },
    { time: T2, source: 'stdout', log: 'x' },
  ], 'json-file: the last piece ends with a newline');
});

t.test('a daemon error in the stream is reported, not recorded', async (t) => {
  const errors: string[] = [];
  const out: LogRecord[] = [];
  const parser = new DockerStreamParser(new LineJoiner(1 << 20, (r) => out.push(r)), { tty: false, onDaemonError: (m) => errors.push(m) });
  parser.push(Buffer.concat([frame('stdout', T1, 'a'), dockerLogFrame(3, Buffer.from('error from daemon in stream: Error grabbing logs: boom\n')), frame('stdout', T2, 'b')]));
  t.same(errors, ['error from daemon in stream: Error grabbing logs: boom']);
  t.same(out.map((r) => r.log), ['a', 'b']);
});

t.test('times in another zone are normalised to UTC with 9 digits', async (t) => {
  const stream = Buffer.concat([
    dockerLogFrame('stdout', Buffer.from('2026-11-22T05:00:11.427638524+01:00 zoned\n')),
    dockerLogFrame('stderr', Buffer.from('2026-11-21T23:30:00.000000001-04:30 west\n')),
  ]);
  same(t, parse([stream]), [
    { time: T1, source: 'stdout', log: 'zoned' },
    { time: '2026-11-22T04:00:00.000000001Z', source: 'stderr', log: 'west' },
  ]);
});

t.test('a corrupt frame length is an error (the stream is read again)', async (t) => {
  const bad = Buffer.alloc(8);
  bad[0] = 1;
  bad.writeUInt32BE(0xfffffff0, 4);
  t.throws(() => parseDockerLog([bad]), /corrupt log stream/);
});
