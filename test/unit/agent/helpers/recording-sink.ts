// A report sink that records every report and acks at once (no control plane).
import type { TaskReport } from '../../../../agent/src/engine/report.js';
import type { ReportSink } from '../../../../agent/src/engine/task-engine.js';

export class RecordingSink implements ReportSink {
  readonly reports: TaskReport[] = [];
  private waiters: Array<{ pred: (r: TaskReport) => boolean; resolve: (r: TaskReport) => void }> = [];

  put(report: TaskReport): void {
    this.reports.push(report);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(report)) return true;
      w.resolve(report);
      return false;
    });
  }

  isSettled(): boolean {
    return true;
  }

  latest(taskArn: string): TaskReport | undefined {
    return this.reports.filter((r) => r.taskArn === taskArn).at(-1);
  }

  statuses(taskArn: string): string[] {
    return this.reports.filter((r) => r.taskArn === taskArn).map((r) => r.status);
  }

  /** The first report (already made or to come) matching pred; rejects after timeoutMs. */
  waitFor(pred: (r: TaskReport) => boolean, timeoutMs = 30_000): Promise<TaskReport> {
    const seen = this.reports.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching report within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ pred, resolve: (r) => (clearTimeout(timer), resolve(r)) });
    });
  }
}
