// ecs.config: `KEY=VALUE` lines, as read by ecs-init (a systemd EnvironmentFile). Pure.

export interface EnvFileLine {
  line: number;
  text: string;
}

export class EnvFileError extends Error {
  constructor(readonly source: string, readonly bad: EnvFileLine) {
    super(`invalid line ${bad.line} in ${source} "${bad.text}": expected KEY=VALUE`);
    this.name = 'EnvFileError';
  }
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses KEY=VALUE lines. Blank lines and lines starting with `#` are skipped; a value wrapped in
 * matching single or double quotes is unwrapped (as systemd does). A later line wins over an earlier one.
 */
export function parseEnvFile(content: string, source = 'ecs.config'): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = content.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return;
    const eq = text.indexOf('=');
    const key = eq > 0 ? text.slice(0, eq).trim() : '';
    if (!KEY.test(key)) throw new EnvFileError(source, { line: i + 1, text: raw });
    out[key] = unquote(text.slice(eq + 1).trim());
  });
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}

/** The file's values with the environment's on top (the environment overrides ecs.config). */
export function mergeConfigSources(
  file: Record<string, string>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = { ...file };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
