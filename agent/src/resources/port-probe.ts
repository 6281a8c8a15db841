// Probes a host port by binding it on all IPv4 addresses for a moment.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import type { Protocol } from '../runtime/runtime.js';

export function probePort(port: number, protocol: Protocol): Promise<boolean> {
  return protocol === 'udp' ? probeUdp(port) : probeTcp(port);
}

function probeTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function probeUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.unref();
    socket.once('error', () => {
      try {
        socket.close();
      } catch {
        // never bound
      }
      resolve(false);
    });
    socket.bind({ port, address: '0.0.0.0', exclusive: true }, () => socket.close(() => resolve(true)));
  });
}
