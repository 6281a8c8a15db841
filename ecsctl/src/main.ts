#!/usr/bin/env node
// ecsctl: the command line of the self-hosted ECS, used like `aws ecs`.
import { readFile } from 'node:fs/promises';
import { runCli } from './cli.js';

// `ecsctl ... | head`: a closed pipe ends the output quietly, as it does for aws.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const onProcess = (event: 'SIGINT' | 'SIGTERM' | 'SIGHUP', fn: () => void): (() => void) => {
  process.on(event, fn);
  return () => process.off(event, fn);
};

// Run before dying of an uncaught exception (execute-command restores the terminal). The listener is
// only there while something is registered, so other commands crash as Node crashes.
const fatalHooks = new Set<() => void>();
const onUncaught = (err: unknown): void => {
  for (const fn of fatalHooks) {
    try {
      fn();
    } catch {
      // keep going: the others must run too
    }
  }
  process.stderr.write(`\n${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(255);
};

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readFile: (path) => readFile(path, 'utf8'),
  onInterrupt: (fn) => onProcess('SIGINT', fn),
  onSignal: (signal, fn) => onProcess(signal, fn),
  onFatal: (fn) => {
    fatalHooks.add(fn);
    if (fatalHooks.size === 1) process.on('uncaughtException', onUncaught);
    return () => {
      fatalHooks.delete(fn);
      if (fatalHooks.size === 0) process.off('uncaughtException', onUncaught);
    };
  },
  // A getter: process.stdin is only opened by the command that reads it (execute-command).
  get stdin() {
    return process.stdin;
  },
});
