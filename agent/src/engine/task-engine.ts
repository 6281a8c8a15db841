// The agent's task engine: takes assignments and stops from the control plane, runs each task through the
// step function on the container runtime, watches Docker events (with a slow poll as a safety net),
// checkpoints every change, reports through a sink, re-adopts its containers and volumes after a restart,
// and removes stopped tasks' containers and volumes after the cleanup wait. It only ever touches containers
// and volumes labelled with its own container instance ARN.
import type { TaskAssignment } from '../../../proto/gen/ecs/v1/TaskAssignment.js';
import type { StopTaskCommand } from '../../../proto/gen/ecs/v1/StopTaskCommand.js';
import type { ImagePullBehavior } from '../config/options.js';
import type { PortAllocator } from '../resources/port-allocator.js';
import type { ContainerInfo, ContainerRuntime, EventSubscription, RuntimeEvent } from '../runtime/runtime.js';
import type { CheckpointStore } from '../state/checkpoints.js';
import type { Clock, Random, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { planAdoption } from './adoption.js';
import { stoppedOnArrival, type TaskEvent } from './apply.js';
import { LABEL_INSTANCE, LABEL_TASK_ARN, type ContainerLogging } from './container-spec.js';
import { ImagePuller } from './image-puller.js';
import { exitedEvent, isStoppedState, Launcher, REMOVED_REASON } from './launcher.js';
import { fingerprint, makeReport, type TaskReport } from './report.js';
import type { Action, StepContext } from './step.js';
import type { TaskLogs } from './task-logs.js';
import { TaskRunner, type RunnerHost } from './task-runner.js';
import { desireStop, findContainer, healthStatusOf, taskFromAssignment, upgradeTask, type ContainerState, type TaskState } from './task-state.js';
import { planVolumeAdoption } from './volumes.js';

/** Where reports go (the session's Reporter, or a recorder in tests). */
export interface ReportSink {
  put(report: TaskReport): void;
  /** True when nothing about this task is waiting for the control plane's ack. */
  isSettled(taskArn: string): boolean;
}

export interface TaskEngineOptions {
  runtime: ContainerRuntime;
  checkpoints: CheckpointStore<TaskState>;
  ports: PortAllocator;
  sink: ReportSink;
  cluster: string;
  containerInstanceArn: string;
  stopTimeoutMs: number;
  cleanupWaitMs: number;
  imagePullBehavior: ImagePullBehavior;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Safety-net poll of Docker for missed events (default 30 s). */
  pollIntervalMs?: number;
  /** Log drivers allowed (ECS_AVAILABLE_LOGGING_DRIVERS) and Docker's buffer for routed containers. */
  logging?: ContainerLogging;
  /** The log router; without it routed containers' logs stay in Docker's `local` driver only. */
  logs?: TaskLogs;
}

export const DEFAULT_STOP_CODE = 'UserInitiated';
const FORGET_RECHECK_MS = 30_000;
const RESUBSCRIBE_MS = 1_000;

export class TaskEngine {
  private readonly runners = new Map<string, TaskRunner>();
  private readonly launcher: Launcher;
  private readonly puller: ImagePuller;
  private readonly log: Logger;
  private readonly timers = new Map<string, TimerHandle>();
  private events?: EventSubscription;
  private pollTimer?: TimerHandle;
  private ready = false;
  private closed = false;
  private readonly pendingEvents: RuntimeEvent[] = [];
  private readonly host: RunnerHost;

  constructor(private readonly o: TaskEngineOptions) {
    this.log = o.logger.child({ containerInstanceArn: o.containerInstanceArn });
    this.puller = new ImagePuller(o.runtime, o.imagePullBehavior, this.log);
    this.launcher = new Launcher({
      runtime: o.runtime,
      ports: o.ports,
      cluster: o.cluster,
      containerInstanceArn: o.containerInstanceArn,
      random: o.random,
      logger: this.log,
      portInUse: (port, protocol) => this.portInUse(port, protocol),
      logging: o.logging,
      logs: o.logs,
    });
    this.host = {
      now: () => o.clock.now(),
      stepContext: () => this.stepContext(),
      perform: (task, action) => this.perform(task, action),
      commit: (task) => this.commit(task),
      idle: (runner) => this.onIdle(runner),
      setTimer: (fn, ms) => o.clock.setTimeout(fn, ms),
      logError: (task, action, err) =>
        this.log.error({ taskArn: task.arn, action: action?.kind, err: (err as Error).message }, 'task step failed; will retry'),
    };
  }

  /** Loads checkpoints, subscribes to Docker events, re-adopts own containers and volumes, and resumes every task. */
  async start(): Promise<void> {
    const loaded = this.o.checkpoints.loadAll();
    for (const path of loaded.corrupt) this.log.error({ path }, 'unreadable task checkpoint moved aside');
    const values = loaded.values.map(upgradeTask);
    for (const task of values) this.runners.set(task.arn, new TaskRunner(this.host, task));
    this.subscribe();
    for (const [arn, events] of await this.adopt(values)) {
      const runner = this.runners.get(arn)!;
      for (const e of events) runner.apply(e);
    }
    await this.adoptLogs();
    this.ready = true;
    this.log.info({ tasks: values.length }, 'task engine started');
    for (const runner of this.runners.values()) runner.kick();
    for (const e of this.pendingEvents.splice(0)) void this.onRuntimeEvent(e);
    this.schedulePoll();
  }

  /**
   * Matches Docker's containers and volumes labelled as this instance's with the checkpointed tasks: removes
   * those of no known task (containers first: a volume in use cannot go), and returns the events that bring
   * each task up to date.
   */
  private async adopt(tasks: TaskState[]): Promise<Array<[string, TaskEvent[]]>> {
    const mine = { [LABEL_INSTANCE]: this.o.containerInstanceArn };
    const own = await this.o.runtime.listContainers(mine);
    const ownVolumes = await this.o.runtime.listVolumes(mine);
    this.log.info({ containers: own.length, volumes: ownVolumes.length }, 'adopting own containers and volumes');
    const containers = planAdoption(tasks, own);
    for (const info of containers.remove) {
      this.log.warn({ containerId: info.id, name: info.name, taskArn: info.labels[LABEL_TASK_ARN] }, 'removing own container of no known task');
      await this.o.runtime.removeContainer(info.id);
    }
    const volumes = planVolumeAdoption(tasks, ownVolumes);
    for (const v of volumes.remove) {
      this.log.warn({ volume: v.name, taskArn: v.labels[LABEL_TASK_ARN] }, 'removing own volume of no known task');
      await this.o.runtime.removeVolume(v.name).catch((err) => this.log.warn({ volume: v.name, err: (err as Error).message }, 'could not remove the volume'));
    }
    return [...containers.events, ...volumes.events];
  }

  /**
   * Collection resumes for every container that has run and is not cleaned up (the store says where);
   * stores of tasks that are gone are removed.
   */
  private async adoptLogs(): Promise<void> {
    const logs = this.o.logs;
    if (!logs) return;
    const live = [...this.runners.values()].map((r) => r.state).filter((t) => !t.cleanedUp);
    try {
      await logs.prune(live.map((t) => t.arn));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not remove the logs of tasks that are gone');
    }
    for (const task of live) for (const c of task.containers) if (hasRun(c)) logs.attach(task, c);
  }

  /** Takes a TaskAssignment (idempotent). Resolves once it is checkpointed. */
  async assign(a: TaskAssignment): Promise<void> {
    const arn = a.taskArn ?? '';
    const existing = this.runners.get(arn);
    if (existing) {
      if (a.desiredStatus === 'STOPPED') existing.apply({ kind: 'desired-stop', reason: a.stopReason, stopCode: a.stopCode });
      return;
    }
    let task = taskFromAssignment(a);
    if (task.desiredStatus === 'STOPPED') task = stoppedOnArrival(task, this.o.clock.now());
    this.log.info({ taskArn: arn, desiredStatus: task.desiredStatus }, 'task assigned');
    this.addTask(task);
  }

  /** StopTaskCommand: stop every container of the task, reported with the given reason and stop code. */
  async stopTask(cmd: StopTaskCommand): Promise<void> {
    const arn = cmd.taskArn ?? '';
    const runner = this.runners.get(arn);
    const stopCode = cmd.stopCode || DEFAULT_STOP_CODE;
    if (runner) {
      this.log.info({ taskArn: arn, reason: cmd.reason, stopCode }, 'stopping task');
      runner.apply({ kind: 'desired-stop', reason: cmd.reason, stopCode });
      return;
    }
    // Unknown here: say it is STOPPED, so the control plane does not wait for it.
    const task = desireStop(taskFromAssignment({ taskArn: arn }), cmd.reason, stopCode);
    this.addTask(stoppedOnArrival(task, this.o.clock.now()));
  }

  knownTaskArns(): string[] {
    return [...this.runners.keys()];
  }

  task(arn: string): TaskState | undefined {
    return this.runners.get(arn)?.state;
  }

  /** Resolves when no task has work in progress (tests). */
  async whenIdle(): Promise<void> {
    for (;;) {
      const busy = [...this.runners.values()].filter((r) => r.busy);
      if (busy.length === 0) return;
      await Promise.all(busy.map((r) => r.settled));
    }
  }

  /** Stops watching and timing; containers keep running (as ecs-agent does on shutdown). */
  close(): void {
    this.closed = true;
    this.events?.close();
    this.pollTimer?.cancel();
    for (const t of this.timers.values()) t.cancel();
    for (const r of this.runners.values()) r.close();
  }

  private addTask(task: TaskState): void {
    // A new PENDING task is no news to the control plane; a task stopped on arrival is.
    const first = task.status === 'PENDING' ? { ...task, lastReport: fingerprint(task) } : task;
    const runner = new TaskRunner(this.host, this.commit(first));
    this.runners.set(task.arn, runner);
    if (this.ready) runner.kick();
  }

  private stepContext(): StepContext {
    return { now: this.o.clock.now(), stopTimeoutMs: this.o.stopTimeoutMs, cleanupWaitMs: this.o.cleanupWaitMs };
  }

  private async perform(task: TaskState, action: Action): Promise<TaskEvent[]> {
    if (action.kind === 'cleanup') return this.launcher.cleanup(task);
    if (action.kind === 'create-volume') return this.launcher.createVolume(task, action.volume);
    const c = findContainer(task, action.container)!;
    switch (action.kind) {
      case 'pull': {
        const outcome = await this.puller.ensure(c.def.image);
        return [outcome.ok ? { kind: 'pulled', container: c.def.name } : { kind: 'failed', container: c.def.name, reason: outcome.reason }];
      }
      case 'create':
        return this.launcher.create(task, c);
      case 'start': {
        const events = await this.launcher.start(task, c);
        const running = events.find((e) => e.kind === 'running');
        if (running?.kind === 'running') this.o.logs?.attach(task, { ...c, runtimeId: running.runtimeId, dockerName: running.dockerName });
        return events;
      }
      case 'stop':
        return this.launcher.stop(c, action.timeoutSec);
    }
  }

  /** Checkpoint, then report if the reportable projection changed. Returns the task as committed. */
  private commit(task: TaskState): TaskState {
    const { task: t, report } = makeReport(task, this.o.clock.now());
    try {
      this.o.checkpoints.save(t.arn, t);
    } catch (err) {
      // The task goes on from memory; the next change tries again.
      this.log.error({ taskArn: t.arn, err: (err as Error).message }, 'could not checkpoint the task');
    }
    if (report) {
      this.log.debug({ taskArn: t.arn, status: report.status, seq: report.seq }, 'task state change');
      this.o.sink.put(report);
    }
    return t;
  }

  private onIdle(runner: TaskRunner): void {
    const task = runner.state;
    if (task.status !== 'STOPPED' || this.closed) return;
    this.timers.get(task.arn)?.cancel();
    if (!task.cleanedUp) {
      const due = (task.executionStoppedAt ?? 0) + this.o.cleanupWaitMs - this.o.clock.now();
      this.timers.set(task.arn, this.o.clock.setTimeout(() => runner.kick(), Math.max(0, due)));
      return;
    }
    if (!this.o.sink.isSettled(task.arn)) {
      this.timers.set(task.arn, this.o.clock.setTimeout(() => this.onIdle(runner), FORGET_RECHECK_MS));
      return;
    }
    this.forget(runner);
  }

  private forget(runner: TaskRunner): void {
    const arn = runner.state.arn;
    runner.close();
    this.runners.delete(arn);
    this.timers.delete(arn);
    this.o.checkpoints.remove(arn);
    this.log.info({ taskArn: arn }, 'stopped task cleaned up');
  }

  private portInUse(port: number, protocol: 'tcp' | 'udp'): boolean {
    for (const r of this.runners.values()) {
      for (const c of r.state.containers) {
        if (c.status === 'STOPPED') continue;
        if (c.hostPorts.some((p) => p.hostPort === port && p.protocol === protocol)) return true;
        if (c.bindings.some((b) => b.hostPort === port && b.protocol === protocol)) return true;
      }
    }
    return false;
  }

  private subscribe(): void {
    if (this.closed) return;
    this.events = this.o.runtime.subscribe(
      { [LABEL_INSTANCE]: this.o.containerInstanceArn },
      (e) => (this.ready ? void this.onRuntimeEvent(e) : this.pendingEvents.push(e)),
      (err) => {
        this.log.warn({ err: err.message }, 'docker event stream failed; resubscribing');
        this.o.clock.setTimeout(() => {
          this.subscribe();
          void this.poll();
        }, RESUBSCRIBE_MS);
      },
    );
  }

  private async onRuntimeEvent(e: RuntimeEvent): Promise<void> {
    if (e.kind === 'start') return;
    const runner = this.runners.get(e.labels[LABEL_TASK_ARN] ?? '');
    const name = runner?.containerByRuntimeId(e.id);
    if (!runner || !name) return;
    // A container still being started is settled by its start action first.
    if (findContainer(runner.state, name)?.status === 'CREATED') await runner.settled;
    const info = await this.o.runtime.inspectContainer(e.id).catch(() => undefined);
    this.reconcile(runner, e.id, info);
  }

  /**
   * Folds Docker's view of one own container (by Docker id) into its task: a container that is no longer
   * running has exited; a running one's health check verdict is taken over. An id the task no longer uses
   * (a container replaced after a port clash) is ignored.
   */
  private reconcile(runner: TaskRunner, runtimeId: string, info: ContainerInfo | undefined): void {
    const c = runner.state.containers.find((x) => x.runtimeId === runtimeId);
    if (!c || c.status !== 'RUNNING') return;
    if (!isStoppedState(info)) {
      const health = healthStatusOf(info?.health);
      if (!c.def.healthCheck || health === (c.health ?? 'UNKNOWN')) return;
      this.log.info({ taskArn: runner.state.arn, container: c.def.name, health }, 'container health changed');
      return runner.apply({ kind: 'health', container: c.def.name, health });
    }
    this.log.info({ taskArn: runner.state.arn, container: c.def.name, exitCode: info?.exitCode }, 'container exited');
    runner.apply(exitedEvent(c.def.name, info, REMOVED_REASON));
  }

  private schedulePoll(): void {
    if (this.closed) return;
    this.pollTimer = this.o.clock.setTimeout(() => {
      void this.poll().finally(() => this.schedulePoll());
    }, this.o.pollIntervalMs ?? 30_000);
  }

  private async poll(): Promise<void> {
    try {
      const own = await this.o.runtime.listContainers({ [LABEL_INSTANCE]: this.o.containerInstanceArn });
      const byId = new Map(own.map((i) => [i.id, i]));
      for (const runner of this.runners.values()) {
        for (const c of runner.state.containers) if (c.runtimeId) this.reconcile(runner, c.runtimeId, byId.get(c.runtimeId));
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'polling docker failed');
    }
  }
}

/** The container was started (it may have exited since): it has a log to collect. */
function hasRun(c: ContainerState): boolean {
  if (!c.runtimeId) return false;
  return c.status === 'RUNNING' || (c.status === 'STOPPED' && c.startedAt !== undefined && !c.failedToStart);
}
