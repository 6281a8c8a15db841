// Background gzip of closed segments, one at a time: NNNNNN.log → NNNNNN.log.gz.tmp (fsynced) →
// rename to NNNNNN.log.gz → unlink NNNNNN.log. zlib runs on libuv's thread pool, off the router's core.
// A segment deleted by rotation meanwhile is not resurrected: after the rename the compressor asks
// whether the segment is still wanted and removes its own output if not.
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import { isNotFound, segmentGzPath, segmentGzTmpPath, segmentLogPath } from './segments.js';

export interface CompressorHooks {
  /** Is segment n still part of the store (not deleted by rotation)? */
  wanted(n: number): boolean;
  /** Segment n is now compressed to gzBytes (its .log is gone). */
  compressed(n: number, gzBytes: number): void;
  /** Compression of n failed (the .log is kept). */
  failed?(n: number, err: unknown): void;
}

export class Compressor {
  private readonly queue: number[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly hooks: CompressorHooks,
    private readonly level = constants.Z_BEST_SPEED,
  ) {}

  enqueue(n: number): void {
    this.queue.push(n);
    if (!this.running) this.running = this.drain();
  }

  /** Resolves when the queue is empty. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      for (let n = this.queue.shift(); n !== undefined; n = this.queue.shift()) {
        if (!this.hooks.wanted(n)) continue;
        try {
          await this.compress(n);
        } catch (err) {
          this.hooks.failed?.(n, err);
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private async compress(n: number): Promise<void> {
    const src = segmentLogPath(this.dir, n);
    const tmp = segmentGzTmpPath(this.dir, n);
    const dst = segmentGzPath(this.dir, n);
    try {
      await pipeline(createReadStream(src), createGzip({ level: this.level }), createWriteStream(tmp));
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, dst);
    } catch (err) {
      await rm(tmp, { force: true });
      if (isNotFound(err) && !this.hooks.wanted(n)) return; // deleted by rotation while we worked
      throw err;
    }
    if (!this.hooks.wanted(n)) {
      await rm(dst, { force: true });
      await rm(src, { force: true });
      return;
    }
    const gzBytes = (await stat(dst)).size;
    await rm(src, { force: true });
    if (this.hooks.wanted(n)) this.hooks.compressed(n, gzBytes);
    else await rm(dst, { force: true });
  }
}
