// Epoch-seconds timestamps → the ISO 8601 text AWS CLI v2 prints: botocore turns an epoch number into
// a datetime in the local time zone and the CLI prints datetime.isoformat(), e.g.
// "2026-11-22T01:53:28.123000+00:00" (the fraction is left out when it is zero, as Python does).

/** Minutes east of UTC at an instant. */
export type OffsetFn = (epochMs: number) => number;

export const UTC: OffsetFn = () => 0;

/** The offset function of an IANA zone (undefined: the process's local zone); unknown zones are UTC. */
export function zoneOffset(timeZone?: string): OffsetFn {
  let dtf: Intl.DateTimeFormat;
  try {
    dtf = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return UTC;
  }
  return (epochMs: number) => {
    const whole = Math.floor(epochMs / 1000) * 1000;
    const parts = dtf.formatToParts(new Date(whole));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return Math.round((wall - whole) / 60000);
  };
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function isoTimestamp(epochSeconds: number, offset: OffsetFn = UTC): string {
  let secs = Math.floor(epochSeconds);
  let micros = roundHalfEven((epochSeconds - secs) * 1e6);
  if (micros >= 1_000_000) {
    secs += 1;
    micros -= 1_000_000;
  }
  const offMin = offset(secs * 1000);
  const d = new Date((secs + offMin * 60) * 1000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const frac = micros ? `.${pad(micros, 6)}` : '';
  const sign = offMin < 0 ? '-' : '+';
  const abs = Math.abs(offMin);
  return `${date}T${time}${frac}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
