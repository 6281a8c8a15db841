// Wires the control plane together: store, context, dispatcher, gRPC server. main.ts and the tests
// both start it through startControlPlane().
import pino, { type Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { createServer, listen } from './api/server.js';
import type { ControlPlaneOptions } from './config.js';
import { Dispatcher } from './dispatcher/dispatcher.js';
import { NO_SCHEDULER, type Context } from './services/context.js';
import { SchedulerLoop } from './scheduler/loop.js';
import { SqliteStore } from './store/sqlite-store.js';
import { REASON_RESTARTED } from './domain/exec-session.js';
import { ExecSessions } from './services/exec-sessions.js';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_SESSIONS_PER_CONTAINER, stopLeftOverSessions, streamUrlFor } from './services/execute-command.js';

export interface RunningControlPlane {
  port: number;
  address: string;
  ctx: Context;
  /** The execute-command sessions (tests look at exec.live). */
  exec: ExecSessions;
  stop(): Promise<void>;
}

export interface StartOverrides {
  log?: Logger;
  now?: () => number;
  random?: () => number;
  /** How long an agent has to answer a logs request (tests; default 10 s). */
  logsAnswerTimeoutMs?: number;
  /** How long an agent has to answer an exec request (tests; default 10 s). */
  execAnswerTimeoutMs?: number;
  /** How long the agent's exit is awaited after a client closed its session (tests; default 5 s). */
  execCloseGraceMs?: number;
  /** Execute-command tokens (tests; default crypto.randomBytes). */
  randomBytes?: (n: number) => Buffer;
}

const cryptoRandom = () => randomBytes(6).readUIntBE(0, 6) / 2 ** 48;

export async function startControlPlane(opts: ControlPlaneOptions, o: StartOverrides = {}): Promise<RunningControlPlane> {
  const log = o.log ?? pino({ level: opts.logLevel, base: { component: 'control-plane' } });
  const store = new SqliteStore(opts.dataDir);
  const ctx: Context = {
    store,
    scope: { region: opts.region, account: opts.account },
    now: o.now ?? (() => Date.now() / 1000),
    random: o.random ?? cryptoRandom,
    agents: { taskChanged: () => {}, instanceDeregistered: () => {} },
    scheduler: NO_SCHEDULER,
    log,
  };
  // No agent is connected to a control plane that just started.
  // The host-loss clock of each agent starts now: it may reconnect before the timeout.
  store.transaction(() => {
    for (const i of store.listConnectedInstances()) store.putInstance({ ...i, agentConnected: false, disconnectedAt: ctx.now() });
  });
  // Nor can any execute-command session of the previous run go on.
  const leftOver = stopLeftOverSessions(ctx, REASON_RESTARTED);
  if (leftOver > 0) log.info({ sessions: leftOver }, 'execute-command sessions of the previous run marked STOPPED');
  const dispatcher = new Dispatcher(ctx, {
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
    logsAnswerTimeoutMs: o.logsAnswerTimeoutMs,
    execAnswerTimeoutMs: o.execAnswerTimeoutMs,
  });
  ctx.agents = dispatcher;
  const host = opts.listen.slice(0, opts.listen.lastIndexOf(':'));
  let address = opts.listen;
  const exec = new ExecSessions(ctx, dispatcher, {
    sessionsPerContainer: opts.execSessionsPerContainer ?? DEFAULT_SESSIONS_PER_CONTAINER,
    idleTimeoutMs: opts.execIdleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    streamUrl: () => streamUrlFor(address),
    randomBytes: o.randomBytes,
    closeGraceMs: o.execCloseGraceMs,
  });
  const scheduler = new SchedulerLoop(ctx, {
    intervalMs: opts.schedulerIntervalMs,
    hostLossTimeoutSec: opts.hostLossTimeoutSec,
    maxLaunchBackoffSec: opts.maxLaunchBackoffSec,
  });
  ctx.scheduler = scheduler;
  const server = createServer(ctx, dispatcher, exec);
  const port = await listen(server, opts.listen);
  address = `${host}:${port}`;
  dispatcher.start();
  scheduler.start();
  log.info({ listen: `${host}:${port}`, dataDir: opts.dataDir }, 'control plane listening');
  return {
    port,
    address: `${host}:${port}`,
    ctx,
    exec,
    stop: () =>
      new Promise<void>((resolve) => {
        scheduler.stop();
        exec.stop();
        dispatcher.stop();
        server.tryShutdown(() => {
          store.close();
          resolve();
        });
        setTimeout(() => server.forceShutdown(), 2000).unref();
      }),
  };
}
