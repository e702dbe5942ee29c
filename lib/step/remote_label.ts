/**
 * `remote(label, fn)`: give every step call made inside `fn` a routing label.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";

// Created on first use: async context tracking is not free for every await of a program.
let labels: AsyncLocalStorage<string> | undefined;
const LABEL_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Runs `fn` so that every step call made inside it (also after `await`s) carries `label`,
 * which remote info can route by: `{"gpu": {"system": "cluster", ...}}`. Without a key for
 * the label the calls run as they would have (locally, or by their call stack).
 *
 * @param label A label: letters, digits, `_ . -`.
 * @param fn The work.
 * @returns What `fn` returns.
 * @throws {TypeError} For a label that is not valid.
 *
 * @example
 * ```ts
 * import { currentLabel, remote } from "./remote_label.ts";
 * import assert from "node:assert/strict";
 * const seen = await remote("gpu", async () => {
 *   await Promise.resolve();
 *   return currentLabel();
 * });
 * assert.equal(seen, "gpu");
 * assert.equal(currentLabel(), undefined);
 * ```
 */
export function remote<T>(label: string, fn: () => T): T {
  if (typeof label !== "string" || !LABEL_RE.test(label)) {
    throw new TypeError(
      `Cannot use remote label ${
        JSON.stringify(label)
      }: a label starts with a letter or _ and has only letters, digits, _ . -`,
    );
  }
  labels ??= new AsyncLocalStorage<string>();
  return labels.run(label, fn);
}

/**
 * The label set by the innermost enclosing {@linkcode remote}, if any.
 *
 * @returns The label.
 */
export function currentLabel(): string | undefined {
  return labels?.getStore();
}
