// The include/exclude filter of a routed container (FireLens's `include-pattern` / `exclude-pattern`,
// Fluent Bit's grep filter): applied by the collector before the store, so it shapes every output and
// `ecsctl logs`. Pure.
import type { RoutedLogConfig } from '../../../common/log-options.js';

/**
 * The record filter of a routed config: keep a record iff (no include or include matches log) and
 * (no exclude or exclude doesn't match log). undefined when the config has neither (the hot path skips
 * the call). Patterns are JavaScript regular expression sources, unanchored, without flags; an invalid
 * one throws a SyntaxError (RegisterTaskDefinition refuses those before a task gets here).
 */
export function compileFilter(config: Pick<RoutedLogConfig, 'include' | 'exclude'>): ((log: string) => boolean) | undefined {
  // Non-global expressions: test() keeps no lastIndex state between calls.
  const include = config.include === undefined ? undefined : new RegExp(config.include);
  const exclude = config.exclude === undefined ? undefined : new RegExp(config.exclude);
  if (include && exclude) return (log) => include.test(log) && !exclude.test(log);
  if (include) return (log) => include.test(log);
  if (exclude) return (log) => !exclude.test(log);
  return undefined;
}
