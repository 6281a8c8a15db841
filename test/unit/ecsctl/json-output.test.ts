import t from 'tap';
import { toJson } from '../../../ecsctl/src/output/json.js';
import { PyFloat } from '../../../ecsctl/src/output/py.js';
import { formatResponse } from '../../../ecsctl/src/output/format.js';

const json = (data: unknown, query?: string) =>
  formatResponse(data, { output: 'json', title: 'X', terminalWidth: 80, ...(query !== undefined ? { query } : {}) });

t.test('4-space indentation, keys in the given order, empty containers inline', async (t) => {
  t.equal(
    toJson({ b: 1, a: [1, 'x'], e: [], o: {}, n: { t: true, f: false } }),
    '{\n    "b": 1,\n    "a": [\n        1,\n        "x"\n    ],\n    "e": [],\n    "o": {},\n    "n": {\n        "t": true,\n        "f": false\n    }\n}',
  );
});

t.test('strings are escaped as JSON, non-ASCII printed as is', async (t) => {
  t.equal(toJson('a"b\\c\nd\u0001é✓'), '"a\\"b\\\\c\\nd\\u0001é✓"');
});

t.test('floats print the Python way', async (t) => {
  t.equal(toJson([new PyFloat(0), new PyFloat(1.5), new PyFloat(1e16), new PyFloat(0.00001), 0.25, 3]), '[\n    0.0,\n    1.5,\n    1e+16,\n    1e-05,\n    0.25,\n    3\n]');
});

t.test('the printed document ends with a newline; an empty response prints nothing', async (t) => {
  t.equal(json({ clusterArns: [] }), '{\n    "clusterArns": []\n}\n');
  t.equal(json({}), '');
});

t.test('a --query scalar prints as a JSON scalar', async (t) => {
  t.equal(json({ tasks: [{ lastStatus: 'RUNNING' }] }, 'tasks[0].lastStatus'), '"RUNNING"\n');
  t.equal(json({ tasks: [1, 2] }, 'length(tasks)'), '2\n');
  t.equal(json({ tasks: [] }, 'tasks[0]'), 'null\n');
});
