// Characters of the cluster query language and the errors that point into an expression.
// Positions in messages count characters from 1.
import { InvalidParameterException } from '../../domain/errors.js';

/**
 * Characters of an unquoted value (and of subjects and word operators): letters, digits and
 * `. - _ * : / \ @ + ? ^ $`. That covers attribute names and values (letters, numbers, hyphens,
 * underscores, periods, at signs, slashes, back slashes, colons), task groups (service:web), dates
 * (2018-06-18T22:28:28+00:00), versions and simple regexes (t2.*). Anything else (spaces, brackets,
 * parentheses, commas, |, quotes) needs quotes.
 */
export function isValueChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || // a-z
    (c >= 65 && c <= 90) || // A-Z
    (c >= 48 && c <= 58) || // 0-9 :
    c === 46 || // .
    c === 45 || // -
    c === 95 || // _
    c === 42 || // *
    c === 47 || // /
    c === 92 || // \
    c === 64 || // @
    c === 43 || // +
    c === 63 || // ?
    c === 94 || // ^
    c === 36 // $
  );
}

export const VALUE_RE = /^[A-Za-z0-9.\-_*:/\\@+?^$]+$/;

/** Attribute names: letters, numbers, hyphens, underscores, forward slashes, back slashes or periods (1-128). */
export const ATTRIBUTE_NAME_RE = /^[A-Za-z0-9\-_/\\.]{1,128}$/;

export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** What stands at `pos`, for "unexpected X": the run up to the next space or bracket, or one character. */
export function lexemeAt(src: string, pos: number): string {
  if (pos >= src.length) return 'end of expression';
  let end = pos;
  while (end < src.length && !isSpace(src.charCodeAt(end)) && !'()[],\'"'.includes(src[end]!)) end++;
  if (end === pos) end = pos + 1;
  return `'${src.slice(pos, end)}'`;
}

/** "at position N", N counting from 1. */
export function at(pos: number): string {
  return `at position ${pos + 1}`;
}

export function invalidExpression(src: string, problem: string): InvalidParameterException {
  return new InvalidParameterException(`Invalid placement expression '${src}': ${problem}`);
}
