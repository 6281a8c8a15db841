// A task definition reference as RunTask, DescribeTaskDefinition, CreateService ... accept it:
// 'family' (the latest ACTIVE revision), 'family:revision', or the full task-definition ARN.
import { InvalidParameterException } from './errors.js';
import { isArn, parseArn } from './arn.js';

/** 'family' | 'family:revision' | full task-definition ARN, parsed. No revision means "the latest ACTIVE". */
export type TaskDefinitionRef = { family: string; revision?: number };

/** Family names: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens". */
export const FAMILY_RE = /^[A-Za-z0-9_-]{1,255}$/;
const INT32_MAX = 2147483647;

/**
 * Parses a task definition reference. Every malformed input is an InvalidParameterException, as ECS sends
 * them: "TaskDefinition can not be blank." (CreateService), "Invalid revision number. Number: latest"
 * (UpdateService / DeregisterTaskDefinition), and "family must match ^[a-zA-Z0-9\-_]+$" (ListTasks) for a bad
 * family; a malformed ARN is one too.
 */
export function parseTaskDefinitionRef(s: string): TaskDefinitionRef {
  const raw = (s ?? '').trim();
  if (raw === '') throw new InvalidParameterException("TaskDefinition can not be blank. Give 'taskDefinition' as family, family:revision or an ARN.");
  let body = raw;
  if (isArn(raw)) {
    const p = parseArn(raw);
    if (!p || p.type !== 'task-definition' || p.resource.includes('/')) {
      throw new InvalidParameterException(
        `Invalid 'taskDefinition' ARN: '${raw}'. Expected arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>.`,
      );
    }
    body = p.resource;
  }
  const colon = body.lastIndexOf(':');
  const family = colon >= 0 ? body.slice(0, colon) : body;
  if (!FAMILY_RE.test(family)) {
    throw new InvalidParameterException(
      `Invalid 'taskDefinition' '${raw}': family must match ^[a-zA-Z0-9\\-_]+$ and be at most 255 characters.`,
    );
  }
  if (colon < 0) return { family };
  const rev = body.slice(colon + 1);
  const revision = /^\d+$/.test(rev) ? Number(rev) : NaN;
  if (!(revision >= 1 && revision <= INT32_MAX)) {
    throw new InvalidParameterException(`Invalid revision number. Number: ${rev}. The revision in 'taskDefinition' must be a positive integer.`);
  }
  return { family, revision };
}
