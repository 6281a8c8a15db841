// The user API: one thin handler per ECS operation, mapping the request to a service call.
import type { EcsControlPlaneHandlers } from '../../../proto/gen/ecs/v1/EcsControlPlane.js';
import * as clusters from '../services/clusters.js';
import * as instances from '../services/container-instances.js';
import type { Context } from '../services/context.js';
import * as taskDefinitions from '../services/task-definitions.js';
import * as attributes from '../services/attributes.js';
import * as launch from '../services/run-task.js';
import * as services from '../services/service-api.js';
import * as tasks from '../services/tasks.js';
import type { ExecSessions } from '../services/exec-sessions.js';
import { getLogs, type LogsAgents } from '../services/logs.js';
import { bidiStreaming } from './duplex.js';
import { serverStreaming } from './streaming.js';
import { unary } from './unary.js';

/** `agents`: the dispatcher, which GetLogs asks for the agents' logs; `exec`: the execute-command sessions. */
export function controlPlaneHandlers(ctx: Context, agents: LogsAgents, exec: ExecSessions): EcsControlPlaneHandlers {
  return {
    CreateCluster: unary(ctx, 'CreateCluster', (r) => clusters.createCluster(ctx, r)),
    DeleteCluster: unary(ctx, 'DeleteCluster', (r) => clusters.deleteCluster(ctx, r.cluster)),
    DescribeClusters: unary(ctx, 'DescribeClusters', (r) => clusters.describeClusters(ctx, r.clusters, r.include)),
    ListClusters: unary(ctx, 'ListClusters', (r) => clusters.listClusters(ctx, r)),
    UpdateCluster: unary(ctx, 'UpdateCluster', (r) => clusters.updateCluster(ctx, r)),

    RegisterTaskDefinition: unary(ctx, 'RegisterTaskDefinition', (r) => taskDefinitions.registerTaskDefinition(ctx, r)),
    DeregisterTaskDefinition: unary(ctx, 'DeregisterTaskDefinition', (r) => taskDefinitions.deregisterTaskDefinition(ctx, r.taskDefinition)),
    DescribeTaskDefinition: unary(ctx, 'DescribeTaskDefinition', (r) =>
      taskDefinitions.describeTaskDefinition(ctx, r.taskDefinition, r.include),
    ),
    ListTaskDefinitions: unary(ctx, 'ListTaskDefinitions', (r) => taskDefinitions.listTaskDefinitions(ctx, r)),
    ListTaskDefinitionFamilies: unary(ctx, 'ListTaskDefinitionFamilies', (r) => taskDefinitions.listTaskDefinitionFamilies(ctx, r)),

    RunTask: unary(ctx, 'RunTask', (r) => launch.runTask(ctx, r)),
    StartTask: unary(ctx, 'StartTask', (r) => launch.startTask(ctx, r)),
    ExplainPlacement: unary(ctx, 'ExplainPlacement', (r) => launch.explainPlacement(ctx, r)),
    StopTask: unary(ctx, 'StopTask', (r) => tasks.stopTask(ctx, r)),
    DescribeTasks: unary(ctx, 'DescribeTasks', (r) => tasks.describeTasks(ctx, r.cluster, r.tasks)),
    ListTasks: unary(ctx, 'ListTasks', (r) => tasks.listTasks(ctx, r)),

    ListContainerInstances: unary(ctx, 'ListContainerInstances', (r) => instances.listContainerInstances(ctx, r)),
    DescribeContainerInstances: unary(ctx, 'DescribeContainerInstances', (r) =>
      instances.describeContainerInstances(ctx, r.cluster, r.containerInstances, r.include),
    ),
    UpdateContainerInstancesState: unary(ctx, 'UpdateContainerInstancesState', (r) =>
      instances.updateContainerInstancesState(ctx, r.cluster, r.containerInstances, r.status),
    ),
    DeregisterContainerInstance: unary(ctx, 'DeregisterContainerInstance', (r) =>
      instances.deregisterContainerInstance(ctx, r.cluster, r.containerInstance, r.force ?? false),
    ),

    CreateService: unary(ctx, 'CreateService', (r) => services.createService(ctx, r)),
    UpdateService: unary(ctx, 'UpdateService', (r) => services.updateService(ctx, r)),
    DeleteService: unary(ctx, 'DeleteService', (r) => services.deleteService(ctx, r.cluster, r.service, r.force ?? false)),
    DescribeServices: unary(ctx, 'DescribeServices', (r) => services.describeServices(ctx, r.cluster, r.services, r.include)),
    ListServices: unary(ctx, 'ListServices', (r) => services.listServices(ctx, r)),

    PutAttributes: unary(ctx, 'PutAttributes', (r) => attributes.putAttributes(ctx, r.cluster, r.attributes)),
    DeleteAttributes: unary(ctx, 'DeleteAttributes', (r) => attributes.deleteAttributes(ctx, r.cluster, r.attributes)),
    ListAttributes: unary(ctx, 'ListAttributes', (r) => attributes.listAttributes(ctx, r)),

    GetLogs: serverStreaming(ctx, 'GetLogs', (r, out) => getLogs(ctx, agents, r, out)),

    ExecuteCommand: unary(ctx, 'ExecuteCommand', (r) => exec.executeCommand(r)),
    StartSession: bidiStreaming(ctx, 'StartSession', (peer) => exec.startSession(peer)),
    ListExecuteCommandSessions: unary(ctx, 'ListExecuteCommandSessions', (r) => exec.listExecuteCommandSessions(r)),
  };
}
