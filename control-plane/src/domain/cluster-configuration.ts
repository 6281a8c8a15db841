// ECS's ClusterConfiguration (execute command logging), validated and normalized. Pure.
import type { ClusterConfiguration__Output } from '../../../proto/gen/ecs/v1/ClusterConfiguration.js';
import type { ExecuteCommandConfiguration__Output } from '../../../proto/gen/ecs/v1/ExecuteCommandConfiguration.js';
import type { ExecuteCommandLogConfiguration__Output } from '../../../proto/gen/ecs/v1/ExecuteCommandLogConfiguration.js';
import { InvalidParameterException } from './errors.js';

export const EXEC_LOGGING = ['NONE', 'DEFAULT', 'OVERRIDE'] as const;
export type ExecLogging = (typeof EXEC_LOGGING)[number];

const PREFIX = 'configuration.executeCommandConfiguration';

/** Drops absent (null/undefined) fields, as the record keeps them. */
function present<T extends object>(o: T): T {
  const out = {} as T;
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * The configuration as the cluster keeps it, or InvalidParameterException: logging is NONE, DEFAULT or
 * OVERRIDE; logConfiguration must be given with OVERRIDE and only then. Undefined for an absent configuration.
 */
export function validateClusterConfiguration(c: ClusterConfiguration__Output | null | undefined): ClusterConfiguration__Output | undefined {
  if (!c) return undefined;
  const e = c.executeCommandConfiguration;
  if (!e) return {};
  const logging = e.logging;
  if (logging !== undefined && !(EXEC_LOGGING as readonly string[]).includes(logging)) {
    throw new InvalidParameterException(`Invalid value for ${PREFIX}.logging: '${logging}'. Valid values: ${EXEC_LOGGING.join(', ')}.`);
  }
  // An empty logConfiguration names nowhere to log to: as good as none.
  const given = e.logConfiguration ? present(e.logConfiguration) : undefined;
  const log = given && Object.keys(given).length > 0 ? given : undefined;
  if (logging === 'OVERRIDE' && !log) {
    throw new InvalidParameterException(`${PREFIX}.logConfiguration must be specified when logging is OVERRIDE.`);
  }
  if (logging !== 'OVERRIDE' && log) {
    throw new InvalidParameterException(`${PREFIX}.logConfiguration can only be specified when logging is OVERRIDE (it is ${logging ?? 'DEFAULT'}).`);
  }
  const out: ExecuteCommandConfiguration__Output = present({ kmsKeyId: e.kmsKeyId, logging });
  if (log) out.logConfiguration = log as ExecuteCommandLogConfiguration__Output;
  return { executeCommandConfiguration: out };
}

/** What a cluster keeps of its execute-command sessions: its logging setting, DEFAULT when unset (as ECS). */
export function execLogging(c: ClusterConfiguration__Output | undefined): ExecLogging {
  return (c?.executeCommandConfiguration?.logging as ExecLogging | undefined) ?? 'DEFAULT';
}
