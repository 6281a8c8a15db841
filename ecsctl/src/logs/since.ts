// `ecsctl logs --since`: a duration back from now (30s, 10m, 2h, 1h30m, 1d, 500ms) or a time: RFC 3339
// (2026-11-22T04:00:00Z, with an offset, with up to 9 fractional digits), an ISO date or date-time without
// a zone (read in the local zone, TZ), or epoch seconds (1700000000, 1700000000.5). The result is the
// RFC 3339 UTC time sent as GetLogs' startTime.
import type { OffsetFn } from '../output/timestamp.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const EPOCH = /^(\d{1,12})(?:\.(\d{1,9}))?$/;
const ZONED = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?)([Zz]|[+-]\d\d:?\d\d)$/;
const LOCAL = /^(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?$/;

export class SinceError extends Error {}

const EXPECTED = 'expected a duration (30s, 10m, 2h, 1h30m, 1d), a time (2026-11-22T04:00:00Z, 2026-11-22T05:00:00+01:00, 2026-11-22) or epoch seconds';

function iso(ms: number, nanos?: string): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new SinceError('out of range');
  const s = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return nanos === undefined ? s : `${s.slice(0, 19)}.${nanos.padEnd(9, '0')}Z`;
}

/** --since's value → RFC 3339 UTC. nowMs: the current time; offset: the local zone (for zone-less times). */
export function parseSince(value: string, nowMs: number, offset: OffsetFn): string {
  const v = value.trim();
  try {
    if (DURATION.test(v)) {
      let ms = 0;
      for (const m of v.matchAll(DURATION_PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
      return iso(nowMs - Math.round(ms));
    }
    let m = EPOCH.exec(v);
    if (m) return iso(Number(m[1]) * 1000, m[2] ?? '');
    m = ZONED.exec(v);
    if (m) {
      const time = m[2]!.length === 5 ? `${m[2]}:00` : m[2]!;
      let zone = m[3]!.toUpperCase();
      if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
      const ms = Date.parse(`${m[1]}T${time.replace(/\.(\d{1,3})\d*$/, '.$1')}${zone}`);
      if (Number.isNaN(ms)) throw new SinceError('not a valid time');
      const frac = /\.(\d{1,9})$/.exec(time)?.[1];
      return iso(ms, frac ?? '');
    }
    m = LOCAL.exec(v);
    if (m) {
      const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m![i] ?? 0)) as [number, number, number, number, number, number];
      const wall = Date.UTC(y, mo - 1, d, h, mi, s);
      const check = new Date(wall);
      if (Number.isNaN(wall) || check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1 || h > 23 || mi > 59 || s > 59) {
        throw new SinceError('not a valid time');
      }
      let ms = wall - offset(wall) * 60_000;
      ms = wall - offset(ms) * 60_000; // the offset at the instant itself (DST edges)
      return iso(ms, m[7] ?? '');
    }
  } catch (e) {
    if (e instanceof SinceError) throw new SinceError(`'${value}' is ${e.message}: ${EXPECTED}`);
    throw e;
  }
  throw new SinceError(`'${value}': ${EXPECTED}`);
}
