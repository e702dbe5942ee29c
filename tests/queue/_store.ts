/** Test helpers for lib/queue: a temporary store with a table of numbered rows. */
import { z } from "zod";
import { table } from "../../lib/queue/mod.ts";
import { openStore, type Store } from "../../lib/store/mod.ts";

/** A temporary project store; disposing it closes and removes it. */
export interface TempStore extends AsyncDisposable {
  readonly dir: string;
  readonly store: Store;
}

/**
 * Opens a store in a new temporary directory, with table `nums` of rows `{ id, n }` for
 * id = 1..rows (n = id unless given).
 */
export async function numsStore(
  rows = 0,
  n: (id: number) => number = (id) => id,
): Promise<TempStore> {
  const dir = await Deno.makeTempDir();
  const store = openStore({ dir: `${dir}/.drover` });
  const nums = table("nums", z.object({ id: z.number().int(), n: z.number() }));
  nums.insert(Array.from({ length: rows }, (_, i) => ({ id: i + 1, n: n(i + 1) })), { store });
  return {
    dir,
    store,
    async [Symbol.asyncDispose](): Promise<void> {
      store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** The items of a task: key -> [state, attempts]. */
export function items(store: Store, task: string): Record<string, [string, number]> {
  return Object.fromEntries(
    store.db.prepare(
      `SELECT r.key, i.state, i.attempts FROM queue_items i JOIN queue_rows r ON r.seq = i.row_seq
       WHERE i.task = ? ORDER BY r.seq`,
    ).all(task).map((r) => [String(r.key), [String(r.state), Number(r.attempts)]]),
  );
}
