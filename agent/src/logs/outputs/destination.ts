// What a shipper delivers to: one output (forward, http, stdout) of one container.
import type { ContainerLogMeta, LogRecord } from '../types.js';

/** The unit of delivery: records read from the store at once; the cursor moves past them once send() resolves. */
export interface Batch {
  tag: string;
  meta: ContainerLogMeta;
  records: LogRecord[];
}

export interface Destination {
  /** For log lines, e.g. "forward 10.0.0.5:24224". */
  readonly describe: string;
  /** Resolves once the destination has the whole batch; rejects on any failure (the shipper retries the whole batch). */
  send(batch: Batch): Promise<void>;
  /** Aborts a send in progress (it rejects) and frees connections; later sends reject. */
  close(): void;
}

/** A soft bound on one message or request of a batch: a batch bigger than this is sent in several (Fluent Bit's in_forward drops messages over its Buffer_Max_Size, 6 MB by default; HTTP servers limit bodies). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
