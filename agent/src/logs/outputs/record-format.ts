// How the outputs spell a stored record's time and a FireLens record as a JSON line. Pure.
import type { FirelensRecord } from '../types.js';

/** A record time as whole seconds since the epoch and nanoseconds within the second (Fluentd's EventTime). */
export interface EpochTime {
  seconds: number;
  nanoseconds: number;
}

// Stored times are RFC 3339 UTC with exactly 9 fractional digits (types.ts), so the date-time part before
// the fraction repeats from record to record: remember the last one parsed.
let lastPrefix = '';
let lastSeconds = 0;

const GENERAL = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:[.,](\d+))?(Z|[+-]\d\d:?\d\d)$/i;

/** Parses a record's RFC 3339 time to full nanoseconds; an unparsable time gives the epoch (a record is never refused for it). */
export function parseRecordTime(time: string): EpochTime {
  // Fast path: 2026-11-22T04:00:11.427638524Z
  if (time.length === 30 && time.charCodeAt(19) === 46 /* . */ && time.charCodeAt(29) === 90 /* Z */) {
    const prefix = time.slice(0, 19);
    const nanoseconds = Number(time.slice(20, 29));
    if (prefix === lastPrefix && Number.isInteger(nanoseconds)) return { seconds: lastSeconds, nanoseconds };
    const ms = Date.parse(`${prefix}Z`);
    if (Number.isFinite(ms) && Number.isInteger(nanoseconds) && nanoseconds >= 0) {
      lastPrefix = prefix;
      lastSeconds = Math.floor(ms / 1000);
      return { seconds: lastSeconds, nanoseconds };
    }
  }
  const m = GENERAL.exec(time);
  if (!m) return { seconds: 0, nanoseconds: 0 };
  const ms = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
  if (!Number.isFinite(ms)) return { seconds: 0, nanoseconds: 0 };
  const fraction = (m[2] ?? '').slice(0, 9).padEnd(9, '0');
  return { seconds: Math.floor(ms / 1000), nanoseconds: Number(fraction) };
}

/** The time as epoch seconds with a 9-digit fraction, a JSON number literal (Fluent Bit's `date` of json_lines). */
export function epochDate(t: EpochTime): string {
  return `${t.seconds}.${String(t.nanoseconds).padStart(9, '0')}`;
}

/** `{"date":<epoch>,[ "tag":<tag>,] ...record}` without a newline. */
export function jsonLine(t: EpochTime, record: FirelensRecord, tag?: string): string {
  const rest = JSON.stringify(record).slice(1); // a FireLens record always has fields: `"source":...}`
  return tag === undefined ? `{"date":${epochDate(t)},${rest}` : `{"date":${epochDate(t)},"tag":${JSON.stringify(tag)},${rest}`;
}
