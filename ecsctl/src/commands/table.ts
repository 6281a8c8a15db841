// The command table: one entry per RPC of EcsControlPlane, named as `aws ecs` names it.
// command → RPC → flags → request field and type. Everything else (argument parsing, request
// building, validation, pagination, help, output titles) is driven by this table and by reflection
// of the request/response messages, so a new command (services, attributes, exec) is one entry here.

/** How a flag reads its words: scalars take one word, lists one or more, booleans none. */
export type FlagType = 'string' | 'integer' | 'boolean' | 'list' | 'structure' | 'list-structure' | 'map';

export interface FlagSpec {
  /** As typed: --task-definition. */
  readonly flag: string;
  /** The request field it sets (camelCase, as in the ECS JSON shapes). */
  readonly field: string;
  readonly type: FlagType;
  readonly required?: boolean;
  /** Accepted but left out of help (the raw paging parameters of paginated commands). */
  readonly hidden?: boolean;
  /** Read by the command itself, not sent: `field` names the setting (logs --timestamps). */
  readonly local?: boolean;
  /** A boolean's word for false, when not --no-<flag> (execute-command: --interactive | --non-interactive). */
  readonly negation?: string;
  readonly help?: string;
}

/** botocore's paginator config: which list the pages add up and which fields carry the token. */
export interface Pagination {
  readonly resultKey: string;
  readonly inputToken: string;
  readonly outputToken: string;
  readonly limitKey: string;
}

export interface CommandSpec {
  readonly name: string;
  /** The EcsControlPlane method, which is also ECS's operation name (RunTask). */
  readonly rpc: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  readonly paginate?: Pagination;
  /**
   * A server-streaming RPC (beyond aws ecs): its responses are printed as they arrive by the command's
   * own runner (logs: ecsctl/src/logs/run.ts), and it may carry a short name and flags named for people
   * rather than after the request fields (--service → serviceName).
   */
  readonly streaming?: boolean;
  /**
   * The call opens a session that the command's own runner drives (execute-command:
   * ecsctl/src/exec/run.ts calls ExecuteCommand, then StartSession).
   */
  readonly session?: boolean;
  /** More paragraphs for help (lines of at most ~72 characters). */
  readonly notes?: readonly string[];
}

interface FlagOpts {
  required?: boolean;
  help?: string;
  field?: string;
  hidden?: boolean;
  local?: boolean;
  negation?: string;
}

