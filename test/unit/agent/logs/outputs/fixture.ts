// Shared by the output tests: stores written in the store's on-disk format (types.ts), a Fluentd forward
// listener decoding with @msgpack/msgpack, a clock with shortened timers, a capturing logger.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { decodeMultiStream, encode, ExtData } from '@msgpack/msgpack';
import { systemClock, type Clock } from '../../../../../agent/src/util/clock.js';
import type { Logger } from '../../../../../agent/src/util/logger.js';
import type { ContainerLogMeta, LogRecord } from '../../../../../agent/src/logs/types.js';

export const META: ContainerLogMeta = {
  container_name: 'web',
  container_id: 'c0ffee'.padEnd(64, '0'),
  ecs_cluster: 'arn:aws:ecs:us-east-1:000000000000:cluster/prod',
  ecs_task_arn: 'arn:aws:ecs:us-east-1:000000000000:task/prod/0123456789abcdef0123456789abcdef',
  ecs_task_definition: 'web:3',
};
export const TAG = 'web-firelens-0123456789abcdef0123456789abcdef';

export const BASE_SECONDS = 1_795_320_000; // 2026-11-22T...

/** Record i: seconds BASE + i/1000, nanoseconds with all 9 digits significant. */
export function record(i: number, extra: Partial<LogRecord> = {}): LogRecord {
  const seconds = BASE_SECONDS + Math.floor(i / 1000);
  const nanos = (i % 1000) * 1_000_000 + 123_457;
  const time = `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
  return { time, source: i % 2 ? 'stderr' : 'stdout', log: `line ${i}`, ...extra };
}

export function records(from: number, to: number): LogRecord[] {
  const out: LogRecord[] = [];
  for (let i = from; i < to; i++) out.push(record(i));
  return out;
}

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A temporary store dir with meta.json, removed when the test process exits. */
export function tmpStore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-logs-out-'));
  created.push(dir);
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(META));
  return dir;
}

/** The store's line format: {"time","source","log"[,"partial"]} in this key order. */
export function storeLine(r: LogRecord): string {
  const o: LogRecord = { time: r.time, source: r.source, log: r.log };
  if (r.partial) o.partial = true;
  return JSON.stringify(o) + '\n';
}

export function appendSegment(dir: string, n: number, rs: LogRecord[]): void {
  appendFileSync(join(dir, `${String(n).padStart(6, '0')}.log`), rs.map(storeLine).join(''));
}

/** How much faster than real time fastClock() runs its timers. */
export const SPEEDUP = 50;

/** Real timers divided by SPEEDUP (backoff, timeouts and polls run fast); now() is real time. */
export function fastClock(): Clock {
  return { now: () => Date.now(), setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms / SPEEDUP) };
}

/** A duration of real time in fastClock() time. */
export function real(ms: number): number {
  return ms * SPEEDUP;
}

export function captureLogger(): { logger: Logger; entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void entries.push(JSON.parse(s)) });
  return { logger, entries };
}

export async function until(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A port nothing listens on (bound then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export type ForwardMessage = [string, Array<[ExtData, Record<string, unknown>]>, { size: number; chunk?: string }];

export interface ForwardListener {
  port: number;
  messages: ForwardMessage[];
  /** The records received, in order, over all messages. */
  received(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * A Fluentd forward receiver: decodes the stream with @msgpack/msgpack (no extension codec, so EventTime
 * stays ExtData) and answers {ack: chunk} when a message has a chunk and ack(chunk, index) says so.
 */
export async function forwardListener(o: { port?: number; ack?: (chunk: string, index: number) => boolean } = {}): Promise<ForwardListener> {
  const messages: ForwardMessage[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    void (async () => {
      try {
        for await (const msg of decodeMultiStream(sock as AsyncIterable<Uint8Array>)) {
          const m = msg as ForwardMessage;
          const index = messages.length;
          messages.push(m);
          const chunk = m[2]?.chunk;
          if (chunk !== undefined && (o.ack ?? (() => true))(chunk, index)) sock.write(encode({ ack: chunk }));
        }
      } catch {
        // connection dropped
      }
    })();
  });
  await new Promise<void>((r) => server.listen(o.port ?? 0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    messages,
    received: () => messages.flatMap((m) => m[1].map((e) => e[1])),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Decodes an EventTime ext (type 0, 8 bytes: uint32 seconds, uint32 nanoseconds, big endian). */
export function eventTime(e: ExtData): { type: number; length: number; seconds: number; nanoseconds: number } {
  const data = e.data instanceof Uint8Array ? e.data : new Uint8Array(0);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { type: e.type, length: data.byteLength, seconds: view.getUint32(0), nanoseconds: view.getUint32(4) };
}
