// awsfirelens routing end to end: include-pattern / exclude-pattern shape what `ecsctl logs` returns, and
// the forward output is received by a test listener that decodes the Fluentd Forward protocol with a
// msgpack library: Forward mode [tag, [[EventTime, record], ...], option], the FireLens tag and fields.
import t from 'tap';
import { createServer, type Server, type Socket } from 'node:net';
import { decodeMultiStream, encode, ExtensionCodec } from '@msgpack/msgpack';
import { freePort } from '../../helpers/processes.js';
import { exactlyOnce, IMAGE, logsUntil, sleep, startLogsCluster, taskIdOf } from './logs-helpers.js';

t.test('include-pattern and exclude-pattern: only the matching lines come out', async (t) => {
  const c = await startLogsCluster(t, [{}]);
  const script =
    'for i in $(seq 1 300); do echo "keep $i"; echo "skip $i"; echo "keep secret $i"; echo "keep err $i" >&2; echo "nope $i" >&2; done';
  await c.registerTask('filtered', [{
    name: 'app', image: IMAGE, memory: 16, essential: true, command: ['sh', '-c', script],
    logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'file', 'include-pattern': '^keep', 'exclude-pattern': 'secret' } },
  }]);
  await c.registerTask('excluded', [{
    name: 'app', image: IMAGE, memory: 16, essential: true, command: ['sh', '-c', script],
    logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'file', 'exclude-pattern': '^(skip|nope) ' } },
  }]);
  const both = await c.startTaskOn(c.agents[0], 'filtered');
  const excl = await c.startTaskOn(c.agents[0], 'excluded');
  await c.waitTaskStatus(both, 'STOPPED');
  await c.waitTaskStatus(excl, 'STOPPED');

  const expect = (...prefixes: [string, string][]) =>
    prefixes.flatMap(([p, src]) => Array.from({ length: 300 }, (_, i) => `${src} ${p} ${i + 1}`)).sort();
  const got = async (arn: string, n: number) =>
    (await logsUntil(c, ['--task', taskIdOf(arn)], n, 30_000)).map((l) => `${l.source} ${l.log}`).sort();
  t.same(await got(both, 600), expect(['keep', 'stdout'], ['keep err', 'stderr']), 'include ^keep and exclude secret');
  t.same(
    await got(excl, 900),
    expect(['keep', 'stdout'], ['keep secret', 'stdout'], ['keep err', 'stderr']),
    'exclude alone drops only what it matches',
  );
});

interface Received {
  tag: string;
  sec: number;
  nsec: number;
  record: Record<string, unknown>;
}

