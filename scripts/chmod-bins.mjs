// Marks the compiled entry points named in package.json "bin" executable. tsc writes them 0644, and
// `npx ecsctl` in this repository runs the file itself (through its #!/usr/bin/env node line).
import { chmodSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
for (const file of Object.values(pkg.bin)) chmodSync(new URL(`../${file}`, import.meta.url), 0o755);
