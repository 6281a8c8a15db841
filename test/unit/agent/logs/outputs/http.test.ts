import t from 'tap';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createShipper, type ShipperOptions } from '../../../../../agent/src/logs/outputs/shipper.js';
import { StoreReader } from '../../../../../agent/src/logs/store/reader.js';
import { loadCursor } from '../../../../../agent/src/logs/store/cursor.js';
import { httpUrl } from '../../../../../agent/src/logs/outputs/http.js';
import { firelensRecord } from '../../../../../agent/src/logs/types.js';
import type { HttpOutput } from '../../../../../common/log-options.js';
import { seededRandom } from '../../helpers/fake-clock.js';
import { BASE_SECONDS, META, appendSegment, captureLogger, fastClock, freePort, real, record, records, tmpStore } from './fixture.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP receiver answering `status(i)` to the i-th request. */
async function receiver(status: (i: number) => number, port = 0) {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const i = requests.length;
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.statusCode = status(i);
      res.end(res.statusCode >= 300 ? 'try later' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    requests,
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function options(dir: string, http: Partial<HttpOutput> & { port: number }, extra: Partial<ShipperOptions> = {}): ShipperOptions {
  return {
    dir,
    meta: META,
    config: { output: 'http', http: { host: '127.0.0.1', uri: '/ingest', tls: false, headers: {}, ...http } },
    clock: fastClock(),
    random: seededRandom(3),
    logger: captureLogger().logger,
    timeoutMs: real(5000),
    ...extra,
  };
}

t.test('http: JSON lines POSTed with the configured headers; failed requests are retried until one succeeds', async (t) => {
  const dir = tmpStore();
  const rs = [record(0), record(1), record(2, { log: 'x "quoted" é', partial: true })];
  appendSegment(dir, 1, rs);
  const server = await receiver((i) => (i < 3 ? 503 : 200));
  t.teardown(() => server.close());
  const { logger, entries } = captureLogger();
  const shipper = createShipper(options(dir, { port: server.port, headers: { 'X-Api-Key': 'secret', Authorization: 'Bearer t' } }, { logger }))!;
  t.teardown(() => shipper.close());

  t.equal(await shipper.drain(real(10_000)), true);
  t.equal(server.requests.length, 4, 'three failures, then success');
  const last = server.requests[3];
  t.equal(last.method, 'POST');
  t.equal(last.url, '/ingest');
  t.equal(last.headers['content-type'], 'application/x-ndjson');
  t.equal(last.headers['x-api-key'], 'secret');
  t.equal(last.headers['authorization'], 'Bearer t');
  t.ok(server.requests.every((r) => r.body === last.body), 'every attempt sends the same batch');

  const lines = last.body.split('\n');
  t.equal(lines.pop(), '', 'newline-terminated lines');
  t.equal(lines.length, 3);
  lines.forEach((line, i) => {
    t.match(line, new RegExp(`^\\{"date":${BASE_SECONDS}\\.${String(i * 1_000_000 + 123_457).padStart(9, '0')},"source":`), 'date first, 9 fraction digits');
    const { date, ...rest } = JSON.parse(line);
    t.equal(typeof date, 'number');
    t.same(rest, firelensRecord(META, rs[i]));
  });
  t.same(loadCursor(dir, 'http'), await new StoreReader(dir).end());

  const warnings = entries.filter((e) => e.level === 40);
  t.equal(warnings.length, 1, 'one warning per 30 s of failures, not one per attempt');
  t.match(warnings[0], { output: 'http', destination: `http http://127.0.0.1:${server.port}/ingest` });
  t.match((warnings[0].err as { message: string }).message, /HTTP 503: try later/);
  t.ok(entries.some((e) => e.level === 30 && e.failures === 3), 'recovery logged');
});

t.test('http: a receiver down at first gets every record once it is up, batch after batch, in order', async (t) => {
  const dir = tmpStore();
  appendSegment(dir, 1, records(0, 200));
  const port = await freePort();
  const shipper = createShipper(options(dir, { port }, { batchBytes: 2000 }))!;
  t.teardown(() => shipper.close());
  t.equal(await shipper.drain(real(200)), false);
  const server = await receiver(() => 204, port);
  t.teardown(() => server.close());
  t.equal(await shipper.drain(real(10_000)), true);
  const logs = server.requests.flatMap((r) => r.body.trimEnd().split('\n').map((l) => JSON.parse(l).log));
  t.same(logs, records(0, 200).map((r) => r.log));
  t.ok(server.requests.length > 5, `several batches (${server.requests.length})`);
});

t.test('http: the URL from host, port, uri and tls', async (t) => {
  t.equal(httpUrl({ host: 'logs.example', port: 443, uri: '/v1/logs', tls: true }), 'https://logs.example:443/v1/logs');
  t.equal(httpUrl({ host: '10.0.0.5', port: 80, uri: 'ingest', tls: false }), 'http://10.0.0.5:80/ingest');
  t.equal(httpUrl({ host: '::1', port: 8080, uri: '/', tls: false }), 'http://[::1]:8080/');
});
