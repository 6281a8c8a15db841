// The store interface: everything the control plane persists goes through it. It is free of SQLite
// specifics so that a replicated backend can implement it later.
import type {
  ClusterRecord,
  ExecSessionRecord,
  InstanceRecord,
  ServiceRecord,
  TaskDefinitionRecord,
  TaskRecord,
} from '../domain/records.js';

export interface TaskQuery {
  cluster: string;
  containerInstanceArn?: string;
  family?: string;
  startedBy?: string;
  group?: string;
  desiredStatus?: string;
  /** Only tasks whose lastStatus is not STOPPED. */
  notStopped?: boolean;
  /** Tasks not STOPPED, and those that stopped after this time (epoch seconds). */
  stoppedAfter?: number;
}

export interface TaskDefinitionQuery {
  familyPrefix?: string;
  family?: string;
  status?: string;
}

export interface ExecSessionQuery {
  cluster: string;
  taskArn?: string;
  /** PENDING | RUNNING | STOPPED */
  status?: string;
  /** Only sessions not STOPPED (PENDING or RUNNING). */
  live?: boolean;
}

export interface Store {
  /** Runs fn atomically: all its writes land or none do. fn must not await. */
  transaction<T>(fn: () => T): T;

  getCluster(name: string): ClusterRecord | undefined;
  putCluster(c: ClusterRecord): void;
  listClusters(status?: string): ClusterRecord[];

  getTaskDefinition(family: string, revision: number): TaskDefinitionRecord | undefined;
  latestTaskDefinition(family: string, status?: string): TaskDefinitionRecord | undefined;
  /** Highest revision ever registered for the family (any status), 0 if none. */
  maxRevision(family: string): number;
  putTaskDefinition(td: TaskDefinitionRecord): void;
  /** Ordered by family, then revision ascending. */
  listTaskDefinitions(q: TaskDefinitionQuery): TaskDefinitionRecord[];

  getInstance(arn: string): InstanceRecord | undefined;
  putInstance(i: InstanceRecord): void;
  /** Ordered by registration time. */
  listInstances(cluster: string, status?: string): InstanceRecord[];
  /** Every instance whose agent is marked connected, in any cluster. */
  listConnectedInstances(): InstanceRecord[];

  getService(cluster: string, name: string): ServiceRecord | undefined;
  putService(s: ServiceRecord): void;
  /** Ordered by creation time. */
  listServices(cluster: string, status?: string): ServiceRecord[];
  /** Services in any cluster that are not INACTIVE: what the scheduler looks after. */
  listLiveServices(): ServiceRecord[];

  getTask(arn: string): TaskRecord | undefined;
  putTask(t: TaskRecord): void;
  /** Ordered by creation time. */
  listTasks(q: TaskQuery): TaskRecord[];

  getExecSession(id: string): ExecSessionRecord | undefined;
  putExecSession(s: ExecSessionRecord): void;
  /** Newest first (by creation time). */
  listExecSessions(q: ExecSessionQuery): ExecSessionRecord[];
  /** Sessions not STOPPED, in any cluster, oldest first. */
  listLiveExecSessions(): ExecSessionRecord[];

  close(): void;
}
