// The thin gRPC shell: one EcsControlPlane client per run, a connect phase bounded by
// --cli-connect-timeout, each call bounded by --cli-read-timeout, and gRPC failures turned into the
// AWS CLI's errors (the ECS exception name travels in the `x-ecs-exception` trailing metadata).
import * as grpc from '@grpc/grpc-js';
import { EXCEPTION_METADATA_KEY, loadProtos } from '../../../proto/index.js';
import { ConnectError, ReadTimeoutError, ServiceError, type CliError } from '../errors.js';

export interface Timeouts {
  /** 0 = wait forever. */
  readonly connectMs: number;
  readonly readMs: number;
}

/** A server-streaming call in progress. */
export interface ResponseStream {
  /** Settles when the stream is over: resolves at its end (or after cancel()), rejects with a CliError. */
  readonly done: Promise<void>;
  /** Stops taking responses (flow control reaches the server); resume() takes them again. */
  pause(): void;
  resume(): void;
  cancel(): void;
}

/** A bidirectional-streaming call in progress (StartSession). */
export interface DuplexStream extends ResponseStream {
  /**
   * Sends one message. false: the call's send buffer is full; write more after onceDrain's callback
   * (messages written meanwhile are still sent, in order). Messages written before the call is set up
   * are queued and sent first; messages written after the call ended are dropped.
   */
  write(message: Record<string, unknown>): boolean;
  /** fn runs once, when the send buffer has room again (at once if it has room now). */
  onceDrain(fn: () => void): void;
  /** Half-closes the call: no more messages from us (responses still arrive until the server ends). */
  end(): void;
}

export interface Transport {
  call(rpc: string, request: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** A server-streaming RPC: onMessage gets each response as it arrives (no read timeout applies). */
  stream?(rpc: string, request: Record<string, unknown>, onMessage: (res: Record<string, unknown>) => void): ResponseStream;
  /** A bidirectional-streaming RPC (no read timeout applies); `done` rejects with a CliError. */
  duplex?(rpc: string, onMessage: (res: Record<string, unknown>) => void): DuplexStream;
  close(): void;
}

export type TransportFactory = (endpoint: string, timeouts: Timeouts) => Transport;

type StreamingMethod = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;

type DuplexMethod = (metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientDuplexStream<unknown, unknown>;

type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, response?: unknown) => void,
) => grpc.ClientUnaryCall;

