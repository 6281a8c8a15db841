// Go-style durations (time.ParseDuration), as amazon-ecs-agent accepts them: "30s", "1m30s", "1.5h", "500ms".

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** Milliseconds in `text`; throws an Error saying why when it is not a duration. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  if (s === '') throw new Error('empty duration');
  let i = 0;
  let total = 0;
  while (i < s.length) {
    PART.lastIndex = i;
    const m = PART.exec(s);
    if (!m) throw new Error('not a duration (expected e.g. 30s, 1m, 1h30m)');
    total += Number(m[1]) * UNIT_MS[m[2]];
    i = PART.lastIndex;
  }
  return Math.round(total);
}
