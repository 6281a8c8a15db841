// The agent's side of agent.proto as a narrow interface (tests use a fake), and its gRPC implementation,
// built from the one proto loader (proto/index.ts).
import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '../../../proto/index.js';
import type { AgentMessage } from '../../../proto/gen/ecs/v1/AgentMessage.js';
import type { ControlMessage__Output } from '../../../proto/gen/ecs/v1/ControlMessage.js';
import type { RegisterContainerInstanceRequest } from '../../../proto/gen/ecs/v1/RegisterContainerInstanceRequest.js';
import type { RegisterContainerInstanceResponse__Output } from '../../../proto/gen/ecs/v1/RegisterContainerInstanceResponse.js';
import type { AgentServiceClient } from '../../../proto/gen/ecs/v1/AgentService.js';

export interface ControlStream {
  send(msg: AgentMessage): void;
  /** Handlers; onClose is called exactly once, with the error if the stream failed. */
  onMessage(fn: (msg: ControlMessage__Output) => void): void;
  onClose(fn: (err?: Error) => void): void;
  /** Ends the stream from the agent's side (onClose follows). */
  close(): void;
}

export interface ControlPlaneTransport {
  register(req: RegisterContainerInstanceRequest, timeoutMs: number): Promise<RegisterContainerInstanceResponse__Output>;
  openSession(): ControlStream;
  close(): void;
}

export class GrpcTransport implements ControlPlaneTransport {
  private readonly client: AgentServiceClient;

  constructor(backendHost: string, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()) {
    const Client = loadProtos().agent.ecs.v1.AgentService;
    this.client = new Client(backendHost, credentials);
  }

  register(req: RegisterContainerInstanceRequest, timeoutMs: number): Promise<RegisterContainerInstanceResponse__Output> {
    return new Promise((resolve, reject) => {
      this.client.RegisterContainerInstance(req, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(err);
        else if (!res) reject(new Error('empty RegisterContainerInstance response'));
        else resolve(res);
      });
    });
  }

  openSession(): ControlStream {
    const call = this.client.Session();
    let closed = false;
    const closeHandlers: Array<(err?: Error) => void> = [];
    const finish = (err?: Error) => {
      if (closed) return;
      closed = true;
      for (const fn of closeHandlers) fn(err);
    };
    call.on('error', (err: Error) => finish(err));
    call.on('end', () => finish());
    call.on('close', () => finish());
    return {
      send: (msg) => {
        if (!closed) call.write(msg);
      },
      onMessage: (fn) => call.on('data', fn),
      onClose: (fn) => closeHandlers.push(fn),
      close: () => {
        call.cancel();
        finish(new Error('session closed by the agent'));
      },
    };
  }

  close(): void {
    this.client.close();
  }
}
