// Wires the control plane together: store, context, dispatcher, gRPC server. main.ts and the tests
// both start it through startControlPlane().
import pino, { type Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { createServer, listen } from './api/server.js';
import type { ControlPlaneOptions } from './config.js';
import { Dispatcher } from './dispatcher/dispatcher.js';
import type { Context } from './services/context.js';
import { SqliteStore } from './store/sqlite-store.js';

export interface RunningControlPlane {
  port: number;
  address: string;
  ctx: Context;
  stop(): Promise<void>;
}

export interface StartOverrides {
  log?: Logger;
  now?: () => number;
  random?: () => number;
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
    log,
  };
  // No agent is connected to a control plane that just started.
  store.transaction(() => {
    for (const i of store.listConnectedInstances()) store.putInstance({ ...i, agentConnected: false });
  });
  const dispatcher = new Dispatcher(ctx, { heartbeatIntervalMs: opts.heartbeatIntervalMs });
  ctx.agents = dispatcher;
  const server = createServer(ctx, dispatcher);
  const port = await listen(server, opts.listen);
  dispatcher.start();
  const host = opts.listen.slice(0, opts.listen.lastIndexOf(':'));
  log.info({ listen: `${host}:${port}`, dataDir: opts.dataDir }, 'control plane listening');
  return {
    port,
    address: `${host}:${port}`,
    ctx,
    stop: () =>
      new Promise<void>((resolve) => {
        dispatcher.stop();
        server.tryShutdown(() => {
          store.close();
          resolve();
        });
        setTimeout(() => server.forceShutdown(), 2000).unref();
      }),
  };
}
