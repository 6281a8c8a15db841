// Generates TypeScript types for every proto under proto/ into proto/gen/ (not committed).
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = join(root, 'proto');
const outDir = join(protoDir, 'gen');
const files = readdirSync(join(protoDir, 'ecs', 'v1')).filter((f) => f.endsWith('.proto')).map((f) => `ecs/v1/${f}`);
rmSync(outDir, { recursive: true, force: true });
// The file names come first: --includeDirs is an array option and would swallow them.
execFileSync(process.execPath, [
  join(root, 'node_modules', '@grpc', 'proto-loader', 'build', 'bin', 'proto-loader-gen-types.js'),
  ...files,
  '--longs=Number', '--enums=String', '--defaults', '--arrays', '--grpcLib=@grpc/grpc-js',
  '--importFileExtension=.js', '--outDir', outDir, '--includeDirs', protoDir,
], { stdio: 'inherit' });
