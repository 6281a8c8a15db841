// Following nextToken the way botocore's paginator does for the AWS CLI: every page by default,
// --page-size items per call, --max-items in total (then a resume token, NextToken, that
// --starting-token takes back, with how many items of the page were already shown).
import type { Pagination } from './commands/table.js';
import { CliError, EXIT_GENERIC } from './errors.js';

export type Page = Record<string, unknown>;
export type FetchPage = (request: Record<string, unknown>) => Promise<Page>;

export interface PagingOptions {
  readonly maxItems?: number;
  readonly startingToken?: string;
  readonly pageSize?: number;
}

export interface Paged {
  /** The pages as shown (the last one cut at --max-items). */
  readonly pages: Page[];
  /** Set when --max-items stopped before the end. */
  readonly resumeToken?: string;
}

export class PaginationError extends CliError {
  readonly exitCode = EXIT_GENERIC;
}

interface Token {
  [inputToken: string]: unknown;
  boto_truncate_amount?: number;
}

/** botocore's TokenEncoder: base64 of the JSON (Python's json.dumps spacing). */
export function encodeToken(token: Token): string {
  const json = `{${Object.entries(token)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v ?? null)}`)
    .join(', ')}}`;
  return Buffer.from(json, 'utf8').toString('base64');
}

/** A token printed by encodeToken, or (leniently) the server's raw nextToken. */
export function decodeToken(text: string, inputToken: string): Token {
  try {
    const decoded = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown;
    if (decoded && typeof decoded === 'object' && !Array.isArray(decoded)) return decoded as Token;
  } catch {
    // not ours: fall through
  }
  return { [inputToken]: text };
}

export async function paginate(fetch: FetchPage, request: Record<string, unknown>, p: Pagination, opts: PagingOptions): Promise<Paged> {
  const kwargs: Record<string, unknown> = { ...request };
  if (opts.pageSize !== undefined) kwargs[p.limitKey] = opts.pageSize;
  let nextToken: Token = { [p.inputToken]: kwargs[p.inputToken] ?? null };
  let startingTruncation = 0;
  if (opts.startingToken !== undefined) {
    const parsed = decodeToken(opts.startingToken, p.inputToken);
    startingTruncation = Number(parsed.boto_truncate_amount ?? 0);
    nextToken = { [p.inputToken]: parsed[p.inputToken] ?? null };
  }
  if (nextToken[p.inputToken] !== null && nextToken[p.inputToken] !== undefined) kwargs[p.inputToken] = nextToken[p.inputToken];
  else delete kwargs[p.inputToken];

  const pages: Page[] = [];
  let total = 0;
  let first = true;
  let previous: unknown;
  for (;;) {
    const page = { ...(await fetch({ ...kwargs })) };
    if (first && startingTruncation > 0) page[p.resultKey] = asList(page[p.resultKey]).slice(startingTruncation);
    const items = asList(page[p.resultKey]);
    const truncate = opts.maxItems !== undefined ? total + items.length - opts.maxItems : 0;
    if (truncate > 0) {
      const keep = items.length - truncate;
      page[p.resultKey] = items.slice(0, keep);
      pages.push(page);
      const resume: Token = { ...nextToken, boto_truncate_amount: keep + (first ? startingTruncation : 0) };
      return { pages, resumeToken: encodeToken(resume) };
    }
    pages.push(page);
    first = false;
    total += items.length;
    const token = page[p.outputToken];
    if (token === undefined || token === null || token === '') return { pages };
    nextToken = { [p.inputToken]: token };
    if (opts.maxItems !== undefined && total === opts.maxItems) return { pages, resumeToken: encodeToken(nextToken) };
    if (previous !== undefined && previous === token) {
      throw new PaginationError(`The same next token was received twice: {'${p.inputToken}': '${String(token)}'}`);
    }
    kwargs[p.inputToken] = token;
    previous = token;
  }
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** build_full_result: the result lists concatenated, the other keys of the first page, NextToken. */
export function fullResult(paged: Paged, p: Pagination): Page {
  const out: Page = {};
  for (const page of paged.pages) {
    const value = page[p.resultKey];
    if (value === undefined || value === null) continue;
    const existing = out[p.resultKey];
    out[p.resultKey] = Array.isArray(existing) && Array.isArray(value) ? [...existing, ...value] : value;
  }
  const firstPage = paged.pages[0] ?? {};
  for (const [k, v] of Object.entries(firstPage)) {
    if (k !== p.resultKey && k !== p.outputToken && !(k in out)) out[k] = v;
  }
  if (paged.resumeToken !== undefined) out.NextToken = paged.resumeToken;
  return out;
}

/** What `--output text` prints per page: only the result list of each page. */
export function textPages(paged: Paged, p: Pagination): Page[] {
  const pages = paged.pages.map((page) => ({ [p.resultKey]: page[p.resultKey] }));
  if (paged.resumeToken !== undefined) pages.push({ NextToken: { NextToken: paged.resumeToken } });
  return pages;
}
