import t from 'tap';
import { epochDate, jsonLine, parseRecordTime } from '../../../../../agent/src/logs/outputs/record-format.js';
import { firelensRecord } from '../../../../../agent/src/logs/types.js';
import { META, TAG } from './fixture.js';

t.test('a stored time gives seconds and all nine digits of nanoseconds', async (t) => {
  t.same(parseRecordTime('2026-11-22T04:00:11.427638524Z'), { seconds: 1795320011, nanoseconds: 427638524 });
  t.same(parseRecordTime('2026-11-22T04:00:11.000000001Z'), { seconds: 1795320011, nanoseconds: 1 });
  t.same(parseRecordTime('2026-11-22T04:00:12.999999999Z'), { seconds: 1795320012, nanoseconds: 999999999 });
  t.same(parseRecordTime('1970-01-01T00:00:00.000000000Z'), { seconds: 0, nanoseconds: 0 });
});

t.test('other RFC 3339 spellings are read too; an unreadable time is the epoch', async (t) => {
  t.same(parseRecordTime('2026-11-22T04:00:11Z'), { seconds: 1795320011, nanoseconds: 0 });
  t.same(parseRecordTime('2026-11-22T04:00:11.5Z'), { seconds: 1795320011, nanoseconds: 500000000 });
  t.same(parseRecordTime('2026-11-22T05:00:11.123+01:00'), { seconds: 1795320011, nanoseconds: 123000000 });
  t.same(parseRecordTime('2026-11-22T04:00:11.1234567891Z'), { seconds: 1795320011, nanoseconds: 123456789 });
  t.same(parseRecordTime('yesterday'), { seconds: 0, nanoseconds: 0 });
});

t.test('the epoch date keeps nine fraction digits; a JSON line puts date (and tag) first', async (t) => {
  t.equal(epochDate({ seconds: 1795320011, nanoseconds: 4_000 }), '1795320011.000004000');
  const rec = firelensRecord(META, { time: '2026-11-22T04:00:11.000004000Z', source: 'stdout', log: 'hi "there"' });
  const line = jsonLine({ seconds: 1795320011, nanoseconds: 4_000 }, rec);
  t.ok(line.startsWith('{"date":1795320011.000004000,"source":"stdout","log":"hi \\"there\\""'));
  t.same(JSON.parse(line), { date: 1795320011.000004, ...rec });
  const tagged = jsonLine({ seconds: 1, nanoseconds: 0 }, rec, TAG);
  t.ok(tagged.startsWith(`{"date":1.000000000,"tag":"${TAG}","source":`));
  t.same(JSON.parse(tagged), { date: 1, tag: TAG, ...rec });
});
