// The `forward` output: Fluentd's Forward protocol (v1) over TCP, as Fluent Bit's forward output speaks it.
// A batch goes as Forward-mode messages `[tag, [[EventTime, record], ...], {size, chunk?}]` (msgpack, with
// the fields every record of a container shares encoded once: byte for byte what @msgpack/msgpack encodes
// for the whole message, which a test checks), one per batch unless the batch encodes to more than MAX_MESSAGE_BYTES (then several, in order). EventTime is
// msgpack ext type 0: 8 bytes, uint32 seconds and uint32 nanoseconds, big endian. With requireAck each
// message carries a random chunk id and counts as delivered only when the receiver answers {ack: id};
// without it, once the bytes are handed to the kernel. One connection is kept open; any error, close or
// timeout drops it and the next send reconnects.
import { connect, type Socket } from 'node:net';
import { Encoder, ExtensionCodec, decodeMultiStream } from '@msgpack/msgpack';
import type { Clock, Random } from '../../util/clock.js';
import type { ForwardOutput } from '../../../../common/log-options.js';
import { firelensRecord, type ContainerLogMeta, type LogRecord } from '../types.js';
import { MAX_MESSAGE_BYTES, type Batch, type Destination } from './destination.js';
import { parseRecordTime } from './record-format.js';

/** Fluentd's EventTime: seconds and nanoseconds since the epoch. */
export class EventTime {
  constructor(readonly seconds: number, readonly nanoseconds: number) {}
}

export const EVENT_TIME_EXT_TYPE = 0;

/** The msgpack extension codec of the Forward protocol: EventTime as ext type 0. */
export const forwardExtensionCodec = new ExtensionCodec();
forwardExtensionCodec.register({
  type: EVENT_TIME_EXT_TYPE,
  encode(value: unknown): Uint8Array | null {
    if (!(value instanceof EventTime)) return null;
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, value.seconds);
    view.setUint32(4, value.nanoseconds);
    return bytes;
  },
  decode(data: Uint8Array): EventTime {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return new EventTime(view.getUint32(0), view.getUint32(4));
  },
});

export interface ForwardDestinationOptions {
  output: ForwardOutput;
  clock: Clock;
  random: Random;
  /** Bound on one message's write and ack. */
  timeoutMs: number;
}

export class ForwardDestination implements Destination {
  readonly describe: string;
  private readonly encoder = new Encoder({ extensionCodec: forwardExtensionCodec, initialBufferSize: 64 * 1024 });
  private conn: ForwardConnection | undefined;
  private closed = false;

  constructor(private readonly o: ForwardDestinationOptions) {
    this.describe = `forward ${o.output.host}:${o.output.port}`;
  }

  async send(batch: Batch): Promise<void> {
    for (const message of this.messages(batch)) {
      if (this.closed) throw new Error('output closed');
      if (!this.conn || this.conn.failed) this.conn = new ForwardConnection(this.o.output.host, this.o.output.port);
      const conn = this.conn;
      const timer = this.o.clock.setTimeout(
        () => conn.fail(new Error(`no ${message.chunk ? 'ack' : 'write completion'} within ${this.o.timeoutMs} ms`)),
        this.o.timeoutMs,
      );
      try {
        await conn.exchange(message.bytes, message.chunk);
      } finally {
        timer.cancel();
      }
    }
  }

  close(): void {
    this.closed = true;
    this.conn?.fail(new Error('output closed'));
    this.conn = undefined;
  }

  /** The batch's Forward-mode messages, encoded one at a time (at most one in memory). */
  private *messages(batch: Batch): Generator<{ bytes: Uint8Array; chunk?: string }> {
    const tag = this.encoder.encode(batch.tag);
    const parts = this.recordParts(batch.meta);
    const out = new ByteWriter(Math.min(MAX_MESSAGE_BYTES, 64 * 1024));
    let count = 0;
    const flush = () => {
      const option: { size: number; chunk?: string } = { size: count };
      if (this.o.output.requireAck) option.chunk = chunkId(this.o.random);
      const bytes = Buffer.concat([Uint8Array.of(0x93), tag, arrayHeader(count), out.view(), this.encoder.encode(option)]);
      out.reset();
      count = 0;
      return { bytes, chunk: option.chunk };
    };
    for (const r of batch.records) {
      // [EventTime, FireLens record]: the same bytes as encoding [new EventTime(..), firelensRecord(meta, r)],
      // with the fields every record of the container shares encoded once.
      const t = parseRecordTime(r.time);
      out.byte(0x92);
      out.byte(0xd7); // fixext 8
      out.byte(EVENT_TIME_EXT_TYPE);
      out.uint32(t.seconds);
      out.uint32(t.nanoseconds);
      out.byte(r.partial ? 0x88 : 0x87); // fixmap of 8 or 7 fields
      out.bytes(r.source === 'stderr' ? parts.stderr : parts.stdout);
      out.bytes(parts.logKey);
      out.bytes(this.encoder.encodeSharedRef(r.log));
      out.bytes(parts.meta);
      if (r.partial) out.bytes(parts.partial);
      count++;
      if (out.length >= MAX_MESSAGE_BYTES) yield flush();
    }
    if (count > 0) yield flush();
  }

