// Adapts a bidirectional-streaming service to a grpc-js handler (StartSession). As with unary and
// server-streaming calls, errors cross the boundary here, mapped once by the error catalogue (the ECS
// exception name travels in the x-ecs-exception trailer): thrown while handling a message, or reported
// later through fail().
import type * as grpc from '@grpc/grpc-js';
import { EcsError, toGrpcError } from '../domain/errors.js';
import type { Context } from '../services/context.js';

/** The response side of a bidirectional call, as a service writes it, and the pause of its request side. */
export interface DuplexPeer<Res> {
  /** false: the client is behind; wait for onDrain before writing more. */
  write(res: Res): boolean;
  onDrain(fn: () => void): void;
  pause(): void;
  resume(): void;
  end(): void;
  fail(err: unknown): void;
}

/** The request side's events, as a service handles them. */
export interface DuplexHandlers<Req> {
  /** May throw ECS exceptions: the call fails with them. */
  message(req: Req): void;
  /** The client half-closed. */
  end(): void;
  /** The client cancelled, or the call broke. */
  cancel(): void;
}

export function bidiStreaming<Req, Res>(
  ctx: Context,
  operation: string,
  start: (peer: DuplexPeer<Res>) => DuplexHandlers<Req>,
): grpc.handleBidiStreamingCall<Req, Res> {
  return (call) => {
    let over = false;
    let handlers: DuplexHandlers<Req> | undefined;
    const fail = (err: unknown) => {
      if (over) return;
      over = true;
      if (err instanceof EcsError) ctx.log.debug({ operation, code: err.code, message: err.message }, 'request refused');
      else ctx.log.error({ operation, err }, 'request failed');
      call.emit('error', toGrpcError(err));
    };
    const peer: DuplexPeer<Res> = {
      write: (res) => (over ? true : call.write(res)),
      onDrain: (fn) => call.once('drain', fn),
      pause: () => call.pause(),
      resume: () => call.resume(),
      end: () => {
        if (over) return;
        over = true;
        call.end();
      },
      fail,
    };
    try {
      handlers = start(peer);
    } catch (err) {
      fail(err);
      return;
    }
    call.on('data', (req: Req) => {
      if (over) return;
      try {
        handlers!.message(req);
      } catch (err) {
        fail(err);
        handlers!.cancel();
      }
    });
    call.on('end', () => {
      if (!over) handlers!.end();
    });
    const gone = () => {
      over = true;
      handlers!.cancel();
    };
    call.on('cancelled', gone);
    call.on('error', () => {
      if (!over) gone();
    });
  };
}
