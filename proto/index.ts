// The one place that loads the .proto files. Every program (control plane, agent, ecsctl) gets its
// gRPC service definitions and clients from here, with types generated into proto/gen/.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as ControlPlaneProto } from './gen/control_plane.js';
import type { ProtoGrpcType as AgentProto } from './gen/agent.js';

/** proto-loader options: these make the decoded objects ECS's JSON shapes (see types.proto). */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  oneofs: false,
};

/** The proto/ directory, whether running from source (proto/) or compiled (dist/proto/). */
export function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'proto', 'ecs', 'v1', 'types.proto'))) return join(dir, 'proto');
    if (existsSync(join(dir, 'ecs', 'v1', 'types.proto'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the proto/ directory');
}

let cached: { cp: ControlPlaneProto; agent: AgentProto; packageDefinition: protoLoader.PackageDefinition } | undefined;

export function loadProtos(): { cp: ControlPlaneProto; agent: AgentProto; packageDefinition: protoLoader.PackageDefinition } {
  if (cached) return cached;
  const dir = protoDir();
  const packageDefinition = protoLoader.loadSync(['ecs/v1/control_plane.proto', 'ecs/v1/agent.proto'], {
    ...LOADER_OPTIONS,
    includeDirs: [dir],
  });
  const loaded = grpc.loadPackageDefinition(packageDefinition);
  cached = { cp: loaded as unknown as ControlPlaneProto, agent: loaded as unknown as AgentProto, packageDefinition };
  return cached;
}

/** Trailing-metadata key that carries ECS's exception name on an error status. */
export const EXCEPTION_METADATA_KEY = 'x-ecs-exception';

export type { ControlPlaneProto, AgentProto };
