import assert from "node:assert/strict";
import fc from "fast-check";
import {
  chooseCallsPerElement,
  DEFAULT_MAX_ELEMENTS,
  MIN_SPREAD_ELEMENT_MS,
  percentile,
  WALLTIME_SAFETY,
} from "../../lib/runtime/auto_packing.ts";
import { elementPacking, packElements } from "../../lib/runtime/job_planner.ts";
import { type Route, safeParseRemoteInfo } from "../../lib/routing/mod.ts";
import { type CallRecord, openStore, stepDurations } from "../../lib/store/mod.ts";
import { parseSystemsConfig } from "../../lib/systems/mod.ts";
import { callRecord } from "../_helpers/call_record.ts";
import { tempDir } from "../_helpers/temp.ts";

const durations = fc.array(fc.integer({ min: 0, max: 3_600_000 }), { minLength: 1, maxLength: 50 });
const calls = fc.integer({ min: 1, max: 100_000 });
const target = fc.integer({ min: 1, max: 86_400_000 });
const walltime = fc.option(fc.integer({ min: 1, max: 86_400_000 }), { nil: undefined });

Deno.test("chooseCallsPerElement() packs 1000 trivial calls into one element, and spreads evenly", () => {
  const trivial = chooseCallsPerElement({ durationsMs: Array(100).fill(2), calls: 1000 });
  assert.deepEqual(trivial, {
    perElement: 1000,
    basis: "measured",
    callMs: 2,
    boundMs: 300_000,
  });
  // 0 ms calls count as 1 ms: still bounded.
  assert.equal(chooseCallsPerElement({ durationsMs: [0], calls: 10 }).perElement, 10);
  // 30 s calls, 5 min target: 10 fit; 25 calls take 3 elements of 9.
  assert.equal(chooseCallsPerElement({ durationsMs: [30_000], calls: 25 }).perElement, 9);
  // A call longer than the bound still runs, alone.
  assert.equal(
    chooseCallsPerElement({ durationsMs: [600_000], calls: 5, walltimeMs: 3_600_000 }).perElement,
    1,
  );
});

Deno.test("chooseCallsPerElement() takes the 90th percentile, so a few outliers do not decide", () => {
  const mostly = [...Array(95).fill(1000), ...Array(5).fill(1_000_000)];
  assert.equal(percentile(mostly, 90), 1000);
  assert.equal(chooseCallsPerElement({ durationsMs: mostly, calls: 10_000 }).perElement, 295); // 34 elements
  const many = [...Array(80).fill(1000), ...Array(20).fill(10_000)];
  assert.equal(chooseCallsPerElement({ durationsMs: many, calls: 10_000 }).perElement, 30);
});

Deno.test("chooseCallsPerElement() with nothing measured: 1 per element, at most 1000 elements", () => {
  assert.deepEqual(chooseCallsPerElement({ durationsMs: [], calls: 1000 }), {
    perElement: 1,
    basis: "default",
    boundMs: 300_000,
  });
  assert.equal(chooseCallsPerElement({ durationsMs: [], calls: 1001 }).perElement, 2);
  assert.equal(chooseCallsPerElement({ durationsMs: [NaN, -1], calls: 5 }).basis, "default");
  fc.assert(fc.property(calls, (n) => {
    const { perElement } = chooseCallsPerElement({ durationsMs: [], calls: n });
    assert.ok(perElement >= 1);
    assert.ok(Math.ceil(n / perElement) <= DEFAULT_MAX_ELEMENTS);
  }));
});

Deno.test("chooseCallsPerElement(): at least 1, at most the calls, within the walltime bound", () => {
  fc.assert(fc.property(durations, calls, target, walltime, (d, n, t, w) => {
    const r = chooseCallsPerElement({ durationsMs: d, calls: n, targetMs: t, walltimeMs: w });
    assert.ok(Number.isInteger(r.perElement) && r.perElement >= 1);
    assert.ok(r.perElement <= n, "no more elements than calls: none empty");
    assert.equal(r.boundMs, Math.min(t, (w ?? Infinity) * WALLTIME_SAFETY));
    // An element of several calls never outlasts the bound (a single call may have to).
    if (r.perElement > 1) assert.ok(r.perElement * r.callMs! <= r.boundMs);
    if (w !== undefined && r.perElement > 1) {
      assert.ok(r.perElement * percentile(d, 90)! <= w * WALLTIME_SAFETY);
    }
  }));
});

