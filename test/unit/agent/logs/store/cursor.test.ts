import t from 'tap';
import { readdirSync, writeFileSync } from 'node:fs';
import { cursorPath, loadCursor, saveCursor } from '../../../../../agent/src/logs/store/cursor.js';
import { tmp } from './store-fixtures.js';

t.test('a saved cursor loads back, per output', async (t) => {
  const dir = tmp();
  t.equal(loadCursor(dir, 'forward'), undefined, 'absent');
  saveCursor(dir, 'forward', { segment: 3, offset: 1234 });
  saveCursor(dir, 'http', { segment: 1, offset: 0 });
  t.same(loadCursor(dir, 'forward'), { segment: 3, offset: 1234 });
  t.same(loadCursor(dir, 'http'), { segment: 1, offset: 0 });
  saveCursor(dir, 'forward', { segment: 4, offset: 99 });
  t.same(loadCursor(dir, 'forward'), { segment: 4, offset: 99 });
  t.same(readdirSync(dir).sort(), ['cursor-forward.json', 'cursor-http.json'], 'no temp files left');
});

t.test('a corrupt cursor loads as absent', async (t) => {
  const dir = tmp();
  for (const bad of ['', '{', 'null', '[]', '{"segment":"1","offset":0}', '{"segment":1}', '{"segment":0,"offset":0}', '{"segment":1,"offset":-1}', '{"segment":1.5,"offset":0}']) {
    writeFileSync(cursorPath(dir, 'out'), bad);
    t.equal(loadCursor(dir, 'out'), undefined, JSON.stringify(bad));
  }
});

t.test('any output name maps to one file in the store directory', async (t) => {
  const dir = tmp();
  saveCursor(dir, 'http/../../x y', { segment: 2, offset: 5 });
  t.same(loadCursor(dir, 'http/../../x y'), { segment: 2, offset: 5 });
  t.same(readdirSync(dir), ['cursor-http%2F..%2F..%2Fx%20y.json']);
});
