// The `http` output: a batch POSTed as JSON lines (Content-Type application/x-ndjson), one FireLens record
// per line with its time as a leading "date" field in epoch seconds (Fluent Bit's http output with
// format json_lines). A batch whose body would pass MAX_MESSAGE_BYTES goes as several requests, in order.
// A non-2xx status, a network error or a timeout fails the send (the shipper retries it).
import type { Clock } from '../../util/clock.js';
import type { HttpOutput } from '../../../../common/log-options.js';
import { firelensRecord } from '../types.js';
import { MAX_MESSAGE_BYTES, type Batch, type Destination } from './destination.js';
import { jsonLine, parseRecordTime } from './record-format.js';

export interface HttpDestinationOptions {
  output: HttpOutput;
  clock: Clock;
  /** Bound on one request, response included. */
  timeoutMs: number;
}

export class HttpDestination implements Destination {
  readonly describe: string;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private inflight: AbortController | undefined;
  private closed = false;

  constructor(private readonly o: HttpDestinationOptions) {
    this.url = httpUrl(o.output);
    this.describe = `http ${this.url}`;
    this.headers = { 'content-type': 'application/x-ndjson' };
    for (const [name, value] of Object.entries(o.output.headers)) this.headers[name.toLowerCase()] = value;
  }

  async send(batch: Batch): Promise<void> {
    let body = '';
    for (const r of batch.records) {
      body += jsonLine(parseRecordTime(r.time), firelensRecord(batch.meta, r)) + '\n';
      if (body.length >= MAX_MESSAGE_BYTES) {
        await this.post(body);
        body = '';
      }
    }
    if (body !== '') await this.post(body);
  }

  close(): void {
    this.closed = true;
    this.inflight?.abort(new Error('output closed'));
  }

  private async post(body: string): Promise<void> {
    if (this.closed) throw new Error('output closed');
    const abort = new AbortController();
    this.inflight = abort;
    const timer = this.o.clock.setTimeout(() => abort.abort(new Error(`no response within ${this.o.timeoutMs} ms`)), this.o.timeoutMs);
    try {
      const res = await fetch(this.url, { method: 'POST', headers: this.headers, body, signal: abort.signal });
      if (res.status < 200 || res.status > 299) {
        const text = await res.text().catch(() => '');
        throw new Error(`HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
      }
      await res.arrayBuffer(); // read to the end so the connection is reused
    } finally {
      timer.cancel();
      if (this.inflight === abort) this.inflight = undefined;
    }
  }
}

export function httpUrl(o: Pick<HttpOutput, 'tls' | 'host' | 'port' | 'uri'>): string {
  const host = o.host.includes(':') && !o.host.startsWith('[') ? `[${o.host}]` : o.host;
  const uri = o.uri.startsWith('/') ? o.uri : `/${o.uri}`;
  return `${o.tls ? 'https' : 'http'}://${host}:${o.port}${uri}`;
}
