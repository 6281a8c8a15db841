import t from 'tap';
import { compileFilter } from '../../../../agent/src/logs/filter.js';

t.test('no include and no exclude: no filter at all', async (t) => {
  t.equal(compileFilter({}), undefined);
  t.equal(compileFilter({ include: undefined, exclude: undefined }), undefined);
});

t.test('include keeps what matches; exclude drops what matches; both: include and not exclude', async (t) => {
  const table: Array<{ include?: string; exclude?: string; log: string; keep: boolean }> = [
    { include: 'ERROR', log: 'ERROR disk full', keep: true },
    { include: 'ERROR', log: 'INFO all good', keep: false },
    { include: 'ERROR', log: 'an ERROR in the middle', keep: true },
    { include: '^ERROR', log: 'an ERROR in the middle', keep: false },
    { include: 'error', log: 'ERROR', keep: false }, // case-sensitive, as written
    { exclude: 'healthcheck', log: 'GET /healthcheck 200', keep: false },
    { exclude: 'healthcheck', log: 'GET /api 200', keep: true },
    { exclude: '^$', log: '', keep: false },
    { exclude: '^$', log: ' ', keep: true },
    { include: 'GET|POST', exclude: '/health', log: 'GET /api', keep: true },
    { include: 'GET|POST', exclude: '/health', log: 'GET /health', keep: false },
    { include: 'GET|POST', exclude: '/health', log: 'DELETE /api', keep: false },
    { include: '\\d{3}$', log: 'status 404', keep: true },
    { include: '\\d{3}$', log: 'status 40', keep: false },
    { include: 'é', log: 'café', keep: true },
    { include: '', log: 'anything', keep: true },
  ];
  for (const row of table) {
    const f = compileFilter(row);
    t.ok(f, 'a filter');
    t.equal(f!(row.log), row.keep, `include=${row.include} exclude=${row.exclude} log=${JSON.stringify(row.log)}`);
  }
});

t.test('a filter gives the same answer on every call (no lastIndex state)', async (t) => {
  const f = compileFilter({ include: 'a' })!;
  for (let i = 0; i < 5; i++) t.equal(f('a'), true);
});

t.test('an invalid pattern throws a SyntaxError', async (t) => {
  t.throws(() => compileFilter({ include: '(?i)error' }), SyntaxError);
  t.throws(() => compileFilter({ exclude: '[' }), SyntaxError);
});
