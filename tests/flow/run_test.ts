import assert from "node:assert/strict";
import { openSession, type Session, step } from "../../mod.ts";
import {
  flow,
  type FlowArray,
  type FlowEvent,
  FlowStepError,
  FlowWiringError,
  MapSpecError,
  mapStep,
} from "../../lib/flow/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

async function withSession(fn: (s: Session) => Promise<void>): Promise<void> {
  await using dir = await tempDir();
  const session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  try {
    await fn(session);
  } finally {
    await session.close();
  }
}

const calls = new Map<string, number>();
function count(name: string): void {
  calls.set(name, (calls.get(name) ?? 0) + 1);
}

const solve = step("rt-solve", ({ V_left, V_right, scale }: {
  V_left: number;
  V_right: number;
  scale: number;
}) => {
  count("solve");
  if (V_left < 0) throw new RangeError(`negative voltage ${V_left}`);
  return { field: (V_right - V_left) * scale };
}, { returns: "electrostatics" });
const charge = step("rt-charge", ({ electrostatics }: { electrostatics: { field: number } }) => {
  count("charge");
  return electrostatics.field / 2;
}, { returns: "charge" });
const average = step("rt-average", ({ charge }: { charge: FlowArray<number> }) => {
  count("average");
  return { mean: charge.mean(), missing: charge.counts().failed + charge.counts().skipped };
}, { returns: "average_charge" });
const rowSum = step("rt-rowsum", ({ charge }: { charge: FlowArray<number> }) => {
  return charge.valid().reduce((a, b) => a + b, 0);
}, { returns: "row_sum" });

const grid = flow("grid")
  .pipe(mapStep(solve, "V_left[a], V_right[b] -> electrostatics[a, b]"))
  .pipe(mapStep(charge, "electrostatics[i, j] -> charge[i, j]"))
  .pipe(average);

Deno.test("Flow.run() maps over the outer product and reduces the whole array", async () => {
  await withSession(async (session) => {
    const V_left = [0, 1, 2];
    const V_right = [10, 20, 30, 40];
    const run = await grid.run({ V_left, V_right, scale: 2 }, { session });
    const c = run.data.get("charge")!.value as FlowArray<number>;
    assert.deepEqual(c.shape, [3, 4]);
    assert.equal(c.get(2, 1), 20 - 2);
    const direct = V_left.flatMap((l) => V_right.map((r) => (r - l) * 2 / 2));
    const mean = direct.reduce((a, b) => a + b) / direct.length;
    assert.deepEqual(run.returns.average_charge, { mean, missing: 0 });
    assert.equal(run.state, "succeeded");
    assert.deepEqual(run.steps["rt-solve"].counts, { ok: 12, failed: 0, skipped: 0 });
    // Each element is a cached call: a second run calls nothing.
    calls.clear();
    const again = await grid.run({ V_left, V_right, scale: 2 }, { session });
    assert.equal(calls.size, 0);
    assert.deepEqual(again.returns, run.returns);
  });
});

Deno.test("Flow.run() masks failed elements, skips what depends on them, and keeps root causes", async () => {
  await withSession(async (session) => {
    const f = grid.pipe(mapStep(rowSum, "charge[i, :] -> row_sum[i]"));
    const run = await f.run({ V_left: [-1, 1], V_right: [10, 20], scale: 1 }, { session });
    const e = run.data.get("electrostatics")!.value as FlowArray;
    assert.deepEqual(e.mask, [true, true, false, false]);
    assert.equal(e.errorAt(0)?.error.message, "negative voltage -1");
    assert.match(e.errorAt(0)!.key!, /^[0-9a-f]{64}$/);
    assert.deepEqual(e.errorAt(1)?.index, [0, 1]);
    const c = run.data.get("charge")!.value as FlowArray<number>;
    assert.deepEqual(c.states, ["skipped", "skipped", "ok", "ok"]);
    assert.deepEqual(c.rootCauses(1), [e.errorAt(1)]);
    // The reduction sees the mask; the partial reduction sees an all-masked row.
    assert.deepEqual(run.returns.average_charge, { mean: (4.5 + 9.5) / 2, missing: 2 });
    const rows = run.data.get("row_sum")!.value as FlowArray<number>;
    assert.deepEqual(rows.values, [0, 14]);
    assert.deepEqual(run.steps["rt-solve"].state, "partial");
    assert.deepEqual(run.steps["rt-charge"].counts, { ok: 2, failed: 0, skipped: 2 });
    assert.equal(run.steps["rt-charge"].causes.length, 2);
    assert.equal(run.steps["rt-average"].state, "succeeded");
    assert.equal(run.state, "partial");
  });
});

const explode = step("rt-explode", ({ n }: { n: number }) => {
  if (n > 2) throw new TypeError("too many");
  return [...Array(n).keys()];
}, { returns: "items" });
const double = step("rt-double", ({ items }: { items: number }) => items * 2, { returns: "d" });
const other = step("rt-other", ({ n }: { n: number }) => n + 1, { returns: "other" });