  private cachedParts: { meta: ContainerLogMeta; parts: RecordParts } | undefined;

  /** The msgpack pieces of a FireLens record (firelensRecord's field order) that do not depend on the line. */
  private recordParts(meta: ContainerLogMeta): RecordParts {
    if (this.cachedParts?.meta === meta) return this.cachedParts.parts;
    const sample: LogRecord = { time: '', source: 'stdout', log: '' };
    const fields = firelensRecord(meta, sample);
    const kv = (key: string, value: string) => Buffer.concat([this.encoder.encode(key), this.encoder.encode(value)]);
    const metaPairs: Uint8Array[] = [];
    for (const [k, v] of Object.entries(fields)) if (k !== 'source' && k !== 'log') metaPairs.push(kv(k, v as string));
    const parts: RecordParts = {
      stdout: kv('source', 'stdout'),
      stderr: kv('source', 'stderr'),
      logKey: this.encoder.encode('log'),
      meta: Buffer.concat(metaPairs),
      partial: kv('partial_message', 'true'),
    };
    if (metaPairs.length !== 5) throw new Error('unexpected FireLens record shape');
    this.cachedParts = { meta, parts };
    return parts;
  }
}

interface RecordParts {
  stdout: Uint8Array;
  stderr: Uint8Array;
  logKey: Uint8Array;
  meta: Uint8Array;
  partial: Uint8Array;
}

/** A growable byte buffer. */
class ByteWriter {
  private buf: Buffer;
  length = 0;
  constructor(initial: number) {
    this.buf = Buffer.allocUnsafe(initial);
  }
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  uint32(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(n >>> 0, this.length);
    this.length += 4;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
  }
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }
  reset(): void {
    this.length = 0;
  }
}

/** One TCP connection to the receiver; one exchange (write, then maybe ack) at a time. */
class ForwardConnection {
  failed: Error | undefined;
  private readonly socket: Socket;
  private waiter: { chunk?: string; acked: () => void; reject: (e: Error) => void } | undefined;

  constructor(host: string, port: number) {
    // Writes before the connection is up are buffered by the socket; a refused connection fails them.
    this.socket = connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 30_000);
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('end', () => this.fail(new Error('connection closed by the receiver')));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
    void this.readResponses();
  }

  exchange(bytes: Uint8Array, chunk: string | undefined): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<void>((resolve, reject) => {
      let written = false;
      let acked = chunk === undefined;
      const settle = () => {
        if (!written || !acked) return;
        this.waiter = undefined;
        resolve();
      };
      this.waiter = {
        chunk,
        acked: () => {
          acked = true;
          settle();
        },
        reject: (e) => {
          this.waiter = undefined;
          reject(e);
        },
      };
      this.socket.write(bytes, (err) => {
        if (err) return this.fail(err);
        written = true;
        settle();
      });
    });
  }

  fail(e: Error): void {
    if (!this.failed) this.failed = e;
    this.socket.destroy();
    this.waiter?.reject(this.failed);
  }

  /** Responses are msgpack maps; {ack: id} acknowledges the chunk sent with that id. Others are ignored. */
  private async readResponses(): Promise<void> {
    try {
      for await (const msg of decodeMultiStream(this.socket as AsyncIterable<Uint8Array>)) {
        const ack = msg && typeof msg === 'object' ? (msg as { ack?: unknown }).ack : undefined;
        if (ack !== undefined && this.waiter?.chunk !== undefined && ack === this.waiter.chunk) this.waiter.acked();
      }
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }
}

/** A msgpack array header for n elements. */
function arrayHeader(n: number): Uint8Array {
  if (n < 16) return Uint8Array.of(0x90 | n);
  if (n < 0x10000) return Uint8Array.of(0xdc, n >>> 8, n & 0xff);
  return Uint8Array.of(0xdd, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** A chunk id: 16 random bytes, base64 (as Fluent Bit). */
function chunkId(random: Random): string {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes.toString('base64');
}
