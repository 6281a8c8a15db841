// The agent's identity in ECS_DATADIR/identity.json: a stable instance id (i- + 17 hex, generated on the
// first start) and the container instance ARN the control plane returned, so that a restarted agent stays
// the same container instance. Like ecs-agent, an agent refuses to start when the data dir belongs to
// another cluster.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomHex, type Random } from '../util/clock.js';
import { writeFileAtomic } from './atomic-write.js';

export interface Identity {
  cluster: string;
  instanceId: string;
  containerInstanceArn?: string;
  clusterArn?: string;
}

export class IdentityMismatchError extends Error {
  constructor(saved: string, configured: string, file: string) {
    super(
      `data mismatch: the saved cluster "${saved}" does not match the configured cluster "${configured}"; ` +
        `delete ${file} (and the task checkpoints beside it) to register this host in another cluster`,
    );
    this.name = 'IdentityMismatchError';
  }
}

export function newInstanceId(random: Random): string {
  return `i-${randomHex(random, 17)}`;
}

export class IdentityStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'identity.json');
  }

  load(): Identity | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const id = JSON.parse(text) as Identity;
    if (typeof id.instanceId !== 'string' || typeof id.cluster !== 'string') throw new Error(`${this.file} is not an agent identity`);
    return id;
  }

  save(id: Identity): void {
    writeFileAtomic(this.file, JSON.stringify(id, null, 2) + '\n');
  }

  /** The saved identity for `cluster`, or a new one (saved at once, so the instance id is stable). */
  loadOrCreate(cluster: string, random: Random): Identity {
    const saved = this.load();
    if (saved) {
      if (saved.cluster !== cluster) throw new IdentityMismatchError(saved.cluster, cluster, this.file);
      return saved;
    }
    const fresh: Identity = { cluster, instanceId: newInstanceId(random) };
    this.save(fresh);
    return fresh;
  }
}
