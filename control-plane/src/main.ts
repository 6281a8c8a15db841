#!/usr/bin/env node
// ecs-control-plane: the gRPC server holding clusters, task definitions, tasks and container instances.
import { ConfigError, parseOptions, USAGE } from './config.js';
import { startControlPlane } from './control-plane.js';

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ecs-control-plane: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (opts === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const cp = await startControlPlane(opts);
  const shutdown = (signal: string) => {
    cp.ctx.log.info({ signal }, 'shutting down');
    cp.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`ecs-control-plane: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
