// Dynamic host ports (hostPort 0 or absent in bridge mode), as ecs-agent assigns them: round-robin through
// the dynamic range, skipping reserved ports, ports the agent's own tasks hold, and ports that are busy on
// this host (probed by binding). Docker may still refuse a port another agent took in the meantime; the
// caller then asks for another one.
import type { PortRange } from '../config/options.js';
import type { Protocol } from '../runtime/runtime.js';

/** True when the port can be bound on this host right now. */
export type PortProbe = (port: number, protocol: Protocol) => Promise<boolean>;

export class NoFreePortError extends Error {
  constructor(range: PortRange, protocol: Protocol) {
    super(`no free ${protocol} host port in the dynamic range ${range.start}-${range.end}`);
    this.name = 'NoFreePortError';
  }
}

export interface PortAllocatorOptions {
  range: PortRange;
  probe: PortProbe;
  reservedTcp?: readonly number[];
  reservedUdp?: readonly number[];
}

export class PortAllocator {
  private last: Record<Protocol, number>;
  private readonly reserved: Record<Protocol, ReadonlySet<number>>;

  constructor(private readonly opts: PortAllocatorOptions) {
    this.last = { tcp: opts.range.start - 1, udp: opts.range.start - 1 };
    this.reserved = { tcp: new Set(opts.reservedTcp ?? []), udp: new Set(opts.reservedUdp ?? []) };
  }

  /**
   * A free host port for `protocol`. `inUse(port)` says whether the agent's own tasks hold it.
   * The round-robin position moves before each probe, so concurrent calls get different candidates.
   */
  async allocate(protocol: Protocol, inUse: (port: number) => boolean = () => false): Promise<number> {
    const { start, end } = this.opts.range;
    const size = end - start + 1;
    for (let tried = 0; tried < size; tried++) {
      const candidate = this.last[protocol] >= end || this.last[protocol] < start ? start : this.last[protocol] + 1;
      this.last[protocol] = candidate;
      if (this.reserved[protocol].has(candidate) || inUse(candidate)) continue;
      if (await this.opts.probe(candidate, protocol)) return candidate;
    }
    throw new NoFreePortError(this.opts.range, protocol);
  }
}