/** --task-definition → taskDefinition */
export function fieldOf(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function flagOf(type: FlagType) {
  return (flag: string, opts: FlagOpts = {}): FlagSpec => ({
    flag,
    type,
    field: opts.field ?? fieldOf(flag),
    ...(opts.required ? { required: true } : {}),
    ...(opts.hidden ? { hidden: true } : {}),
    ...(opts.local ? { local: true } : {}),
    ...(opts.negation ? { negation: opts.negation } : {}),
    ...(opts.help ? { help: opts.help } : {}),
  });
}
const str = flagOf('string');
const int = flagOf('integer');
const bool = flagOf('boolean');
const list = flagOf('list');
const struct = flagOf('structure');
const structs = flagOf('list-structure');

const REQ = { required: true } as const;
const CLUSTER = str('--cluster', { help: 'The short name or full ARN of the cluster. Defaults to "default".' });

/** A paginated list command: adds the hidden --next-token/--max-results of the raw API. */
function paginated(name: string, rpc: string, summary: string, resultKey: string, flags: FlagSpec[]): CommandSpec {
  return {
    name,
    rpc,
    summary,
    flags: [...flags, str('--next-token', { hidden: true }), int('--max-results', { hidden: true })],
    paginate: { resultKey, inputToken: 'nextToken', outputToken: 'nextToken', limitKey: 'maxResults' },
  };
}

const TAGS = structs('--tags', { help: 'Metadata: key=string,value=string ...' });
const PLACEMENT_CONSTRAINTS = structs('--placement-constraints', { help: 'type=distinctInstance | type=memberOf,expression=...' });
const PLACEMENT_STRATEGY = structs('--placement-strategy', { help: 'type=spread,field=attribute:ecs.availability-zone ...' });
const DEPLOYMENT_CONFIGURATION = struct('--deployment-configuration', {
  help: 'maximumPercent=200,minimumHealthyPercent=100,deploymentCircuitBreaker={enable=true,rollback=true}',
});

const CLUSTER_SETTINGS = structs('--settings', { help: 'name=containerInsights,value=enabled' });
const CLUSTER_CONFIGURATION = struct('--configuration', {
  help: 'The execute command configuration: what is kept of execute-command sessions. logging: NONE (the audit record only) | DEFAULT (also the output, as logs named by the session id: ecsctl logs --session-id) | OVERRIDE (as DEFAULT; logConfiguration must be given, and is recorded only). e.g. executeCommandConfiguration={logging=DEFAULT}',
});

export const COMMANDS: readonly CommandSpec[] = [
  // --- clusters ---
  {
    name: 'create-cluster',
    rpc: 'CreateCluster',
    summary: 'Creates a new cluster.',
    flags: [str('--cluster-name'), TAGS, CLUSTER_SETTINGS, CLUSTER_CONFIGURATION],
  },
  { name: 'delete-cluster', rpc: 'DeleteCluster', summary: 'Deletes the specified cluster.', flags: [str('--cluster', REQ)] },
  {
    name: 'describe-clusters',
    rpc: 'DescribeClusters',
    summary: 'Describes one or more of your clusters.',
    flags: [list('--clusters'), list('--include')],
  },
  paginated('list-clusters', 'ListClusters', 'Returns a list of existing clusters.', 'clusterArns', []),
  {
    name: 'update-cluster',
    rpc: 'UpdateCluster',
    summary: 'Updates the cluster (its settings and its execute command configuration).',
    flags: [str('--cluster', { required: true, help: 'The name or ARN of the cluster to modify.' }), CLUSTER_SETTINGS, CLUSTER_CONFIGURATION],
  },

  // --- task definitions ---
  {
    name: 'register-task-definition',
    rpc: 'RegisterTaskDefinition',
    summary: 'Registers a new task definition from the supplied family and containerDefinitions.',
    flags: [
      str('--family', REQ),
      str('--task-role-arn'),
      str('--execution-role-arn'),
      str('--network-mode', { help: 'bridge | host | awsvpc | none' }),
      structs('--container-definitions', REQ),
      structs('--volumes'),
      structs('--placement-constraints'),
      list('--requires-compatibilities'),
      str('--cpu'),
      str('--memory'),
      TAGS,
      str('--pid-mode'),
      str('--ipc-mode'),
    ],
  },
  {
    name: 'deregister-task-definition',
    rpc: 'DeregisterTaskDefinition',
    summary: 'Deregisters the specified task definition by family and revision.',
    flags: [str('--task-definition', REQ)],
  },
  {
    name: 'describe-task-definition',
    rpc: 'DescribeTaskDefinition',
    summary: 'Describes a task definition.',
    flags: [str('--task-definition', REQ), list('--include')],
  },
  paginated('list-task-definitions', 'ListTaskDefinitions', 'Returns a list of task definitions.', 'taskDefinitionArns', [
    str('--family-prefix'),
    str('--status', { help: 'ACTIVE | INACTIVE' }),
    str('--sort', { help: 'ASC | DESC' }),
  ]),
  paginated(
    'list-task-definition-families',
    'ListTaskDefinitionFamilies',
    'Returns a list of task definition families.',
    'families',
    [str('--family-prefix'), str('--status', { help: 'ACTIVE | INACTIVE | ALL' })],
  ),

  // --- tasks ---
  {
    name: 'run-task',
    rpc: 'RunTask',
    summary: 'Starts a new task using the specified task definition.',
    flags: [
      CLUSTER,
      str('--task-definition', REQ),
      int('--count'),
      str('--group'),
      str('--started-by'),
      struct('--overrides', { help: 'JSON: {"containerOverrides":[{"name":..,"command":[..]}]}' }),
      structs('--placement-constraints', { help: 'type=distinctInstance | type=memberOf,expression=...' }),
      structs('--placement-strategy', { help: 'type=spread,field=attribute:ecs.availability-zone ...' }),
      bool('--enable-execute-command'),
      TAGS,
      str('--launch-type'),
      str('--client-token'),
    ],
  },
  {
    name: 'stop-task',
    rpc: 'StopTask',
    summary: 'Stops a running task.',
    flags: [CLUSTER, str('--task', REQ), str('--reason')],
  },
  {
    name: 'describe-tasks',
    rpc: 'DescribeTasks',
    summary: 'Describes a specified task or tasks.',
    flags: [CLUSTER, list('--tasks', REQ), list('--include')],
  },
  paginated('list-tasks', 'ListTasks', 'Returns a list of tasks.', 'taskArns', [
    CLUSTER,
    str('--container-instance'),
    str('--family'),
    str('--started-by'),
    str('--service-name'),
    str('--desired-status', { help: 'RUNNING | PENDING | STOPPED' }),
    str('--launch-type'),
  ]),

  // --- container instances ---
  paginated(
    'list-container-instances',
    'ListContainerInstances',
    'Returns a list of container instances in a specified cluster.',
    'containerInstanceArns',
    [CLUSTER, str('--filter'), str('--status')],
  ),
  {
    name: 'describe-container-instances',
    rpc: 'DescribeContainerInstances',
    summary: 'Describes one or more container instances.',
    flags: [CLUSTER, list('--container-instances', REQ), list('--include')],
  },
  {
    name: 'update-container-instances-state',
    rpc: 'UpdateContainerInstancesState',
    summary: 'Modifies the status of an Amazon ECS container instance (ACTIVE | DRAINING).',
    flags: [CLUSTER, list('--container-instances', REQ), str('--status', REQ)],
  },
  {
    name: 'deregister-container-instance',
    rpc: 'DeregisterContainerInstance',
    summary: 'Deregisters a container instance from its cluster.',
    flags: [CLUSTER, str('--container-instance', REQ), bool('--force')],
  },
  {
    name: 'start-task',
    rpc: 'StartTask',
    summary: 'Starts a new task from the specified task definition on the specified container instance or instances.',
    flags: [
      CLUSTER,
      str('--task-definition', REQ),
      list('--container-instances', REQ),
      struct('--overrides', { help: 'JSON: {"containerOverrides":[{"name":..,"command":[..]}]}' }),
      str('--group'),
      str('--started-by'),
      bool('--enable-execute-command'),
      TAGS,
      str('--reference-id'),
    ],
  },

  // --- attributes ---
  {
    name: 'put-attributes',
    rpc: 'PutAttributes',
    summary: 'Create or update an attribute on an Amazon ECS resource.',
    flags: [CLUSTER, structs('--attributes', { required: true, help: 'name=stack,value=prod,targetId=<container instance>' })],
  },
  {
    name: 'delete-attributes',
    rpc: 'DeleteAttributes',
    summary: 'Deletes one or more custom attributes from an Amazon ECS resource.',
    flags: [CLUSTER, structs('--attributes', { required: true, help: 'name=stack,targetId=<container instance>' })],
  },
  paginated('list-attributes', 'ListAttributes', 'Lists the attributes for Amazon ECS resources within a specified target type and cluster.', 'attributes', [
    CLUSTER,
    str('--target-type', { required: true, help: 'container-instance' }),
    str('--attribute-name'),
    str('--attribute-value'),
  ]),

  // --- services ---
  {
    name: 'create-service',
    rpc: 'CreateService',
    summary: 'Runs and maintains your desired number of tasks from a specified task definition.',
    flags: [
      CLUSTER,
      str('--service-name', { required: true, help: 'The name of your service (up to 255 letters, numbers, hyphens and underscores).' }),
      str('--task-definition', { help: 'family:revision or the full ARN; the latest ACTIVE revision if only the family is given.' }),
      int('--desired-count', { help: 'The number of instantiations of the task definition to keep running.' }),
      str('--client-token', { help: 'A unique, case-sensitive identifier for the idempotency of the request.' }),
      str('--launch-type', { help: 'EC2 | EXTERNAL' }),
      DEPLOYMENT_CONFIGURATION,
      PLACEMENT_CONSTRAINTS,
      PLACEMENT_STRATEGY,
      int('--health-check-grace-period-seconds', { help: 'Seconds to ignore unhealthy health checks after a task has first started.' }),
      str('--scheduling-strategy', { help: 'REPLICA | DAEMON' }),
      struct('--deployment-controller', { help: 'type=ECS' }),
      TAGS,
      str('--propagate-tags', { help: 'TASK_DEFINITION | SERVICE | NONE' }),
      bool('--enable-execute-command'),
    ],
  },
  {
    name: 'update-service',
    rpc: 'UpdateService',
    summary: 'Modifies the parameters of a service (desired count, task definition, deployment configuration, ...).',
    flags: [
      CLUSTER,
      str('--service', { required: true, help: 'The name or ARN of the service to update.' }),
      int('--desired-count'),
      str('--task-definition', { help: 'A new task definition (family:revision or ARN) starts a new deployment.' }),
      DEPLOYMENT_CONFIGURATION,
      PLACEMENT_CONSTRAINTS,
      PLACEMENT_STRATEGY,
      bool('--force-new-deployment', { help: 'Start a new deployment with the same task definition.' }),
      int('--health-check-grace-period-seconds'),
      bool('--enable-execute-command'),
    ],
  },
  {
    name: 'delete-service',
    rpc: 'DeleteService',
    summary: 'Deletes a specified service within a cluster (scale it to zero first, or use --force).',
    flags: [CLUSTER, str('--service', REQ), bool('--force', { help: 'Delete the service even if it has not been scaled down to zero tasks.' })],
  },
  {
    name: 'describe-services',
    rpc: 'DescribeServices',
    summary: 'Describes the specified services running in your cluster.',
    flags: [CLUSTER, list('--services', { required: true, help: 'Up to 10 service names or ARNs.' }), list('--include', { help: 'TAGS' })],
  },
  paginated('list-services', 'ListServices', 'Returns a list of services.', 'serviceArns', [
    CLUSTER,
    str('--launch-type', { help: 'EC2 | EXTERNAL' }),
    str('--scheduling-strategy', { help: 'REPLICA | DAEMON' }),
  ]),

  // --- execute-command ---
  {
    name: 'execute-command',
    rpc: 'ExecuteCommand',
    session: true,
    summary: 'Runs a command in a container of a running task (a task run with --enable-execute-command).',
    notes: [
      'With --interactive (as aws ecs requires) the command runs under a',
      'terminal: the local terminal goes raw, every key (Ctrl-C included)',
      'reaches the command, the window size follows the local terminal, and',
      '"Starting session with SessionId: <id>" / "Exiting session with',
      'sessionId: <id>." are printed on stderr. Without --interactive (or with',
      '--non-interactive; beyond aws ecs) the command runs without a terminal:',
      "ecsctl's stdin is piped to it (its end closes the command's stdin), its",
      'stdout and stderr go to ours apart, and Ctrl-C ends it (exit 130).',
      '',
      "Exit status: the command's. When the session ended without one (e.g.",
      'the agent disconnected), 255 and "ecsctl execute-command: <reason>" on',
      'stderr. 254 when ExecuteCommand or the session is refused (the ECS',
      'exception is printed as aws prints it), 255 when the control plane',
      'cannot be reached; 129/143 when ecsctl gets SIGHUP/SIGTERM. Closing',
      'ecsctl ends the command in the container.',
    ],
    flags: [
      CLUSTER,
      str('--container', { help: 'The container name (may be omitted when the task has one container).' }),
      str('--command', { required: true, help: 'The command and its arguments, split as a shell splits words (not run by a shell: use sh -c \'...\' for pipes and redirections).' }),
      bool('--interactive', {
        negation: '--non-interactive',
        help: 'Run the command under a terminal (TTY). Without it (or with --non-interactive), stdin is piped and stdout and stderr are kept apart.',
      }),
      str('--task', { required: true, help: 'The task id or ARN.' }),
    ],
  },
  paginated(
    'list-execute-command-sessions',
    'ListExecuteCommandSessions',
    'Lists the audit records of execute-command sessions, newest first (beyond aws ecs).',
    'sessions',
    [CLUSTER, str('--task', { help: 'Only the sessions of this task (id or ARN).' }), str('--status', { help: 'PENDING | RUNNING | STOPPED' })],
  ),

  // --- beyond ECS ---
  {
    name: 'explain-placement',
    rpc: 'ExplainPlacement',
    summary: 'Shows where RunTask would place N tasks and, per filter, which instances were rejected, without starting anything.',
    flags: [
      CLUSTER,
      str('--task-definition', REQ),
      int('--count'),
      structs('--placement-constraints', { help: 'type=distinctInstance | type=memberOf,expression=...' }),
      structs('--placement-strategy', { help: 'type=spread,field=attribute:ecs.availability-zone ...' }),
      str('--group'),
      struct('--overrides'),
    ],
  },
  {
    name: 'logs',
    rpc: 'GetLogs',
    streaming: true,
    summary: "Prints the container logs of a task, or of a service's tasks merged in time order, or an execute-command session's transcript, from the agents' log stores.",
    notes: [
      'Beyond aws ecs. Lines are printed as they arrive. --output text (the',
      'default here): one line per log line, "[<time> ][<task id> ][<container> ]<log>"',
      '(the time with --timestamps, the task id with --service, the container',
      'name when the selection spans several containers). --output json: one',
      'object per line: {"time","source","log","taskId","containerName"}.',
      'Notices (e.g. a task whose agent is not connected) go to stderr as',
      '"ecsctl logs: task <id>: <message>". Ctrl-C ends --follow (exit 0).',
    ],
    flags: [
      CLUSTER,
      str('--task', { help: 'The task id or ARN (give one of --task, --service and --session-id).' }),
      str('--service', { field: 'serviceName', help: 'The service name or ARN: the lines of all its tasks, merged in time order, each prefixed with its task id.' }),
      str('--container', { field: 'containerName', help: 'Only this container (default: every container of the task).' }),
      bool('--follow', { help: 'Keep printing new lines until Ctrl-C (for a service, also from the tasks it starts later).' }),
      str('--since', {
        field: 'startTime',
        help: 'Only lines at or after: a duration back from now (30s, 10m, 2h, 1h30m, 1d), a time (2026-11-22T04:00:00Z; without a zone, local time) or epoch seconds.',
      }),
      int('--tail', { help: 'Only the last N lines (of the merged output), then what --follow brings.' }),
      str('--session-id', {
        help: "An execute-command session's id: its transcript (kept when the cluster's executeCommandConfiguration logging is DEFAULT or OVERRIDE).",
      }),
      bool('--timestamps', { local: true, help: "Prefix each line with its time (RFC 3339 UTC, nanoseconds)." }),
    ],
  },
];

/**
 * RPCs no command calls by name: StartSession is execute-command's data stream (opened by
 * ecsctl/src/exec/run.ts with the session ExecuteCommand answered).
 */
export const SESSION_STREAM_RPCS: readonly string[] = ['StartSession'];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** The request/response message names of a command's RPC. */
export function requestMessage(cmd: CommandSpec): string {
  return `${cmd.rpc}Request`;
}
export function responseMessage(cmd: CommandSpec): string {
  return `${cmd.rpc}Response`;
}

// --- options every command takes (aws's global options plus ecsctl's --endpoint) ---

export type GlobalKey =
  | 'endpoint'
  | 'output'
  | 'query'
  | 'paginate'
  | 'readTimeout'
  | 'connectTimeout'
  | 'cliInputJson'
  | 'skeleton'
  | 'maxItems'
  | 'startingToken'
  | 'pageSize'
  | 'help'
  | 'version'
  | 'ignored';

export interface GlobalOption {
  readonly flag: string;
  readonly key: GlobalKey;
  /** value: takes one word; switch: takes none. */
  readonly arity: 'value' | 'switch';
  /** For help: what the value is (string unless said). */
  readonly valueType?: 'integer';
  /** Only on paginated commands. */
  readonly paging?: boolean;
  readonly help?: string;
  readonly hidden?: boolean;
}

export const GLOBAL_OPTIONS: readonly GlobalOption[] = [
  { flag: '--endpoint', key: 'endpoint', arity: 'value', help: 'Control plane HOST:PORT (env ECSCTL_ENDPOINT, default 127.0.0.1:7400).' },
  { flag: '--endpoint-url', key: 'endpoint', arity: 'value', hidden: true },
  { flag: '--output', key: 'output', arity: 'value', help: 'json | text | table (env AWS_DEFAULT_OUTPUT, default json).' },
  { flag: '--query', key: 'query', arity: 'value', help: 'A JMESPath query to filter the response data.' },
  { flag: '--no-paginate', key: 'paginate', arity: 'switch', help: 'Make one call only; do not follow nextToken.' },
  { flag: '--cli-read-timeout', valueType: 'integer', key: 'readTimeout', arity: 'value', help: 'Seconds to wait for an answer (0 = forever, default 30).' },
  { flag: '--cli-connect-timeout', valueType: 'integer', key: 'connectTimeout', arity: 'value', help: 'Seconds to wait to connect (0 = forever, default 30).' },
  { flag: '--cli-input-json', key: 'cliInputJson', arity: 'value', help: 'The request as JSON (or file://path); flags override its keys.' },
  { flag: '--generate-cli-skeleton', key: 'skeleton', arity: 'value', help: 'Print a JSON skeleton of the request ("input") and exit.' },
  { flag: '--max-items', valueType: 'integer', key: 'maxItems', arity: 'value', paging: true, help: 'Total number of items to return (prints a NextToken to resume).' },
  { flag: '--starting-token', key: 'startingToken', arity: 'value', paging: true, help: 'A NextToken from a previous truncated output.' },
  { flag: '--page-size', valueType: 'integer', key: 'pageSize', arity: 'value', paging: true, help: 'Number of items per call to the server.' },
  { flag: '--help', key: 'help', arity: 'switch', hidden: true },
  { flag: '--version', key: 'version', arity: 'switch', hidden: true },
  // Accepted so that pasted `aws ecs ...` lines work; they change nothing here.
  { flag: '--region', key: 'ignored', arity: 'value', hidden: true },
  { flag: '--profile', key: 'ignored', arity: 'value', hidden: true },
  { flag: '--color', key: 'ignored', arity: 'value', hidden: true },
  { flag: '--ca-bundle', key: 'ignored', arity: 'value', hidden: true },
  { flag: '--cli-binary-format', key: 'ignored', arity: 'value', hidden: true },
  { flag: '--no-cli-pager', key: 'ignored', arity: 'switch', hidden: true },
  { flag: '--no-verify-ssl', key: 'ignored', arity: 'switch', hidden: true },
  { flag: '--no-sign-request', key: 'ignored', arity: 'switch', hidden: true },
  { flag: '--no-cli-auto-prompt', key: 'ignored', arity: 'switch', hidden: true },
  { flag: '--debug', key: 'ignored', arity: 'switch', hidden: true },
];
