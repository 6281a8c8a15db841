// The log stream's HTTP reader (agent/src/runtime/raw-http.ts) against a scripted server on a unix socket:
// a chunked body split across reads at every position, extensions and trailers, a Content-Length body,
// Docker's JSON errors (404 → not-found), a connection dropped mid-body, and backpressure.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import t from 'tap';
import { streamingGet } from '../../../../agent/src/runtime/raw-http.js';
import { RuntimeError } from '../../../../agent/src/runtime/runtime.js';

/** A server that answers every connection with `script(socket, request)`. */
async function server(script: (s: Socket, request: string) => void | Promise<void>): Promise<{ path: string; srv: Server; requests: string[] }> {
  const path = join(mkdtempSync(join(tmpdir(), 'ecs-rawhttp-')), 'docker.sock');
  const requests: string[] = [];
  const srv = createServer((s) => {
    let req = '';
    s.on('data', (b) => {
      req += b.toString();
      if (req.includes('\r\n\r\n')) {
        requests.push(req);
        void script(s, req);
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(path, r));
  t.teardown(() => srv.close());
  return { path, srv, requests };
}

function readAll(stream: Readable): Promise<{ body: Buffer; error?: Error }> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    stream.on('data', (b: Buffer) => parts.push(Buffer.from(b)));
    stream.on('end', () => resolve({ body: Buffer.concat(parts) }));
    stream.on('error', (error) => resolve({ body: Buffer.concat(parts), error }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function chunked(parts: Buffer[]): Buffer {
  const out: Buffer[] = [];
  parts.forEach((p, i) => out.push(Buffer.from(`${p.length.toString(16)}${i === 1 ? ';ext=1' : ''}\r\n`), p, Buffer.from('\r\n')));
  out.push(Buffer.from('0\r\nX-Trailer: yes\r\n\r\n'));
  return Buffer.concat(out);
}

const HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nTransfer-Encoding: chunked\r\n\r\n';

t.test('a chunked body split across reads anywhere is decoded whole', async (t) => {
  const parts = [Buffer.from('hello '), Buffer.alloc(300, 'x'), Buffer.from('é✓'), Buffer.from('end')];
  const wire = Buffer.concat([Buffer.from(HEAD), chunked(parts)]);
  const want = Buffer.concat(parts);
  let cut = 0;
  const { path, requests } = await server(async (s) => {
    s.write(wire.subarray(0, cut));
    await sleep(2);
    s.end(wire.subarray(cut));
  });
  let bad = 0;
  for (cut = 1; cut < wire.length; cut += cut < HEAD.length + 40 || cut > wire.length - 40 ? 1 : 23) {
    const { body, error } = await readAll(await streamingGet({ kind: 'unix', socketPath: path }, '/containers/x/logs?follow=1'));
    if (error || !body.equals(want)) bad++;
  }
  t.equal(bad, 0);
  t.match(requests[0], /^GET \/containers\/x\/logs\?follow=1 HTTP\/1\.1\r\nHost: docker\r\n/);
});

t.test('a Content-Length body, and Docker\'s errors', async (t) => {
  const { path } = await server((s, req) => {
    if (req.includes('/plain')) s.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcdeEXTRA');
    else if (req.includes('/missing')) s.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 37\r\n\r\n{"message":"No such container: nope"}');
    else if (req.includes('/broken')) s.end('HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n5\r\noops!\r\n0\r\n\r\n');
    else s.end('garbage\r\n\r\n');
  });
  const ep = { kind: 'unix' as const, socketPath: path };
  t.equal((await readAll(await streamingGet(ep, '/plain'))).body.toString(), 'abcde');
  await t.rejects(streamingGet(ep, '/missing'), new RuntimeError('not-found', 'No such container: nope'));
  await t.rejects(streamingGet(ep, '/broken'), new RuntimeError('other', 'oops!'));
  await t.rejects(streamingGet(ep, '/else'), /not an HTTP response/);
  await t.rejects(streamingGet({ kind: 'unix', socketPath: join(path, 'nothing') }, '/x'), RuntimeError);
});

t.test('a connection dropped mid-body is an error of the stream', async (t) => {
  const { path } = await server((s) => {
    s.end(HEAD + '5\r\nabcde\r\n3\r\nfg');
  });
  const { body, error } = await readAll(await streamingGet({ kind: 'unix', socketPath: path }, '/x'));
  t.equal(body.toString(), 'abcdefg');
  t.match(error, /closed the log stream mid-response/);
});

t.test('a paused reader stops reading the connection; destroy closes it', async (t) => {
  let written = 0;
  let closed = false;
  const { path } = await server(async (s) => {
    s.on('close', () => (closed = true));
    s.write(HEAD);
    const chunk = chunked([Buffer.alloc(64 * 1024, 'p')]).subarray(0, -('0\r\nX-Trailer: yes\r\n\r\n'.length));
    for (let i = 0; i < 200 && !closed; i++) {
      if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
      written += 64 * 1024;
    }
  });
  const stream = await streamingGet({ kind: 'unix', socketPath: path }, '/x');
  stream.pause();
  await sleep(200);
  t.ok(written < 200 * 64 * 1024, `the server is held back (${written} bytes written)`);
  let got = 0;
  stream.on('data', (b: Buffer) => (got += b.length));
  stream.resume();
  await sleep(100);
  t.ok(got > 0);
  stream.destroy();
  await sleep(100);
  t.ok(closed, 'the connection is closed');
});
