import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdentityMismatchError, IdentityStore, newInstanceId } from '../../../../agent/src/state/identity.js';
import { CheckpointStore } from '../../../../agent/src/state/checkpoints.js';
import { writeFileAtomic } from '../../../../agent/src/state/atomic-write.js';
import { seededRandom } from '../helpers/fake-clock.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ecs-state-'));

t.test('an instance id is i- and 17 hex characters', async (t) => {
  const r = seededRandom(1);
  for (let i = 0; i < 50; i++) t.match(newInstanceId(r), /^i-[0-9a-f]{17}$/);
});

t.test('the identity is created once and then kept', async (t) => {
  const dir = tmp();
  const first = new IdentityStore(dir).loadOrCreate('prod', seededRandom(1));
  const again = new IdentityStore(dir).loadOrCreate('prod', seededRandom(2));
  t.equal(again.instanceId, first.instanceId);
  new IdentityStore(dir).save({ ...first, containerInstanceArn: 'arn:ci' });
  t.equal(new IdentityStore(dir).loadOrCreate('prod', seededRandom(3)).containerInstanceArn, 'arn:ci');
});

t.test('a data dir of another cluster is refused', async (t) => {
  const dir = tmp();
  new IdentityStore(dir).loadOrCreate('prod', seededRandom(1));
  t.throws(() => new IdentityStore(dir).loadOrCreate('staging', seededRandom(1)), IdentityMismatchError);
});

t.test('atomic writes leave no temp files and replace the whole file', async (t) => {
  const dir = tmp();
  const file = join(dir, 'sub', 'x.json');
  writeFileAtomic(file, 'one');
  writeFileAtomic(file, 'two');
  t.equal(readFileSync(file, 'utf8'), 'two');
  t.same(readdirSync(join(dir, 'sub')), ['x.json']);
});

t.test('checkpoints round-trip; unreadable ones are moved aside', async (t) => {
  const dir = tmp();
  const store = new CheckpointStore<{ arn: string; n: number }>(dir);
  store.save('arn:aws:ecs:r:1:task/c/a', { arn: 'a', n: 1 });
  store.save('arn:aws:ecs:r:1:task/c/b', { arn: 'b', n: 2 });
  store.save('arn:aws:ecs:r:1:task/c/a', { arn: 'a', n: 3 });
  writeFileSync(join(store.dir, 'broken.json'), '{"version":1,');
  const loaded = new CheckpointStore<{ arn: string; n: number }>(dir).loadAll();
  t.same(loaded.values.sort((x, y) => x.arn.localeCompare(y.arn)), [{ arn: 'a', n: 3 }, { arn: 'b', n: 2 }]);
  t.equal(loaded.corrupt.length, 1);
  t.ok(readdirSync(store.dir).includes('broken.json.corrupt'));
  store.remove('arn:aws:ecs:r:1:task/c/a');
  t.same(store.loadAll().values, [{ arn: 'b', n: 2 }]);
});
