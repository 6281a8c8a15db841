// The error catalogue (after nodejs/undici lib/core/errors.js): one base class, one subclass per ECS
// exception name, and one function that maps them to a gRPC status at the server boundary.
import * as grpc from '@grpc/grpc-js';
import { EXCEPTION_METADATA_KEY } from '../../../proto/index.js';

export abstract class EcsError extends Error {
  /** ECS's exception name, as the AWS CLI prints it. */
  abstract readonly code: string;
  /** The gRPC status this exception travels as. */
  abstract readonly grpcStatus: grpc.status;
}

export class ClientException extends EcsError {
  readonly code = 'ClientException';
  readonly grpcStatus = grpc.status.INVALID_ARGUMENT;
}
export class InvalidParameterException extends EcsError {
  readonly code = 'InvalidParameterException';
  readonly grpcStatus = grpc.status.INVALID_ARGUMENT;
}
export class ServerException extends EcsError {
  readonly code = 'ServerException';
  readonly grpcStatus = grpc.status.INTERNAL;
}
export class ClusterNotFoundException extends EcsError {
  readonly code = 'ClusterNotFoundException';
  readonly grpcStatus = grpc.status.NOT_FOUND;
  constructor(message = 'Cluster not found.') { super(message); }
}
export class ClusterContainsContainerInstancesException extends EcsError {
  readonly code = 'ClusterContainsContainerInstancesException';
  readonly grpcStatus = grpc.status.FAILED_PRECONDITION;
  constructor(message = 'The Cluster cannot be deleted while Container Instances are active or draining.') { super(message); }
}
export class ClusterContainsServicesException extends EcsError {
  readonly code = 'ClusterContainsServicesException';
  readonly grpcStatus = grpc.status.FAILED_PRECONDITION;
  constructor(message = 'The Cluster cannot be deleted while Services are active.') { super(message); }
}
export class ClusterContainsTasksException extends EcsError {
  readonly code = 'ClusterContainsTasksException';
  readonly grpcStatus = grpc.status.FAILED_PRECONDITION;
  constructor(message = 'The Cluster cannot be deleted while Tasks are active.') { super(message); }
}
export class ServiceNotFoundException extends EcsError {
  readonly code = 'ServiceNotFoundException';
  readonly grpcStatus = grpc.status.NOT_FOUND;
  constructor(message = 'Service not found.') { super(message); }
}
export class ServiceNotActiveException extends EcsError {
  readonly code = 'ServiceNotActiveException';
  readonly grpcStatus = grpc.status.FAILED_PRECONDITION;
  constructor(message = 'Service was not ACTIVE.') { super(message); }
}
export class ResourceNotFoundException extends EcsError {
  readonly code = 'ResourceNotFoundException';
  readonly grpcStatus = grpc.status.NOT_FOUND;
}
export class ResourceInUseException extends EcsError {
  readonly code = 'ResourceInUseException';
  readonly grpcStatus = grpc.status.FAILED_PRECONDITION;
}
export class LimitExceededException extends EcsError {
  readonly code = 'LimitExceededException';
  readonly grpcStatus = grpc.status.RESOURCE_EXHAUSTED;
}
export class AttributeLimitExceededException extends EcsError {
  readonly code = 'AttributeLimitExceededException';
  readonly grpcStatus = grpc.status.RESOURCE_EXHAUSTED;
}
export class TargetNotFoundException extends EcsError {
  readonly code = 'TargetNotFoundException';
  readonly grpcStatus = grpc.status.NOT_FOUND;
}
export class TargetNotConnectedException extends EcsError {
  readonly code = 'TargetNotConnectedException';
  readonly grpcStatus = grpc.status.UNAVAILABLE;
}
export class AccessDeniedException extends EcsError {
  readonly code = 'AccessDeniedException';
  readonly grpcStatus = grpc.status.PERMISSION_DENIED;
}
export class UnsupportedFeatureException extends EcsError {
  readonly code = 'UnsupportedFeatureException';
  readonly grpcStatus = grpc.status.UNIMPLEMENTED;
}

/** A gRPC error as the server sends it: message + exception name in trailing metadata. */
export interface GrpcServiceError {
  code: grpc.status;
  details: string;
  metadata: grpc.Metadata;
}

/** Maps any thrown value to the gRPC error sent to the caller. Unknown errors become ServerException. */
export function toGrpcError(err: unknown): GrpcServiceError {
  const e = err instanceof EcsError ? err : new ServerException(err instanceof Error ? err.message : String(err));
  const metadata = new grpc.Metadata();
  metadata.set(EXCEPTION_METADATA_KEY, e.code);
  return { code: e.grpcStatus, details: e.message, metadata };
}
