// `ecsctl logs` output: GetLogs responses → lines, as they arrive.
//   text (default): `[<time> ][<task id> ][<container> ]<log>`: the time with --timestamps (the event's
//     RFC 3339 time, nanoseconds), the task id for --service, the container name when the selection spans
//     more than one container. A line the agent stored in pieces (partial) is printed whole.
//   json: one object per event and line, {"time","source","log","taskId","containerName"} (+ "partial":
//     true on a piece of a longer line), as the AWS CLI's camelCase output.
// Notices go to stderr: `ecsctl logs: task <id>: <message>`.

export interface LogEventView {
  time?: string;
  source?: string;
  log?: string;
  containerName?: string;
  taskId?: string;
  partial?: boolean;
}

export interface LogsResponseView {
  events?: LogEventView[];
  notices?: Array<{ taskId?: string; message?: string }>;
  containerNames?: string[];
}

export interface PrinterOptions {
  output: 'text' | 'json';
  timestamps: boolean;
  /** --service: prefix lines with the task id. */
  service: boolean;
}

/** A line in pieces is printed once whole, or as far as it got beyond this size. */
const MAX_JOINED = 8 * 1024 * 1024;

export class LogPrinter {
  private multiContainer = false;
  private readonly pieces = new Map<string, { event: LogEventView; parts: string[]; bytes: number }>();

  constructor(private readonly o: PrinterOptions) {}

  /** One response → text for stdout and for stderr. */
  response(res: LogsResponseView): { out: string; err: string } {
    if (res.containerNames && res.containerNames.length > 0) this.multiContainer = res.containerNames.length > 1;
    let err = '';
    for (const n of res.notices ?? []) err += n.taskId ? `ecsctl logs: task ${n.taskId}: ${n.message ?? ''}\n` : `ecsctl logs: ${n.message ?? ''}\n`;
    let out = '';
    for (const e of res.events ?? []) out += this.o.output === 'json' ? jsonLine(e) : this.textEvent(e);
    return { out, err };
  }

  /** What is left at the end: lines whose last piece never came. */
  end(): string {
    let out = '';
    for (const p of this.pieces.values()) out += this.textLine(p.event, p.parts.join(''));
    this.pieces.clear();
    return out;
  }

  private textEvent(e: LogEventView): string {
    const key = `${e.taskId ?? ''}\0${e.containerName ?? ''}\0${e.source ?? ''}`;
    const held = this.pieces.get(key);
    if (e.partial) {
      const p = held ?? { event: e, parts: [], bytes: 0 };
      p.parts.push(e.log ?? '');
      p.bytes += (e.log ?? '').length;
      p.event = e;
      if (p.bytes < MAX_JOINED) {
        this.pieces.set(key, p);
        return '';
      }
      this.pieces.delete(key);
      return this.textLine(e, p.parts.join(''));
    }
    if (!held) return this.textLine(e, e.log ?? '');
    this.pieces.delete(key);
    return this.textLine(e, held.parts.join('') + (e.log ?? ''));
  }

  private textLine(e: LogEventView, log: string): string {
    let prefix = '';
    if (this.o.timestamps) prefix += `${e.time ?? ''} `;
    if (this.o.service) prefix += `${e.taskId ?? ''} `;
    if (this.multiContainer) prefix += `${e.containerName ?? ''} `;
    return `${prefix}${log}\n`;
  }
}

function jsonLine(e: LogEventView): string {
  const o: Record<string, unknown> = {
    time: e.time ?? '',
    source: e.source ?? '',
    log: e.log ?? '',
    taskId: e.taskId ?? '',
    containerName: e.containerName ?? '',
  };
  if (e.partial) o.partial = true;
  return `${JSON.stringify(o)}\n`;
}
