import t from 'tap';
import { isoTimestamp, UTC, zoneOffset } from '../../../ecsctl/src/output/timestamp.js';

t.test('epoch seconds print as AWS CLI v2 prints datetimes (isoformat, microseconds)', async (t) => {
  t.equal(isoTimestamp(1795312408.123, UTC), '2026-11-22T01:53:28.123000+00:00');
  t.equal(isoTimestamp(1795312408.5, UTC), '2026-11-22T01:53:28.500000+00:00');
});

t.test('whole seconds have no fraction, as Python leaves it out', async (t) => {
  t.equal(isoTimestamp(1795312408, UTC), '2026-11-22T01:53:28+00:00');
  t.equal(isoTimestamp(0, UTC), '1970-01-01T00:00:00+00:00');
});

t.test('microseconds round half to even, carrying into the seconds', async (t) => {
  // 0.0078125 s = 7812.5 µs exactly: halves go to the even neighbour, as Python's round() does.
  t.equal(isoTimestamp(0.0078125, UTC), '1970-01-01T00:00:00.007812+00:00');
  t.equal(isoTimestamp(0.0234375, UTC), '1970-01-01T00:00:00.023438+00:00');
  t.equal(isoTimestamp(1.9999996, UTC), '1970-01-01T00:00:02+00:00');
});

t.test('the local zone offset is printed, as botocore uses tzlocal', async (t) => {
  t.equal(isoTimestamp(1795312408.123, () => -300), '2026-11-21T20:53:28.123000-05:00');
  t.equal(isoTimestamp(1795312408, () => 330), '2026-11-22T07:23:28+05:30');
});

t.test('named zones follow their daylight-saving rules', async (t) => {
  const ny = zoneOffset('America/New_York');
  t.equal(isoTimestamp(1795312408, ny), '2026-11-21T20:53:28-05:00');
  t.equal(isoTimestamp(1783000000, ny), '2026-07-02T09:46:40-04:00');
  t.equal(isoTimestamp(1795312408, zoneOffset('UTC')), '2026-11-22T01:53:28+00:00');
  t.equal(isoTimestamp(1795312408, zoneOffset('Not/AZone')), '2026-11-22T01:53:28+00:00', 'unknown zones are UTC');
});
