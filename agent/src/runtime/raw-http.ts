// A streaming GET to the Docker engine over a plain connection, for the log stream only. Docker flushes one
// HTTP chunk per log message, and Node's HTTP client turns every chunk into a 'data' event of its own (a
// few µs each: the largest cost of collecting logs). Here the chunked body is decoded in place and each
// socket read becomes one Buffer, so a read carrying dozens of messages costs one event. Backpressure is
// the socket's: a paused stream stops reading. Responses other than 200 reject with Docker's message.
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { DockerEndpoint } from '../config/options.js';
import { RuntimeError } from './runtime.js';

const MAX_HEAD = 64 * 1024;
const LF = 0x0a;

/** GET path; resolves with the response body as a stream once the status is 200. */
export function streamingGet(endpoint: DockerEndpoint, path: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const socket = endpoint.kind === 'unix' ? connect(endpoint.socketPath) : connect(endpoint.port, endpoint.host);
    const host = endpoint.kind === 'unix' ? 'docker' : `${endpoint.host}:${endpoint.port}`;
    if (endpoint.kind === 'tcp') socket.setKeepAlive(true, 30_000);
    let head: Buffer = Buffer.alloc(0);
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(err instanceof RuntimeError ? err : new RuntimeError('other', err.message));
    };
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) fail(new Error('docker: response head too large'));
        return;
      }
      socket.removeListener('data', onData);
      socket.removeListener('error', fail);
      socket.removeListener('end', onEarlyEnd);
      let response: ResponseHead;
      try {
        response = parseHead(head.subarray(0, end).toString('latin1'));
      } catch (err) {
        return fail(err as Error);
      }
      const rest = head.subarray(end + 4);
      const body = new BodyStream(socket, response);
      if (response.status === 200) {
        settled = true;
        resolve(body);
        body.feed(rest);
        return;
      }
      // An error: Docker's message is the JSON body.
      const parts: Buffer[] = [];
      body.on('data', (b: Buffer) => parts.push(b));
      body.on('error', () => undefined);
      body.on('close', () => {
        const text = Buffer.concat(parts).toString('utf8').trim();
        let message = text;
        try {
          message = String((JSON.parse(text) as { message?: unknown }).message ?? text);
        } catch {
          // not JSON: the text as is
        }
        fail(new RuntimeError(response.status === 404 ? 'not-found' : 'other', message || `HTTP ${response.status}`));
      });
      body.feed(rest);
    };
    const onEarlyEnd = () => fail(new Error('docker closed the connection before responding'));
    socket.on('data', onData);
    socket.once('error', fail);
    socket.once('end', onEarlyEnd);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ecs-agent\r\nConnection: close\r\n\r\n`);
  });
}

interface ResponseHead {
  status: number;
  chunked: boolean;
  /** Content-Length, when given and not chunked. */
  length?: number;
}

export function parseHead(text: string): ResponseHead {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new RuntimeError('other', `docker: not an HTTP response: ${JSON.stringify(lines[0])}`);
  let chunked = false;
  let length: number | undefined;
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (name === 'transfer-encoding' && /chunked/i.test(value)) chunked = true;
    if (name === 'content-length' && /^\d+$/.test(value)) length = Number(value);
  }
  return { status: Number(m[1]), chunked, length: chunked ? undefined : length };
}

const enum St {
  Size,
  Ext,
  Data,
  DataEnd,
  Trailer,
  Done,
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** The response body: de-chunked, one Buffer per socket read, ending at the last chunk (or the connection's end). */
class BodyStream extends Readable {
  private state = St.Size;
  /** The chunk size being read, then the data bytes left in the chunk. */
  private size = 0;
  private digits = 0;
  private lineLen = 0;
  private remaining: number | undefined;
  private ended = false;

  constructor(
    private readonly socket: Socket,
    private readonly head: ResponseHead,
  ) {
    super();
    this.remaining = head.length;
    socket.on('data', (b: Buffer) => this.feed(b));
    socket.once('end', () => this.finish(!this.head.chunked && this.remaining === undefined ? undefined : new Error('docker closed the log stream mid-response')));
    socket.once('error', (err) => this.finish(err));
    socket.once('close', () => this.finish(new Error('docker closed the log stream mid-response')));
    if (head.length === 0) this.state = St.Done;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.ended = true;
    this.socket.destroy();
    cb(err);
  }

  feed(b: Buffer): void {
    if (this.ended) return;
    let out: Buffer;
    try {
      out = this.head.chunked ? this.dechunk(b) : this.plain(b);
    } catch (err) {
      this.ended = true;
      this.destroy(err as Error);
      return;
    }
    if (out.length > 0 && !this.push(out)) this.socket.pause();
    if (this.state === St.Done) this.finish();
  }

  private plain(b: Buffer): Buffer {
    if (this.remaining === undefined) return b;
    const take = b.subarray(0, Math.min(b.length, this.remaining));
    this.remaining -= take.length;
    if (this.remaining === 0) this.state = St.Done;
    return take;
  }

  /**
   * The data bytes of a read, compacted in place (the read's buffer is ours alone): chunk sizes are parsed
   * from the bytes and each chunk's data moved down with one native copy.
   */
  private dechunk(b: Buffer): Buffer {
    const n = b.length;
    let w = 0;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case St.Data: {
          const k = Math.min(this.size, n - i);
          if (w !== i) b.copyWithin(w, i, i + k);
          w += k;
          i += k;
          this.size -= k;
          if (this.size === 0) this.state = St.DataEnd;
          break;
        }
        case St.Size: {
          const c = b[i++];
          if (c === LF) {
            if (this.digits === 0) throw new Error('docker: bad chunk size line');
            this.state = this.size === 0 ? St.Trailer : St.Data;
            this.digits = 0;
            this.lineLen = 0;
          } else if (c === 0x3b /* ; */) {
            this.state = St.Ext;
          } else if (c !== 0x0d && c !== 0x20 && c !== 0x09) {
            const d = hexValue(c);
            if (d < 0 || this.digits >= 8) throw new Error('docker: bad chunk size');
            this.size = this.size * 16 + d;
            this.digits++;
          }
          break;
        }
        case St.Ext: {
          // chunk extensions: ignored up to the end of the line
          if (b[i++] === LF) {
            if (this.digits === 0) throw new Error('docker: bad chunk size line');
            this.state = this.size === 0 ? St.Trailer : St.Data;
            this.digits = 0;
            this.lineLen = 0;
          }
          break;
        }
        case St.DataEnd: {
          const c = b[i++];
          if (c === LF) this.state = St.Size;
          else if (c !== 0x0d) throw new Error('docker: chunk data not followed by CRLF');
          break;
        }
        case St.Trailer: {
          const c = b[i++];
          if (c === LF) {
            if (this.lineLen === 0) this.state = St.Done;
            this.lineLen = 0;
          } else if (c !== 0x0d) {
            this.lineLen++;
          }
          break;
        }
        case St.Done:
          i = n;
          break;
      }
    }
    return b.subarray(0, w);
  }

  private finish(err?: Error): void {
    if (this.ended) return;
    if (this.state === St.Done || (err === undefined && !this.head.chunked)) {
      this.ended = true;
      this.push(null);
      this.socket.destroy();
      return;
    }
    if (err) {
      this.ended = true;
      this.destroy(err);
    }
  }
}