export const grpcTransport: TransportFactory = (endpoint, timeouts) => {
  const Client = loadProtos().cp.ecs.v1.EcsControlPlane;
  // A 1 MiB receive window instead of HTTP/2's 64 KiB: streamed logs and exec output are not held to
  // one window per round trip on a distant control plane.
  const client = new Client(endpoint, grpc.credentials.createInsecure(), { 'grpc-node.flow_control_window': 1 << 20 });
  let connected: Promise<void> | undefined;
  return {
    async call(rpc, request) {
      connected ??= waitConnected(client, endpoint, timeouts.connectMs);
      await connected;
      const method = (client as unknown as Record<string, UnaryMethod>)[rpc];
      if (typeof method !== 'function') throw new Error(`EcsControlPlane has no method ${rpc}`);
      const options: grpc.CallOptions = timeouts.readMs > 0 ? { deadline: Date.now() + timeouts.readMs } : {};
      return new Promise((resolve, reject) => {
        method.call(client, request, new grpc.Metadata(), options, (err, response) => {
          if (err) reject(toCliError(err, rpc, endpoint));
          else resolve((response ?? {}) as Record<string, unknown>);
        });
      });
    },
    stream(rpc, request, onMessage) {
      let call: grpc.ClientReadableStream<unknown> | undefined;
      let cancelled = false;
      let paused = false;
      const done = (async () => {
        connected ??= waitConnected(client, endpoint, timeouts.connectMs);
        await connected;
        if (cancelled) return;
        const method = (client as unknown as Record<string, StreamingMethod>)[rpc];
        if (typeof method !== 'function') throw new Error(`EcsControlPlane has no method ${rpc}`);
        const c = method.call(client, request, new grpc.Metadata(), {});
        call = c;
        if (paused) c.pause();
        await new Promise<void>((resolve, reject) => {
          c.on('data', (res: unknown) => onMessage((res ?? {}) as Record<string, unknown>));
          c.on('end', () => resolve());
          c.on('error', (err: grpc.ServiceError) => {
            if (cancelled && err.code === grpc.status.CANCELLED) resolve();
            else reject(toCliError(err, rpc, endpoint));
          });
        });
      })();
      return {
        done,
        pause() {
          paused = true;
          call?.pause();
        },
        resume() {
          paused = false;
          call?.resume();
        },
        cancel() {
          cancelled = true;
          call?.cancel();
        },
      };
    },
    duplex(rpc, onMessage) {
      let call: grpc.ClientDuplexStream<unknown, unknown> | undefined;
      let cancelled = false;
      let paused = false;
      let ended = false;
      let over = false;
      const queue: Record<string, unknown>[] = [];
      let drainWaiters: (() => void)[] = [];
      let full = false;
      const drained = (): void => {
        full = false;
        const fns = drainWaiters;
        drainWaiters = [];
        for (const fn of fns) fn();
      };
      const send = (c: grpc.ClientDuplexStream<unknown, unknown>, message: Record<string, unknown>): boolean => {
        const ok = c.write(message);
        if (!ok && !full) {
          full = true;
          c.once('drain', drained);
        }
        return ok;
      };
      const done = (async () => {
        connected ??= waitConnected(client, endpoint, timeouts.connectMs);
        await connected;
        if (cancelled) return;
        const method = (client as unknown as Record<string, DuplexMethod>)[rpc];
        if (typeof method !== 'function') throw new Error(`EcsControlPlane has no method ${rpc}`);
        const c = method.call(client, new grpc.Metadata(), {});
        call = c;
        if (paused) c.pause();
        for (const m of queue.splice(0)) send(c, m);
        if (!full) drained();
        if (ended) c.end();
        await new Promise<void>((resolve, reject) => {
          c.on('data', (res: unknown) => onMessage((res ?? {}) as Record<string, unknown>));
          c.on('end', () => resolve());
          c.on('error', (err: grpc.ServiceError) => {
            if (cancelled && err.code === grpc.status.CANCELLED) resolve();
            else reject(toCliError(err, rpc, endpoint));
          });
        });
      })().finally(() => {
        over = true;
      });
      return {
        done,
        write(message) {
          if (over || ended || cancelled) return true;
          if (!call) {
            queue.push(message);
            return true;
          }
          return send(call, message);
        },
        onceDrain(fn) {
          if (!full && call) fn();
          else drainWaiters.push(fn);
        },
        end() {
          if (ended) return;
          ended = true;
          if (call && !over) call.end();
        },
        pause() {
          paused = true;
          call?.pause();
        },
        resume() {
          paused = false;
          call?.resume();
        },
        cancel() {
          cancelled = true;
          call?.cancel();
        },
      };
    },
    close() {
      client.close();
    },
  };
};

/** Resolves once the channel is READY; fails fast on a refused connection, or at the connect timeout. */
function waitConnected(client: grpc.Client, endpoint: string, timeoutMs: number): Promise<void> {
  const channel = client.getChannel();
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const state = channel.getConnectivityState(true);
      if (state === grpc.connectivityState.READY) return resolve();
      if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) {
        return reject(new ConnectError(endpoint));
      }
      channel.watchConnectivityState(state, deadline, (err) => (err ? reject(new ConnectError(endpoint)) : check()));
    };
    check();
  });
}

/** ECS exception names for statuses that arrive without one (e.g. from a proxy or an older server). */
const FALLBACK_EXCEPTIONS: Partial<Record<grpc.status, string>> = {
  [grpc.status.INVALID_ARGUMENT]: 'InvalidParameterException',
  [grpc.status.NOT_FOUND]: 'ResourceNotFoundException',
  [grpc.status.PERMISSION_DENIED]: 'AccessDeniedException',
  [grpc.status.UNAUTHENTICATED]: 'AccessDeniedException',
  [grpc.status.UNIMPLEMENTED]: 'UnknownOperationException',
  [grpc.status.RESOURCE_EXHAUSTED]: 'LimitExceededException',
  [grpc.status.FAILED_PRECONDITION]: 'ClientException',
};

export function toCliError(err: grpc.ServiceError, rpc: string, endpoint: string): CliError {
  const exception = err.metadata?.get(EXCEPTION_METADATA_KEY)[0];
  if (exception !== undefined) return new ServiceError(String(exception), rpc, err.details);
  if (err.code === grpc.status.UNAVAILABLE) return new ConnectError(endpoint);
  if (err.code === grpc.status.DEADLINE_EXCEEDED) return new ReadTimeoutError(endpoint);
  return new ServiceError(FALLBACK_EXCEPTIONS[err.code] ?? 'ServerException', rpc, err.details);
}