Deno.test("Flow.run() skips a step whose input is missing and carries on with the rest", async () => {
  await withSession(async (session) => {
    const events: FlowEvent[] = [];
    const f = flow("skip", explode, mapStep(double, "items[i] -> d[i]"), other);
    const run = await f.run({ n: 3 }, { session, onEvent: (e) => events.push(e) });
    assert.equal(run.steps["rt-explode"].state, "failed");
    assert.equal(run.steps["rt-double"].state, "skipped");
    assert.deepEqual(run.steps["rt-double"].missing, ["items"]);
    assert.equal(run.steps["rt-double"].causes[0].error.message, "too many");
    assert.equal(run.steps["rt-other"].state, "succeeded");
    assert.equal(run.returns.other, 4);
    assert.equal(run.returns.d, undefined);
    assert.ok(events.some((e) => e.type === "flow-step-skipped" && e.step === "rt-double"));
    const ok = await f.run({ n: 2 }, { session });
    assert.deepEqual((ok.returns.d as FlowArray).values, [0, 2]);
  });
});

Deno.test("Flow.run() applies onError: raise and maxFailed (count or fraction)", async () => {
  await withSession(async (session) => {
    const inputs = { V_left: [-1, 1, 2, 3], V_right: [10], scale: 1 };
    const with_ = (onError: "raise" | { maxFailed: number }) =>
      flow("p", mapStep(solve, "V_left[a], V_right[b] -> electrostatics[a, b]", { onError }));
    await assert.rejects(
      () => with_("raise").run(inputs, { session }),
      (e: Error) =>
        e instanceof FlowStepError && e.step === "rt-solve" && e.failures.length === 1 &&
        e.message.startsWith('Cannot complete step "rt-solve": 1 of 4 elements failed'),
    );
    assert.equal((await with_({ maxFailed: 1 }).run(inputs, { session })).state, "partial");
    await assert.rejects(() => with_({ maxFailed: 0.2 }).run(inputs, { session }), FlowStepError);
    assert.equal((await with_({ maxFailed: 0.25 }).run(inputs, { session })).state, "partial");
  });
});

const attempts = new Map<number, number>();
const flaky = step("rt-flaky", ({ k }: { k: number }) => {
  const n = (attempts.get(k) ?? 0) + 1;
  attempts.set(k, n);
  if (k % 3 === 0 && n <= 2) throw Object.assign(new Error(`flaky ${k}`), { retryable: true });
  if (k === 4) throw new Error("always");
  return k * 10;
}, { returns: "v" });

Deno.test("Flow.run() restarts only retryable failed elements, one round at a time, and merges them", async () => {
  await withSession(async (session) => {
    attempts.clear();
    const events: FlowEvent[] = [];
    const f = flow("r", mapStep(flaky, "k[i] -> v[i]", { maxRestarts: 3 }));
    const run = await f.run({ k: [0, 1, 2, 3, 4, 5, 6] }, {
      session,
      onEvent: (e) => events.push(e),
    });
    const rounds = events.filter((e) => e.type === "flow-restart");
    assert.deepEqual(rounds, [
      { type: "flow-restart", step: "rt-flaky", round: 1, elements: 3 },
      { type: "flow-restart", step: "rt-flaky", round: 2, elements: 3 },
    ]);
    const v = run.data.get("v")!.value as FlowArray<number>;
    assert.deepEqual(v.values, [0, 10, 20, 30, undefined, 50, 60]);
    assert.equal(v.errorAt(4)?.error.message, "always");
    assert.equal(attempts.get(4), 1); // not retryable: never restarted
    assert.equal(attempts.get(3), 3);
    assert.equal(run.steps["rt-flaky"].restarts, 2);
    // Fewer restarts than needed: the element stays failed.
    attempts.clear();
    const short = await flow("r2", mapStep(flaky, "k[i] -> v[i]", { maxRestarts: 1 })).run(
      { k: [9] },
      { session },
    );
    assert.equal(short.steps["rt-flaky"].state, "failed");
  });
});

const letters = step("rt-letters", ({ content }: { content: string }) => [...content], {
  returns: "char",
});
const upper = step("rt-upper", ({ char }: { char: string }) => char.toUpperCase(), {
  returns: "up",
});
const len = step("rt-len", ({ char }: { char: FlowArray<string> }) => char.size, {
  returns: "n",
});
const minmax = step("rt-minmax", ({ x }: { x: number }) => [x - 1, x + 1], {
  returns: ["lo", "hi"],
});

