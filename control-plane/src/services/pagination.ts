// nextToken / maxResults as ECS's List* operations use them. Tokens are opaque to the caller.
import { InvalidParameterException } from '../domain/errors.js';

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export function paginate<T>(all: T[], nextToken: string | undefined, maxResults: number | undefined, limit = 100): Page<T> {
  if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > limit)) {
    throw new InvalidParameterException(`maxResults must be between 1 and ${limit}.`);
  }
  let start = 0;
  if (nextToken) {
    const decoded = Number(Buffer.from(nextToken, 'base64url').toString('utf8').replace(/^o:/, ''));
    if (!Buffer.from(nextToken, 'base64url').toString('utf8').startsWith('o:') || !Number.isInteger(decoded) || decoded < 0) {
      throw new InvalidParameterException('Invalid nextToken.');
    }
    start = decoded;
  }
  const size = maxResults ?? limit;
  const items = all.slice(start, start + size);
  const next = start + size < all.length ? Buffer.from(`o:${start + size}`).toString('base64url') : undefined;
  return { items, nextToken: next };
}
