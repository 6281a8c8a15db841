// One JSON checkpoint per task in ECS_DATADIR/tasks/, each written atomically. A file that cannot be
// read back is moved aside (…json.corrupt) rather than deleted, and reported to the caller.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

const VERSION = 1;

interface Envelope<T> {
  version: number;
  key: string;
  value: T;
}

export interface LoadedCheckpoints<T> {
  values: T[];
  corrupt: string[];
}

export class CheckpointStore<T> {
  readonly dir: string;

  constructor(dataDir: string, sub = 'tasks') {
    this.dir = join(dataDir, sub);
    mkdirSync(this.dir, { recursive: true });
  }

  private pathOf(key: string): string {
    return join(this.dir, `${encodeURIComponent(key)}.json`);
  }

  save(key: string, value: T): void {
    const env: Envelope<T> = { version: VERSION, key, value };
    writeFileAtomic(this.pathOf(key), JSON.stringify(env));
  }

  remove(key: string): void {
    rmSync(this.pathOf(key), { force: true });
  }

  loadAll(): LoadedCheckpoints<T> {
    const out: LoadedCheckpoints<T> = { values: [], corrupt: [] };
    for (const f of readdirSync(this.dir)) {
      if (!f.endsWith('.json') || f.startsWith('.')) continue;
      const path = join(this.dir, f);
      try {
        const env = JSON.parse(readFileSync(path, 'utf8')) as Envelope<T>;
        if (env.version !== VERSION || typeof env.key !== 'string') throw new Error('unknown checkpoint format');
        out.values.push(env.value);
      } catch {
        renameSync(path, `${path}.corrupt`);
        out.corrupt.push(path);
      }
    }
    return out;
  }
}
