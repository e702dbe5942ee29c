import assert from "node:assert/strict";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import {
  FilterError,
  openStore,
  parseWhereClause,
  safeParseWhereClause,
} from "../../lib/store/mod.ts";
import { callRecord } from "../_helpers/call_record.ts";

Deno.test("parseWhereClause() accepts single expressions with strings, names, comments and subqueries", () => {
  for (
    const ok of [
      "attempts > 1",
      "step = 'a;b' AND location LIKE '%)%'",
      `"step" = 'it''s' -- a comment; with a semicolon`,
      "key IN (SELECT key FROM job_calls WHERE state = 'failed' ORDER BY key LIMIT 3)",
      "/* ) */ ended_at IS NOT NULL",
      "replace(step, 'a', 'b') = 'b' AND x'00' IS NOT NULL",
      "CASE WHEN attempts > 1 THEN 1 ELSE 0 END = 1",
    ]
  ) {
    assert.equal(parseWhereClause(ok), ok.trim(), ok);
  }
});

Deno.test("parseWhereClause() rejects clauses that escape the parentheses or add clauses", () => {
  const cases: [string, RegExp][] = [
    ["0) OR (1=1", /"\)" closes a parenthesis it did not open/],
    ["1=1 UNION SELECT key FROM calls", /UNION would add a clause/],
    ["1=1) UNION SELECT key, step FROM (calls", /"\)" closes/],
    ["1; DROP TABLE calls", /";" ends a statement/],
    ["(1=1", /"\(" not closed/],
    ["step = 'a", /'string' is not closed/],
    ['"step = 1', /quoted name" is not closed/],
    ["1 /* open", /comment is not closed/],
    ["1 ORDER BY key", /ORDER would add a clause/],
    ["1 LIMIT 1", /LIMIT would add/],
    ["key = ?", /bound parameter/],
    ["key = :k", /bound parameter/],
    ["(SELECT COUNT(*) FROM (DELETE FROM jobs RETURNING id)) > 0", /DELETE is a statement/],
    ["   ", /it is empty/],
    ["-- only a comment", /it is empty/],
  ];
  for (const [where, message] of cases) {
    const r = safeParseWhereClause(where);
    assert.equal(r.success, false, where);
    if (!r.success) {
      assert.ok(r.error instanceof FilterError);
      assert.match(r.error.message, message, where);
      assert.match(
        r.error.message,
        /^Cannot filter calls: the --where clause ".*" is not valid SQL/,
      );
      assert.equal(r.error.message.includes("\n"), false);
    }
  }
});

Deno.test("parseWhereClause() never lets an accepted clause reach rows outside the other filters", () => {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE t (k TEXT); INSERT INTO t VALUES ('a'), ('b'), ('c')");
  const token = fc.constantFrom(
    "(",
    ")",
    "1",
    "0",
    " ",
    "'",
    '"',
    "--",
    "/*",
    "*/",
    ";",
    "\n",
    " OR ",
    "=",
    " UNION ",
    " SELECT ",
    "k",
    " FROM t",
    "[",
    "]",
  );
  let accepted = 0;
  fc.assert(
    fc.property(fc.array(token, { maxLength: 14 }), (parts) => {
      const r = safeParseWhereClause(parts.join(""));
      if (!r.success) return;
      accepted++;
      let rows: unknown[];
      try {
        rows = db.prepare(`SELECT k FROM t WHERE k = 'a' AND (${r.data})`).all();
      } catch {
        return; // a syntax error SQLite reports is fine: it becomes a FilterError
      }
      assert.ok(rows.length <= 1, `${JSON.stringify(r.data)} reached ${rows.length} rows`);
    }),
    { numRuns: 2000 },
  );
  assert.ok(accepted > 50, `only ${accepted} clauses were accepted`);
  db.close();
});

Deno.test("Store.removeCalls() refuses an escaping --where and removes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    using store = openStore({ dir: `${dir}/.drover` });
    for (const [key, step] of [["a".repeat(64), "a"], ["b".repeat(64), "b"]]) {
      store.putCall(
        callRecord(key, { step, codeHash: "c", createdAt: 1, startedAt: 1, endedAt: 2 }),
      );
    }
    assert.throws(() => store.removeCalls({ step: "a", where: "0) OR (1=1" }), FilterError);
    assert.throws(() => store.removeCalls({ step: "a", where: "1=1 UNION SELECT 1" }), FilterError);
    assert.equal(store.countCalls().reduce((n, c) => n + c.count, 0), 2);
    assert.deepEqual(store.removeCalls({ step: "a", where: "1=1" }), ["a".repeat(64)]);
    assert.equal(store.getCall("b".repeat(64))?.step, "b");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
