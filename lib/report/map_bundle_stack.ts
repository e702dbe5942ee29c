/**
 * {@linkcode mapBundleStack}: rewrites the frames of a stack thrown inside a job bundle so
 * they point at the user's source files and lines.
 *
 * @module
 */
import { type OriginalPosition, SourceMapIndex, type SourceMapV3 } from "./source_map.ts";
import { parseFrame } from "./stack_frames.ts";

/** Options of {@linkcode mapBundleStack}. */
export interface MapBundleStackOptions {
  /**
   * Which frames are in the bundle: a predicate on the frame's file. Default: files named
   * `bundle.js`, or named by a sha256 hex digest (how bundles are staged as objects), with
   * or without `.js`.
   */
  readonly isBundle?: (file: string) => boolean;
  /** The map's own URL, to resolve relative `sources` against. */
  readonly mapUrl?: string | URL;
  /**
   * Corrects a mapped position, e.g. with {@linkcode realignPosition} when the bundle's
   * text is at hand. Gets the frame's generated line and column (1-based).
   */
  readonly adjust?: (
    generated: { readonly line: number; readonly column: number },
    original: OriginalPosition,
  ) => OriginalPosition;
}

const BUNDLE_NAME = /(^|\/)(bundle\.js|[0-9a-f]{64}(\.js)?)$/;

/**
 * Rewrites `file:///.../bundle.js:L:C` frames to the original `file:line:column` the
 * source map gives; other frames, and bundle frames the map does not cover, stay as they
 * are.
 *
 * @param stack The stack (e.g. a stored error's stack from a job).
 * @param sourceMap The bundle's source map (v3 JSON, or an already decoded index).
 * @param options Which frames are the bundle's; the map's URL.
 * @returns The stack with mapped frames.
 * @throws {TypeError} when `sourceMap` is not a version 3 source map.
 *
 * @example
 * ```ts
 * import { mapBundleStack } from "./map_bundle_stack.ts";
 * import assert from "node:assert/strict";
 * const map = {
 *   version: 3, sources: ["file:///home/u/relax.ts"], names: [], mappings: ";;;IAEE",
 * };
 * const stack = "RangeError: x\n    at check (file:///scratch/job/bundle.js:4:5)";
 * assert.equal(
 *   mapBundleStack(stack, map),
 *   "RangeError: x\n    at check (file:///home/u/relax.ts:3:3)",
 * );
 * ```
 */
export function mapBundleStack(
  stack: string,
  sourceMap: SourceMapV3 | SourceMapIndex,
  options: MapBundleStackOptions = {},
): string {
  const index = sourceMap instanceof SourceMapIndex
    ? sourceMap
    : SourceMapIndex.from(sourceMap, { mapUrl: options.mapUrl });
  const isBundle = options.isBundle ?? ((file: string) => BUNDLE_NAME.test(file));
  return stack.split("\n").map((line) => {
    const frame = parseFrame(line);
    if (
      !frame || frame.file === undefined || frame.span === undefined ||
      frame.line === undefined || !isBundle(frame.file)
    ) return line;
    const mapped = index.originalPosition(frame.line, frame.column ?? 1);
    if (mapped === undefined) return line;
    const pos = options.adjust
      ? options.adjust({ line: frame.line, column: frame.column ?? 1 }, mapped)
      : mapped;
    const [from, to] = frame.span;
    return `${line.slice(0, from)}${pos.source}:${pos.line}:${pos.column}${line.slice(to)}`;
  }).join("\n");
}
