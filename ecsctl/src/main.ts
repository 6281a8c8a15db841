#!/usr/bin/env node
// ecsctl: the command line of the self-hosted ECS, used like `aws ecs`.
import { readFile } from 'node:fs/promises';
import { runCli } from './cli.js';

// `ecsctl ... | head`: a closed pipe ends the output quietly, as it does for aws.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readFile: (path) => readFile(path, 'utf8'),
  onInterrupt: (fn) => {
    process.on('SIGINT', fn);
    return () => process.off('SIGINT', fn);
  },
});
