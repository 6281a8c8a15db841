// Task state reports, coalesced (after swarmkit's agent/reporter.go): only the newest report per task is
// kept until the control plane acks it. Reports made in the same turn of the event loop are coalesced into
// one send per task; a newer report replaces an unacked older one (whose late ack is then ignored). On a
// disconnect nothing is lost: every unacked report is sent again once the next session is up.
import type { TaskReport } from '../engine/report.js';
import type { ReportSink } from '../engine/task-engine.js';

interface Entry {
  latest: TaskReport;
  /** The latest report has been sent on the current session. */
  sent: boolean;
}

export type SendReport = (report: TaskReport) => void;

export class Reporter implements ReportSink {
  private readonly entries = new Map<string, Entry>();
  private send?: SendReport;
  private flushQueued = false;

  put(report: TaskReport): void {
    const e = this.entries.get(report.taskArn);
    if (e && e.latest.seq >= report.seq) return;
    this.entries.set(report.taskArn, { latest: report, sent: false });
    this.queueFlush();
  }

  /** The control plane has the report with this message id: drop it unless a newer one replaced it. */
  ack(messageId: string): void {
    for (const [arn, e] of this.entries) {
      if (e.latest.messageId !== messageId) continue;
      this.entries.delete(arn);
      return;
    }
  }

  /** A session is up: send every pending report (oldest first). */
  attach(send: SendReport): void {
    this.send = send;
    for (const e of this.entries.values()) e.sent = false;
    this.flush();
  }

  /** The session is gone: unacked reports will be sent again after attach. */
  detach(): void {
    this.send = undefined;
  }

  isSettled(taskArn: string): boolean {
    return !this.entries.has(taskArn);
  }

  /** Reports not yet acknowledged, newest per task. */
  pending(): TaskReport[] {
    return [...this.entries.values()].map((e) => e.latest);
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  private flush(): void {
    if (!this.send) return;
    const due = [...this.entries.values()].filter((e) => !e.sent).sort((a, b) => a.latest.seq - b.latest.seq);
    for (const e of due) {
      e.sent = true;
      this.send(e.latest);
    }
  }
}
