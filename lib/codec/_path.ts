// Private: rendering of the argument path named in EncodeError messages. The encoder
// keeps the path as parallel arrays of segment kinds and keys and only builds the
// string when it throws.
import { preview } from "./preview.ts";

/** `.key` or `["odd key"]` of a plain object. */
export const SEG_KEY = 0;
/** `[i]` of an array. */
export const SEG_INDEX = 1;
/** `<map key i>`: the i-th key of a Map. */
export const SEG_MAP_KEY = 2;
/** `.get(key)`: the value of a Map entry. */
export const SEG_MAP_VALUE = 3;
/** `<set element i>`: the i-th element of a Set. */
export const SEG_SET = 4;
/** Nothing: the plain value returned by a declared encoding stands for the instance. */
export const SEG_CUSTOM = 5;
/** `.value` of a TaggedValue. */
export const SEG_TAG = 6;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Paths longer than this many segments are shortened in the middle. */
const MAX_SEGMENTS = 40;

/** Renders `root` followed by the first `depth` segments. */
export function renderPath(
  root: string,
  kinds: readonly number[],
  keys: readonly unknown[],
  depth: number,
): string {
  if (depth > MAX_SEGMENTS) {
    const half = MAX_SEGMENTS / 2;
    const head = renderSegments(kinds, keys, 0, half);
    const tail = renderSegments(kinds, keys, depth - half, depth);
    return `${root}${head}…(${depth - 2 * half} more)…${tail}`;
  }
  return root + renderSegments(kinds, keys, 0, depth);
}

function renderSegments(
  kinds: readonly number[],
  keys: readonly unknown[],
  from: number,
  to: number,
): string {
  let out = "";
  for (let i = from; i < to; i++) {
    const key = keys[i];
    switch (kinds[i]) {
      case SEG_KEY:
        out += IDENTIFIER.test(key as string) ? `.${key}` : `[${JSON.stringify(key)}]`;
        break;
      case SEG_INDEX:
        out += `[${key}]`;
        break;
      case SEG_MAP_KEY:
        out += `<map key ${key}>`;
        break;
      case SEG_MAP_VALUE:
        out += `.get(${preview(key, 40)})`;
        break;
      case SEG_SET:
        out += `<set element ${key}>`;
        break;
      case SEG_TAG:
        out += ".value";
        break;
    }
  }
  return out;
}
