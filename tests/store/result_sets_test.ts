import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  MAX_RESULT_SET_BYTES,
  MIN_RESULT_SET,
  openStore,
  type Store,
} from "../../lib/store/mod.ts";
import { callRecord } from "../_helpers/call_record.ts";
import { tempDir } from "../_helpers/temp.ts";

const keyOf = (i: number): string => i.toString(16).padStart(64, "0");
const KEYS = Array.from({ length: MIN_RESULT_SET }, (_, i) => keyOf(i));
const RESULTS = KEYS.map((_, i) => new Uint8Array([i, i + 1]));

/** A store whose calls KEYS are done. */
function withDoneCalls(store: Store): void {
  store.transaction(() => {
    for (const k of KEYS) store.putCall(callRecord(k, { resultRef: "ab".repeat(32) }));
  });
}

Deno.test("result sets: kept at the current generation, read back by position", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  withDoneCalls(store);
  const sets = store.resultSets;
  assert.equal(sets.get(KEYS), undefined);
  assert.equal(sets.keep(KEYS, RESULTS, sets.generation()), true);
  assert.deepEqual(sets.get(KEYS), RESULTS);
  // Another order of the same keys is another set.
  assert.equal(sets.get([...KEYS].reverse()), undefined);
});

Deno.test("result sets: a done call deleted, found without its result, claimed again or replaced drops every set", async (t) => {
  const cases: [string, (store: Store) => void][] = [
    ["deleted", (s) => s.removeSelectedCalls([{ key: KEYS[3], state: "done" }])],
    ["its result found missing", (s) => s.ledger.forgetResult(KEYS[3], "cluster", 5000)],
    ["claimed to run again", (s) => {
      const claimed = s.ledger.claim([{
        key: KEYS[3],
        step: "relax",
        codeHash: "c0de",
        version: "",
        argHashes: {},
        location: "local",
        runId: null,
        expect: "done",
      }], { owner: "o1", now: 5000, leaseMs: 1000 });
      assert.deepEqual(claimed, ["claimed"]);
    }],
    ["its row replaced", (s) => s.putCall(callRecord(KEYS[3], { resultRef: "cd".repeat(32) }))],
  ];

  for (const [name, change] of cases) {
    await t.step(name, async () => {
      await using dir = await tempDir();
      using store = openStore({ dir: `${dir.path}/.drover` });
      withDoneCalls(store);
      const sets = store.resultSets;
      const before = sets.generation();
      assert.equal(sets.keep(KEYS, RESULTS, before), true);
      change(store);
      assert.equal(sets.get(KEYS), undefined, "the set is gone");
      assert.ok(sets.generation() > before, "the generation advanced");
      // Results read before the change are not kept after it.
      assert.equal(sets.keep(KEYS, RESULTS, before), false);
    });
  }
});

Deno.test("result sets: changes to calls that are not done leave the sets alone", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  withDoneCalls(store);
  store.putCall(callRecord(keyOf(999), { state: "running" }));
  const sets = store.resultSets;
  const generation = sets.generation();
  assert.equal(sets.keep(KEYS, RESULTS, generation), true);
  store.removeSelectedCalls([{ key: keyOf(999), state: "running" }]);
  store.putCall(callRecord(keyOf(1000), { resultRef: "ef".repeat(32) }));
  assert.equal(sets.generation(), generation);
  assert.deepEqual(sets.get(KEYS), RESULTS);
});

Deno.test("result sets: short lists, large results and corrupted rows are not answered", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  withDoneCalls(store);
  const sets = store.resultSets;
  const g = sets.generation();
  assert.equal(sets.keep(KEYS.slice(1), RESULTS.slice(1), g), false, "shorter than the minimum");
  const big = RESULTS.map(() => new Uint8Array(Math.ceil(MAX_RESULT_SET_BYTES / KEYS.length)));
  assert.equal(sets.keep(KEYS, big, g), false, "over the byte bound");
  assert.equal(sets.keep(KEYS, RESULTS, g), true);
  store.db.exec("UPDATE result_sets SET data = substr(data, 1, length(data) - 1) || x'ff'");
  assert.equal(sets.get(KEYS), undefined, "bytes that do not match their hash");
});

Deno.test("result sets: keeping one under another process's write lock gives up at once", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  withDoneCalls(store);
  const other = new DatabaseSync(store.dbPath);
  other.exec("BEGIN IMMEDIATE");
  try {
    const t = performance.now();
    assert.equal(store.resultSets.keep(KEYS, RESULTS, store.resultSets.generation()), false);
    assert.ok(performance.now() - t < 1000);
  } finally {
    other.exec("ROLLBACK");
    other.close();
  }
  assert.equal(store.resultSets.keep(KEYS, RESULTS, store.resultSets.generation()), true);
});
