// Execute-command sessions, pure: the command's split into argv, session ids, and the session's
// lifecycle PENDING → RUNNING → STOPPED (forward only; STOPPED is final).
import { parse } from 'shell-quote';
import { InvalidParameterException } from './errors.js';
import type { ExecSessionRecord, ExecSessionStatus } from './records.js';

export const EXEC_SESSION_STATUSES: readonly ExecSessionStatus[] = ['PENDING', 'RUNNING', 'STOPPED'];

/** How long a token is good for: StartSession must open the session within this time of ExecuteCommand. */
export const ATTACH_TIMEOUT_SEC = 60;

export const REASON_NOT_STARTED = `The session was not started within ${ATTACH_TIMEOUT_SEC} seconds.`;
export const REASON_CLIENT_CLOSED = 'The client closed the session.';
export const REASON_RESTARTED = 'The control plane restarted.';
export const REASON_SHUTTING_DOWN = 'The control plane is shutting down.';

export function agentDisconnectedReason(instanceId: string): string {
  return `The agent on container instance ${instanceId} disconnected.`;
}

/** ECS's session ids: "ecs-execute-command-" and 17 hex characters. */
export function newSessionId(random: () => number): string {
  let s = 'ecs-execute-command-';
  for (let i = 0; i < 17; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}

const SUGGESTION = `To use shell syntax, run a shell: --command "sh -c '...'".`;

/**
 * Splits a command like a shell splits words (quotes, backslashes), without running a shell: operators
 * (| ; & > < ( ) ...), globs, variables and comments are refused (InvalidParameterException naming command).
 */
export function splitCommand(command: string): string[] {
  if (command.trim() === '') throw new InvalidParameterException('The command cannot be empty.');
  if (command.length > 4096) throw new InvalidParameterException('The command can be up to 4096 characters long.');
  const problem = unbalanced(command);
  if (problem) throw new InvalidParameterException(`The command ${JSON.stringify(command)} is not valid: ${problem}.`);
  const words = parse(command, (name: string) => ({ op: 'var' as const, name }));
  const argv: string[] = [];
  for (const w of words) {
    if (typeof w === 'string') {
      argv.push(w);
      continue;
    }
    throw new InvalidParameterException(
      `The command ${JSON.stringify(command)} uses ${describeShellSyntax(w)}, but the command is not run by a shell. ${SUGGESTION}`,
    );
  }
  if (argv.length === 0) throw new InvalidParameterException('The command cannot be empty.');
  return argv;
}

function describeShellSyntax(w: object): string {
  const o = w as { op?: string; pattern?: string; name?: string; comment?: string };
  if ('comment' in o) return 'a comment (#)';
  if (o.op === 'glob') return `the pattern ${o.pattern}`;
  if (o.op === 'var') return o.name ? `the variable $${o.name}` : 'a substitution ($...)';
  return `the shell operator ${o.op}`;
}

/** Why a command cannot be split (an unterminated quote, a trailing backslash, a backquote), or undefined. */
function unbalanced(s: string): string | undefined {
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
    } else if (c === '\\') {
      if (i === s.length - 1) return 'it ends with a backslash';
      i++;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '`') return 'it uses command substitution (`...`)';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '`') {
      return 'it uses command substitution (`...`)';
    }
  }
  return quote ? `its ${quote === '"' ? 'double' : 'single'} quote is not closed` : undefined;
}

/** The session once its command started (PENDING → RUNNING); undefined when that would not move it forward. */
export function markStarted(rec: ExecSessionRecord, now: number): ExecSessionRecord | undefined {
  if (rec.session.status !== 'PENDING') return undefined;
  return { ...rec, session: { ...rec.session, status: 'RUNNING', startedAt: now } };
}

/** The session once it ended (any → STOPPED); undefined when it already was STOPPED. */
export function markStopped(rec: ExecSessionRecord, end: { exitCode?: number; reason?: string }, now: number): ExecSessionRecord | undefined {
  if (rec.session.status === 'STOPPED') return undefined;
  const session = { ...rec.session, status: 'STOPPED', stoppedAt: now };
  if (end.exitCode !== undefined) session.exitCode = end.exitCode;
  if (end.reason !== undefined) session.reason = end.reason;
  return { ...rec, session };
}

/**
 * A session whose token expired: PENDING, not opened (the token unused) within ATTACH_TIMEOUT_SEC of
 * ExecuteCommand. (An opened session waits for the agent's `started`, however late it opened.)
 */
export function isExpired(rec: ExecSessionRecord, now: number): boolean {
  return rec.session.status === 'PENDING' && rec.tokenHash !== undefined && now - rec.session.createdAt >= ATTACH_TIMEOUT_SEC;
}
