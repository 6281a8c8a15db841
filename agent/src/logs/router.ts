// The log router: one collector per routed container (Docker's log → the container's store) and, for the
// forward, http and stdout outputs, one shipper (the store → the destination). The task engine attaches a
// container once it has started (or on adoption after a restart), finishes a task's logs before its
// cleanup removes the containers (every line collected, every output drained, bounded), and removes them
// after. See docs/architecture.md ("Logs") and agent/README.md ("Logs").
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { logHandling, type RoutedLogConfig } from '../../../common/log-options.js';
import type { TaskLogs } from '../engine/task-logs.js';
import type { ContainerState, TaskState } from '../engine/task-state.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Clock, Random } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { LogCollector, type CollectorOptions } from './collector.js';
import { compileFilter } from './filter.js';
import { createShipper, type Shipper } from './outputs/shipper.js';
import { containerLogDir, logsRoot, taskIdOf, taskLogDir, type ContainerLogMeta, type StoreLimits } from './types.js';

/** The agent's defaults (ecs.config), used unless a task's awsfirelens options say otherwise. */
export interface LogDefaults {
  /** ECS_CONTAINER_LOG_MAX_SIZE */
  maxSizeBytes: number;
  /** ECS_CONTAINER_LOG_MAX_FILE */
  maxFiles: number;
  /** ECS_CONTAINER_LOG_COMPRESS */
  compress: boolean;
  /** ECS_CONTAINER_LOG_MAX_LINE_SIZE */
  maxLineBytes: number;
}

export interface LogRouterOptions {
  runtime: ContainerRuntime;
  /** ECS_DATADIR: stores live under <dataDir>/logs/<task id>/<container name>/. */
  dataDir: string;
  /** ECS_CLUSTER (name or ARN), for records of tasks that do not say. */
  cluster: string;
  defaults: LogDefaults;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** The stdout output's stream (default process.stdout). */
  stdout?: NodeJS.WritableStream;
  /** Collector tuning (tests). */
  collector?: Pick<CollectorOptions, 'resumeWindowMs' | 'finalWindowMs' | 'resumeRecords' | 'retryMs' | 'batchRecords' | 'batchBytes' | 'flushDelayMs'>;
  /** How long close() lets the outputs deliver what is stored (default 2 s). */
  closeDrainMs?: number;
}

interface Entry {
  taskArn: string;
  name: string;
  containerId: string;
  collector: LogCollector;
  shipper?: Shipper;
  /** Settles once the shipper exists (or is known not to). */
  shipperReady: Promise<void>;
  closed: boolean;
}

const DEFAULT_CLOSE_DRAIN_MS = 2_000;

/** The cluster's name from its ARN (FireLens's ecs_cluster is the name). */
export function clusterName(clusterOrArn: string): string {
  const i = clusterOrArn.indexOf(':cluster/');
  return i >= 0 ? clusterOrArn.slice(i + ':cluster/'.length) : clusterOrArn;
}

export class LogRouter implements TaskLogs {
  private readonly entries = new Map<string, Entry>();
  private readonly log: Logger;
  private closed = false;

  constructor(private readonly o: LogRouterOptions) {
    this.log = o.logger.child({ component: 'log-router' });
  }

  attach(task: TaskState, c: ContainerState): void {
    if (this.closed || !c.runtimeId) return;
    const key = `${task.arn}\u0000${c.def.name}`;
    const existing = this.entries.get(key);
    if (existing?.containerId === c.runtimeId) return;
    let config: RoutedLogConfig;
    try {
      const handling = logHandling(c.def.logConfiguration);
      if (handling.kind !== 'routed') return;
      config = handling.config;
    } catch (err) {
      // Refused before the container was created; only a checkpoint of an older agent gets here.
      this.log.error({ taskArn: task.arn, container: c.def.name, err: (err as Error).message }, 'bad logConfiguration; the log is not collected');
      return;
    }
    // A replaced container (a new Docker id): the old collector lets go of the store before the new one opens it.
    const previous = existing ? this.closeEntry(existing) : Promise.resolve();
    this.entries.set(key, this.start(task, c, c.runtimeId, config, previous));
  }

  async finish(taskArn: string, timeoutMs: number): Promise<boolean> {
    const entries = this.ofTask(taskArn);
    if (entries.length === 0) return true;
    const deadline = this.o.clock.now() + timeoutMs;
    const collected = await this.within(Promise.all(entries.map((e) => e.collector.done)).then(() => true), timeoutMs);
    const results = await Promise.all(
      entries.map(async (e) => {
        await e.shipperReady;
        return e.shipper ? e.shipper.drain(Math.max(0, deadline - this.o.clock.now())) : true;
      }),
    );
    const ok = collected === true && results.every(Boolean);
    if (!ok) {
      const pending = entries.filter((e) => !e.collector.complete).map((e) => e.name);
      this.log.warn({ taskArn, uncollected: pending, timeoutMs }, 'task logs not finished in time; cleaning up anyway');
    }
    return ok;
  }

