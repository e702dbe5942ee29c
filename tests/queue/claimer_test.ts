import assert from "node:assert/strict";
import { Claimer, claimRows, finishClaims, registerTask } from "../../lib/queue/mod.ts";
import { items, numsStore } from "./_store.ts";

const LEASE = 60_000;

Deno.test("Claimer hands out rows one at a time from one claim of a batch, best first", async () => {
  await using t = await numsStore(5, (id) => 10 - id);
  registerTask(t.store, { name: "sq", source: "nums", priority: "n ASC", inFlight: 10 });
  const claimer = new Claimer(t.store, "sq", { owner: "a", leaseMs: LEASE, batch: 3 });
  const first = claimer.next(0)!;
  assert.equal(first.key, "5");
  // The whole batch is claimed in the store (it counts against the cap, no one else takes it).
  assert.deepEqual(Object.values(items(t.store, "sq")).map(([s]) => s).sort(), [
    "claimed",
    "claimed",
    "claimed",
    "pending",
    "pending",
  ]);
  assert.deepEqual(
    claimRows(t.store, "sq", { owner: "b", now: 0, leaseMs: LEASE }).map((c) => c.key),
    ["2", "1"],
  );
  claimer.finish(first, { ok: true, result: 25 });
  // Kept, not written yet: written with the next claim (or at flush).
  assert.equal(items(t.store, "sq")["5"]![0], "claimed");
  assert.equal(claimer.next(0)!.key, "4");
  assert.equal(claimer.next(0)!.key, "3");
  assert.equal(claimer.next(0), undefined);
  assert.equal(items(t.store, "sq")["5"]![0], "done");
});

Deno.test("Claimer's outcomes are refused by the fence once a lease ran out and the row was claimed again", async () => {
  await using t = await numsStore(1);
  registerTask(t.store, { name: "sq", source: "nums", inFlight: 1 });
  const claimer = new Claimer(t.store, "sq", { owner: "a", leaseMs: LEASE, batch: 4 });
  const late = claimer.next(0)!;
  const [again] = claimRows(t.store, "sq", { owner: "b", now: LEASE, leaseMs: LEASE });
  assert.equal(again!.fence, late.fence + 1);
  claimer.finish(late, { ok: true, result: "late" });
  assert.deepEqual(claimer.flush(LEASE + 1).map((r) => r.accepted), [false]);
  assert.deepEqual(
    finishClaims(t.store, [{ claim: again!, outcome: { ok: true, result: 1 } }], 2),
    [
      true,
    ],
  );
  assert.deepEqual(items(t.store, "sq"), { "1": ["done", 2] });
});

Deno.test("Claimer does not hand out a buffered row whose lease ran out; close() gives the rest back", async () => {
  await using t = await numsStore(4);
  registerTask(t.store, { name: "sq", source: "nums", inFlight: 10 });
  const claimer = new Claimer(t.store, "sq", { owner: "a", leaseMs: LEASE, batch: 2 });
  assert.equal(claimer.next(0)!.key, "1");
  // Row 2 sat in the buffer past its lease: skipped; the next claim returns rows 1 and 2
  // (expired) and takes them again with new fences, best first.
  const next = claimer.next(LEASE + 1)!;
  assert.deepEqual([next.key, next.fence, next.attempt], ["1", 2, 2]);
  assert.equal(claimer.close(LEASE + 1), 1);
  assert.deepEqual(items(t.store, "sq"), {
    "1": ["claimed", 2],
    "2": ["pending", 1],
    "3": ["pending", 0],
    "4": ["pending", 0],
  });
});

Deno.test("Claimer.renew() extends the leases of rows buffered and handed out, and drops lost ones", async () => {
  await using t = await numsStore(2);
  registerTask(t.store, { name: "sq", source: "nums", inFlight: 10 });
  const claimer = new Claimer(t.store, "sq", { owner: "a", leaseMs: LEASE, batch: 2 });
  const out = claimer.next(0)!;
  assert.deepEqual(claimer.renew(3 * LEASE), []);
  // Other runners see the renewed leases: nothing expires at 2 leases.
  assert.deepEqual(claimRows(t.store, "sq", { owner: "b", now: 2 * LEASE, leaseMs: LEASE }), []);
  claimer.finish(out, { ok: true, result: null });
  assert.equal(claimer.next(2 * LEASE)!.key, "2");
  assert.throws(
    () => new Claimer(t.store, "sq", { owner: "a", leaseMs: LEASE, batch: 0 }),
    RangeError,
  );
});
