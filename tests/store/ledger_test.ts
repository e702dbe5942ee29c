import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CALL_TRANSITIONS,
  type CallStateOrAbsent,
  canTransition,
  type ClaimEntry,
  ELEMENT_TRANSITIONS,
  JOB_CALL_TRANSITIONS,
  JOB_TRANSITIONS,
  openStore,
  type Store,
} from "../../lib/store/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

const OWNERS = ["elsewhere:1:a", "elsewhere:2:b"] as const;

function entry(key: string, expect: CallStateOrAbsent): ClaimEntry {
  return {
    key,
    step: "s",
    codeHash: "c",
    version: "",
    argHashes: {},
    location: "hpc",
    runId: null,
    expect,
  };
}

function stateOf(store: Store, key: string): CallStateOrAbsent {
  return store.getCall(key)?.state ?? "absent";
}

function liveJobCalls(store: Store, key: string): number {
  return store.jobs.listJobs({ states: ["staged", "submitted"] })
    .flatMap((j) => store.jobs.callsOf(j.id, "pending")).filter((c) => c.key === key).length;
}

type Op =
  | { op: "claim"; key: number; owner: number; now: number }
  | { op: "enqueue"; keys: number[]; owner: number; now: number }
  | { op: "submit"; job: number }
  | { op: "cancel"; job: number }
  | { op: "refuse"; job: number }
  | { op: "decide"; job: number; key: number; how: "done" | "exception" | "timeout" }
  | { op: "giveUp"; key: number }
  | { op: "release"; owner: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("claim" as const),
    key: fc.nat(3),
    owner: fc.nat(1),
    now: fc.nat(3000),
  }),
  fc.record({
    op: fc.constant("enqueue" as const),
    keys: fc.uniqueArray(fc.nat(3), { minLength: 1, maxLength: 3 }),
    owner: fc.nat(1),
    now: fc.nat(3000),
  }),
  fc.record({ op: fc.constant("submit" as const), job: fc.nat(5) }),
  fc.record({ op: fc.constant("cancel" as const), job: fc.nat(5) }),
  fc.record({ op: fc.constant("refuse" as const), job: fc.nat(5) }),
  fc.record({
    op: fc.constant("decide" as const),
    job: fc.nat(5),
    key: fc.nat(3),
    how: fc.constantFrom("done" as const, "exception" as const, "timeout" as const),
  }),
  fc.record({ op: fc.constant("giveUp" as const), key: fc.nat(3) }),
  fc.record({ op: fc.constant("release" as const), owner: fc.nat(1) }),
);