  async remove(taskArn: string): Promise<void> {
    const entries = this.ofTask(taskArn);
    for (const e of entries) this.entries.delete(`${e.taskArn}\u0000${e.name}`);
    await Promise.all(entries.map((e) => this.closeEntry(e)));
    await rm(taskLogDir(this.o.dataDir, taskArn), { recursive: true, force: true });
  }

  async prune(keepTaskArns: readonly string[]): Promise<void> {
    const keep = new Set(keepTaskArns.map(taskIdOf));
    for (const e of this.entries.values()) keep.add(taskIdOf(e.taskArn));
    let ids: string[];
    try {
      ids = readdirSync(logsRoot(this.o.dataDir));
    } catch {
      return;
    }
    for (const id of ids) {
      if (keep.has(id)) continue;
      this.log.info({ taskId: id }, 'removing the logs of a task that is gone');
      await rm(join(logsRoot(this.o.dataDir), id), { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /**
   * Stops collecting (what was read is stored first; the rest is read again from Docker after a restart)
   * and gives the outputs a moment to deliver what is stored.
   */
  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => e.collector.close()));
    const drainMs = this.o.closeDrainMs ?? DEFAULT_CLOSE_DRAIN_MS;
    await Promise.all(
      entries.map(async (e) => {
        e.closed = true;
        await e.shipperReady;
        if (!e.shipper) return;
        await e.shipper.drain(drainMs).catch(() => false);
        await e.shipper.close().catch(() => undefined);
      }),
    );
  }

  /** Containers being collected (task ARN, name), for tests and diagnostics. */
  attached(): Array<{ taskArn: string; container: string; containerId: string; complete: boolean }> {
    return [...this.entries.values()].map((e) => ({ taskArn: e.taskArn, container: e.name, containerId: e.containerId, complete: e.collector.complete }));
  }

  private start(task: TaskState, c: ContainerState, containerId: string, config: RoutedLogConfig, after: Promise<void>): Entry {
    const d = this.o.defaults;
    const meta: ContainerLogMeta = {
      container_name: c.def.name,
      container_id: containerId,
      ecs_cluster: clusterName(task.clusterArn || this.o.cluster),
      ecs_task_arn: task.arn,
      ecs_task_definition: `${task.family}:${task.revision}`,
    };
    const limits: StoreLimits = {
      maxSizeBytes: config.maxSizeBytes ?? d.maxSizeBytes,
      maxFiles: config.maxFiles ?? d.maxFiles,
      compress: d.compress,
    };
    const dir = containerLogDir(this.o.dataDir, task.arn, c.def.name);
    let filter: ((log: string) => boolean) | undefined;
    try {
      filter = compileFilter(config);
    } catch (err) {
      this.log.error({ taskArn: task.arn, container: c.def.name, err: (err as Error).message }, 'bad log filter; records are kept unfiltered');
    }
    const entry: Entry = { taskArn: task.arn, name: c.def.name, containerId, collector: undefined!, shipperReady: Promise.resolve(), closed: false };
    entry.collector = new LogCollector({
      ...this.o.collector,
      runtime: this.o.runtime,
      containerId,
      dir,
      meta,
      limits,
      tty: c.def.pseudoTerminal,
      maxLineBytes: d.maxLineBytes,
      filter,
      clock: this.o.clock,
      random: this.o.random,
      logger: this.o.logger,
      onAppend: () => entry.shipper?.wake(),
    });
    entry.shipperReady = entry.collector.opened.then(() => {
      if (entry.closed || config.output === 'file') return;
      try {
        entry.shipper = createShipper({ dir, meta, config, clock: this.o.clock, random: this.o.random, logger: this.o.logger, stdout: this.o.stdout });
        entry.shipper?.wake();
      } catch (err) {
        this.log.error({ taskArn: task.arn, container: c.def.name, output: config.output, err: (err as Error).message }, 'could not start the log output');
      }
    });
    void after.then(() => {
      if (!entry.closed) entry.collector.start();
    });
    this.log.debug({ taskArn: task.arn, container: c.def.name, containerId, output: config.output }, 'collecting the container log');
    return entry;
  }

  private async closeEntry(e: Entry): Promise<void> {
    e.closed = true;
    await e.collector.close();
    await e.shipperReady;
    await e.shipper?.close().catch(() => undefined);
  }

  private ofTask(taskArn: string): Entry[] {
    return [...this.entries.values()].filter((e) => e.taskArn === taskArn);
  }

  /** The promise's value, or undefined after ms (the clock's). */
  private within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      const timer = this.o.clock.setTimeout(() => resolve(undefined), ms);
      p.then(
        (v) => {
          timer.cancel();
          resolve(v);
        },
        () => {
          timer.cancel();
          resolve(undefined);
        },
      );
    });
  }
}
