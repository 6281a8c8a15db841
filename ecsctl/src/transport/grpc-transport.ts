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

export interface Transport {
  call(rpc: string, request: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** A server-streaming RPC: onMessage gets each response as it arrives (no read timeout applies). */
  stream?(rpc: string, request: Record<string, unknown>, onMessage: (res: Record<string, unknown>) => void): ResponseStream;
  close(): void;
}

export type TransportFactory = (endpoint: string, timeouts: Timeouts) => Transport;

type StreamingMethod = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;

type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, response?: unknown) => void,
) => grpc.ClientUnaryCall;

export const grpcTransport: TransportFactory = (endpoint, timeouts) => {
  const Client = loadProtos().cp.ecs.v1.EcsControlPlane;
  const client = new Client(endpoint, grpc.credentials.createInsecure());
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