Deno.test("Flow.run() handles ragged axes and several outputs", async () => {
  await withSession(async (session) => {
    const f = flow(
      "ragged",
      mapStep(letters, "content[i] -> char[i, j*]"),
      mapStep(upper, "char[i, j] -> up[i, j]"),
      mapStep(len, "char[i, :] -> n[i]"),
    );
    const run = await f.run({ content: ["ab", "", "xyz"] }, { session });
    const up = run.data.get("up")!.value as FlowArray<string>;
    assert.deepEqual(up.lengths, [2, 0, 3]);
    assert.deepEqual(up.toNested(), [["A", "B"], [], ["X", "Y", "Z"]]);
    assert.deepEqual((run.data.get("n")!.value as FlowArray).values, [2, 0, 3]);
    const mm = await flow("mm", mapStep(minmax, "x[i] -> lo[i], hi[i]")).run({ x: [1, 5] }, {
      session,
    });
    assert.deepEqual((mm.returns.lo as FlowArray).values, [0, 4]);
    assert.deepEqual((mm.returns.hi as FlowArray).values, [2, 6]);
  });
});

Deno.test("Flow.run() reports missing and unknown inputs and misfit arrays", async () => {
  await withSession(async (session) => {
    await assert.rejects(
      () => grid.run({ V_left: [1] }, { session }),
      (e: Error) =>
        e instanceof FlowWiringError &&
        e.message ===
          'Cannot run flow "grid": no value for "V_right", "scale", needed by step(s) "rt-solve"',
    );
    await assert.rejects(
      () => grid.run({ V_left: [1], V_right: [1], scale: 1, V_top: 1 }, { session }),
      /"V_top" is not a parameter \(parameters: V_left, V_right, scale\)/,
    );
    await assert.rejects(
      () =>
        flow("z", mapStep(solve, "V_left[a], V_right[a] -> electrostatics[a]")).run(
          { V_left: [1, 2], V_right: [1], scale: 1 },
          { session },
        ),
      MapSpecError,
    );
  });
});

Deno.test("Flow.run() rejects with the abort reason and starts no step once aborted", async () => {
  await withSession(async (session) => {
    calls.clear();
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await assert.rejects(
      () =>
        grid.run({ V_left: [1], V_right: [2], scale: 1 }, { session, signal: controller.signal }),
      /stop/,
    );
    assert.equal(calls.size, 0);
  });
});

Deno.test("Flow.run() reports step starts, failed elements and ends as events", async () => {
  await withSession(async (session) => {
    const events: FlowEvent[] = [];
    await grid.run({ V_left: [-1, 1], V_right: [2], scale: 1 }, {
      session,
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual(events.filter((e) => e.type !== "flow-element-failed").map((e) => e.type), [
      "flow-step-start",
      "flow-step-end",
      "flow-step-start",
      "flow-step-end",
      "flow-step-start",
      "flow-step-end",
    ]);
    const failed = events.find((e) => e.type === "flow-element-failed");
    assert.deepEqual(failed && { ...failed, key: undefined }, {
      type: "flow-element-failed",
      step: "rt-solve",
      index: [0, 0],
      key: undefined,
      message: "negative voltage -1",
    });
  });
});

const bounds = step("rt-bounds", ({ xs }: { xs: number[] }) => ({
  lo: Math.min(...xs),
  hi: Math.max(...xs),
}), { returns: ["lo", "hi"] });
const width = step("rt-width", ({ lo, hi }: { lo: number; hi: number }) => hi - lo, {
  returns: "width",
});
const badBounds = step("rt-bad-bounds", ({ xs }: { xs: number[] }) => xs.length, {
  returns: ["lo", "hi"],
});

Deno.test("Flow.run() splits an unmapped step's object result into its named outputs", async () => {
  await withSession(async (session) => {
    const run = await flow("b", bounds, width).run({ xs: [3, 9, 4] }, { session });
    assert.deepEqual(run.returns, { lo: 3, hi: 9, width: 6 });
    assert.equal("then" in run, false);
    const bad = await flow("bad", badBounds, width).run({ xs: [1] }, { session });
    assert.equal(bad.steps["rt-bad-bounds"].state, "failed");
    assert.match(
      bad.steps["rt-width"].causes[0].error.message,
      /must return a tuple of 2 or an object with keys lo, hi/,
    );
  });
});

const lettersOrFail = step("rt-letters-or-fail", ({ content }: { content: string }) => {
  if (content === "!") throw new SyntaxError("not a word");
  return [...content];
}, { returns: "char" });

Deno.test("Flow.run() keeps a failed ragged row as one masked element, so downstream sees its cause", async () => {
  await withSession(async (session) => {
    const f = flow(
      "ragged-fail",
      mapStep(lettersOrFail, "content[i] -> char[i, j*]"),
      mapStep(upper, "char[i, j] -> up[i, j]"),
    );
    const run = await f.run({ content: ["ab", "!", "c"] }, { session });
    const up = run.data.get("up")!.value as FlowArray<string>;
    assert.deepEqual(up.lengths, [2, 1, 1]);
    assert.deepEqual(up.states, ["ok", "ok", "skipped", "ok"]);
    assert.equal(up.rootCauses(2)[0].error.message, "not a word");
    assert.deepEqual(up.rootCauses(2)[0].index, [1]);
    assert.deepEqual(up.toNested(), [["A", "B"], [undefined], ["C"]]);
  });
});
