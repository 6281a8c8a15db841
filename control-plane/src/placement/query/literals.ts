// Typed literals of the cluster query language, parsed once at parse time, and the allocation-free
// comparisons evaluation uses on instance facts.

// ---------------------------------------------------------------------------------------------------------
// registeredAt: 2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z, 2018-06-18T22:28:28, 2018-06-18

export const DATE_FORMATS = '2018-06-18T22:28:28+00:00, 2018-06-18T22:28:28Z, 2018-06-18T22:28:28 or 2018-06-18';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})?)?$/;

/** The span of time a date literal names, in epoch seconds: [from, to). A day for a date, a second for a time. */
export interface TimeSpan {
  from: number;
  to: number;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function utcSeconds(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s));
  date.setUTCFullYear(y); // Date.UTC maps years 0-99 to 1900-1999
  return date.getTime() / 1000;
}

/** A time without an offset is UTC. Undefined when `text` is not one of the documented formats or not a real date. */
export function parseDate(text: string): TimeSpan | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  if (m[4] === undefined) {
    const from = utcSeconds(y, mo, d, 0, 0, 0);
    return { from, to: from + 86_400 };
  }
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[7];
  if (zone && zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const from = utcSeconds(y, mo, d, h, mi, s) - offsetMinutes * 60;
  return { from, to: from + 1 };
}

// ---------------------------------------------------------------------------------------------------------
// agentVersion: numbers separated by periods, compared number by number (1.2.10 > 1.2.9; 1.14 == 1.14.0)

const VERSION_RE = /^\d+(?:\.\d+)*$/;

export function parseVersion(text: string): number[] | undefined {
  return VERSION_RE.test(text) ? text.split('.').map(Number) : undefined;
}

/**
 * Compares an instance's agent version with a parsed one: negative, 0 or positive; NaN when `actual` does
 * not start with a number. Only the leading numbers-and-periods part of `actual` counts ("1.2.3-dev" is
 * 1.2.3); missing parts are 0. Allocates nothing.
 */
export function compareVersion(actual: string, wanted: readonly number[]): number {
  const n = actual.length;
  if (n === 0) return NaN;
  const first = actual.charCodeAt(0);
  if (first < 48 || first > 57) return NaN;
  let i = 0;
  let k = 0;
  for (;;) {
    let part = 0;
    let digits = 0;
    while (i < n) {
      const c = actual.charCodeAt(i);
      if (c < 48 || c > 57) break;
      part = part * 10 + (c - 48);
      i++;
      digits++;
    }
    if (digits === 0) break;
    const w = k < wanted.length ? wanted[k]! : 0;
    if (part !== w) return part < w ? -1 : 1;
    k++;
    if (i < n && actual.charCodeAt(i) === 46) {
      i++;
      continue;
    }
    break;
  }
  for (; k < wanted.length; k++) if (wanted[k] !== 0) return -1;
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
// Numbers (runningTasksCount, and attribute values that are numbers)

const WHOLE_RE = /^\d+$/;
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseWholeNumber(text: string): number | undefined {
  return WHOLE_RE.test(text) ? Number(text) : undefined;
}

/** A decimal number (no hex, no Infinity, no blanks): attribute values that are numbers compare as numbers. */
export function isNumber(text: string): boolean {
  return NUMBER_RE.test(text);
}

/**
 * Orders an attribute value against a literal: as numbers when both are numbers, else as strings.
 * `literalNumber` is NaN when the literal is not a number.
 */
export function compareAttribute(value: string, literal: string, literalNumber: number): number {
  if (literalNumber === literalNumber && isNumber(value)) {
    const x = Number(value);
    return x < literalNumber ? -1 : x > literalNumber ? 1 : 0;
  }
  return value < literal ? -1 : value > literal ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------
// agentConnected: true or false

export function parseBoolean(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// =~ and !~: Java's Pattern.matches, i.e. the pattern must match the whole value

/** Compiles a pattern anchored at both ends. Throws the engine's SyntaxError message for an invalid pattern. */
export function compilePattern(pattern: string): RegExp {
  // Compiled alone first: a pattern valid on its own has balanced groups, so wrapping it cannot change it
  // ("a)|(b" would otherwise become the valid, unanchored "^(?:a)|(b)$").
  new RegExp(pattern);
  return new RegExp(`^(?:${pattern})$`);
}
