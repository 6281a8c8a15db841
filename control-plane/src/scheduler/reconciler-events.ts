// Service event messages in ECS's wording, and the rule that keeps an unchanged message from being added
// again while its cause persists.
//
// The wording (ECS developer guide, "Amazon ECS service event messages", and service event logs):
//   (service web) has reached a steady state.
//   (service web) has started 2 tasks: (task 1a2b) (task 3c4d).
//   (service web) has stopped 1 running tasks: (task 1a2b).
//   (service web) (task 1a2b) failed container health checks.
//   (service web) (deployment ecs-svc/123) deployment completed.
//   (service web) (deployment ecs-svc/123) deployment failed: tasks failed to start.
//   (service web) rolling back to deployment ecs-svc/122.
//   (service web) is unable to consistently start tasks successfully.
//   (service web) was unable to place a task because no container instance met all of its requirements. ...
//   (service web) was unable to stop or start tasks during a deployment because of the service deployment
//     configuration. Update the minimumHealthyPercent or maximumPercent value and try again.
//
// "has started N tasks" names task ids that exist only once the loop has created the tasks. The reconciler
// writes a placeholder per started task, `{task:<i>}` where i indexes Plan.start, and the loop replaces them
// with fillStartedTaskIds once it knows the ids.
//
// Suppression (ECS: "duplicate event messages are omitted until either the cause is resolved or six hours
// passes"). Messages are of two kinds:
//  - progress messages say that something happened (started, stopped, health check failure, deployment
//    completed / failed / rolling back, and any message this module does not know);
//  - condition messages describe a state that may last (steady state, unable to place, unable to consistently
//    start, blocked by the deployment configuration).
// A condition message is not added when the same message is found among the newest events before any
// progress message, looking at the events of this plan first, then at service.recentEventMessages (newest
// first): nothing happened since it was said, so its cause persists. The six-hour repeat is not modelled
// (events carry no time here).

/** The placeholder for the id of the task created for Plan.start[i]. */
export function startedTaskPlaceholder(i: number): string {
  return `{task:${i}}`;
}

const PLACEHOLDER = /\{task:(\d+)\}/g;

/** Replaces the `{task:<i>}` placeholders of a message with the ids of the tasks created for Plan.start. */
export function fillStartedTaskIds(message: string, taskIds: string[]): string {
  return message.replace(PLACEHOLDER, (whole, i: string) => taskIds[Number(i)] ?? whole);
}

/**
 * Plan.events with the "has started" message completed: `created[i]` is the id of the task created for
 * Plan.start[i], or undefined when the loop could not create it. The message then names (and counts) only
 * the tasks created, and is left out when none was.
 */
export function withStartedTaskIds(events: string[], created: (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    const indexes = [...e.matchAll(PLACEHOLDER)].map((m) => Number(m[1]));
    if (indexes.length === 0) {
      out.push(e);
      continue;
    }
    const ids = indexes.map((i) => created[i]).filter((id): id is string => id !== undefined);
    if (ids.length === 0) continue;
    const service = /^\(service (.*?)\) has started /.exec(e)?.[1];
    out.push(service === undefined ? fillStartedTaskIds(e, ids) : messages.started(service, ids.length, ids));
  }
  return out;
}

/** The task id ECS prints in events: the last part of the task ARN. */
export function taskId(arn: string): string {
  return arn.split('/').pop() ?? arn;
}

const prefix = (service: string) => `(service ${service})`;

export const messages = {
  steadyState: (s: string) => `${prefix(s)} has reached a steady state.`,
  started: (s: string, count: number, ids: string[]) =>
    `${prefix(s)} has started ${count} tasks: ${ids.map((id) => `(task ${id})`).join(' ')}.`,
  stopped: (s: string, ids: string[]) => `${prefix(s)} has stopped ${ids.length} running tasks: ${ids.map((id) => `(task ${id})`).join(' ')}.`,
  healthCheckFailed: (s: string, id: string) => `${prefix(s)} (task ${id}) failed container health checks.`,
  deploymentCompleted: (s: string, deploymentId: string) => `${prefix(s)} (deployment ${deploymentId}) deployment completed.`,
  deploymentFailed: (s: string, deploymentId: string) => `${prefix(s)} (deployment ${deploymentId}) deployment failed: tasks failed to start.`,
  rollingBack: (s: string, deploymentId: string) => `${prefix(s)} rolling back to deployment ${deploymentId}.`,
  throttled: (s: string) => `${prefix(s)} is unable to consistently start tasks successfully.`,
  unableToPlace: (s: string, why: string) => `${prefix(s)} was unable to place a task because ${why}`,
  blocked: (s: string) =>
    `${prefix(s)} was unable to stop or start tasks during a deployment because of the service deployment configuration. ` +
    'Update the minimumHealthyPercent or maximumPercent value and try again.',
};

/** The "has started" message with one placeholder per started task (see fillStartedTaskIds). */
export function startedMessage(service: string, count: number): string {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(startedTaskPlaceholder(i));
  return messages.started(service, count, ids);
}

/** rolloutStateReason values, as ECS writes them. */
export const rolloutReasons = {
  completed: (deploymentId: string) => `ECS deployment ${deploymentId} completed.`,
  failed: 'ECS deployment circuit breaker: tasks failed to start.',
  rollingBack: (deploymentId: string) => `ECS deployment circuit breaker: rolling back to deploymentId ${deploymentId}.`,
};

/** Is this one of the messages that describe a lasting condition (see the suppression rule above)? */
export function isConditionMessage(message: string): boolean {
  return (
    message.endsWith(') has reached a steady state.') ||
    message.includes(') was unable to place a task because ') ||
    message.includes(') was unable to stop or start tasks during a deployment') ||
    message.endsWith(') is unable to consistently start tasks successfully.')
  );
}

/** The events of one plan, in the order they happen, with unchanged condition messages left out. */
export class EventLog {
  private readonly out: string[] = [];

  constructor(private readonly recent: readonly string[]) {}

  add(message: string): void {
    if (isConditionMessage(message) && this.persists(message)) return;
    this.out.push(message);
  }

  /** Was the message said, with nothing happening since? */
  private persists(message: string): boolean {
    for (let i = this.out.length - 1; i >= 0; i--) {
      const m = this.out[i];
      if (m === message) return true;
      if (!isConditionMessage(m)) return false;
    }
    for (const m of this.recent) {
      if (m === message) return true;
      if (!isConditionMessage(m)) return false;
    }
    return false;
  }

  get events(): string[] {
    return this.out.slice();
  }
}
