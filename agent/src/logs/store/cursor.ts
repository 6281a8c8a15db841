// A shipper's position in a store, cursor-<output>.json beside the segments. Saved atomically (temp file,
// fsync, rename), so a crash leaves the old cursor or the new one; a shipper then re-sends at most what it
// shipped after the last save.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../state/atomic-write.js';
import type { StorePosition } from '../types.js';

/** The cursor file of an output (its name is escaped so any output name is one file name). */
export function cursorPath(dir: string, output: string): string {
  return join(dir, `cursor-${encodeURIComponent(output)}.json`);
}

/** The saved position; undefined if absent or corrupt. */
export function loadCursor(dir: string, output: string): StorePosition | undefined {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(cursorPath(dir, output), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { segment, offset } = v as Record<string, unknown>;
  if (!Number.isSafeInteger(segment) || !Number.isSafeInteger(offset)) return undefined;
  if ((segment as number) < 1 || (offset as number) < 0) return undefined;
  return { segment: segment as number, offset: offset as number };
}

export function saveCursor(dir: string, output: string, pos: StorePosition): void {
  writeFileAtomic(cursorPath(dir, output), JSON.stringify({ segment: pos.segment, offset: pos.offset }) + '\n');
}
