// The server's response objects are already ECS's shapes; before printing, do what botocore's
// parser does: leave out absent members (null/undefined: unset sub-messages), turn epoch-seconds
// timestamps (keys ending in "At") into ISO 8601 text, and mark double fields so they print as
// Python floats ("0.0"). Keys come out in the message's declaration order (the order ECS documents
// them in), not protobufjs's decoding order (which puts repeated fields first).
import { isoTimestamp, type OffsetFn } from './timestamp.js';
import { PyFloat, isPlainObject } from './py.js';
import type { Shape } from '../schema/shapes.js';

export interface NormalizeOptions {
  readonly offset: OffsetFn;
  /** Wrap doubles in PyFloat (off when a --query will run over the data: JMESPath wants plain numbers). */
  readonly floats: boolean;
}

export function normalize(value: unknown, shape: Shape | undefined, opts: NormalizeOptions): unknown {
  if (Array.isArray(value)) {
    const member = shape?.type === 'list' ? shape.member : undefined;
    return value.filter((v) => v !== null && v !== undefined).map((v) => normalize(v, member, opts));
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of keyOrder(value, shape)) {
      const v = value[key];
      if (v === null || v === undefined) continue;
      if (key.endsWith('At') && typeof v === 'number') {
        out[key] = isoTimestamp(v, opts.offset);
        continue;
      }
      const member =
        shape?.type === 'structure' ? shape.members.get(key) : shape?.type === 'map' ? shape.value : undefined;
      out[key] = normalize(v, member, opts);
    }
    return out;
  }
  if (typeof value === 'number' && shape?.type === 'double' && opts.floats) return new PyFloat(value);
  return value;
}

function keyOrder(value: Record<string, unknown>, shape: Shape | undefined): string[] {
  if (shape?.type !== 'structure') return Object.keys(value);
  const declared = [...shape.members.keys()].filter((k) => k in value);
  return [...declared, ...Object.keys(value).filter((k) => !shape.members.has(k))];
}
