/**
 * Reading `DROVER_REMOTE_INFO`: JSON in the variable, or the path of a JSON file.
 *
 * @module
 */
import { resolve } from "node:path";
import { RemoteInfoError } from "./errors.ts";
import { parseRemoteInfo } from "./parse_remote_info.ts";
import type { RemoteInfo } from "./remote_info.ts";

/** The environment variable that holds remote info or its path. */
export const REMOTE_INFO_VAR = "DROVER_REMOTE_INFO";

/** Options of {@linkcode loadRemoteInfo}. */
export interface LoadRemoteInfoOptions {
  /** The directory a relative path is resolved against. Default: `Deno.cwd()`. */
  readonly cwd?: string;
}

/**
 * Reads remote info from `DROVER_REMOTE_INFO`. A value starting with `{` (or `[`) is the
 * JSON itself; anything else is the path of a JSON file, relative to `cwd`. Messages name
 * the variable (`from DROVER_REMOTE_INFO`) or the file
 * (`"/p/routes.json" (named by DROVER_REMOTE_INFO)`).
 *
 * @param env The environment. Default: `Deno.env.toObject()`.
 * @param options The directory relative paths are in.
 * @returns The remote info, or `undefined` when the variable is unset or blank (every call
 * runs locally).
 * @throws {RemoteInfoError} When the file cannot be read, or the JSON is not valid.
 *
 * @example
 * ```ts
 * import { loadRemoteInfo } from "./load_remote_info.ts";
 * import assert from "node:assert/strict";
 * assert.equal(loadRemoteInfo({}), undefined);
 * const info = loadRemoteInfo({ DROVER_REMOTE_INFO: '{"gpu": {"system": "cluster"}}' });
 * assert.equal(info?.rules[0].key, "gpu");
 * assert.equal(info?.source, "from DROVER_REMOTE_INFO");
 * ```
 */
export function loadRemoteInfo(
  env: Readonly<Record<string, string | undefined>> = Deno.env.toObject(),
  options: LoadRemoteInfoOptions = {},
): RemoteInfo | undefined {
  const value = env[REMOTE_INFO_VAR]?.trim() ?? "";
  if (value === "") return undefined;
  if (value.startsWith("{") || value.startsWith("[")) {
    return parseRemoteInfo(value, `from ${REMOTE_INFO_VAR}`);
  }
  const file = resolve(options.cwd ?? Deno.cwd(), value);
  const source = `${JSON.stringify(file)} (named by ${REMOTE_INFO_VAR})`;
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    const reason = e instanceof Deno.errors.NotFound
      ? `the file does not exist; ${REMOTE_INFO_VAR} must hold JSON (starting with {) or the path of a JSON file`
      : `the file cannot be read (${e instanceof Error ? e.message : String(e)})`;
    throw new RemoteInfoError(source, {
      path: "",
      expected: "a readable JSON file",
      message: reason,
    }, { cause: e });
  }
  return parseRemoteInfo(text, source);
}
