// nextToken / maxResults as ECS's List* operations use them.
import t from 'tap';
import fc from 'fast-check';
import { paginate } from '../../../../control-plane/src/services/pagination.js';
import { holds, throwsEcs } from '../fixtures.js';

t.test('following nextToken visits every item once, in order, maxResults at a time', async (t) => {
  holds(
    t,
    fc.property(fc.integer({ min: 0, max: 250 }), fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }), (n, maxResults) => {
      const all = Array.from({ length: n }, (_, i) => `item-${i}`);
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = paginate(all, token, maxResults);
        if (page.items.length > (maxResults ?? 100)) return false;
        if (page.nextToken !== undefined && page.items.length !== (maxResults ?? 100)) return false; // only the last page is short
        seen.push(...page.items);
        token = page.nextToken;
        pages++;
      } while (token && pages < 1000);
      return JSON.stringify(seen) === JSON.stringify(all) && pages === Math.max(1, Math.ceil(n / (maxResults ?? 100)));
    }),
  );
});

t.test('without maxResults a page holds up to 100 items', async (t) => {
  const all = Array.from({ length: 150 }, (_, i) => i);
  const p1 = paginate(all, undefined, undefined);
  t.equal(p1.items.length, 100);
  t.ok(p1.nextToken);
  const p2 = paginate(all, p1.nextToken, undefined);
  t.strictSame(p2.items, all.slice(100));
  t.equal(p2.nextToken, undefined);
});

t.test('an exactly full last page has no nextToken', async (t) => {
  t.equal(paginate([1, 2], undefined, 2).nextToken, undefined);
  t.equal(paginate([], undefined, 2).nextToken, undefined);
});

t.test('an empty nextToken means the first page', async (t) => {
  t.strictSame(paginate([1, 2, 3], '', 2).items, [1, 2]);
});

t.test('maxResults outside 1..100 is InvalidParameterException', async (t) => {
  for (const m of [0, -1, 101, 1.5, Number.NaN]) {
    t.comment(`maxResults ${m}`);
    throwsEcs(t, () => paginate([1], undefined, m), 'InvalidParameterException', ['maxResults', '1', '100']);
  }
  t.strictSame(paginate([1, 2], undefined, 1).items, [1]);
  t.strictSame(paginate([1, 2], undefined, 100).items, [1, 2]);
});

t.test('a token the service never gave is InvalidParameterException', async (t) => {
  const enc = (s: string) => Buffer.from(s).toString('base64url');
  const table: [string, string][] = [
    ['garbage', 'not a token!'],
    ['a bare number', '2'],
    ['base64 of a number without the prefix', enc('2')],
    ['a negative offset', enc('o:-1')],
    ['a fractional offset', enc('o:1.5')],
    ['a non-numeric offset', enc('o:abc')],
  ];
  for (const [name, token] of table) {
    t.comment(name);
    throwsEcs(t, () => paginate([1, 2, 3], token, 1), 'InvalidParameterException', ['nextToken']);
  }
});
