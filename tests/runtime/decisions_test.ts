import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decideElements,
  decideRetry,
  packElements,
  planArrays,
  REMOTE_CALL_PHASES,
  type RemoteCallEvent,
  type RemoteCallPhase,
  transition,
} from "../../lib/runtime/mod.ts";
import { FAILURE_REASONS, type FailureReason } from "../../lib/store/mod.ts";
import { decideCached } from "../../lib/step/cache.ts";

const EVENTS: readonly RemoteCallEvent[] = [
  "flushed",
  "recorded",
  "held-by-other",
  "unrecorded",
  "retry",
  "decided",
  "refused",
  "aborted",
];

Deno.test("transition() never leaves settled and never restarts a call that is not in a job", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...EVENTS), { maxLength: 40 }), (events) => {
      let phase: RemoteCallPhase = "batched";
      let jobs = 0;
      for (const e of events) {
        const next = transition(phase, e);
        if (phase === "settled") assert.equal(next, undefined);
        if (next === undefined) continue;
        if (e === "retry") assert.equal(phase, "in-job");
        if (e === "recorded") jobs++;
        phase = next;
      }
      assert.ok(REMOTE_CALL_PHASES.includes(phase));
      assert.ok(jobs >= 0);
    }),
  );
});

Deno.test("decideRetry() restarts only transient failures, within maxRestarts, and never blames not-started calls", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...FAILURE_REASONS),
      fc.nat(5),
      fc.nat(5),
      fc.nat(5),
      (reason: FailureReason, started, restarts, max) => {
        const d = decideRetry(reason, { attemptsStarted: started, restartsThisRun: restarts }, {
          maxRestarts: max,
        });
        if (reason === "exception" || reason === "crashed") {
          assert.deepEqual(d, { action: "give-up", retryState: "non-retryable" });
        } else if (reason === "refused") {
          assert.deepEqual(d, { action: "give-up", retryState: "refused" });
        } else if (reason === "not-started" || restarts < max) {
          assert.deepEqual(d, { action: "restart", attempt: started + 1 });
        } else {
          assert.deepEqual(d, { action: "give-up", retryState: "max-restarts" });
        }
      },
    ),
  );
});

const running = (since: number) => ({ jobId: 1, element: 0, state: "running" as const, since });

Deno.test("decideElements() declares a missing element lost only after graceMs, counted from the persisted since", () => {
  const base = {
    pending: new Map([[0, ["k1"]]]),
    status: undefined,
    markers: undefined,
    graceMs: 1000,
  };
  // First process: the element goes missing at t = 100.
  const first = decideElements({ ...base, elements: new Map([[0, running(0)]]), now: 100 });
  assert.deepEqual(first.elements, [{ element: 0, state: "missing" }]);
  assert.equal(first.failures.size, 0);
  // Another process (or `drover sync`) at t = 1200, reading the persisted since = 100.
  const missing = { jobId: 1, element: 0, state: "missing" as const, since: 100 };
  const later = decideElements({ ...base, elements: new Map([[0, missing]]), now: 1200 });
  assert.equal(later.failures.get("k1")?.reason, "lost");
  const early = decideElements({ ...base, elements: new Map([[0, missing]]), now: 900 });
  assert.equal(early.failures.size, 0);
});

Deno.test("decideElements() blames only the call that was running when its element's process exited", () => {
  const d = decideElements({
    pending: new Map([[0, ["second", "third"]]]),
    elements: new Map([[0, running(0)]]),
    status: undefined,
    markers: { exits: new Map([[0, 3]]), started: new Set([0]), outcomes: new Set(["first"]) },
    now: 10,
    graceMs: 1000,
  });
  assert.equal(d.failures.get("second")?.reason, "crashed"); // the user's own Deno.exit(3)
  assert.equal(d.failures.get("third")?.reason, "not-started");
  const runner = decideElements({
    pending: new Map([[0, ["a", "b"]]]),
    elements: new Map([[0, running(0)]]),
    status: undefined,
    markers: {
      exits: new Map([[0, 3]]),
      started: new Set([0]),
      outcomes: new Set(),
      runnerFailed: new Set([0]),
    },
    now: 10,
    graceMs: 1000,
  });
  assert.deepEqual([...runner.failures.values()].map((f) => f.reason), [
    "runner-failed",
    "runner-failed",
  ]);
});

Deno.test("decideElements() keeps a pending element's scheduler reason", () => {
  const d = decideElements({
    pending: new Map([[0, ["k"]]]),
    elements: new Map(),
    status: {
      name: "j",
      id: "5",
      elements: new Map([[0, { index: 0, state: "PENDING", reason: "ReqNodeNotAvail" }]]),
    },
    markers: undefined,
    now: 0,
    graceMs: 1000,
  });
  assert.deepEqual(d.elements, [{
    element: 0,
    state: "pending",
    native: "PENDING",
    reason: "ReqNodeNotAvail",
  }]);
});

Deno.test("planArrays() never exceeds the array size or the in-flight cap, and loses no element", () => {
  fc.assert(
    fc.property(
      fc.nat(300),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 80 }),
      fc.nat(100),
      (n, size, cap, inFlight) => {
        const elements = Array.from({ length: n }, (_, i) => i);
        const { now, later } = planArrays(elements, { maxArraySize: size, maxJobs: cap, inFlight });
        assert.deepEqual([...now.flat(), ...later], elements);
        for (const a of now) assert.ok(a.length <= Math.min(size, cap));
        const sent = now.flat().length;
        if (inFlight > 0) assert.ok(sent + inFlight <= Math.max(cap, inFlight) || sent === 0);
        if (n > 0 && inFlight === 0) assert.ok(sent > 0, "an idle system always gets work");
      },
    ),
  );
  assert.deepEqual(packElements(["a", "b", "c"], 2), [["a", "b"], ["c"]]);
});

Deno.test("decideCached() ignores a user error's retryable data and follows drover's own flag", () => {
  const policy = { retryFailed: false, inLiveJob: false, claimDead: false };
  const row = {
    state: "failed" as const,
    resultRef: null,
    result: undefined,
    attempts: 1,
    createdAt: 0,
    error: { name: "E", message: "m", data: { retryable: true } },
    failure: {
      reason: "exception" as const,
      retryable: false,
      retryState: "non-retryable" as const,
    },
  };
  assert.equal(decideCached(row, policy).kind, "rethrow");
  assert.equal(decideCached(row, { ...policy, retryFailed: true }).kind, "run");
  const running = { ...row, state: "running" as const };
  assert.equal(decideCached(running, { ...policy, inLiveJob: true }).kind, "attach");
  assert.equal(decideCached(running, policy).kind, "wait");
  assert.deepEqual(decideCached(running, { ...policy, claimDead: true }), {
    kind: "run",
    expect: "running",
  });
});
