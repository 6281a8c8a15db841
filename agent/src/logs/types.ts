// The agent's log router: shared types and the on-disk layout. See docs/architecture.md ("Logs").
//
// Collection: every routed container runs with Docker's `local` log driver, whose files are the buffer
// (bounded by ECS_CONTAINER_LOG_DOCKER_MAX_SIZE × ECS_CONTAINER_LOG_DOCKER_MAX_FILE). A collector per
// container follows Docker's log through the Engine API (timestamps on) and appends records to the
// container's store; the store is the checkpoint (after a restart the collector resumes from the time of
// the last stored record minus a window, skipping records already stored), so nothing is lost or doubled.
// Outputs other than the store (forward, http, stdout) are shippers that read the store from a persisted
// cursor, so a slow or absent destination costs disk (bounded by rotation), never memory.
//
// Store layout, under ECS_DATADIR:
//   logs/<task id>/<container name>/
//     meta.json            ContainerLogMeta, written when the store is created
//     000001.log           segments: JSON lines, one LogRecord each, oldest first; the highest is current
//     000002.log.gz        a closed segment, gzip-compressed (when compression is on)
//     complete             exists once the container has exited and its whole log has been collected
//     cursor-<output>.json a shipper's position (StorePosition)

import { join } from 'node:path';

export type LogSource = 'stdout' | 'stderr';

/** One line a container wrote: what a store segment line holds (JSON, keys in this order). */
export interface LogRecord {
  /** RFC 3339 UTC with exactly 9 fractional digits, e.g. 2026-11-22T04:00:11.427638524Z (sortable as a string). */
  time: string;
  source: LogSource;
  /** The line without its newline. */
  log: string;
  /** Set on all but the last piece of a line longer than the line limit. */
  partial?: boolean;
}

/** The fields every record of one container shares (FireLens's metadata), kept once in meta.json. */
export interface ContainerLogMeta {
  container_name: string;
  container_id: string;
  ecs_cluster: string;
  ecs_task_arn: string;
  /** family:revision */
  ecs_task_definition: string;
  /** Only in an execute-command session's transcript (logs/<task id>/<session id>/): the session. */
  session_id?: string;
}

/** FireLens's tag for a container's records: `<container name>-firelens-<task id>`. */
export function firelensTag(meta: Pick<ContainerLogMeta, 'container_name' | 'ecs_task_arn'>): string {
  return `${meta.container_name}-firelens-${taskIdOf(meta.ecs_task_arn)}`;
}

/** The full FireLens record of a stored record (what forward/http/stdout outputs send). */
export interface FirelensRecord {
  source: LogSource;
  log: string;
  container_id: string;
  container_name: string;
  ecs_cluster: string;
  ecs_task_arn: string;
  ecs_task_definition: string;
  partial_message?: 'true';
}

export function firelensRecord(meta: ContainerLogMeta, r: LogRecord): FirelensRecord {
  const out: FirelensRecord = {
    source: r.source,
    log: r.log,
    container_id: meta.container_id,
    container_name: meta.container_name,
    ecs_cluster: meta.ecs_cluster,
    ecs_task_arn: meta.ecs_task_arn,
    ecs_task_definition: meta.ecs_task_definition,
  };
  if (r.partial) out.partial_message = 'true';
  return out;
}

/** Rotation limits of one container's store. */
export interface StoreLimits {
  /** A segment is closed before a record would take it past this many bytes (a single bigger record gets a segment of its own). */
  maxSizeBytes: number;
  /** Segments kept, the current one included (Docker's max-file); the oldest is deleted beyond this. */
  maxFiles: number;
  /** gzip closed segments. */
  compress: boolean;
}

/** A place in a container's store: a segment number and a byte offset in its uncompressed content. */
export interface StorePosition {
  segment: number;
  offset: number;
}

export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1);
}

export function logsRoot(dataDir: string): string {
  return join(dataDir, 'logs');
}

export function taskLogDir(dataDir: string, taskArn: string): string {
  return join(logsRoot(dataDir), taskIdOf(taskArn));
}

export function containerLogDir(dataDir: string, taskArn: string, containerName: string): string {
  return join(taskLogDir(dataDir, taskArn), containerName);
}
