import t from 'tap';
import fc from 'fast-check';
import { decodeRecord, encodeRecord } from '../../../../../agent/src/logs/store/format.js';
import type { LogRecord } from '../../../../../agent/src/logs/types.js';

const TIME = '2026-11-22T04:00:11.427638524Z';

/** encode → bytes on disk → decode, as the store does it. */
function viaDisk(r: LogRecord): LogRecord {
  const line = encodeRecord(r);
  return decodeRecord(Buffer.from(line, 'utf8').toString('utf8').slice(0, -1));
}

t.test('a record is one JSON line with its keys in order time, source, log, partial', async (t) => {
  t.equal(
    encodeRecord({ time: TIME, source: 'stdout', log: 'hello' }),
    `{"time":"${TIME}","source":"stdout","log":"hello"}\n`,
  );
  t.equal(
    encodeRecord({ time: TIME, source: 'stderr', log: 'x', partial: true }),
    `{"time":"${TIME}","source":"stderr","log":"x","partial":true}\n`,
  );
  t.equal(encodeRecord({ time: TIME, source: 'stdout', log: 'x', partial: false }), `{"time":"${TIME}","source":"stdout","log":"x"}\n`);
});

t.test('unicode, quotes, backslashes, control characters and lone surrogates survive a round trip', async (t) => {
  const logs = [
    '',
    'plain',
    'quote " and backslash \\ and both \\"',
    'tab\tnewline\ncarriage\rnull\u0000bell\u0007esc\u001b del\u007f',
    'héllo wörld — ünïcödé ✓ 日本語 𝄞 emoji 😀👍🏽',
    'line separator \u2028 paragraph \u2029',
    'lone high \ud800 lone low \udc00 reversed \udc00\ud800',
    '{"time":"nested json","log":"x"}',
    ' '.repeat(1000) + 'x'.repeat(70000),
  ];
  for (const log of logs) {
    for (const partial of [undefined, true]) {
      const r: LogRecord = partial ? { time: TIME, source: 'stderr', log, partial } : { time: TIME, source: 'stdout', log };
      const line = encodeRecord(r);
      t.equal(line.indexOf('\n'), line.length - 1, 'exactly one newline, at the end');
      t.same(viaDisk(r), r);
      t.same(decodeRecord(line), r, 'the trailing newline is accepted');
    }
  }
});

t.test('any string round-trips exactly (property)', async (t) => {
  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ unit: codeUnit, maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })),
      fc.constantFrom<'stdout' | 'stderr'>('stdout', 'stderr'),
      fc.boolean(),
      (log, source, partial) => {
        const r: LogRecord = partial ? { time: TIME, source, log, partial: true } : { time: TIME, source, log };
        const line = encodeRecord(r);
        return line.indexOf('\n') === line.length - 1 && JSON.stringify(viaDisk(r)) === JSON.stringify(r);
      },
    ),
    { numRuns: 2000 },
  );
  t.pass('held');
});

t.test('other spellings of the same JSON decode too', async (t) => {
  t.same(decodeRecord(`{"log":"a\\u0041","source":"stderr","time":"${TIME}"}`), { time: TIME, source: 'stderr', log: 'aA' });
  t.same(decodeRecord(`{ "time": "${TIME}", "source": "stdout", "log": "x", "partial": true }`), {
    time: TIME,
    source: 'stdout',
    log: 'x',
    partial: true,
  });
  t.same(decodeRecord(`{"time":"${TIME}","source":"stdout","log":"x","partial":false}`), { time: TIME, source: 'stdout', log: 'x' });
  t.same(decodeRecord(`{"time":"${TIME}","source":"stdout","log":"ends in quote brace \\"}"}`).log, 'ends in quote brace "}');
});

t.test('a malformed line is refused', async (t) => {
  for (const bad of [
    '',
    '{',
    `{"time":"${TIME}","source":"stdout","log":"torn`,
    'null',
    '"string"',
    '[]',
    `{"time":"${TIME}","source":"stdin","log":"x"}`,
    `{"time":"${TIME}","source":"stdout"}`,
    `{"time":1,"source":"stdout","log":"x"}`,
    `{"time":"${TIME}","source":"stdout","log":"x","partial":"yes"}`,
    '\u0000\u0000\u0000\u0000',
    `{"time":"${TIME}","source":"stdout","log":"unescaped " quote"}`,
    `{"time":"${TIME}","source":"stdout","log":"x","partial":true`,
    `{"time":"${TIME}","source":"stdout","log":"x"`,
  ]) {
    t.throws(() => decodeRecord(bad), { name: 'MalformedRecordError' }, JSON.stringify(bad));
  }
});

t.test('decoding 200k records takes well under a second of CPU', async (t) => {
  const lines: string[] = [];
  for (let i = 0; i < 200_000; i++) lines.push(encodeRecord({ time: TIME, source: 'stdout', log: `line ${i} ` + 'x'.repeat(80) }).slice(0, -1));
  const cpu0 = process.cpuUsage(); // CPU time, not wall time: the test machine may be busy
  let n = 0;
  for (const l of lines) n += decodeRecord(l).log.length;
  const cpu = process.cpuUsage(cpu0);
  const ms = (cpu.user + cpu.system) / 1000;
  t.ok(n > 0);
  t.ok(ms < 800, `took ${ms.toFixed(0)} ms of CPU`);
});