Deno.test("chooseCallsPerElement() is monotone in the target and the walltime", () => {
  fc.assert(fc.property(durations, calls, target, target, walltime, (d, n, a, b, w) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    const at = (t: number, wt = w) =>
      chooseCallsPerElement({ durationsMs: d, calls: n, targetMs: t, walltimeMs: wt }).perElement;
    assert.ok(at(lo) <= at(hi));
    assert.ok(at(hi, lo) <= at(hi, hi));
  }));
});

Deno.test('remote info takes inputsPerJob "auto" and targetElementTime as a duration', () => {
  const parsed = safeParseRemoteInfo(
    JSON.stringify({
      "x.ts::a": { system: "c", inputsPerJob: "auto" },
      "x.ts::b": { system: "c", inputsPerJob: "auto", targetElementTime: "90s" },
      "x.ts::c": { system: "c", targetElementTime: "1:00:00" },
      "x.ts::d": { system: "c", targetElementTime: 10 },
      "x.ts::e": { system: "c", targetElementTime: "1.5h" },
    }),
    "from X",
  );
  assert.ok(parsed.success);
  const routes = parsed.data.rules.map((r) => r.route);
  assert.equal(routes[0].inputsPerJob, "auto");
  assert.equal(routes[0].targetElementTime, undefined);
  assert.deepEqual(routes.slice(1).map((r) => r.targetElementTime), [
    90_000,
    3_600_000,
    600_000,
    5_400_000,
  ]);
});

Deno.test("remote info names the path and what was expected for a bad inputsPerJob or targetElementTime", () => {
  const message = (route: object) => {
    const r = safeParseRemoteInfo(JSON.stringify({ "x.ts::step": route }), "from X");
    assert.ok(!r.success);
    return r.error.message;
  };
  const perJob = 'a whole number, 1 or more, or "auto"';
  for (const bad of ["many", 0, 1.5, -2, null]) {
    assert.equal(
      message({ system: "c", inputsPerJob: bad }),
      `Cannot read remote info from X: ["x.ts::step"].inputsPerJob must be ${perJob} (got ${
        JSON.stringify(bad)
      })`,
    );
  }
  for (const bad of ["soon", 0, "0m", "-5m", "UNLIMITED"]) {
    const m = message({ system: "c", inputsPerJob: "auto", targetElementTime: bad });
    assert.match(
      m,
      /^Cannot read remote info from X: \["x\.ts::step"\]\.targetElementTime must be a duration such as 5m, 90s, 1h or 30 \(minutes\)/,
    );
    assert.ok(m.endsWith(`(got ${JSON.stringify(bad)})`), m);
    assert.doesNotMatch(m, /\n/);
  }
});

function done(key: string, step: string, startedAt: number, ms: number): CallRecord {
  return callRecord(key, {
    step,
    codeHash: "c",
    location: "hpc",
    createdAt: startedAt,
    startedAt,
    endedAt: startedAt + ms,
  });
}

