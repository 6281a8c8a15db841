// Docker's log timestamps. Docker writes RFC 3339 with exactly nine fractional digits (Go's
// RFC3339NanoFixed), in UTC ("Z") unless the daemon runs in another time zone; the Engine API takes
// `since` as unix "seconds.nanoseconds". Times here are kept exactly (seconds + nanoseconds, never a
// float). Pure.

/** A point in time with nanosecond precision. */
export interface NanoTime {
  /** Seconds since the epoch (may be negative before 1970). */
  sec: number;
  /** 0 ≤ nsec < 1e9. */
  nsec: number;
}

const NS = 1_000_000_000;
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d\d):(\d\d))$/;

/** Parses any RFC 3339 time (fraction of up to 9 digits, Z or an offset); undefined when it is not one. */
export function parseRfc3339(s: string): NanoTime | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (Number.isNaN(ms)) return undefined;
  let sec = Math.floor(ms / 1000);
  if (m[8]) sec -= (m[8] === '+' ? 1 : -1) * (+m[9] * 3600 + +m[10] * 60);
  const nsec = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  return { sec, nsec };
}

/** Docker's fixed format in UTC: 2026-11-22T04:00:11.427638524Z (30 characters, sortable as a string). */
export function formatRfc3339Nano(t: NanoTime): string {
  const iso = new Date(t.sec * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  return `${iso.slice(0, 19)}.${String(t.nsec).padStart(9, '0')}Z`;
}

/** A Docker timestamp in the fixed UTC format (as is when it already is; undefined when it is not a time). */
export function normalizeDockerTime(s: string): string | undefined {
  if (s.length === 30 && s.charCodeAt(29) === 0x5a /* Z */ && s.charCodeAt(19) === 0x2e /* . */) return s;
  const t = parseRfc3339(s);
  return t ? formatRfc3339Nano(t) : undefined;
}

export function addNanos(t: NanoTime, ns: number): NanoTime {
  const total = t.nsec + ns;
  const carry = Math.floor(total / NS);
  return { sec: t.sec + carry, nsec: total - carry * NS };
}

/** An RFC 3339 time moved by `ms` milliseconds (negative: earlier), in the fixed UTC format. */
export function shiftRfc3339(s: string, ms: number): string {
  const t = parseRfc3339(s);
  if (!t) throw new Error(`not an RFC 3339 time: ${JSON.stringify(s)}`);
  return formatRfc3339Nano(addNanos(t, Math.round(ms * 1_000_000)));
}

/** The Engine API's `since`/`until` form of an RFC 3339 time: unix "seconds.nanoseconds", exact. */
export function toDockerUnixTime(s: string): string {
  const t = parseRfc3339(s);
  if (!t) throw new Error(`not an RFC 3339 time: ${JSON.stringify(s)}`);
  return `${t.sec}.${String(t.nsec).padStart(9, '0')}`;
}
