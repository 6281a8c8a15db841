// Event wording, the "has started" placeholders the loop completes, and the suppression of unchanged
// condition messages.
import t from 'tap';
import { EventLog, isConditionMessage, messages } from '../../../../control-plane/src/scheduler/reconciler-events.js';
import { fillStartedTaskIds, startedMessage, withStartedTaskIds } from '../../../../control-plane/src/scheduler/reconciler.js';

t.test('the "has started" message names the created tasks', async (t) => {
  const events = ['(service web) (task x) failed container health checks.', startedMessage('web', 3)];
  t.equal(events[1], '(service web) has started 3 tasks: (task {task:0}) (task {task:1}) (task {task:2}).');
  t.strictSame(withStartedTaskIds(events, ['a', 'b', 'c']), [events[0], '(service web) has started 3 tasks: (task a) (task b) (task c).']);
  t.strictSame(withStartedTaskIds(events, ['a', undefined, 'c']), [events[0], '(service web) has started 2 tasks: (task a) (task c).'], 'only those created');
  t.strictSame(withStartedTaskIds(events, [undefined, undefined, undefined]), [events[0]], 'none created: no message');
  t.equal(fillStartedTaskIds(startedMessage('web', 1), ['z']), '(service web) has started 1 tasks: (task z).');
});

t.test('ECS\'s wording', async (t) => {
  t.equal(messages.stopped('web', ['a', 'b']), '(service web) has stopped 2 running tasks: (task a) (task b).');
  t.equal(messages.deploymentCompleted('web', 'ecs-svc/1'), '(service web) (deployment ecs-svc/1) deployment completed.');
  t.equal(messages.deploymentFailed('web', 'ecs-svc/2'), '(service web) (deployment ecs-svc/2) deployment failed: tasks failed to start.');
  t.equal(messages.rollingBack('web', 'ecs-svc/1'), '(service web) rolling back to deployment ecs-svc/1.');
  t.equal(messages.throttled('web'), '(service web) is unable to consistently start tasks successfully.');
  t.equal(messages.steadyState('web'), '(service web) has reached a steady state.');
});

t.test('condition messages are suppressed while nothing happened since they were said', async (t) => {
  const steady = messages.steadyState('web');
  const place = messages.unableToPlace('web', 'no container instance met all of its requirements.');
  t.ok(isConditionMessage(steady) && isConditionMessage(place));
  t.notOk(isConditionMessage(messages.stopped('web', ['a'])));

  const quiet = new EventLog([place, steady]);
  quiet.add(steady);
  quiet.add(place);
  t.strictSame(quiet.events, [], 'both said, nothing since');

  const moved = new EventLog([place, '(service web) has started 1 tasks: (task a).', steady]);
  moved.add(steady);
  t.strictSame(moved.events, [steady], 'something happened since');

  const same = new EventLog([]);
  same.add(place);
  same.add(place);
  t.strictSame(same.events, [place], 'not twice in one plan');

  const progress = new EventLog([]);
  progress.add('(service web) has stopped 1 running tasks: (task a).');
  progress.add('(service web) has stopped 1 running tasks: (task a).');
  t.equal(progress.events.length, 2, 'progress messages are never suppressed');
});
