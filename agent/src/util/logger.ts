// Structured logs (pino). ECS_LOGLEVEL's `crit` maps to pino's `fatal`.
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/options.js';

export type { Logger };

const PINO_LEVEL: Record<LogLevel, string> = { debug: 'debug', info: 'info', warn: 'warn', error: 'error', crit: 'fatal' };

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const opts = { level: PINO_LEVEL[level], base: { component: 'ecs-agent' } };
  return destination ? pino(opts, destination as unknown as pino.DestinationStream) : pino(opts);
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
