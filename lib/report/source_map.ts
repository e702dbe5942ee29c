/**
 * Source maps (version 3): {@linkcode decodeVlq} reads the base64 VLQ numbers of the
 * `mappings` field, {@linkcode SourceMapIndex} answers "where in the sources was this
 * generated line and column".
 *
 * @module
 */

/** A source map v3 as JSON (the fields this module reads). */
export interface SourceMapV3 {
  /** Always 3. */
  readonly version: number;
  /** The generated file's name, if given. */
  readonly file?: string;
  /** Prefix of every source. */
  readonly sourceRoot?: string;
  /** The original files, relative to the map (or `sourceRoot`). */
  readonly sources: readonly (string | null)[];
  /** Names referenced by segments. */
  readonly names?: readonly string[];
  /** The mappings, VLQ encoded. */
  readonly mappings: string;
}

/** A position in an original source. 1-based line and column, as in stack traces. */
export interface OriginalPosition {
  /** The source, resolved against the map's URL when one was given. */
  readonly source: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** The original name at that position, if the map has one. */
  readonly name: string | undefined;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/**
 * Decodes a run of base64 VLQ numbers (one source map segment).
 *
 * @param text The segment, e.g. "AAAA" or "gBAAC".
 * @returns The numbers.
 * @throws {SyntaxError} on a character outside base64 or a number cut short.
 *
 * @example
 * ```ts
 * import { decodeVlq } from "./source_map.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(decodeVlq("AAgBC"), [0, 0, 16, 1]);
 * assert.deepEqual(decodeVlq("D"), [-1]);
 * assert.throws(() => decodeVlq("g"), SyntaxError);
 * ```
 */
export function decodeVlq(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  let open = false;
  for (const c of text) {
    const digit = DIGIT.get(c);
    if (digit === undefined) {
      throw new SyntaxError(`Cannot decode VLQ "${text}": "${c}" is not base64`);
    }
    value += (digit & 31) * 2 ** shift;
    shift += 5;
    open = (digit & 32) !== 0;
    if (!open) {
      const magnitude = Math.floor(value / 2);
      out.push(value % 2 === 1 && magnitude !== 0 ? -magnitude : magnitude);
      value = 0;
      shift = 0;
    } else if (shift > 35) {
      throw new SyntaxError(`Cannot decode VLQ "${text}": number too large`);
    }
  }
  if (open) throw new SyntaxError(`Cannot decode VLQ "${text}": the last number is cut short`);
  return out;
}

/** One mapped segment: generated column (0-based) -> source, line, column, name (0-based). */
type Segment = readonly [number, number, number, number, number] | readonly [number];

/**
 * A decoded source map, ready for lookups.
 *
 * @example
 * ```ts
 * import { SourceMapIndex } from "./source_map.ts";
 * import assert from "node:assert/strict";
 * // Line 1 of the output: column 0 is a.ts line 1 col 0; column 4 is a.ts line 2 col 2.
 * const map = SourceMapIndex.from({ version: 3, sources: ["a.ts"], mappings: "AAAA,IACE" }, {
 *   mapUrl: "file:///p/out/bundle.js.map",
 * });
 * assert.deepEqual(map.originalPosition(1, 7), {
 *   source: "file:///p/out/a.ts", line: 2, column: 3, name: undefined,
 * });
 * assert.equal(map.originalPosition(2, 1), undefined);
 * ```
 */
export class SourceMapIndex {
  readonly #lines: readonly (readonly Segment[])[];
  readonly #sources: readonly string[];
  readonly #names: readonly string[];

  private constructor(
    lines: readonly (readonly Segment[])[],
    sources: readonly string[],
    names: readonly string[],
  ) {
    this.#lines = lines;
    this.#sources = sources;
    this.#names = names;
  }

  /**
   * Decodes a source map.
   *
   * @param map The map, as parsed JSON.
   * @param options `mapUrl`: the map's own URL, to resolve relative sources against.
   * @returns The index.
   * @throws {TypeError} when the map is not a version 3 map with `sources` and `mappings`
   *   (index maps with `sections` are not supported).
   * @throws {SyntaxError} when `mappings` is malformed.
   */
  static from(map: SourceMapV3, options: { readonly mapUrl?: string | URL } = {}): SourceMapIndex {
    if (
      map === null || typeof map !== "object" || map.version !== 3 ||
      !Array.isArray(map.sources) || typeof map.mappings !== "string"
    ) {
      throw new TypeError(
        "Cannot read source map: expected a version 3 map with sources and mappings",
      );
    }
    const sources = map.sources.map((s) => resolveSource(s ?? "", map.sourceRoot, options.mapUrl));
    return new SourceMapIndex(decodeMappings(map.mappings), sources, map.names ?? []);
  }

