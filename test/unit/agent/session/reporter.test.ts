import t from 'tap';
import { Reporter } from '../../../../agent/src/session/reporter.js';
import type { TaskReport } from '../../../../agent/src/engine/report.js';

const report = (task: string, seq: number, status = 'RUNNING'): TaskReport => ({
  messageId: `${task}#${seq}`,
  taskArn: task,
  status,
  seq,
  reportedAt: seq,
  containers: [],
});
const tick = () => new Promise<void>((r) => queueMicrotask(r));

t.test('reports wait for a session, then go out oldest first', async (t) => {
  const r = new Reporter();
  r.put(report('b', 2));
  r.put(report('a', 1));
  await tick();
  const sent: string[] = [];
  r.attach((x) => sent.push(x.messageId));
  t.same(sent, ['a#1', 'b#2']);
});

t.test('only the newest report per task is kept', async (t) => {
  const r = new Reporter();
  r.put(report('a', 1, 'PENDING'));
  r.put(report('a', 2, 'RUNNING'));
  r.put(report('a', 3, 'STOPPED'));
  r.put(report('a', 2, 'RUNNING')); // an older one arriving late is ignored
  const sent: string[] = [];
  r.attach((x) => sent.push(x.messageId));
  t.same(sent, ['a#3']);
});

t.test('reports made in one turn are coalesced into one send per task', async (t) => {
  const r = new Reporter();
  const sent: string[] = [];
  r.attach((x) => sent.push(x.messageId));
  r.put(report('a', 1));
  r.put(report('a', 2));
  r.put(report('b', 3));
  t.same(sent, [], 'sent at the end of the turn');
  await tick();
  t.same(sent, ['a#2', 'b#3']);
});

t.test('a report is dropped when its ack comes; a newer one replaces an unacked one', async (t) => {
  const r = new Reporter();
  const sent: string[] = [];
  r.attach((x) => sent.push(x.messageId));
  r.put(report('a', 1));
  await tick();
  r.put(report('a', 2));
  await tick();
  t.same(sent, ['a#1', 'a#2'], 'the newer report does not wait for the older one\'s ack');
  r.ack('a#1');
  t.notOk(r.isSettled('a'), 'a late ack of a replaced report changes nothing');
  r.ack('a#2');
  t.ok(r.isSettled('a'));
  t.same(r.pending(), []);
});

t.test('unknown acks change nothing', async (t) => {
  const r = new Reporter();
  r.attach(() => undefined);
  r.put(report('a', 1));
  r.ack('zzz');
  t.same(r.pending().map((x) => x.messageId), ['a#1']);
});

t.test('unacked reports are sent again after a reconnect, acked ones are not', async (t) => {
  const r = new Reporter();
  const first: string[] = [];
  r.attach((x) => first.push(x.messageId));
  r.put(report('a', 1));
  r.put(report('b', 5));
  await tick();
  r.ack('b#5');
  r.detach();
  r.put(report('c', 6)); // while disconnected
  await tick();
  const second: string[] = [];
  r.attach((x) => second.push(x.messageId));
  t.same(first, ['a#1', 'b#5']);
  t.same(second, ['a#1', 'c#6']);
  await tick();
  t.same(second, ['a#1', 'c#6'], 'nothing sent twice on one session');
});
