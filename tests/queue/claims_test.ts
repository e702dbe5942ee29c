import assert from "node:assert/strict";
import { z } from "zod";
import {
  claimRows,
  finishClaim,
  getTaskSettings,
  moveRows,
  QueryError,
  registerTask,
  releaseClaims,
  renewClaims,
  retryFailed,
  selectNext,
  setTask,
  syncItems,
  table,
  UnknownTaskError,
} from "../../lib/queue/mod.ts";
import { items, numsStore } from "./_store.ts";

const LEASE = 60_000;

Deno.test("claimRows() takes the best pending rows up to the in-flight cap, once each", async () => {
  await using t = await numsStore(5, (id) => 10 - id);
  registerTask(t.store, { name: "sq", source: "nums", priority: "n ASC", inFlight: 2 });
  const a = claimRows(t.store, "sq", { owner: "a", now: 0, leaseMs: LEASE });
  assert.deepEqual(a.map((c) => [c.key, c.fence, c.attempt]), [["5", 1, 1], ["4", 1, 1]]);
  assert.deepEqual(claimRows(t.store, "sq", { owner: "b", now: 0, leaseMs: LEASE }), []);
  assert.equal(finishClaim(t.store, a[0]!, { ok: true, result: { y: 1 } }, 1), true);
  const b = claimRows(t.store, "sq", { owner: "b", now: 1, leaseMs: LEASE });
  assert.deepEqual(b.map((c) => c.key), ["3"]);
  assert.deepEqual(items(t.store, "sq"), {
    "1": ["pending", 0],
    "2": ["pending", 0],
    "3": ["claimed", 1],
    "4": ["claimed", 1],
    "5": ["done", 1],
  });
});

Deno.test("finishClaim() refuses a late finisher whose lease ran out and was claimed again", async () => {
  await using t = await numsStore(1);
  registerTask(t.store, { name: "sq", source: "nums", inFlight: 1 });
  const [late] = claimRows(t.store, "sq", { owner: "a", now: 0, leaseMs: LEASE });
  // The lease is over: the next claim returns the row and takes it with a new fence.
  const [again] = claimRows(t.store, "sq", { owner: "b", now: LEASE, leaseMs: LEASE });
  assert.deepEqual([again!.key, again!.fence, again!.attempt], ["1", 2, 2]);
  assert.equal(renewClaims(t.store, [late!], LEASE * 3).length, 1, "the late claim cannot renew");
  assert.equal(finishClaim(t.store, late!, { ok: true, result: "late" }, LEASE + 1), false);
  assert.equal(finishClaim(t.store, again!, { ok: true, result: "current" }, LEASE + 2), true);
  const row = t.store.db.prepare("SELECT result FROM queue_items WHERE task = 'sq'").get();
  assert.equal(row?.result, '"current"');
});

Deno.test("claimRows() fails a row as lost after maxAttempts expired leases; retryFailed() brings it back", async () => {
  await using t = await numsStore(1);
  registerTask(t.store, { name: "sq", source: "nums", inFlight: 1 });
  for (let i = 0; i < 2; i++) {
    assert.equal(
      claimRows(t.store, "sq", { owner: "a", now: i * LEASE, leaseMs: LEASE, maxAttempts: 2 })
        .length,
      1,
    );
  }
  assert.deepEqual(
    claimRows(t.store, "sq", { owner: "a", now: 2 * LEASE, leaseMs: LEASE, maxAttempts: 2 }),
    [],
  );
  assert.deepEqual(items(t.store, "sq"), { "1": ["failed", 2] });
  assert.equal(retryFailed(t.store, "sq"), 1);
  const [c] = claimRows(t.store, "sq", { owner: "a", now: 3 * LEASE, leaseMs: LEASE });
  assert.equal(c!.attempt, 1);
  // A failure is kept; a retryable one goes back to pending.
  assert.equal(finishClaim(t.store, c!, { ok: false, error: new Error("boom") }, 0), true);
  assert.deepEqual(claimRows(t.store, "sq", { owner: "a", now: 4 * LEASE, leaseMs: LEASE }), []);
  retryFailed(t.store, "sq");
  const [d] = claimRows(t.store, "sq", { owner: "a", now: 5 * LEASE, leaseMs: LEASE });
  finishClaim(t.store, d!, { ok: false, error: new Error("flaky"), retry: true }, 0);
  assert.deepEqual(items(t.store, "sq"), { "1": ["pending", 1] });
});

Deno.test("releaseClaims() returns rows without counting the attempt", async () => {
  await using t = await numsStore(2);
  registerTask(t.store, { name: "sq", source: "nums", inFlight: 2 });
  const claims = claimRows(t.store, "sq", { owner: "a", now: 0, leaseMs: LEASE });
  assert.equal(releaseClaims(t.store, claims), 2);
  assert.deepEqual(items(t.store, "sq"), { "1": ["pending", 0], "2": ["pending", 0] });
});

