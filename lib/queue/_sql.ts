/**
 * Private to lib/queue: prepared statements cached per connection, so a claim does not
 * compile its SQL again each time.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Store } from "../store/mod.ts";

const CACHE = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/**
 * The prepared statement for `sql` on the store's connection.
 *
 * @param store The store.
 * @param sql The statement.
 * @returns It, prepared once per connection.
 */
export function stmt(store: Store, sql: string): StatementSync {
  const db = store.db;
  let map = CACHE.get(db);
  if (map === undefined) CACHE.set(db, map = new Map());
  let s = map.get(sql);
  if (s === undefined) {
    if (map.size > 500) map.clear();
    map.set(sql, s = db.prepare(sql));
  }
  return s;
}
