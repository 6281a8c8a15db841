// The gRPC server: the user API and the agent API on one port.
import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '../../../proto/index.js';
import type { AgentServiceHandlers } from '../../../proto/gen/ecs/v1/AgentService.js';
import type { Dispatcher } from '../dispatcher/dispatcher.js';
import { registerContainerInstance } from '../services/agents.js';
import type { Context } from '../services/context.js';
import type { ExecSessions } from '../services/exec-sessions.js';
import { controlPlaneHandlers } from './handlers.js';
import { unary } from './unary.js';

export function createServer(ctx: Context, dispatcher: Dispatcher, exec: ExecSessions): grpc.Server {
  const { cp, agent } = loadProtos();
  const server = new grpc.Server({
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  });
  server.addService(cp.ecs.v1.EcsControlPlane.service, controlPlaneHandlers(ctx, dispatcher, exec));
  const agentHandlers: AgentServiceHandlers = {
    RegisterContainerInstance: unary(ctx, 'RegisterContainerInstance', (r) => registerContainerInstance(ctx, r)),
    Session: (call) => dispatcher.handle(call),
    ServeLogs: (call) => dispatcher.serveLogs(call),
    ExecSession: (call) => dispatcher.execSession(call),
  };
  server.addService(agent.ecs.v1.AgentService.service, agentHandlers);
  return server;
}

/** Binds and resolves with the bound port (useful with port 0). */
export function listen(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}