/** A Fluentd Forward protocol receiver: decodes msgpack with @msgpack/msgpack, answers acks when asked. */
async function forwardListener(port: number): Promise<{ server: Server; got: Received[]; errors: string[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const errors: string[] = [];
  const extensionCodec = new ExtensionCodec();
  // EventTime: ext type 0, 8 bytes: seconds and nanoseconds, each a big-endian uint32.
  extensionCodec.register({
    type: 0,
    encode: () => null,
    decode: (data: Uint8Array) => {
      const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
      return { sec: v.getUint32(0), nsec: v.getUint32(4) };
    },
  });
  const sockets = new Set<Socket>();
  const server = createServer(async (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    try {
      for await (const msg of decodeMultiStream(socket, { extensionCodec })) {
        if (!Array.isArray(msg) || typeof msg[0] !== 'string' || !Array.isArray(msg[1])) {
          errors.push(`not Forward mode: ${JSON.stringify(msg).slice(0, 200)}`);
          continue;
        }
        const [tag, entries, option] = msg as [string, unknown[], Record<string, unknown> | undefined];
        for (const e of entries) {
          const [time, record] = e as [unknown, Record<string, unknown>];
          if (typeof time !== 'object' || time === null || !('sec' in time)) {
            errors.push(`time is not an EventTime: ${JSON.stringify(time)}`);
            continue;
          }
          const et = time as { sec: number; nsec: number };
          got.push({ tag, sec: et.sec, nsec: et.nsec, record });
        }
        if (option && typeof option === 'object' && 'chunk' in option) socket.write(encode({ ack: option.chunk }));
      }
    } catch (err) {
      if (!socket.destroyed) errors.push(`decode: ${String(err)}`);
    }
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, '127.0.0.1', () => res());
  });
  return {
    server,
    got,
    errors,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}

t.test('the forward output delivers every line to a Fluentd Forward listener with the FireLens tag and fields', async (t) => {
  const c = await startLogsCluster(t, [{}]);
  const upPort = await freePort();
  const downPort = await freePort();
  const up = await forwardListener(upPort);
  t.teardown(() => up.close());
  const N = 5000;
  const script = `seq 1 ${N} & seq ${N + 1} ${2 * N} >&2; wait`;
  const forwardTo = (port: number) => ({
    name: 'app', image: IMAGE, memory: 16, essential: true, command: ['sh', '-c', script],
    logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'forward', Host: '127.0.0.1', Port: String(port) } },
  });
  await c.registerTask('fwd', [forwardTo(upPort)]);
  await c.registerTask('fwd-late', [forwardTo(downPort)]);
  const t0 = Date.now() / 1000;
  const arn = await c.startTaskOn(c.agents[0], 'fwd');
  // The second task's destination is down while its container writes and exits; it comes up later.
  const lateArn = await c.startTaskOn(c.agents[0], 'fwd-late');
  const stopped = await c.waitTaskStatus(arn, 'STOPPED');
  await c.waitTaskStatus(lateArn, 'STOPPED');
  await sleep(2000);
  const late = await forwardListener(downPort);
  t.teardown(() => late.close());

  const of = (arn: string) => up.got.concat(late.got).filter((r) => r.record.ecs_task_arn === arn);
  const deliver = async (what: string, rcv: { got: Received[] }, ms: number) => {
    const end = Date.now() + ms;
    while (rcv.got.length < 2 * N && Date.now() < end) await sleep(250);
    t.ok(rcv.got.length >= 2 * N, `${what}: ${rcv.got.length} of ${2 * N} records received`);
  };
  await deliver('destination up', up, 60_000);
  await deliver('destination down, then up', late, 90_000);
  await sleep(1000);
  t.same(up.errors.concat(late.errors), [], 'every message was Forward mode with EventTime entries');

  const taskId = taskIdOf(arn);
  const recs = of(arn);
  t.equal(
    exactlyOnce(recs.map((r) => ({ log: String(r.record.log), source: String(r.record.source) })), 1, 2 * N, (n) => (n <= N ? 'stdout' : 'stderr')),
    '',
    'every line exactly once, with its source',
  );
  t.ok(recs.every((r) => r.tag === `app-firelens-${taskId}`), `the FireLens tag app-firelens-${taskId}`);
  const containerId = stopped.containers[0].runtimeId;
  const first = recs[0]?.record ?? {};
  t.match(first, {
    source: /^std(out|err)$/,
    log: /^\d+$/,
    container_id: /^[0-9a-f]{64}$/,
    container_name: 'app',
    ecs_cluster: /(^|\/)default$/,
    ecs_task_arn: arn,
    ecs_task_definition: 'fwd:1',
  }, 'FireLens record fields');
  if (containerId) t.equal(first.container_id, containerId, 'container_id is the Docker container');
  const now = Date.now() / 1000;
  t.ok(recs.every((r) => r.sec >= t0 - 5 && r.sec <= now + 5 && r.nsec < 1e9), 'EventTimes are the times the lines were written');

  const lateRecs = of(lateArn).map((r) => ({ log: String(r.record.log), source: String(r.record.source) }));
  const problems = exactlyOnce(lateRecs, 1, 2 * N, (n) => (n <= N ? 'stdout' : 'stderr'));
  t.notMatch(problems, /missing/, `a destination that comes up late still gets every line (${problems || 'exactly once'})`);

  const stored = await logsUntil(c, ['--task', taskId], 2 * N, 30_000);
  t.equal(stored.length, 2 * N, 'the forwarded records are in the on-disk store too (ecsctl logs)');
});
