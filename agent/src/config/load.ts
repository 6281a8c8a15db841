// The I/O half of configuration: read ecs.config (ECS_CONFIG_FILE or /etc/ecs/ecs.config; a missing
// file is fine), lay the environment over it, read the kernel's ephemeral port range, then compile.
import { readFileSync } from 'node:fs';
import { mergeConfigSources, parseEnvFile } from './env-file.js';
import { compileOptions, DEFAULT_CONFIG_FILE, parsePortRange, type AgentOptions, type PortRange } from './options.js';

export interface LoadedConfig {
  options: AgentOptions;
  /** The config file that was read, or undefined when there was none. */
  configFile?: string;
}

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): LoadedConfig {
  const path = env.ECS_CONFIG_FILE?.trim() || DEFAULT_CONFIG_FILE;
  const content = readOptional(path);
  const file = content === undefined ? {} : parseEnvFile(content, path);
  const raw = mergeConfigSources(file, env);
  const options = compileOptions(raw, { ephemeralPortRange: readEphemeralPortRange() });
  return { options, configFile: content === undefined ? undefined : path };
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999"), the default dynamic host port range on Linux. */
export function readEphemeralPortRange(path = '/proc/sys/net/ipv4/ip_local_port_range'): PortRange | undefined {
  const text = readOptional(path);
  if (text === undefined) return undefined;
  try {
    return parsePortRange(text.trim().split(/\s+/).join('-'));
  } catch {
    return undefined;
  }
}
