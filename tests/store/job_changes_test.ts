import assert from "node:assert/strict";
import { openStore, type Store } from "../../lib/store/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

function enqueue(store: Store, name: string, system: string, keys: string[]): number {
  const r = store.ledger.enqueueJob(
    {
      name,
      system,
      step: "relax",
      size: keys.length,
      attempt: 1,
      spec: {},
      dir: `/r/${name}`,
      runId: null,
      createdAt: 0,
    },
    keys.map((key, element) => ({ key, element, inputsRef: "i" })),
    { owner: "o:1:a", now: 0, leaseMs: 1000 },
  );
  assert.ok("jobId" in r);
  store.ledger.markSubmitted(r.jobId, `${name}-id`, 0);
  return r.jobId;
}

function decide(store: Store, jobId: number, system: string, key: string, now: number): void {
  store.ledger.applyPoll({
    jobId,
    system,
    decisions: new Map([[key, { state: "done", resultRef: "f".repeat(64), size: 1 }]]),
    elements: [],
  }, now);
}

Deno.test("job-call changes are read in commit order, whatever time a decision is stamped with", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const a = enqueue(store, "a", "hpc", ["k1", "k2", "k3"]);
  const b = enqueue(store, "b", "other", ["o1"]);
  const start = store.jobs.changeCursor();
  decide(store, a, "hpc", "k1", 10_000);
  // A slow poll pass stamps its decision with the time it began, long before the last look.
  decide(store, a, "hpc", "k2", 5);
  decide(store, b, "other", "o1", 20_000);
  const first = store.jobs.changedSince("hpc", start);
  assert.deepEqual(first.keys, ["k1", "k2"]);
  assert.equal(first.complete, true);
  assert.deepEqual(store.jobs.changedSince("other", start).keys, ["o1"]);
  assert.deepEqual(store.jobs.changedSince("hpc", first.cursor).keys, [], "nothing new");
  // A cancelled job's undecided calls are changes too.
  assert.equal(store.ledger.cancelJob(a, 30_000, "scancel"), true);
  const after = store.jobs.changedSince("hpc", first.cursor);
  assert.deepEqual(after.keys, ["k3"]);
  assert.ok(after.cursor > first.cursor);
});

Deno.test("a pruned change log answers incomplete for a cursor it no longer reaches", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const keys = Array.from({ length: 6 }, (_, i) => `k${i}`);
  const job = enqueue(store, "a", "hpc", keys);
  const start = store.jobs.changeCursor();
  for (const k of keys) decide(store, job, "hpc", k, 1);
  assert.equal(store.jobs.pruneChanges(2), 4);
  const stale = store.jobs.changedSince("hpc", start);
  assert.equal(stale.complete, false, "changes after the cursor were dropped");
  assert.deepEqual(stale.keys, ["k4", "k5"]);
  assert.equal(store.jobs.changedSince("hpc", stale.cursor).complete, true);
});
