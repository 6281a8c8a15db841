// ExecuteCommand (checks, records the session PENDING, answers a one-time token), the session records'
// changes as StartSession drives them, and ListExecuteCommandSessions. The data stream itself:
// exec-relay.ts; the timers and live relays: exec-sessions.ts.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ExecuteCommandRequest__Output } from '../../../proto/gen/ecs/v1/ExecuteCommandRequest.js';
import type { ExecuteCommandResponse__Output } from '../../../proto/gen/ecs/v1/ExecuteCommandResponse.js';
import type { ListExecuteCommandSessionsRequest__Output } from '../../../proto/gen/ecs/v1/ListExecuteCommandSessionsRequest.js';
import type { ListExecuteCommandSessionsResponse__Output } from '../../../proto/gen/ecs/v1/ListExecuteCommandSessionsResponse.js';
import { isArn, resourceId, taskArn } from '../domain/arn.js';
import { execLogging } from '../domain/cluster-configuration.js';
import { InvalidParameterException, LimitExceededException, TargetNotConnectedException } from '../domain/errors.js';
import {
  ATTACH_TIMEOUT_SEC,
  EXEC_SESSION_STATUSES,
  isExpired,
  markStarted,
  markStopped,
  newSessionId,
  REASON_NOT_STARTED,
  splitCommand,
} from '../domain/exec-session.js';
import type { ExecSessionRecord } from '../domain/records.js';
import { requireCluster } from './clusters.js';
import type { Context } from './context.js';
import { paginate } from './pagination.js';
import { findTask } from './tasks.js';

export const DEFAULT_SESSIONS_PER_CONTAINER = 2;
export const DEFAULT_IDLE_TIMEOUT_MS = 20 * 60_000;

/** The execute-command options of a control plane. */
export interface ExecSettings {
  /** Sessions PENDING or RUNNING per (task, container) (ECS's SessionWorkersLimit). */
  sessionsPerContainer: number;
  /** Passed to the agent, which ends a session idle this long; 0: none. */
  idleTimeoutMs: number;
  /** Where StartSession is served: grpc://HOST:PORT/ecs.v1.EcsControlPlane/StartSession. */
  streamUrl: () => string;
  /** Token bytes (tests inject; default crypto.randomBytes). */
  randomBytes?: (n: number) => Buffer;
}

/** The dispatcher as ExecuteCommand sees it. */
export interface ExecAgentStatus {
  isConnected(instanceArn: string): boolean;
}

