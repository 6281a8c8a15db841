// The `stdout` output: JSON lines `{"date":<epoch seconds>,"tag":...,...record}` on the agent's stdout
// (or a given stream). A batch is one write; when the stream's buffer is full the send waits for 'drain',
// so a slow reader of the agent's stdout holds back the shipper, not memory.
import { firelensRecord } from '../types.js';
import type { Batch, Destination } from './destination.js';
import { jsonLine, parseRecordTime } from './record-format.js';

export class StdoutDestination implements Destination {
  readonly describe = 'stdout';
  private closed = false;
  private cancelWait: (() => void) | undefined;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  async send(batch: Batch): Promise<void> {
    if (this.closed) throw new Error('output closed');
    let text = '';
    for (const r of batch.records) text += jsonLine(parseRecordTime(r.time), firelensRecord(batch.meta, r), batch.tag) + '\n';
    let error: Error | undefined;
    const ok = this.stream.write(text, (err?: Error | null) => {
      if (err) error = err;
    });
    if (!ok) {
      await new Promise<void>((resolve) => {
        const cancel = onDrain(this.stream, () => {
          this.cancelWait = undefined;
          resolve();
        });
        this.cancelWait = () => {
          cancel();
          resolve();
        };
      });
    }
    if (error) throw error;
    if (this.closed) throw new Error('output closed');
  }

  close(): void {
    this.closed = true;
    this.cancelWait?.();
  }
}

// Every container with the stdout output shares the agent's stdout: one 'drain' listener per stream,
// whatever the number of shippers waiting on it (no MaxListenersExceeded warnings).
const drainWaiters = new WeakMap<NodeJS.WritableStream, Set<() => void>>();

function onDrain(stream: NodeJS.WritableStream, fn: () => void): () => void {
  let waiters = drainWaiters.get(stream);
  if (!waiters) {
    const set = new Set<() => void>();
    waiters = set;
    drainWaiters.set(stream, set);
    stream.once('drain', () => {
      drainWaiters.delete(stream);
      for (const w of set) w();
    });
  }
  waiters.add(fn);
  const own = waiters;
  return () => own.delete(fn);
}
