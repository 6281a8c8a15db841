#!/usr/bin/env node
// ecs-agent: config → Docker → identity → registration → log router → task engine (re-adopts its containers
// and resumes collecting their logs) → exec sessions → session. SIGTERM/SIGINT end the execute-command
// sessions (their processes, with "The agent is stopping."), close the session, store the log lines already
// read and exit; task containers keep running, as with amazon-ecs-agent. A SIGKILL loses no log line either:
// the stores are the checkpoint, and collection resumes from them in Docker's own log files.
import { randomInt } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { agentHash, agentVersion } from './agent-version.js';
import { ConfigError, type AgentOptions } from './config/options.js';
import { EnvFileError } from './config/env-file.js';
import { loadConfig } from './config/load.js';
import { TaskEngine } from './engine/task-engine.js';
import { DEFAULT_KILL_GRACE_MS } from './exec/exec-session.js';
import { ExecManager } from './exec/manager.js';
import { reapOrphanedExecs, type ExecRecord } from './exec/reaper.js';
import { execTargetOf } from './exec/target.js';
import { LogRouter } from './logs/router.js';
import type { TaskState } from './engine/task-state.js';
import { readHostResources } from './resources/host.js';
import { PortAllocator } from './resources/port-allocator.js';
import { probePort } from './resources/port-probe.js';
import { buildRegistrationRequest, type AgentVersions } from './resources/registration.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { backoffDelay } from './session/backoff.js';
import { Registrar } from './session/registrar.js';
import { Reporter } from './session/reporter.js';
import { AgentSession, FatalSessionError, type Registration } from './session/session.js';
import { GrpcTransport } from './session/transport.js';
import { CheckpointStore } from './state/checkpoints.js';
import { IdentityStore, IdentityMismatchError } from './state/identity.js';
import { sleep, systemClock, type Random } from './util/clock.js';
import { createLogger, type Logger } from './util/logger.js';

const cryptoRandom: Random = () => randomInt(0, 2 ** 32) / 2 ** 32;