  /**
   * Where a generated position came from.
   *
   * @param line 1-based generated line (as in a stack trace).
   * @param column 1-based generated column.
   * @returns The original position, or `undefined` where the map says nothing.
   */
  originalPosition(line: number, column: number): OriginalPosition | undefined {
    const segments = this.#lines[line - 1];
    if (!segments || segments.length === 0) return undefined;
    const col = column - 1;
    let lo = 0, hi = segments.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segments[mid][0] <= col) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const seg = found < 0 ? undefined : segments[found];
    if (seg === undefined || seg.length === 1) return undefined;
    const source = this.#sources[seg[1]];
    if (source === undefined) return undefined;
    return {
      source,
      line: seg[2] + 1,
      column: seg[3] + 1,
      name: seg[4] >= 0 ? this.#names[seg[4]] : undefined,
    };
  }
}

/**
 * A map whose sources are absolute URLs (resolved against where the map was written), so
 * it still works once the bundle and the map move (`deno bundle` writes sources relative
 * to its output directory, often a temporary one). `sourcesContent` is dropped unless
 * kept: stack mapping needs positions, not text, and it is most of a map's size.
 *
 * @param map The map as `deno bundle --sourcemap=external` wrote it.
 * @param mapUrl Where it was written (`file:///tmp/drover-bundle-x/bundle.js.map`).
 * @param options `keepSourcesContent` (default false).
 * @returns A new map.
 *
 * @example
 * ```ts
 * import { rebaseSourceMap } from "./source_map.ts";
 * import assert from "node:assert/strict";
 * const map = rebaseSourceMap(
 *   { version: 3, sources: ["../../home/u/relax.ts"], sourcesContent: ["..."], mappings: "AAAA" },
 *   "file:///tmp/b1/bundle.js.map",
 * );
 * assert.deepEqual(map, { version: 3, sources: ["file:///home/u/relax.ts"], mappings: "AAAA" });
 * ```
 */
export function rebaseSourceMap(
  map: SourceMapV3 & { readonly sourcesContent?: readonly (string | null)[] },
  mapUrl: string | URL,
  options: { readonly keepSourcesContent?: boolean } = {},
): SourceMapV3 & { readonly sourcesContent?: readonly (string | null)[] } {
  const { sourceRoot, sourcesContent, ...rest } = map;
  return {
    ...rest,
    sources: map.sources.map((s) => resolveSource(s ?? "", sourceRoot, mapUrl)),
    ...(options.keepSourcesContent && sourcesContent ? { sourcesContent } : {}),
  };
}

/** The base64 digit of each character code, -1 for others. */
const DIGIT_OF = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < BASE64.length; i++) t[BASE64.charCodeAt(i)] = i;
  return t;
})();

/**
 * Decodes the whole `mappings` field in one pass over its characters (no intermediate
 * arrays: maps of real bundles are megabytes).
 */
function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let segments: Segment[] = [];
  const fields = [0, 0, 0, 0, 0];
  let n = 0; // fields read in the current segment
  let generated = 0, source = 0, line = 0, column = 0, name = 0;
  let value = 0, shift = 0, open = false;
  const endSegment = (at: number): void => {
    if (open) throw new SyntaxError(`Cannot read source map: a number is cut short at ${at}`);
    if (n === 0) return;
    generated += fields[0];
    if (n === 1) segments.push([generated]);
    else if (n >= 4) {
      source += fields[1];
      line += fields[2];
      column += fields[3];
      if (n >= 5) name += fields[4];
      segments.push([generated, source, line, column, n >= 5 ? name : -1]);
    } else {
      throw new SyntaxError(`Cannot read source map: a segment has ${n} fields at ${at}`);
    }
    n = 0;
  };
  for (let i = 0; i <= mappings.length; i++) {
    const code = i < mappings.length ? mappings.charCodeAt(i) : 59; // ";" ends the last line
    if (code === 44 || code === 59) { // "," or ";"
      endSegment(i);
      if (code === 59) {
        segments.sort((a, b) => a[0] - b[0]);
        lines.push(segments);
        segments = [];
        generated = 0;
      }
      continue;
    }
    const digit = code < 128 ? DIGIT_OF[code] : -1;
    if (digit < 0) {
      throw new SyntaxError(
        `Cannot read source map: "${mappings[i]}" at ${i} is not base64`,
      );
    }
    value += (digit & 31) * 2 ** shift;
    shift += 5;
    open = (digit & 32) !== 0;
    if (open) {
      if (shift > 35) throw new SyntaxError(`Cannot read source map: number too large at ${i}`);
      continue;
    }
    const magnitude = Math.floor(value / 2);
    if (n < 5) fields[n] = value % 2 === 1 && magnitude !== 0 ? -magnitude : magnitude;
    n++;
    value = 0;
    shift = 0;
  }
  return lines;
}

function resolveSource(
  source: string,
  root: string | undefined,
  mapUrl: string | URL | undefined,
): string {
  const joined = root
    ? `${root.endsWith("/") || root === "" ? root : `${root}/`}${source}`
    : source;
  if (mapUrl === undefined) return joined;
  try {
    return new URL(joined, mapUrl).href;
  } catch {
    return joined;
  }
}
