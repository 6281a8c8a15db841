// Response → printed text: --query (JMESPath) first, then json | text | table, as the AWS CLI's
// formatters do (text output of a paginated command is formatted page by page, like aws).
import jmespath from 'jmespath';
import { BadValueError, UsageError } from '../errors.js';
import { toJson } from './json.js';
import { formatText } from './text.js';
import { formatTable } from './table.js';

export type OutputFormat = 'json' | 'text' | 'table';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'text', 'table'];

export interface FormatOptions {
  readonly output: OutputFormat;
  readonly query?: string;
  /** The operation name, the title of table output (DescribeTasks). */
  readonly title: string;
  readonly terminalWidth: number;
}

export function parseOutput(value: string | undefined): OutputFormat {
  const v = value ?? 'json';
  if ((OUTPUT_FORMATS as readonly string[]).includes(v)) return v as OutputFormat;
  throw new UsageError(`argument --output: Invalid choice, valid choices are:\n\n${OUTPUT_FORMATS.join(' | ')}`);
}

/** Syntax check of --query before any call (jmespath's compile is untyped). */
export function checkQuery(query: string | undefined): void {
  if (query === undefined) return;
  try {
    (jmespath as unknown as { compile(q: string): unknown }).compile(query);
  } catch (e) {
    throw new BadValueError(`Bad value for --query ${query}: ${(e as Error).message}`);
  }
}

function applyQuery(data: unknown, query: string | undefined): unknown {
  if (query === undefined) return data;
  try {
    return jmespath.search(data as never, query) as unknown;
  } catch (e) {
    throw new BadValueError(`Bad value for --query ${query}: ${(e as Error).message}`);
  }
}

/** One response (or the merged pages) → the text to print. */
export function formatResponse(data: unknown, opts: FormatOptions): string {
  const result = applyQuery(data, opts.query);
  switch (opts.output) {
    case 'json': {
      // Like aws v2: an empty response body prints nothing; any other value (even null) prints.
      const isEmptyDict = typeof result === 'object' && result !== null && !Array.isArray(result) && Object.keys(result).length === 0;
      return isEmptyDict ? '' : `${toJson(result)}\n`;
    }
    case 'text':
      return formatText(result);
    case 'table':
      return formatTable(opts.title, result, opts.terminalWidth);
  }
}

/** Text output of paginated results: the query and formatting apply to each page in turn. */
export function formatTextPages(pages: unknown[], query: string | undefined): string {
  return pages.map((page) => formatText(applyQuery(page, query))).join('');
}
