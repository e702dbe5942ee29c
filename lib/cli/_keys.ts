/**
 * Private to lib/cli: turning a key prefix typed by a user into one full call key.
 *
 * @module
 */
import type { Store } from "../store/mod.ts";
import { CommandError } from "./_errors.ts";
import { shortHash } from "./_output.ts";

/**
 * Resolves a unique key prefix to the full key of a recorded call.
 *
 * @param store The store.
 * @param prefix 6 to 64 hex digits.
 * @returns The full key.
 * @throws {CommandError} when no call or several calls match.
 */
export function resolveCallKey(store: Store, prefix: string): string {
  const keys = store.resolveKey(prefix);
  if (keys.length === 1) return keys[0];
  if (keys.length === 0) {
    throw new CommandError(
      `Cannot find call "${prefix}": no recorded call has a key starting with it`,
    );
  }
  const count = keys.length >= 10 ? "10 or more calls" : `${keys.length} calls`;
  const shown = keys.slice(0, 5).map(shortHash).join(", ") + (keys.length > 5 ? ", ..." : "");
  throw new CommandError(
    `Cannot find call "${prefix}": the prefix is ambiguous (it matches ${count}: ${shown}); give more digits`,
  );
}