Deno.test("CallLedger transitions keep the state machines' invariants under random event sequences", async () => {
  await using dir = await tempDir();
  let n = 0;
  fc.assert(
    fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
      using store = openStore({ dir: `${dir.path}/s${n++}/.drover` });
      const jobIds: number[] = [];
      const jobState = new Map<number, string>();
      const jobCallState = new Map<string, string>();
      for (const o of ops) {
        const keysBefore = [0, 1, 2, 3].map((k) => stateOf(store, `k${k}`));
        switch (o.op) {
          case "claim":
            store.ledger.claim([entry(`k${o.key}`, stateOf(store, `k${o.key}`))], {
              owner: OWNERS[o.owner],
              now: o.now,
              leaseMs: 1000,
            });
            break;
          case "enqueue": {
            const r = store.ledger.enqueueJob(
              {
                name: `j${jobIds.length}-${o.now}-${Math.random()}`,
                system: "hpc",
                step: "s",
                size: o.keys.length,
                attempt: 1,
                spec: {},
                dir: "/r/j",
                runId: null,
                createdAt: o.now,
              },
              o.keys.map((k, i) => ({ key: `k${k}`, element: i, inputsRef: "i" })),
              { owner: OWNERS[o.owner], now: o.now, leaseMs: 1000 },
            );
            if ("jobId" in r) jobIds.push(r.jobId);
            break;
          }
          case "submit":
            if (jobIds[o.job] !== undefined) store.ledger.markSubmitted(jobIds[o.job], "1", 0);
            break;
          case "cancel":
            if (jobIds[o.job] !== undefined) store.ledger.cancelJob(jobIds[o.job], 0);
            break;
          case "refuse":
            if (jobIds[o.job] !== undefined) store.ledger.refuseJob(jobIds[o.job], "no", 0);
            break;
          case "decide": {
            const id = jobIds[o.job];
            if (id === undefined) break;
            const d = o.how === "done"
              ? { state: "done" as const, resultRef: "r", size: 1 }
              : { state: "failed" as const, reason: o.how, detail: o.how };
            store.ledger.applyPoll({
              jobId: id,
              system: "hpc",
              decisions: new Map([[`k${o.key}`, d]]),
              elements: [],
            }, 0);
            break;
          }
          case "giveUp":
            store.ledger.giveUp(
              `k${o.key}`,
              {
                reason: "timeout",
                retryable: true,
                retryState: "max-restarts",
              },
              { name: "JobFailedError", message: "m" },
              0,
            );
            break;
          case "release":
            store.ledger.releaseClaims(OWNERS[o.owner]);
            break;
        }
        // Every call moved only along its transition table.
        [0, 1, 2, 3].forEach((k, i) => {
          const after = stateOf(store, `k${k}`);
          if (after !== keysBefore[i]) {
            assert.ok(
              canTransition(CALL_TRANSITIONS, keysBefore[i], after),
              `call k${k}: ${keysBefore[i]} -> ${after} after ${JSON.stringify(o)}`,
            );
          }
          // Never two live job calls for one key.
          assert.ok(liveJobCalls(store, `k${k}`) <= 1, `k${k} is in two live jobs`);
        });
        // Jobs and job calls: terminal states stay terminal.
        for (const id of jobIds) {
          const now = store.jobs.getJob(id)!.state;
          const before = jobState.get(id);
          if (before !== undefined && before !== now) {
            assert.ok(
              canTransition(JOB_TRANSITIONS, before as never, now),
              `job ${before} -> ${now}`,
            );
          }
          jobState.set(id, now);
          for (const c of store.jobs.callsOf(id)) {
            const id2 = `${id}:${c.key}`;
            const was = jobCallState.get(id2);
            if (was !== undefined && was !== c.state) {
              assert.ok(
                canTransition(JOB_CALL_TRANSITIONS, was as never, c.state),
                `job call ${was} -> ${c.state}`,
              );
            }
            jobCallState.set(id2, c.state);
          }
        }
      }
    }),
    { numRuns: 60 },
  );
});

Deno.test("CallLedger.claim() holds a live owner's claim and takes over a dead one", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const a = { owner: "elsewhere:1:a", now: 0, leaseMs: 1000 };
  assert.deepEqual(store.ledger.claim([entry("k", "absent")], a), ["claimed"]);
  assert.deepEqual(store.ledger.claim([entry("k", "absent")], { ...a, owner: "elsewhere:2:b" }), [
    "held",
  ]);
  assert.deepEqual(
    store.ledger.claim([entry("k", "absent")], { ...a, owner: "elsewhere:2:b", now: 1001 }),
    ["taken-over"],
  );
  // An owner of this host whose process is gone is dead at once, whatever its lease.
  assert.deepEqual(
    store.ledger.claim([entry("j", "absent")], { ...a, owner: `${Deno.hostname()}:999999999:x` }),
    ["claimed"],
  );
  assert.deepEqual(store.ledger.claim([entry("j", "absent")], { ...a, owner: "elsewhere:3:c" }), [
    "taken-over",
  ]);
});

Deno.test("CallLedger.applyPoll() keeps an element missing since the first poll that saw it so", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const r = store.ledger.enqueueJob(
    {
      name: "j",
      system: "hpc",
      step: "s",
      size: 1,
      attempt: 1,
      spec: {},
      dir: "/r/j",
      runId: null,
      createdAt: 0,
    },
    [{ key: "k", element: 0, inputsRef: "i" }],
    { owner: "o:1:a", now: 0, leaseMs: 1000 },
  );
  assert.ok("jobId" in r);
  const poll = (now: number) =>
    store.ledger.applyPoll({
      jobId: r.jobId,
      system: "hpc",
      decisions: new Map(),
      elements: [{ element: 0, state: "missing" }],
    }, now);
  poll(100);
  poll(5000);
  assert.equal(store.jobs.elementsOf(r.jobId)[0].since, 100);
});

Deno.test("transition tables: decided and terminal states have no way out", () => {
  assert.deepEqual(ELEMENT_TRANSITIONS.decided, []);
  for (const s of ["finished", "cancelled", "refused"] as const) {
    assert.deepEqual(JOB_TRANSITIONS[s], []);
  }
  assert.deepEqual(JOB_CALL_TRANSITIONS.done, []);
});