Deno.test('the planner packs "auto" routes from the measured durations of the step in the store', async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  // 20 calls of ~20 s of the step, one slow one; another step's calls do not count.
  for (let i = 0; i < 20; i++) store.ledger.putRecord(done(`r${i}`, "relax", 1000 * i, 20_000));
  store.ledger.putRecord(done("slow", "relax", 0, 3_600_000));
  store.ledger.putRecord(done("o", "other", 0, 1));
  store.ledger.putRecord({ ...done("run", "relax", 0, 1), state: "running", endedAt: null });
  const measured = stepDurations(store, "relax");
  assert.equal(measured.length, 21);
  const { systems } = parseSystemsConfig(
    "systems:\n  hpc: { scheduler: slurm, rundir: /r, partitions: [{ name: short, coresPerNode: 8, maxTime: '10:00' }] }",
    "drover.yaml",
  );
  const route: Route = {
    system: "hpc",
    resources: {},
    inputsPerJob: "auto",
    inputFiles: [],
    env: {},
    maxRestarts: 0,
  };
  const calls = Array.from({ length: 100 }, (_, i) => i);
  // Target 5 min: 15 calls of 20 s fit, so 7 elements would do; but with no partition cores
  // configured, 16 elements are taken to run at once, so the 2000 s of work is spread over
  // 16 elements of up to 7 calls (140 s each; the last has 2).
  const five = elementPacking(route, {
    calls: calls.length,
    durationsMs: measured,
    resources: {},
  });
  assert.equal(five.perElement, 7);
  assert.deepEqual(packElements(calls, five.perElement).map((e) => e.length), [
    ...Array(14).fill(7),
    2,
  ]);
  // The partition's 10 min limit bounds a 1 h target to 8 min: 24 calls of 20 s fit (5
  // elements); its 8 cores run 8 elements at once, so 8 elements of 13 calls.
  const long = elementPacking({ ...route, targetElementTime: 3_600_000 }, {
    calls: calls.length,
    durationsMs: measured,
    resources: { partition: "short" },
    system: systems.hpc,
  });
  assert.deepEqual(long, { perElement: 13, basis: "measured", callMs: 20_000, boundMs: 480_000 });
  // An element asking for 4 cores: 2 at once on a node, and 24 calls fit: 5 elements of 20.
  assert.equal(
    elementPacking({ ...route, targetElementTime: 3_600_000 }, {
      calls: calls.length,
      durationsMs: measured,
      resources: { partition: "short", cores: 4 },
      system: systems.hpc,
    }).perElement,
    20,
  );
  // The job's own time wins over the partition's.
  assert.equal(
    elementPacking({ ...route, targetElementTime: 3_600_000 }, {
      calls: calls.length,
      durationsMs: measured,
      resources: { partition: "short", time: 120_000 },
      system: systems.hpc,
    }).perElement,
    4,
  );
  // A step with nothing measured gets the default.
  assert.deepEqual(
    elementPacking(route, {
      calls: 3000,
      durationsMs: stepDurations(store, "never"),
      resources: {},
    }),
    { perElement: 3, basis: "default", boundMs: 300_000 },
  );
});

Deno.test("a remote call decided by a poll keeps its run time from its marker as its duration", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const r = store.ledger.enqueueJob(
    {
      name: "j",
      system: "hpc",
      step: "relax",
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
  store.ledger.claim([{
    key: "k",
    step: "relax",
    codeHash: "c",
    version: "",
    argHashes: {},
    location: "hpc",
    runId: null,
    expect: "absent",
  }], { owner: "o:1:a", now: 0, leaseMs: 1000 });
  store.ledger.applyPoll({
    jobId: r.jobId,
    system: "hpc",
    decisions: new Map([["k", { state: "done", resultRef: "f".repeat(64), size: 1, runMs: 250 }]]),
    elements: [{ element: 0, state: "exited", exitCode: 0 }],
  }, 60_000);
  assert.equal(store.getCall("k")?.state, "done");
  assert.deepEqual(stepDurations(store, "relax"), [250]);
});

Deno.test("chooseCallsPerElement() spreads small work over the system's parallel elements, never below MIN_SPREAD_ELEMENT_MS of work each", () => {
  const pack = (durationMs: number, calls: number, parallelism: number): number => {
    const p = chooseCallsPerElement({ durationsMs: [durationMs], calls, parallelism });
    return Math.ceil(calls / p.perElement);
  };
  // 200 calls of 0.2 s: 40 s of work, 8 elements of 5 s (however many could run).
  assert.equal(pack(200, 200, 16), 8);
  assert.equal(pack(200, 200, 1000), 8);
  assert.equal(pack(200, 200, 4), 4);
  // 1000 trivial calls (1 ms): 1 s of work is not worth a second element.
  assert.equal(pack(1, 1000, 16), 1);
  // 3 calls of 1 h: one each (never more elements than calls), as the target already says.
  assert.equal(pack(3_600_000, 3, 16), 3);
  // Each spread element keeps at least MIN_SPREAD_ELEMENT_MS of work.
  for (const [ms, n, par] of [[50, 1000, 64], [700, 90, 32], [4999, 10, 10]]) {
    const elements = pack(ms, n, par);
    assert.ok(elements <= par || elements === 1, `${n} x ${ms} ms on ${par}`);
    if (elements > 1) {
      assert.ok(Math.floor(n / elements) * ms >= MIN_SPREAD_ELEMENT_MS - ms, `${n} x ${ms} ms`);
    }
  }
});
