// Turning the text a user typed for one flag into the request value, as the AWS CLI does:
// file:// values are read, structures and lists of structures take JSON or shorthand, scalar lists
// take several words (or one JSON array), integers are parsed.
import { ParamError } from '../errors.js';
import { coerceToShape, parseShorthand, ShorthandParseError } from './shorthand.js';
import { isScalar, type Shape } from '../schema/shapes.js';

export type ReadFile = (path: string) => string | Promise<string>;

const PARAMFILE_PREFIXES = ['file://', 'fileb://'];

/** Reads `file://path` values (relative to the working directory, `~` expanded); others pass through. */
export async function resolveParamFile(
  cliName: string,
  value: string,
  readFile: ReadFile,
  env: Record<string, string | undefined>,
): Promise<string> {
  const prefix = PARAMFILE_PREFIXES.find((p) => value.startsWith(p));
  if (!prefix) return value;
  let path = value.slice(prefix.length);
  if (path.startsWith('~/') && env.HOME) path = env.HOME + path.slice(1);
  try {
    return await readFile(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason =
      err.code === 'ENOENT'
        ? `[Errno 2] No such file or directory: '${path}'`
        : err.code === 'EISDIR'
          ? `[Errno 21] Is a directory: '${path}'`
          : err.code === 'EACCES'
            ? `[Errno 13] Permission denied: '${path}'`
            : String(err.message ?? err);
    throw new ParamError(cliName, `Unable to load paramfile ${value}: ${reason}`);
  }
}

export function parseJson(cliName: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ParamError(cliName, `Invalid JSON: ${(e as Error).message}\nJSON received: ${text}`);
  }
}

function looksLikeJson(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith('[') || t.startsWith('{');
}

/** A list whose members are structures, lists or maps: shorthand applies to each word. */
function isComplex(shape: Shape): boolean {
  if (shape.type === 'list') return !isScalar(shape.member);
  return shape.type === 'structure' || shape.type === 'map';
}

function shorthand(cliName: string, text: string, shape: Shape): unknown {
  try {
    return coerceToShape(parseShorthand(text), shape);
  } catch (e) {
    if (e instanceof ShorthandParseError) throw new ParamError(cliName, e.message);
    throw e;
  }
}

/**
 * The request value for one flag. `words` are the words after the flag (one for single-valued
 * flags, one or more for lists), already resolved from file://.
 */
export function unpackValue(cliName: string, words: string[], shape: Shape): unknown {
  if (shape.type === 'list') return unpackList(cliName, words, shape.member, shape);
  const text = words[0] ?? '';
  if (shape.type === 'structure' || shape.type === 'map') {
    if (looksLikeJson(text)) return parseJson(cliName, text);
    return shorthand(cliName, text, shape);
  }
  return unpackScalar(text, shape.type);
}

function unpackList(cliName: string, words: string[], member: Shape, shape: Shape): unknown {
  const first = words[0] ?? '';
  if (words.length === 1 && first.trim().startsWith('[')) return parseJson(cliName, first);
  if (isComplex(shape) && !looksLikeJson(first)) {
    return words.map((w) => shorthand(cliName, w, member));
  }
  return words.map((w) => {
    if (isScalar(member)) return unpackScalar(w, member.type);
    if (member.type === 'list') return unpackList(cliName, [w], member.member, member);
    if (!w.trimStart().startsWith('{')) throw new ParamError(cliName, `Invalid JSON:\n${w}`);
    return parseJson(cliName, w);
  });
}

/** Integers and doubles are parsed; text that is not a number stays text for validation to report. */
export function unpackScalar(text: string, type: string): unknown {
  if (type === 'integer' || type === 'long') return /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : text;
  if (type === 'double') return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  if (type === 'boolean') return text.toLowerCase() !== 'false';
  return text;
}