Deno.test("setTask() and moveRows() change the next claim: filter, priority, in flight, promoted rows", async () => {
  await using t = await numsStore(6);
  registerTask(t.store, { name: "sq", source: "nums", priority: "n ASC", inFlight: 1 });
  const next = (): string[] =>
    claimRows(t.store, "sq", { owner: "a", now: 0, leaseMs: LEASE }).map((c) => {
      finishClaim(t.store, c, { ok: true, result: null }, 0);
      return c.key;
    });
  assert.deepEqual(next(), ["1"]);
  setTask(t.store, "sq", { priority: "n DESC", inFlight: 2, where: "n < 6" });
  assert.deepEqual(next(), ["5", "4"]);
  assert.deepEqual(moveRows(t.store, "sq", ["2", "99"], "promote"), ["2"]);
  assert.deepEqual(next(), ["2", "3"]);
  setTask(t.store, "sq", { where: null });
  assert.deepEqual(getTaskSettings(t.store, "sq").overridden, ["priority", "inFlight"]);
  assert.deepEqual(next(), ["6"]);
  assert.throws(() => setTask(t.store, "sq", { where: "m > 1" }), QueryError);
  assert.throws(() => setTask(t.store, "nope", { inFlight: 1 }), UnknownTaskError);
  assert.throws(() => setTask(t.store, "sq", { inFlight: 0 }), RangeError);
});

Deno.test("claimRows() picks up rows added to the source table after it started", async () => {
  await using t = await numsStore(1);
  registerTask(t.store, { name: "sq", source: "nums", priority: "n DESC", inFlight: 5 });
  assert.equal(claimRows(t.store, "sq", { owner: "a", now: 0, leaseMs: LEASE }).length, 1);
  t.store.db.exec(
    `INSERT INTO queue_rows (tbl, key, data, created_at) VALUES
       ('nums', '7', '{"id":7,"n":7}', 0), ('nums', '8', '{"id":8,"n":8}', 0)`,
  );
  assert.deepEqual(
    claimRows(t.store, "sq", { owner: "a", now: 0, leaseMs: LEASE }).map((c) => c.key),
    ["8", "7"],
  );
});

Deno.test("claimRows() orders by a materialised priority over text and missing values (NULLs last), new rows ranked as they come, insertion order once it is dropped", async () => {
  await using t = await numsStore(0);
  const rows = table(
    "mol",
    z.object({ id: z.number(), name: z.string(), e: z.number().optional() }),
  );
  rows.insert([
    { id: 1, name: "b", e: 2 },
    { id: 2, name: "a" },
    { id: 3, name: "c", e: -1 },
    { id: 4, name: "a", e: 5 },
  ], { store: t.store });
  registerTask(t.store, { name: "w", source: "mol", priority: "name ASC, e DESC", inFlight: 1 });
  const order = (): string[] => {
    const settings = getTaskSettings(t.store, "w");
    syncItems(t.store, settings);
    return selectNext(t.store, settings, 10).map((r) => r.key);
  };
  assert.deepEqual(order(), ["4", "2", "1", "3"]);
  rows.insert([{ id: 5, name: "a", e: 9 }, { id: 6, name: "bb" }], { store: t.store });
  assert.deepEqual(
    claimRows(t.store, "w", { owner: "a", now: 0, leaseMs: LEASE }).map((c) => c.key),
    ["5"],
  );
  assert.deepEqual(order(), ["4", "2", "1", "6", "3"]);
  setTask(t.store, "w", { priority: "e ASC" });
  assert.deepEqual(order(), ["3", "1", "4", "2", "6"]);
  setTask(t.store, "w", { priority: null });
  assert.deepEqual(order(), ["4", "2", "1", "6", "3"]);
  registerTask(t.store, { name: "w", source: "mol", inFlight: 1 });
  assert.deepEqual(order(), ["1", "2", "3", "4", "6"]);
});

Deno.test("setTask() re-ranks a large task by building the claim index again: the next claims follow the new priority, another task's order is kept", async () => {
  await using t = await numsStore(6_000);
  table("few", z.object({ id: z.number().int(), n: z.number() }))
    .insert([1, 2, 3].map((id) => ({ id, n: id })), { store: t.store });
  registerTask(t.store, { name: "big", source: "nums", priority: "n ASC", inFlight: 3 });
  registerTask(t.store, { name: "small", source: "few", priority: "n DESC", inFlight: 2 });
  const claim = (task: string): string[] =>
    claimRows(t.store, task, { owner: "a", now: 0, leaseMs: LEASE }).map((c) => {
      finishClaim(t.store, c, { ok: true, result: null }, 0);
      return c.key;
    });
  assert.deepEqual(claim("big"), ["1", "2", "3"]);
  assert.deepEqual(claim("small"), ["3", "2"]);
  const indexSql = (): unknown =>
    t.store.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'queue_items_next'").get()?.sql;
  // Built again (its SQL text is then the module's, not the migration's).
  t.store.db.exec("DROP INDEX queue_items_next");
  t.store.db.exec(
    "CREATE INDEX queue_items_next ON queue_items(task, boost DESC, rank, row_seq) WHERE state = 'pending'",
  );
  const before = indexSql();
  setTask(t.store, "big", { priority: "n DESC" });
  assert.deepEqual(claim("big"), ["6000", "5999", "5998"]);
  assert.notEqual(indexSql(), before);
  assert.deepEqual(claim("small"), ["1"]);
  const plan = t.store.db.prepare(
    `EXPLAIN QUERY PLAN SELECT row_seq FROM queue_items
     WHERE task = 'big' AND state = 'pending' ORDER BY boost DESC, rank, row_seq LIMIT 1`,
  ).all().map((r) => String(r.detail)).join("\n");
  assert.match(plan, /queue_items_next/);
});
