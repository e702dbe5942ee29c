/**
 * Maps the frames of a stack thrown inside a job bundle back to the user's files, with the
 * source maps kept beside the bundle cache (see `bundleSourceMapFile`).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { mapBundleStack, realignPosition, type SourceMapV3 } from "../report/mod.ts";
import { bundleSourceMapFile } from "../runtime/mod.ts";

const HASH_IN_FRAME = /\/([0-9a-f]{64})(?:\.js)?:\d+:\d+/g;

/**
 * Rewrites the frames of every bundle in `stack` whose source map is kept here; frames of
 * bundles without a map (built elsewhere, or cache cleared) stay as they are.
 *
 * @param stack A stack, e.g. of a step that failed in a job.
 * @param cacheDir The bundle cache directory. Default: drover's.
 * @returns The mapped stack.
 *
 * @example
 * ```ts
 * import { mapJobStack } from "./_bundle_stack.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const hash = "c".repeat(64);
 * await Deno.mkdir(`${dir}/maps`);
 * await Deno.writeTextFile(`${dir}/maps/${hash}.map`, JSON.stringify({
 *   version: 3, sources: ["file:///home/u/relax.ts"], names: [], mappings: ";;;IAEE",
 * }));
 * const stack = `RangeError: x\n    at check (file:///scratch/R/objects/cc/${hash}:4:5)`;
 * assert.equal(mapJobStack(stack, dir), "RangeError: x\n    at check (file:///home/u/relax.ts:3:3)");
 * assert.equal(mapJobStack("Error: y\n    at f (file:///a.ts:1:1)", dir), "Error: y\n    at f (file:///a.ts:1:1)");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function mapJobStack(stack: string, cacheDir?: string | false): string {
  const hashes = new Set([...stack.matchAll(HASH_IN_FRAME)].map((m) => m[1]));
  let mapped = stack;
  for (const hash of hashes) {
    const map = readMap(hash, cacheDir);
    if (map === undefined) continue;
    const bundleLines = readLines(map.file);
    mapped = mapBundleStack(mapped, map.map, {
      isBundle: (file) => file.endsWith(hash) || file.endsWith(`${hash}.js`),
      adjust: (generated, original) => {
        const line = bundleLines?.[generated.line - 1];
        const source = original.source.startsWith("file:")
          ? readText(fileURLToPath(original.source))
          : undefined;
        return line === undefined || source === undefined
          ? original
          : realignPosition(line, generated.column, source, original);
      },
    });
  }
  return mapped;
}

const maps = new Map<string, { map: SourceMapV3; file: string } | undefined>();
const texts = new Map<string, string | undefined>();

function readText(path: string): string | undefined {
  if (!texts.has(path)) {
    try {
      texts.set(path, Deno.readTextFileSync(path));
    } catch {
      texts.set(path, undefined);
    }
  }
  return texts.get(path);
}

function readLines(mapFile: string): string[] | undefined {
  return readText(mapFile.replace(/\.map$/, ".js"))?.split("\n");
}

function readMap(
  hash: string,
  cacheDir: string | false | undefined,
): { map: SourceMapV3; file: string } | undefined {
  const file = cacheDir === undefined
    ? bundleSourceMapFile(hash)
    : bundleSourceMapFile(hash, cacheDir);
  if (file === undefined) return undefined;
  if (maps.has(file)) return maps.get(file);
  let map: { map: SourceMapV3; file: string } | undefined;
  try {
    const parsed = JSON.parse(Deno.readTextFileSync(file));
    map = parsed?.version === 3 ? { map: parsed as SourceMapV3, file } : undefined;
  } catch {
    map = undefined;
  }
  maps.set(file, map);
  return map;
}
