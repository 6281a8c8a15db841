// Drives one task: step → perform the actions → fold their outcomes in → step again, until there is
// nothing to do. One loop per task at a time; anything that happens meanwhile (a Docker event, a stop
// from the control plane) is folded into the record at once and picked up by the next step.
import type { TimerHandle } from '../util/clock.js';
import { applyEvent, type TaskEvent } from './apply.js';
import { step, type Action, type StepContext } from './step.js';
import { findContainer, type TaskState } from './task-state.js';

/** What a runner needs from its engine. */
export interface RunnerHost {
  now(): number;
  stepContext(): StepContext;
  perform(task: TaskState, action: Action): Promise<TaskEvent[]>;
  /** Checkpoints and reports the task; called after every change. */
  commit(task: TaskState): TaskState;
  /** Called when the loop has nothing left to do (to schedule cleanup, forget the task, ...). */
  idle(runner: TaskRunner): void;
  setTimer(fn: () => void, ms: number): TimerHandle;
  logError(task: TaskState, action: Action | undefined, err: unknown): void;
}

/** After a failed or fruitless action, the loop waits this long before trying again. */
export const RETRY_DELAY_MS = 5_000;
/** The longest delay a Node timer takes (longer ones fire at once); a later wake-up just steps again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class TaskRunner {
  private running = false;
  private dirty = false;
  private closed = false;
  private retry?: TimerHandle;
  private wake?: { at: number; timer: TimerHandle };
  private loopDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: RunnerHost,
    private current: TaskState,
  ) {}

  get state(): TaskState {
    return this.current;
  }

  get busy(): boolean {
    return this.running;
  }

  /** The promise of the loop now in progress (resolved when idle). */
  get settled(): Promise<void> {
    return this.loopDone;
  }

  /** Folds an event in (checkpointed, reported) and runs the loop. */
  apply(event: TaskEvent): void {
    this.replace(applyEvent(this.current, event, this.host.now()));
    this.kick();
  }

  /** Replaces the record (already transformed) and commits it if it changed. */
  replace(next: TaskState): void {
    if (next !== this.current) this.current = this.host.commit(next);
  }

  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = true;
    this.loopDone = this.loop();
  }

  close(): void {
    this.closed = true;
    this.retry?.cancel();
    this.wake?.timer.cancel();
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.dirty = false;
        const { task, actions, wakeAt } = step(this.current, this.host.stepContext());
        this.replace(task);
        this.scheduleWake(wakeAt);
        if (actions.length === 0) break;
        const before = this.current;
        const failed = (await Promise.all(actions.map((a) => this.run(a)))).includes(false);
        if (this.closed) return;
        if (failed || this.current === before) this.scheduleRetry();
        else this.dirty = true;
      } while (this.dirty && !this.closed);
    } catch (err) {
      this.host.logError(this.current, undefined, err);
      this.scheduleRetry();
    } finally {
      this.running = false;
    }
    if (!this.closed) this.host.idle(this);
  }

  private async run(action: Action): Promise<boolean> {
    try {
      const events = await this.host.perform(this.current, action);
      for (const e of events) this.replace(applyEvent(this.current, e, this.host.now()));
      return true;
    } catch (err) {
      this.host.logError(this.current, action, err);
      return false;
    }
  }

  /** Steps again at `at` (epoch ms), when the step function asked to look again then. */
  private scheduleWake(at: number | undefined): void {
    if (this.wake?.at === at) return;
    this.wake?.timer.cancel();
    if (at === undefined) {
      this.wake = undefined;
      return;
    }
    const timer = this.host.setTimer(() => {
      this.wake = undefined;
      this.kick();
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - this.host.now())));
    this.wake = { at, timer };
  }

  private scheduleRetry(): void {
    this.retry?.cancel();
    this.retry = this.host.setTimer(() => this.kick(), RETRY_DELAY_MS);
  }

  /** The container of this task with that Docker id, if any. */
  containerByRuntimeId(id: string): string | undefined {
    return this.current.containers.find((c) => c.runtimeId === id)?.def.name;
  }

  hasContainer(name: string): boolean {
    return findContainer(this.current, name) !== undefined;
  }
}
