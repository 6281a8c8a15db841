// A writer in its own process, for the reader race test: argv = dir count maxSizeBytes maxFiles compress.
import { StoreWriter } from '../../../../../agent/src/logs/store/writer.js';
import type { LogRecord } from '../../../../../agent/src/logs/types.js';
import { seededRandom } from '../../helpers/fake-clock.js';
import { meta, rec } from './store-fixtures.js';

async function main(): Promise<void> {
  const [dir, count, maxSizeBytes, maxFiles, compress] = process.argv.slice(2);
  const w = await StoreWriter.open(dir, meta, { maxSizeBytes: Number(maxSizeBytes), maxFiles: Number(maxFiles), compress: compress === 'true' });
  const rnd = seededRandom(11);
  const total = Number(count);
  for (let i = 0; i < total; ) {
    const n = 1 + Math.floor(rnd() * 50);
    const batch: LogRecord[] = [];
    for (let k = 0; k < n && i < total; k++, i++) batch.push(rec(i, 10 + Math.floor(rnd() * 300)));
    await w.append(batch);
  }
  await w.close();
}

void main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
