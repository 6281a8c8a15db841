// botocore-like shapes built by protobufjs reflection of the same .proto files the gRPC client uses:
// the request and response messages become structure / list / map / scalar shapes, which drive
// shorthand coercion, parameter validation, --generate-cli-skeleton, help, and output float detection.
import protobuf from 'protobufjs';
import { isAbsolute, join } from 'node:path';
import { protoDir } from '../../../proto/index.js';

export type ScalarType = 'string' | 'integer' | 'long' | 'double' | 'boolean' | 'blob';

export interface ScalarShape {
  readonly type: ScalarType;
}
export interface ListShape {
  readonly type: 'list';
  readonly member: Shape;
}
export interface MapShape {
  readonly type: 'map';
  readonly key: ScalarShape;
  readonly value: Shape;
}
export interface StructureShape {
  readonly type: 'structure';
  readonly name: string;
  /** Members in .proto field order (camelCase names, as the JSON/ECS shapes spell them). */
  readonly members: Map<string, Shape>;
  /** Members that must be present (only set on top-level requests, from the command table). */
  readonly required: readonly string[];
}
export type Shape = ScalarShape | ListShape | MapShape | StructureShape;

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

const SCALARS: Record<string, ScalarType> = {
  string: 'string',
  bytes: 'blob',
  bool: 'boolean',
  double: 'double',
  float: 'double',
  int32: 'integer',
  sint32: 'integer',
  sfixed32: 'integer',
  uint32: 'integer',
  fixed32: 'integer',
  int64: 'long',
  sint64: 'long',
  sfixed64: 'long',
  uint64: 'long',
  fixed64: 'long',
};

export function isScalar(shape: Shape): shape is ScalarShape {
  return shape.type !== 'list' && shape.type !== 'map' && shape.type !== 'structure';
}

/** Shapes of one proto package, built lazily and cached (recursive messages are fine). */
export class ShapeRegistry {
  private readonly cache = new Map<string, StructureShape>();

  constructor(private readonly root: protobuf.Root, private readonly pkg: string) {}

  /** The shape of `Name` in the package (e.g. "RunTaskRequest"). */
  structure(messageName: string): StructureShape {
    const full = messageName.includes('.') ? messageName : `${this.pkg}.${messageName}`;
    return this.fromType(this.root.lookupType(full));
  }

  /** Method names of a service, in declaration order. */
  methods(serviceName: string): string[] {
    return Object.keys(this.root.lookupService(`${this.pkg}.${serviceName}`).methods);
  }

  /** The methods of a service whose responses are a stream. */
  streamingMethods(serviceName: string): string[] {
    const methods = this.root.lookupService(`${this.pkg}.${serviceName}`).methods;
    return Object.keys(methods).filter((m) => methods[m]!.responseStream === true);
  }

  private fromType(type: protobuf.Type): StructureShape {
    const hit = this.cache.get(type.fullName);
    if (hit) return hit;
    const members = new Map<string, Shape>();
    const shape: StructureShape = { type: 'structure', name: type.name, members, required: [] };
    this.cache.set(type.fullName, shape);
    for (const field of type.fieldsArray) members.set(field.name, this.fromField(field));
    return shape;
  }

  private fromField(field: protobuf.Field): Shape {
    const value = this.valueShape(field);
    if (field instanceof protobuf.MapField) {
      return { type: 'map', key: { type: SCALARS[field.keyType] ?? 'string' }, value };
    }
    return field.repeated ? { type: 'list', member: value } : value;
  }

  private valueShape(field: protobuf.Field): Shape {
    const scalar = SCALARS[field.type];
    if (scalar) return { type: scalar };
    const resolved = field.resolve().resolvedType;
    if (resolved instanceof protobuf.Type) return this.fromType(resolved);
    return { type: 'string' }; // enums travel as their names (enums: String)
  }
}

let registry: ShapeRegistry | undefined;

/** The ecs.v1 shapes, loaded once from protoDir() (the same files loadProtos() reads). */
export function ecsShapes(): ShapeRegistry {
  if (registry) return registry;
  const dir = protoDir();
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) => (isAbsolute(target) ? target : join(dir, target));
  root.loadSync('ecs/v1/control_plane.proto', { keepCase: false });
  root.resolveAll();
  registry = new ShapeRegistry(root, 'ecs.v1');
  return registry;
}

/** A copy of a structure shape with its required members set (the shape objects are shared). */
export function withRequired(shape: StructureShape, required: readonly string[]): StructureShape {
  return { ...shape, required };
}
