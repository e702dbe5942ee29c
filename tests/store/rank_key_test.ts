import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import fc from "fast-check";
import { rankKey } from "../../lib/store/_rank_key.ts";

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

const value = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom("", "a", "ab", "b", "\u0000", "\u0001x", "é", "Z"),
  fc.string({ maxLength: 4 }),
);

Deno.test("rankKey() orders rows as SQLite's ORDER BY with NULLS LAST does, per direction", () => {
  const db = new DatabaseSync(":memory:");
  fc.assert(
    fc.property(
      fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 12 }),
      fc.tuple(fc.boolean(), fc.boolean()),
      (rows, [d1, d2]) => {
        db.exec("DROP TABLE IF EXISTS t; CREATE TABLE t (i INTEGER, a, b)");
        const insert = db.prepare("INSERT INTO t VALUES (?, ?, ?)");
        rows.forEach(([a, b], i) => insert.run(i, a, b));
        const dir = (d: boolean): string => d ? "DESC" : "ASC";
        const bySqlite = db.prepare(
          `SELECT i FROM t ORDER BY a ${dir(d1)} NULLS LAST, b ${dir(d2)} NULLS LAST, i`,
        ).all().map((r) => Number(r.i));
        const keys = rows.map(([a, b]) => rankKey(a, d1 ? 1 : 0, b, d2 ? 1 : 0));
        const byKey = rows.map((_, i) => i).sort((x, y) =>
          compareBytes(keys[x]!, keys[y]!) || x - y
        );
        assert.deepEqual(byKey, bySqlite);
      },
    ),
    { numRuns: 300 },
  );
  db.close();
});
