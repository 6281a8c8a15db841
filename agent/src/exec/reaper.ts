// Sessions a killed agent left behind. Docker does not end an exec's process when its client goes away, so
// an agent that was SIGKILLed (or lost its host) mid-session would leave the command running in the task's
// container, unseen. While a session's command runs, its exec id is checkpointed in
// ECS_DATADIR/exec-sessions/; a session that ends removes it. On start the agent ends each process still
// recorded, as a session's end does (SIGHUP with a terminal, SIGTERM without, SIGKILL after the grace).
import type { CheckpointStore } from '../state/checkpoints.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** What is checkpointed of a session whose command is running. */
export interface ExecRecord {
  sessionId: string;
  execId: string;
  containerId: string;
  taskArn: string;
  interactive: boolean;
}

export type ExecRecords = Pick<CheckpointStore<ExecRecord>, 'save' | 'remove' | 'loadAll'>;

export interface ReapOptions {
  records: ExecRecords;
  runtime: Pick<ContainerRuntime, 'killExec'>;
  clock: Clock;
  logger: Logger;
  graceMs: number;
}

export interface ReapResult {
  /** Sessions whose process was still running and was signalled. */
  ended: string[];
  /** Sessions whose process had already ended. */
  gone: string[];
  /** Sessions whose process could not be signalled (the reason is logged). */
  failed: string[];
}

/** Ends the processes of the recorded sessions (all at once) and forgets the records. */
export async function reapOrphanedExecs(o: ReapOptions): Promise<ReapResult> {
  const { values, corrupt } = o.records.loadAll();
  for (const path of corrupt) o.logger.warn({ path }, 'an exec session record could not be read; moved aside');
  const result: ReapResult = { ended: [], gone: [], failed: [] };
  await Promise.all(values.map((r) => reapOne(r, o, result)));
  if (values.length > 0) o.logger.info(result, 'exec sessions left by the previous agent run ended');
  return result;
}

async function reapOne(r: ExecRecord, o: ReapOptions, result: ReapResult): Promise<void> {
  const log = o.logger.child({ sessionId: r.sessionId, taskArn: r.taskArn, execId: r.execId });
  try {
    if ((await o.runtime.killExec(r.execId, r.containerId, r.interactive ? 'SIGHUP' : 'SIGTERM')) === 'gone') {
      result.gone.push(r.sessionId);
    } else {
      await new Promise<void>((resolve) => o.clock.setTimeout(resolve, o.graceMs));
      // Docker may still say Running for a moment after the process is gone (then its /proc entry is too).
      const last = await o.runtime.killExec(r.execId, r.containerId, 'SIGKILL').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ESRCH') return 'gone' as const;
        throw err;
      });
      log.info({ killed: last === 'signalled' }, 'ended the command of a session the previous agent run left');
      result.ended.push(r.sessionId);
    }
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not end the command of a session the previous agent run left');
    result.failed.push(r.sessionId);
  }
  o.records.remove(r.sessionId);
}