export function streamUrlFor(address: string): string {
  return `grpc://${address}/ecs.v1.EcsControlPlane/StartSession`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function tokenMatches(hash: string, token: string): boolean {
  const a = Buffer.from(hash, 'hex');
  const b = Buffer.from(hashToken(token), 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Marks every PENDING session whose token expired STOPPED; returns how many. */
export function sweepExpiredSessions(ctx: Context): number {
  const now = ctx.now();
  return ctx.store.transaction(() => {
    let n = 0;
    for (const rec of ctx.store.listLiveExecSessions()) {
      if (!isExpired(rec, now)) continue;
      ctx.store.putExecSession(markStopped(rec, { reason: REASON_NOT_STARTED }, now)!);
      n++;
    }
    return n;
  });
}

/** Marks every session left PENDING or RUNNING STOPPED (the control plane starts: none of them can go on). */
export function stopLeftOverSessions(ctx: Context, reason: string): number {
  const now = ctx.now();
  return ctx.store.transaction(() => {
    const live = ctx.store.listLiveExecSessions();
    for (const rec of live) ctx.store.putExecSession(markStopped(rec, { reason }, now)!);
    return live.length;
  });
}

export function executeCommand(
  ctx: Context,
  agents: ExecAgentStatus,
  settings: ExecSettings,
  req: ExecuteCommandRequest__Output,
): ExecuteCommandResponse__Output {
  const cluster = requireCluster(ctx, req.cluster);
  if (!req.task) throw new InvalidParameterException('task is required.');
  const t = findTask(ctx, cluster, req.task);
  if (!t) throw new InvalidParameterException('The referenced task was not found.');
  if (!t.task.enableExecuteCommand) {
    throw new InvalidParameterException(
      'The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. Wait and try again or run a new task with execute command enabled and try again.',
    );
  }
  if (t.task.lastStatus !== 'RUNNING') {
    throw new InvalidParameterException(
      `The execute command failed because the task ${t.id} is not running (its last status is ${t.task.lastStatus}).`,
    );
  }
  const names = t.task.containers.map((c) => c.name);
  let name = req.container || undefined;
  if (name === undefined) {
    if (names.length !== 1) {
      throw new InvalidParameterException(
        `The container name must be specified (--container) because task ${t.id} has more than one container: ${names.join(', ')}.`,
      );
    }
    name = names[0]!;
  }
  const container = t.task.containers.find((c) => c.name === name);
  if (!container) throw new InvalidParameterException(`The container ${name} does not exist in task ${t.id}.`);
  if (container.lastStatus !== 'RUNNING') {
    throw new InvalidParameterException(
      `The execute command failed because the container ${name} is not running (its last status is ${container.lastStatus}).`,
    );
  }
  const argv = splitCommand(req.command);
  const instanceArn = t.task.containerInstanceArn;
  if (!instanceArn || !agents.isConnected(instanceArn)) {
    throw new TargetNotConnectedException(
      `The execute command failed because the agent on container instance ${instanceArn ? resourceId(instanceArn) : '(none)'} is not connected. Try again later.`,
    );
  }
  sweepExpiredSessions(ctx);
  const token = (settings.randomBytes ?? randomBytes)(32).toString('base64url');
  const rec = ctx.store.transaction(() => {
    const live = ctx.store.listExecSessions({ cluster: cluster.name, taskArn: t.arn, live: true }).filter((s) => s.session.containerName === name);
    if (live.length >= settings.sessionsPerContainer) {
      throw new LimitExceededException(
        `The execute command failed because container ${name} of task ${t.id} already has ${live.length} sessions (the limit per container is ${settings.sessionsPerContainer}).`,
      );
    }
    const id = newSessionId(ctx.random);
    const next: ExecSessionRecord = {
      id,
      cluster: cluster.name,
      taskArn: t.arn,
      session: {
        sessionId: id,
        clusterArn: cluster.arn,
        taskArn: t.arn,
        containerName: name,
        containerArn: container.containerArn,
        containerInstanceArn: instanceArn,
        command: req.command,
        interactive: req.interactive,
        status: 'PENDING',
        createdAt: ctx.now(),
        logging: execLogging(cluster.configuration),
      },
      argv,
      tokenHash: hashToken(token),
    };
    ctx.store.putExecSession(next);
    return next;
  });
  ctx.log.info({ sessionId: rec.id, taskArn: t.arn, containerName: name, containerInstanceArn: instanceArn }, 'execute-command session created');
  return {
    clusterArn: cluster.arn,
    containerArn: container.containerArn,
    containerName: name,
    interactive: req.interactive,
    session: { sessionId: rec.id, streamUrl: settings.streamUrl(), tokenValue: token },
    taskArn: t.arn,
  };
}

/**
 * StartSession's open: the session's token is used up (good once, within ATTACH_TIMEOUT_SEC of
 * ExecuteCommand). Returns the session; throws InvalidParameterException otherwise.
 */
export function openSession(ctx: Context, sessionId: string, token: string): ExecSessionRecord {
  const now = ctx.now();
  const outcome = ctx.store.transaction((): ExecSessionRecord | 'invalid' | 'expired' => {
    const rec = sessionId ? ctx.store.getExecSession(sessionId) : undefined;
    if (!rec || !rec.tokenHash || !tokenMatches(rec.tokenHash, token)) return 'invalid';
    if (isExpired(rec, now)) ctx.store.putExecSession(markStopped(rec, { reason: REASON_NOT_STARTED }, now)!);
    if (isExpired(rec, now) || rec.session.reason === REASON_NOT_STARTED) return 'expired';
    if (rec.session.status !== 'PENDING') return 'invalid';
    const { tokenHash: _used, ...next } = rec;
    ctx.store.putExecSession(next);
    return next;
  });
  if (outcome === 'invalid') throw new InvalidParameterException(`The session ${sessionId} does not exist or its token is not valid.`);
  if (outcome === 'expired') {
    throw new InvalidParameterException(
      `The session ${sessionId} was not started within ${ATTACH_TIMEOUT_SEC} seconds of ExecuteCommand: run execute-command again.`,
    );
  }
  return outcome;
}

/** The agent started the session's command: PENDING → RUNNING. */
export function sessionStarted(ctx: Context, sessionId: string): void {
  ctx.store.transaction(() => {
    const rec = ctx.store.getExecSession(sessionId);
    const next = rec && markStarted(rec, ctx.now());
    if (next) ctx.store.putExecSession(next);
  });
}

/** The session ended: → STOPPED with the exit code and/or reason. */
export function sessionStopped(ctx: Context, sessionId: string, end: { exitCode?: number; reason?: string }): void {
  ctx.store.transaction(() => {
    const rec = ctx.store.getExecSession(sessionId);
    const next = rec && markStopped(rec, end, ctx.now());
    if (next) ctx.store.putExecSession(next);
  });
}

export function listExecuteCommandSessions(
  ctx: Context,
  req: ListExecuteCommandSessionsRequest__Output,
): ListExecuteCommandSessionsResponse__Output {
  const cluster = requireCluster(ctx, req.cluster);
  const status = req.status || undefined;
  if (status !== undefined && !(EXEC_SESSION_STATUSES as readonly string[]).includes(status)) {
    throw new InvalidParameterException(`Invalid value for status: '${status}'. Valid values: ${EXEC_SESSION_STATUSES.join(', ')}.`);
  }
  sweepExpiredSessions(ctx);
  const task = req.task || undefined;
  const arn = task === undefined ? undefined : isArn(task) ? task : taskArn(ctx.scope, cluster.name, task);
  const all = ctx.store.listExecSessions({ cluster: cluster.name, taskArn: arn, status });
  const page = paginate(all, req.nextToken, req.maxResults);
  return { sessions: page.items.map((s) => s.session), nextToken: page.nextToken };
}
