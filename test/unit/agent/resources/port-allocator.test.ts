import t from 'tap';
import fc from 'fast-check';
import { createServer } from 'node:net';
import { NoFreePortError, PortAllocator } from '../../../../agent/src/resources/port-allocator.js';
import { probePort } from '../../../../agent/src/resources/port-probe.js';

const free = async () => true;

t.test('ports come round-robin from the dynamic range', async (t) => {
  const p = new PortAllocator({ range: { start: 100, end: 102 }, probe: free });
  t.same([await p.allocate('tcp'), await p.allocate('tcp'), await p.allocate('tcp'), await p.allocate('tcp')], [100, 101, 102, 100]);
});

t.test('reserved ports, ports held by own tasks and busy ports are skipped', async (t) => {
  const busy = new Set([103]);
  const p = new PortAllocator({ range: { start: 100, end: 110 }, probe: async (port) => !busy.has(port), reservedTcp: [100] });
  t.equal(await p.allocate('tcp', (port) => port === 101 || port === 102), 104);
});

t.test('tcp and udp are tracked apart', async (t) => {
  const p = new PortAllocator({ range: { start: 100, end: 110 }, probe: free, reservedUdp: [100] });
  t.equal(await p.allocate('tcp'), 100);
  t.equal(await p.allocate('udp'), 101);
});

t.test('a full range is an error naming the range', async (t) => {
  const p = new PortAllocator({ range: { start: 100, end: 101 }, probe: async () => false });
  await t.rejects(p.allocate('tcp'), NoFreePortError);
  await t.rejects(p.allocate('udp'), { message: 'no free udp host port in the dynamic range 100-101' });
});

t.test('concurrent allocations never hand out the same port', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 2, max: 20 }), fc.integer({ min: 1, max: 20 }), async (size, n) => {
      const p = new PortAllocator({ range: { start: 1000, end: 1000 + size - 1 }, probe: () => new Promise((r) => setImmediate(() => r(true))) });
      const got = await Promise.all(Array.from({ length: Math.min(n, size) }, () => p.allocate('tcp')));
      return new Set(got).size === got.length && got.every((x) => x >= 1000 && x < 1000 + size);
    }),
  );
});

t.test('the probe sees a port bound on this host', async (t) => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const port = (server.address() as { port: number }).port;
  t.equal(await probePort(port, 'tcp'), false);
  await new Promise<void>((r) => server.close(() => r()));
  t.equal(await probePort(port, 'tcp'), true);
  t.equal(typeof (await probePort(port, 'udp')), 'boolean');
});
