// Adapts a synchronous service function to a grpc-js unary handler; errors cross the boundary here,
// mapped once by the error catalogue.
import type * as grpc from '@grpc/grpc-js';
import { EcsError, toGrpcError } from '../domain/errors.js';
import type { Context } from '../services/context.js';

export function unary<Req, Res>(
  ctx: Context,
  operation: string,
  fn: (req: Req) => Res,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    try {
      callback(null, fn(call.request));
    } catch (err) {
      if (err instanceof EcsError) ctx.log.debug({ operation, code: err.code, message: err.message }, 'request refused');
      else ctx.log.error({ operation, err }, 'request failed');
      callback(toGrpcError(err));
    }
  };
}
