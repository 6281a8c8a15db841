// npm run bench -- <name> [args]: runs bench/<name>.ts. Each benchmark measures against a baseline in
// the same run and prints its figures as one JSON object on its last line.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const name = process.argv[2];
const available = readdirSync(import.meta.dirname).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_')).map((f) => f.slice(0, -3));
if (!name || !existsSync(join(import.meta.dirname, `${name}.ts`))) {
  process.stderr.write(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}\n`);
  process.exit(2);
}
const mod = await import(pathToFileURL(join(import.meta.dirname, `${name}.ts`)).href);
await mod.main(process.argv.slice(3));
