import t from 'tap';
import { normalize } from '../../../ecsctl/src/output/normalize.js';
import { toJson } from '../../../ecsctl/src/output/json.js';
import { ecsShapes } from '../../../ecsctl/src/schema/shapes.js';
import { UTC } from '../../../ecsctl/src/output/timestamp.js';

const opts = { offset: UTC, floats: true };

t.test('absent sub-messages (null/undefined) are left out at every depth', async (t) => {
  const shape = ecsShapes().structure('StopTaskResponse');
  t.same(normalize({ task: { taskArn: 'a', overrides: null, stoppedReason: undefined, containers: [{ name: 'c', exitCode: null }] } }, shape, opts), {
    task: { taskArn: 'a', containers: [{ name: 'c' }] },
  });
  t.same(normalize({ cluster: null }, ecsShapes().structure('DeleteClusterResponse'), opts), {});
});

t.test('keys ending in At become ISO 8601 text', async (t) => {
  const out = normalize({ task: { createdAt: 1795312408.123, stoppingAt: 1795312409, stoppedReason: 'x' } }, ecsShapes().structure('StopTaskResponse'), opts);
  t.same(out, { task: { createdAt: '2026-11-22T01:53:28.123000+00:00', stoppingAt: '2026-11-22T01:53:29+00:00', stoppedReason: 'x' } });
});

t.test('keys come out in the message declaration order, whatever order they were decoded in', async (t) => {
  const decoded = { containers: [], tags: [], taskArn: 'a', lastStatus: 'RUNNING', clusterArn: 'c' };
  const out = normalize({ task: decoded }, ecsShapes().structure('StopTaskResponse'), opts) as { task: object };
  t.same(Object.keys(out.task), ['taskArn', 'clusterArn', 'lastStatus', 'containers', 'tags']);
});

t.test('double fields print as Python floats; integers stay integers', async (t) => {
  const shape = ecsShapes().structure('DescribeContainerInstancesResponse');
  const data = { containerInstances: [{ remainingResources: [{ name: 'CPU', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: 1024 }] }] };
  const json = toJson(normalize(data, shape, opts));
  t.match(json, /"doubleValue": 0\.0,/);
  t.match(json, /"longValue": 0,/);
  t.match(json, /"integerValue": 1024\n/);
  t.match(toJson(normalize(data, shape, { offset: UTC, floats: false })), /"doubleValue": 0,/, 'plain numbers when a --query will run');
});

t.test('map values keep their keys', async (t) => {
  const shape = ecsShapes().structure('RegisterTaskDefinitionResponse');
  const out = normalize({ taskDefinition: { containerDefinitions: [{ dockerLabels: { 'a.b': 'c' } }] } }, shape, opts);
  t.same(out, { taskDefinition: { containerDefinitions: [{ dockerLabels: { 'a.b': 'c' } }] } });
});
