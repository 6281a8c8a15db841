import t from 'tap';
import { decodeToken, encodeToken, fullResult, paginate, textPages, type Page } from '../../../ecsctl/src/paginate.js';
import type { Pagination } from '../../../ecsctl/src/commands/table.js';
import { run } from './run-cli-harness.js';

const P: Pagination = { resultKey: 'taskArns', inputToken: 'nextToken', outputToken: 'nextToken', limitKey: 'maxResults' };
const ALL = ['a', 'b', 'c', 'd', 'e'];

/** Serves ALL in pages of maxResults (default 2); tokens are offsets. */
function server(requests: Record<string, unknown>[]) {
  return async (req: Record<string, unknown>): Promise<Page> => {
    requests.push(req);
    const size = Number(req.maxResults ?? 2);
    const start = Number(req.nextToken ?? 0);
    const end = Math.min(start + size, ALL.length);
    return { taskArns: ALL.slice(start, end), ...(end < ALL.length ? { nextToken: String(end) } : {}) };
  };
}

t.test('all pages are fetched and the result lists merged; nextToken is not printed', async (t) => {
  const reqs: Record<string, unknown>[] = [];
  const paged = await paginate(server(reqs), { cluster: 'c' }, P, {});
  t.same(fullResult(paged, P), { taskArns: ALL });
  t.same(reqs, [{ cluster: 'c' }, { cluster: 'c', nextToken: '2' }, { cluster: 'c', nextToken: '4' }]);
});

t.test('--page-size sets maxResults on every call', async (t) => {
  const reqs: Record<string, unknown>[] = [];
  await paginate(server(reqs), {}, P, { pageSize: 4 });
  t.same(reqs, [{ maxResults: 4 }, { maxResults: 4, nextToken: '4' }]);
});

t.test('--max-items cuts the output and prints a NextToken that resumes where it stopped', async (t) => {
  const first = fullResult(await paginate(server([]), {}, P, { maxItems: 3 }), P);
  t.same(first.taskArns, ['a', 'b', 'c']);
  t.same(decodeToken(String(first.NextToken), 'nextToken'), { nextToken: '2', boto_truncate_amount: 1 });
  const rest = fullResult(await paginate(server([]), {}, P, { startingToken: String(first.NextToken) }), P);
  t.same(rest, { taskArns: ['d', 'e'] });
});

t.test('--max-items on a page boundary resumes with the server token', async (t) => {
  const first = fullResult(await paginate(server([]), {}, P, { maxItems: 2 }), P);
  t.same(first.taskArns, ['a', 'b']);
  t.same(decodeToken(String(first.NextToken), 'nextToken'), { nextToken: '2' });
  t.equal(first.NextToken, encodeToken({ nextToken: '2' }));
  t.equal(Buffer.from(String(first.NextToken), 'base64').toString(), '{"nextToken": "2"}', "botocore's token encoding");
});

t.test('a repeated next token stops with an error', async (t) => {
  await t.rejects(paginate(async () => ({ taskArns: ['x'], nextToken: 'same' }), {}, P, {}), { message: /The same next token was received twice/ });
});

t.test('text output gets one block per page, plus the NextToken', async (t) => {
  const paged = await paginate(server([]), {}, P, { maxItems: 3 });
  t.same(textPages(paged, P), [{ taskArns: ['a', 'b'] }, { taskArns: ['c'] }, { NextToken: { NextToken: paged.resumeToken } }]);
});

t.test('the CLI merges pages by default and makes one call with --no-paginate or --next-token', async (t) => {
  const fake = (_rpc: string, req: Record<string, unknown>) => server([])(req);
  const all = await run(['list-tasks', '--cluster', 'c'], { server: fake });
  t.equal(all.stdout, `{\n    "taskArns": [\n${ALL.map((a) => `        "${a}"`).join(',\n')}\n    ]\n}\n`);
  t.equal(all.calls.length, 3);
  const one = await run(['list-tasks', '--no-paginate'], { server: fake });
  t.equal(one.stdout, '{\n    "taskArns": [\n        "a",\n        "b"\n    ],\n    "nextToken": "2"\n}\n');
  const raw = await run(['list-tasks', '--next-token', '4'], { server: fake });
  t.same(raw.calls.map((c) => c.request), [{ nextToken: '4' }]);
  const text = await run(['list-tasks', '--output', 'text', '--max-items', '3'], { server: fake });
  t.equal(text.stdout, `TASKARNS\ta\nTASKARNS\tb\nTASKARNS\tc\nNEXTTOKEN\t${encodeToken({ nextToken: '2', boto_truncate_amount: 1 })}\n`);
});

t.test('--max-items takes an integer', async (t) => {
  const r = await run(['list-tasks', '--max-items', 'lots']);
  t.equal(r.code, 252);
  t.match(r.stderr, /argument --max-items: invalid int value: 'lots'\n$/);
});