function readOptions(): AgentOptions | undefined {
  try {
    return loadConfig(process.env).options;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof EnvFileError) {
      process.stderr.write(`ecs-agent: ${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}

/** The first registration, retried until it succeeds: the engine labels containers with the ARN. */
async function firstRegistration(registrar: Registrar, logger: Logger): Promise<Registration> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await registrar.register();
    } catch (err) {
      if (err instanceof FatalSessionError) throw err;
      const delay = backoffDelay(attempt, cryptoRandom);
      logger.warn({ err: (err as Error).message, delayMs: delay }, 'registration failed; retrying');
      await sleep(systemClock, delay);
    }
  }
}

function createLogRouter(options: AgentOptions, runtime: DockerRuntime, logger: Logger): LogRouter {
  const l = options.containerLogs;
  return new LogRouter({
    runtime,
    dataDir: options.dataDir,
    cluster: options.cluster,
    defaults: { maxSizeBytes: l.maxSizeBytes, maxFiles: l.maxFiles, compress: l.compress, maxLineBytes: l.maxLineBytes },
    clock: systemClock,
    random: cryptoRandom,
    logger,
  });
}

function createEngine(
  options: AgentOptions,
  runtime: DockerRuntime,
  reporter: Reporter,
  containerInstanceArn: string,
  logs: LogRouter,
  logger: Logger,
): TaskEngine {
  return new TaskEngine({
    runtime,
    checkpoints: new CheckpointStore<TaskState>(options.dataDir),
    ports: new PortAllocator({ range: options.dynamicHostPortRange, probe: probePort, reservedTcp: options.reservedPorts, reservedUdp: options.reservedPortsUdp }),
    sink: reporter,
    cluster: options.cluster,
    containerInstanceArn,
    stopTimeoutMs: options.containerStopTimeoutMs,
    cleanupWaitMs: options.taskCleanupWaitMs,
    imagePullBehavior: options.imagePullBehavior,
    clock: systemClock,
    random: cryptoRandom,
    logger,
    logging: {
      availableDrivers: options.availableLoggingDrivers,
      dockerMaxSizeBytes: options.containerLogs.dockerMaxSizeBytes,
      dockerMaxFiles: options.containerLogs.dockerMaxFiles,
    },
    logs,
  });
}

/** execute-command sessions: Docker exec in the engine's running containers, transcripts beside the container stores. */
function createExec(options: AgentOptions, runtime: DockerRuntime, engine: TaskEngine, transport: GrpcTransport, logger: Logger): ExecManager {
  const l = options.containerLogs;
  const log = logger.child({ component: 'exec' });
  const records = new CheckpointStore<ExecRecord>(options.dataDir, 'exec-sessions');
  // Commands of sessions a killed agent left running end now; new sessions are recorded in the same place
  // under new session ids, so this runs beside them.
  void reapOrphanedExecs({ records, runtime, clock: systemClock, logger: log, graceMs: DEFAULT_KILL_GRACE_MS }).catch((err) =>
    log.error({ err: (err as Error).message }, 'could not end the sessions the previous agent run left'),
  );
  return new ExecManager({
    openCall: () => transport.openExec(),
    runtime,
    locate: (taskArn, containerName) => execTargetOf(engine.task(taskArn), containerName),
    clock: systemClock,
    logger: log,
    dataDir: options.dataDir,
    cluster: options.cluster,
    transcriptLimits: { maxSizeBytes: l.maxSizeBytes, maxFiles: l.maxFiles, compress: l.compress },
    maxLineBytes: l.maxLineBytes,
    records,
  });
}

async function run(options: AgentOptions, logger: Logger): Promise<number> {
  const runtime = new DockerRuntime(options.docker);
  const docker = await runtime.version();
  const host = await readHostResources();
  const versions: AgentVersions = {
    agentVersion: agentVersion(),
    agentHash: agentHash(),
    dockerVersion: docker.version,
    dockerApiVersion: docker.apiVersion,
    dockerMinApiVersion: docker.minApiVersion,
  };
  const store = new IdentityStore(options.dataDir);
  const identity = store.loadOrCreate(options.cluster, cryptoRandom);
  logger.info({ instanceId: identity.instanceId, cluster: options.cluster, backend: options.backendHost, docker: docker.version }, 'ecs-agent starting');
  const transport = new GrpcTransport(options.backendHost);
  const registrar = new Registrar({
    transport,
    store,
    identity,
    logger,
    buildRequest: (id) =>
      buildRegistrationRequest({ options, host, versions, instanceId: id.instanceId, containerInstanceArn: id.containerInstanceArn }),
  });
  const reg = await firstRegistration(registrar, logger);
  const reporter = new Reporter();
  const logs = createLogRouter(options, runtime, logger);
  const engine = createEngine(options, runtime, reporter, reg.containerInstanceArn, logs, logger);
  await engine.start();
  const exec = createExec(options, runtime, engine, transport, logger);
  return new Promise<number>((resolve) => {
    const session = new AgentSession({
      transport,
      register: () => registrar.register(),
      engine,
      reporter,
      clock: systemClock,
      random: cryptoRandom,
      logger,
      onFatal: () => shutdown(5),
      logsDataDir: options.dataDir,
      exec,
    });
    let stopping = false;
    const shutdown = (code: number) => {
      if (stopping) return;
      stopping = true;
      logger.info({ execSessions: exec.size }, 'ecs-agent stopping; task containers keep running');
      // Exec sessions end first (their processes too), while their calls can still say why.
      void exec
        .close()
        .catch((err) => logger.error({ err: (err as Error).message }, 'could not end the exec sessions'))
        .then(() => session.close())
        .finally(() => {
          engine.close();
          return logs.close().catch((err) => logger.error({ err: (err as Error).message }, 'could not close the log router'));
        })
        .finally(() => {
          transport.close();
          resolve(code);
        });
    };
    onSignal = () => shutdown(0);
    session.start();
  });
}

const USAGE = `Usage: ecs-agent [--help | --version]

The agent of a self-hosted ECS: it registers this host with the control plane as a container instance
and runs the tasks it is given on the local Docker engine. It takes no other arguments: like
amazon-ecs-agent it is configured by KEY=VALUE lines in /etc/ecs/ecs.config (or the file named by
ECS_CONFIG_FILE), with environment variables overriding the file. The main keys:

  ECS_CLUSTER          cluster to join (default: default)
  ECS_BACKEND_HOST     the control plane, HOST:PORT (default: 127.0.0.1:7400)
  ECS_DATADIR          identity and checkpoints (default: /var/lib/ecs/data)
  ECS_LOGLEVEL         debug | info | warn | error | crit (default: info)

Every key is described in agent/README.md. Exit status: 2 for a bad setting, 5 when the control plane
refuses this instance for good (it was deregistered: start again with an empty ECS_DATADIR), 1 otherwise.
`;

/** Handles the command line: undefined to go on and run, or the exit status. */
function commandLine(args: string[]): number | undefined {
  if (args.length === 0) return undefined;
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.length === 1 && args[0] === '--version') {
    process.stdout.write(`ecs-agent ${agentVersion()}\n`);
    return 0;
  }
  process.stderr.write(`ecs-agent: unexpected argument ${JSON.stringify(args[0])}\n\n${USAGE}`);
  return 2;
}

export async function main(args: string[] = []): Promise<number> {
  const early = commandLine(args);
  if (early !== undefined) return early;
  const options = readOptions();
  if (!options) return 2;
  const logger = createLogger(options.logLevel);
  try {
    return await run(options, logger);
  } catch (err) {
    const known = err instanceof IdentityMismatchError || err instanceof FatalSessionError;
    logger.fatal({ err: known ? (err as Error).message : err }, 'ecs-agent cannot run');
    if (known) process.stderr.write(`ecs-agent: ${(err as Error).message}\n`);
    // 5 as amazon-ecs-agent's terminal exit: restarting would not help (the unit does not restart it).
    return err instanceof FatalSessionError ? 5 : 1;
  }
}

/** What SIGTERM/SIGINT do: exit at once until the session is up, then close it and exit. */
let onSignal: () => void = () => process.exit(0);

function isEntryPoint(): boolean {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? '')).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.on('SIGTERM', () => onSignal());
  process.on('SIGINT', () => onSignal());
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
