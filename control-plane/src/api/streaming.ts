// Adapts a streaming service to a grpc-js server-streaming handler. As with unary calls, errors cross
// the boundary here, mapped once by the error catalogue (the ECS exception name travels in the
// x-ecs-exception trailer): thrown while starting (validation) or reported later through fail().
import type * as grpc from '@grpc/grpc-js';
import { EcsError, toGrpcError } from '../domain/errors.js';
import type { Context } from '../services/context.js';

/** The response side of a server-streaming call, as a service writes it. */
export interface StreamSink<Res> {
  /** false: the client is behind; wait for onDrain before writing more. */
  write(res: Res): boolean;
  onDrain(fn: () => void): void;
  end(): void;
  fail(err: unknown): void;
}

export function serverStreaming<Req, Res>(
  ctx: Context,
  operation: string,
  start: (req: Req, out: StreamSink<Res>) => { cancel(): void },
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    let over = false;
    const fail = (err: unknown) => {
      if (over) return;
      over = true;
      if (err instanceof EcsError) ctx.log.debug({ operation, code: err.code, message: err.message }, 'request refused');
      else ctx.log.error({ operation, err }, 'request failed');
      call.emit('error', toGrpcError(err));
    };
    const sink: StreamSink<Res> = {
      write: (res) => (over ? true : call.write(res)),
      onDrain: (fn) => call.once('drain', fn),
      end: () => {
        if (over) return;
        over = true;
        call.end();
      },
      fail,
    };
    let handle: { cancel(): void };
    try {
      handle = start(call.request, sink);
    } catch (err) {
      fail(err);
      return;
    }
    call.on('cancelled', () => {
      over = true;
      handle.cancel();
    });
  };
}
