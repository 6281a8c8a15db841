// The agent's side of agent.proto as a narrow interface (tests use a fake), and its gRPC implementation,
// built from the one proto loader (proto/index.ts).
import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '../../../proto/index.js';
import type { AgentMessage } from '../../../proto/gen/ecs/v1/AgentMessage.js';
import type { ControlMessage__Output } from '../../../proto/gen/ecs/v1/ControlMessage.js';
import type { RegisterContainerInstanceRequest } from '../../../proto/gen/ecs/v1/RegisterContainerInstanceRequest.js';
import type { RegisterContainerInstanceResponse__Output } from '../../../proto/gen/ecs/v1/RegisterContainerInstanceResponse.js';
import type { AgentServiceClient } from '../../../proto/gen/ecs/v1/AgentService.js';
import type { AgentLogsMessage } from '../../../proto/gen/ecs/v1/AgentLogsMessage.js';
import type { AgentExecMessage } from '../../../proto/gen/ecs/v1/AgentExecMessage.js';
import type { ExecControl__Output } from '../../../proto/gen/ecs/v1/ExecControl.js';

export interface ControlStream {
  send(msg: AgentMessage): void;
  /** Handlers; onClose is called exactly once, with the error if the stream failed. */
  onMessage(fn: (msg: ControlMessage__Output) => void): void;
  onClose(fn: (err?: Error) => void): void;
  /** Ends the stream from the agent's side (onClose follows). */
  close(): void;
}

/**
 * The agent's end of one ServeLogs call (agent.proto, 4): the agent only writes; the control plane ends
 * or cancels the call to stop it.
 */
export interface LogsCall {
  /** false: the call's buffer is full; wait for onDrain before writing more. */
  write(msg: AgentLogsMessage): boolean;
  /** Calls fn once, at the next drain. */
  onDrain(fn: () => void): void;
  /** Half-closes: the request is satisfied. */
  end(): void;
  /** Abandons the call (the agent is shutting down). */
  cancel(): void;
  /** Called once when the call is over: ended or cancelled by the control plane, broken, or done. */
  onClose(fn: (err?: Error) => void): void;
}

/**
 * The agent's end of one ExecSession call (agent.proto, 5): the agent writes the session's output and its
 * exit; the control plane sends stdin, resize, stdin_eof and terminate, and ends or cancels the call when the
 * client is gone.
 */
export interface ExecCall {
  /** false: the call's buffer is full; wait for onDrain before writing more. */
  write(msg: AgentExecMessage): boolean;
  /** Calls fn once, at the next drain. */
  onDrain(fn: () => void): void;
  /** The control plane's messages (set once, right after opening). */
  onMessage(fn: (msg: ExecControl__Output) => void): void;
  /** Flow control of the control plane's messages (stdin the command cannot take yet). */
  pause(): void;
  resume(): void;
  /** Half-closes: the session is over (after its exit). */
  end(): void;
  /** Abandons the call. */
  cancel(): void;
  /** Called once when the call is over: ended or cancelled by the control plane, broken, or done. */
  onClose(fn: (err?: Error) => void): void;
}

export interface ControlPlaneTransport {
  register(req: RegisterContainerInstanceRequest, timeoutMs: number): Promise<RegisterContainerInstanceResponse__Output>;
  openSession(): ControlStream;
  /** Dials a ServeLogs call back to the control plane (absent: this transport cannot serve logs). */
  openLogs?(): LogsCall;
  /** Dials an ExecSession call back to the control plane (absent: this transport cannot run commands). */
  openExec?(): ExecCall;
  close(): void;
}

export class GrpcTransport implements ControlPlaneTransport {
  private readonly client: AgentServiceClient;

  constructor(backendHost: string, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()) {
    const Client = loadProtos().agent.ecs.v1.AgentService;
    // A 1 MiB receive window instead of HTTP/2's 64 KiB, for exec input on a distant control plane.
    this.client = new Client(backendHost, credentials, { 'grpc-node.flow_control_window': 1 << 20 });
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
    const life = onceClosed(call);
    return {
      send: (msg) => {
        if (!life.closed) call.write(msg);
      },
      onMessage: (fn) => call.on('data', fn),
      onClose: (fn) => life.handlers.push(fn),
      close: () => {
        call.cancel();
        life.finish(new Error('session closed by the agent'));
      },
    };
  }

  openLogs(): LogsCall {
    const call = this.client.ServeLogs();
    call.on('data', () => {}); // the control plane sends nothing; reading lets its end arrive
    const life = onceClosed(call);
    return {
      write: (msg) => (life.closed ? true : call.write(msg)),
      onDrain: (fn) => call.once('drain', fn),
      end: () => {
        if (!life.closed) call.end();
      },
      cancel: () => {
        call.cancel();
        life.finish(new Error('logs call cancelled by the agent'));
      },
      onClose: (fn) => life.handlers.push(fn),
    };
  }

  openExec(): ExecCall {
    const call = this.client.ExecSession();
    const life = onceClosed(call);
    return {
      write: (msg) => (life.closed ? true : call.write(msg)),
      onDrain: (fn) => call.once('drain', fn),
      onMessage: (fn) => call.on('data', fn),
      pause: () => call.pause(),
      resume: () => call.resume(),
      end: () => {
        if (!life.closed) call.end();
      },
      cancel: () => {
        call.cancel();
        life.finish(new Error('exec call cancelled by the agent'));
      },
      onClose: (fn) => life.handlers.push(fn),
    };
  }

  close(): void {
    this.client.close();
  }
}

/** A stream's end (error, end or close), reported once to every handler. */
function onceClosed(call: NodeJS.EventEmitter): { readonly closed: boolean; handlers: Array<(err?: Error) => void>; finish(err?: Error): void } {
  const life = {
    closed: false,
    handlers: [] as Array<(err?: Error) => void>,
    finish(err?: Error) {
      if (life.closed) return;
      life.closed = true;
      for (const fn of life.handlers) fn(err);
    },
  };
  call.on('error', (err: Error) => life.finish(err));
  call.on('end', () => life.finish());
  call.on('close', () => life.finish());
  return life;
}
