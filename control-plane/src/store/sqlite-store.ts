// SQLite implementation of the Store (better-sqlite3, WAL). The only file with SQL in it.
// Records are kept as JSON documents with the columns queries need alongside.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ClusterRecord,
  ExecSessionRecord,
  InstanceRecord,
  ServiceRecord,
  TaskDefinitionRecord,
  TaskRecord,
} from '../domain/records.js';
import type { ExecSessionQuery, Store, TaskDefinitionQuery, TaskQuery } from './store.js';

const SCHEMA_VERSION = 4;

// Each migration is SQL, or a function for one that must look at the schema first.
const MIGRATIONS: Array<string | ((db: Database.Database) => void)> = [
  `CREATE TABLE clusters (
     name TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     created_at REAL NOT NULL,
     doc TEXT NOT NULL
   );
   CREATE TABLE task_definitions (
     family TEXT NOT NULL,
     revision INTEGER NOT NULL,
     status TEXT NOT NULL,
     doc TEXT NOT NULL,
     PRIMARY KEY (family, revision)
   );
   CREATE TABLE container_instances (
     arn TEXT PRIMARY KEY,
     cluster TEXT NOT NULL,
     host_id TEXT NOT NULL,
     status TEXT NOT NULL,
     agent_connected INTEGER NOT NULL,
     registered_at REAL NOT NULL,
     doc TEXT NOT NULL
   );
   CREATE INDEX container_instances_cluster ON container_instances (cluster, registered_at);
   CREATE TABLE tasks (
     arn TEXT PRIMARY KEY,
     cluster TEXT NOT NULL,
     container_instance_arn TEXT,
     family TEXT NOT NULL,
     started_by TEXT,
     task_group TEXT,
     last_status TEXT NOT NULL,
     desired_status TEXT NOT NULL,
     created_at REAL NOT NULL,
     doc TEXT NOT NULL
   );
   CREATE INDEX tasks_cluster ON tasks (cluster, created_at);
   CREATE INDEX tasks_instance ON tasks (container_instance_arn, last_status);`,
  `CREATE TABLE services (
     cluster TEXT NOT NULL,
     name TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at REAL NOT NULL,
     doc TEXT NOT NULL,
     PRIMARY KEY (cluster, name)
   );
   CREATE INDEX tasks_group ON tasks (cluster, task_group, last_status);`,
  // tasks.stopped_at: some version-2 databases already have it (it was first added to migration 2).
  (db) => {
    const columns = db.prepare('PRAGMA table_info(tasks)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'stopped_at')) db.exec('ALTER TABLE tasks ADD COLUMN stopped_at REAL;');
  },
  // Execute-command sessions (their audit records). Cluster configurations live in the clusters' docs.
  `CREATE TABLE IF NOT EXISTS exec_sessions (
     session_id TEXT PRIMARY KEY,
     cluster TEXT NOT NULL,
     task_arn TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at REAL NOT NULL,
     doc TEXT NOT NULL
   );
   CREATE INDEX IF NOT EXISTS exec_sessions_cluster ON exec_sessions (cluster, created_at);
   CREATE INDEX IF NOT EXISTS exec_sessions_task ON exec_sessions (task_arn, status);
   CREATE INDEX IF NOT EXISTS exec_sessions_status ON exec_sessions (status);`,
];

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<SqliteStore['prepare']>;

  /** `dataDir` of ':memory:' keeps everything in memory (tests). */
  constructor(dataDir: string) {
    let file = ':memory:';
    if (dataDir !== ':memory:') {
      mkdirSync(dataDir, { recursive: true });
      file = join(dataDir, 'ecs.db');
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    this.stmts = this.prepare();
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < SCHEMA_VERSION; v++) {
      this.db.transaction(() => {
        const step = MIGRATIONS[v];
        if (typeof step === 'string') this.db.exec(step);
        else step(this.db);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  private prepare() {
    const db = this.db;
    return {
      getCluster: db.prepare('SELECT doc FROM clusters WHERE name = ?'),
      putCluster: db.prepare('INSERT OR REPLACE INTO clusters (name, status, created_at, doc) VALUES (?, ?, ?, ?)'),
      listClusters: db.prepare('SELECT doc FROM clusters ORDER BY created_at, name'),
      listClustersByStatus: db.prepare('SELECT doc FROM clusters WHERE status = ? ORDER BY created_at, name'),

      getTd: db.prepare('SELECT doc FROM task_definitions WHERE family = ? AND revision = ?'),
      latestTd: db.prepare('SELECT doc FROM task_definitions WHERE family = ? ORDER BY revision DESC LIMIT 1'),
      latestTdByStatus: db.prepare('SELECT doc FROM task_definitions WHERE family = ? AND status = ? ORDER BY revision DESC LIMIT 1'),
      maxRevision: db.prepare('SELECT MAX(revision) AS r FROM task_definitions WHERE family = ?'),
      putTd: db.prepare('INSERT OR REPLACE INTO task_definitions (family, revision, status, doc) VALUES (?, ?, ?, ?)'),
      listTds: db.prepare(
        `SELECT doc FROM task_definitions
          WHERE (@family IS NULL OR family = @family)
            AND (@prefix IS NULL OR substr(family, 1, length(@prefix)) = @prefix)
            AND (@status IS NULL OR status = @status)
          ORDER BY family, revision`,
      ),

      getInstance: db.prepare('SELECT doc FROM container_instances WHERE arn = ?'),
      putInstance: db.prepare(
        'INSERT OR REPLACE INTO container_instances (arn, cluster, host_id, status, agent_connected, registered_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      listInstances: db.prepare('SELECT doc FROM container_instances WHERE cluster = ? ORDER BY registered_at, arn'),
      listInstancesByStatus: db.prepare(
        'SELECT doc FROM container_instances WHERE cluster = ? AND status = ? ORDER BY registered_at, arn',
      ),
      listConnected: db.prepare('SELECT doc FROM container_instances WHERE agent_connected = 1'),

      getService: db.prepare('SELECT doc FROM services WHERE cluster = ? AND name = ?'),
      putService: db.prepare('INSERT OR REPLACE INTO services (cluster, name, status, created_at, doc) VALUES (?, ?, ?, ?, ?)'),
      listServices: db.prepare('SELECT doc FROM services WHERE cluster = ? ORDER BY created_at, name'),
      listServicesByStatus: db.prepare('SELECT doc FROM services WHERE cluster = ? AND status = ? ORDER BY created_at, name'),
      listLiveServices: db.prepare("SELECT doc FROM services WHERE status != 'INACTIVE' ORDER BY cluster, created_at"),

      getTask: db.prepare('SELECT doc FROM tasks WHERE arn = ?'),
      putTask: db.prepare(
        `INSERT OR REPLACE INTO tasks (arn, cluster, container_instance_arn, family, started_by, task_group, last_status, desired_status, created_at, stopped_at, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      listTasks: db.prepare(
        `SELECT doc FROM tasks
          WHERE cluster = @cluster
            AND (@instance IS NULL OR container_instance_arn = @instance)
            AND (@family IS NULL OR family = @family)
            AND (@startedBy IS NULL OR started_by = @startedBy)
            AND (@group IS NULL OR task_group = @group)
            AND (@desired IS NULL OR desired_status = @desired)
            AND (@notStopped = 0 OR last_status != 'STOPPED')
            AND (@stoppedAfter IS NULL OR last_status != 'STOPPED' OR stopped_at > @stoppedAfter)
          ORDER BY created_at, arn`,
      ),

      getExecSession: db.prepare('SELECT doc FROM exec_sessions WHERE session_id = ?'),
      putExecSession: db.prepare(
        // An upsert, not REPLACE: the rowid (the order of sessions created in the same instant) stays.
        `INSERT INTO exec_sessions (session_id, cluster, task_arn, status, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (session_id) DO UPDATE SET status = excluded.status, doc = excluded.doc`,
      ),
      listExecSessions: db.prepare(
        `SELECT doc FROM exec_sessions
          WHERE cluster = @cluster
            AND (@task IS NULL OR task_arn = @task)
            AND (@status IS NULL OR status = @status)
            AND (@live = 0 OR status != 'STOPPED')
          ORDER BY created_at DESC, rowid DESC`,
      ),
      listLiveExecSessions: db.prepare("SELECT doc FROM exec_sessions WHERE status != 'STOPPED' ORDER BY created_at, rowid"),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  getCluster(name: string): ClusterRecord | undefined {
    return one(this.stmts.getCluster.get(name));
  }
  putCluster(c: ClusterRecord): void {
    this.stmts.putCluster.run(c.name, c.status, c.createdAt, JSON.stringify(c));
  }
  listClusters(status?: string): ClusterRecord[] {
    return many(status ? this.stmts.listClustersByStatus.all(status) : this.stmts.listClusters.all());
  }

  getTaskDefinition(family: string, revision: number): TaskDefinitionRecord | undefined {
    return one(this.stmts.getTd.get(family, revision));
  }
  latestTaskDefinition(family: string, status?: string): TaskDefinitionRecord | undefined {
    return one(status ? this.stmts.latestTdByStatus.get(family, status) : this.stmts.latestTd.get(family));
  }
  maxRevision(family: string): number {
    const row = this.stmts.maxRevision.get(family) as { r: number | null };
    return row.r ?? 0;
  }
  putTaskDefinition(td: TaskDefinitionRecord): void {
    this.stmts.putTd.run(td.family, td.revision, td.status, JSON.stringify(td));
  }
  listTaskDefinitions(q: TaskDefinitionQuery): TaskDefinitionRecord[] {
    return many(
      this.stmts.listTds.all({ family: q.family ?? null, prefix: q.familyPrefix ?? null, status: q.status ?? null }),
    );
  }

  getInstance(arn: string): InstanceRecord | undefined {
    return one(this.stmts.getInstance.get(arn));
  }
  putInstance(i: InstanceRecord): void {
    this.stmts.putInstance.run(i.arn, i.cluster, i.instanceId, i.status, i.agentConnected ? 1 : 0, i.registeredAt, JSON.stringify(i));
  }
  listInstances(cluster: string, status?: string): InstanceRecord[] {
    return many(status ? this.stmts.listInstancesByStatus.all(cluster, status) : this.stmts.listInstances.all(cluster));
  }
  listConnectedInstances(): InstanceRecord[] {
    return many(this.stmts.listConnected.all());
  }

  getService(cluster: string, name: string): ServiceRecord | undefined {
    return one(this.stmts.getService.get(cluster, name));
  }
  putService(s: ServiceRecord): void {
    this.stmts.putService.run(s.cluster, s.name, s.status, s.createdAt, JSON.stringify(s));
  }
  listServices(cluster: string, status?: string): ServiceRecord[] {
    return many(status ? this.stmts.listServicesByStatus.all(cluster, status) : this.stmts.listServices.all(cluster));
  }
  listLiveServices(): ServiceRecord[] {
    return many(this.stmts.listLiveServices.all());
  }

  getTask(arn: string): TaskRecord | undefined {
    return one(this.stmts.getTask.get(arn));
  }
  putTask(t: TaskRecord): void {
    this.stmts.putTask.run(
      t.arn,
      t.cluster,
      t.task.containerInstanceArn ?? null,
      t.family,
      t.task.startedBy ?? null,
      t.task.group ?? null,
      t.task.lastStatus,
      t.task.desiredStatus,
      t.task.createdAt ?? 0,
      t.task.stoppedAt ?? null,
      JSON.stringify(t),
    );
  }
  listTasks(q: TaskQuery): TaskRecord[] {
    return many(
      this.stmts.listTasks.all({
        cluster: q.cluster,
        instance: q.containerInstanceArn ?? null,
        family: q.family ?? null,
        startedBy: q.startedBy ?? null,
        group: q.group ?? null,
        desired: q.desiredStatus ?? null,
        notStopped: q.notStopped ? 1 : 0,
        stoppedAfter: q.stoppedAfter ?? null,
      }),
    );
  }

  getExecSession(id: string): ExecSessionRecord | undefined {
    return one(this.stmts.getExecSession.get(id));
  }
  putExecSession(x: ExecSessionRecord): void {
    this.stmts.putExecSession.run(x.id, x.cluster, x.taskArn, x.session.status, x.session.createdAt, JSON.stringify(x));
  }
  listExecSessions(q: ExecSessionQuery): ExecSessionRecord[] {
    return many(
      this.stmts.listExecSessions.all({ cluster: q.cluster, task: q.taskArn ?? null, status: q.status ?? null, live: q.live ? 1 : 0 }),
    );
  }
  listLiveExecSessions(): ExecSessionRecord[] {
    return many(this.stmts.listLiveExecSessions.all());
  }

  close(): void {
    this.db.close();
  }
}

function one<T>(row: unknown): T | undefined {
  return row ? (JSON.parse((row as { doc: string }).doc) as T) : undefined;
}

function many<T>(rows: unknown[]): T[] {
  return rows.map((r) => JSON.parse((r as { doc: string }).doc) as T);
}
