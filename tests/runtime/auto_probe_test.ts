import assert from "node:assert/strict";
import fc from "fast-check";
import { encode, sha256Hex } from "../../lib/codec/mod.ts";
import {
  bundleStepModule,
  type Clock,
  ManualClock,
  type RemoteCall,
  type RemoteEvent,
  RemoteRuntime,
  SystemLink,
} from "../../lib/runtime/mod.ts";
import {
  decideAutoRound,
  PROBE_CALLS,
  PROBE_TRANSITIONS,
  ProbeBook,
} from "../../lib/runtime/auto_probe.ts";
import { LocalDriver } from "../../lib/scheduler/mod.ts";
import { openStore, stepDurations, type Store } from "../../lib/store/mod.ts";
import { parseSystemsConfig } from "../../lib/systems/mod.ts";
import { LocalTransport } from "../../lib/transport/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

Deno.test("decideAutoRound() probes only on a first attempt with nothing known and more calls than a probe", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 100_000 }),
    fc.array(fc.integer({ min: 0, max: 1e7 }), { maxLength: 5 }),
    fc.integer({ min: 1, max: 4 }),
    fc.constantFrom(
      undefined,
      { state: "probing" as const, keys: ["k"], since: 0 },
      { state: "measured" as const },
      { state: "timed-out" as const, floorMs: 1e6 },
    ),
    (calls, durationsMs, attempt, probe) => {
      const r = decideAutoRound({ calls, durationsMs, attempt, probe });
      if (probe?.state === "probing") return assert.deepEqual(r, { kind: "hold" });
      if (r.kind === "probe") {
        assert.equal(r.count, PROBE_CALLS);
        assert.ok(calls > PROBE_CALLS && attempt === 1 && durationsMs.length === 0 && !probe);
      } else {
        assert.equal(r.kind, "pack");
        if (durationsMs.length > 0) assert.deepEqual(r.durationsMs, durationsMs);
      }
    },
  ));
});

Deno.test("ProbeBook moves a probe to timed-out once an element of it has run for the bound", async () => {
  const clock = new ManualClock(0);
  const book = new ProbeBook({ clock, settled: () => false, startedAt: () => 500 });
  // Its element started at 500: at 10,000 it has run 9,500 ms (probing on), at 20,000 19,500.
  await book.start("g", ["a"], 10_000);
  assert.deepEqual(book.get("g"), { state: "timed-out", floorMs: 19_500 });
  // A settled call after the end changes nothing (timed-out is final).
  book.noteSettled();
  assert.equal(book.get("g")?.state, "timed-out");
  assert.deepEqual(PROBE_TRANSITIONS["timed-out"], []);
  const out = book.start("h", ["x"], 10_000);
  assert.throws(() => book.start("h", ["x"], 10_000), /Cannot start a probe of "h": one is out/);
  await out;
});

const MODULE = new URL("./fixtures/runtime_steps.ts", import.meta.url).pathname;

function call(x: number): RemoteCall {
  const step = "rt-double";
  const bytes = encode({ x }, { root: "args" });
  return {
    key: sha256Hex(encode({ step, inputs: { x } })),
    step,
    module: MODULE,
    codeHash: "c",
    version: "",
    argHashes: {},
    inputs: bytes,
    inputsRef: sha256Hex(bytes),
    routeKey: "test",
    route: {
      system: "here",
      resources: {},
      inputsPerJob: "auto",
      inputFiles: [],
      env: {},
      maxRestarts: 0,
    },
  };
}

function claim(store: Store, calls: readonly RemoteCall[], owner: string): void {
  store.ledger.claim(
    calls.map((c) => ({
      key: c.key,
      step: c.step,
      codeHash: c.codeHash,
      version: "",
      argHashes: {},
      location: "here",
      runId: null,
      expect: "absent" as const,
    })),
    { owner, now: 0, leaseMs: 3_600_000 },
  );
}

/** A fake clock whose short sleeps pass at once and whose long ones (the probe's timer) never do. */
function shortSleepsOnly(start: number): Clock {
  const manual = new ManualClock(start);
  return {
    now: () => manual.now(),
    sleep: (ms, signal) =>
      ms < 60_000 ? manual.sleep(ms, signal) : new Promise((_, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      }),
  };
}

Deno.test('RemoteRuntime with inputsPerJob "auto" and nothing measured: a probe of 4 calls, then the rest in one element', async () => {
  await using dir = await tempDir();
  const { systems } = parseSystemsConfig(
    `systems:\n  here: { scheduler: local, rundir: "${dir.path}/runs", pollMs: 20 }\n`,
    "drover.yaml",
  );
  using store = openStore({ dir: `${dir.path}/.drover` });
  const bundle = await bundleStepModule(MODULE);
  const events: RemoteEvent[] = [];
  const owner = `${Deno.hostname()}:${Deno.pid}:test`;
  const runtime = new RemoteRuntime({
    store,
    runId: null,
    owner,
    systems: () => systems,
    connect: (s) => new SystemLink(s, new LocalTransport(), new LocalDriver()),
    clock: shortSleepsOnly(1_000_000),
    onEvent: (e) => events.push(e),
    graceMs: 1e9,
    bundle: () => Promise.resolve(bundle),
    cwd: dir.path,
  });
  try {
    const calls = Array.from({ length: 30 }, (_, i) => call(i));
    claim(store, calls, owner);
    const outcomes = await Promise.all(calls.map((c) => runtime.run(c)));
    assert.ok(outcomes.every((o) => o.ok));
    const submitted = events.flatMap((e) =>
      e.type === "job-submitted" ? [{ elements: e.elements, keys: e.keys ?? [] }] : []
    );
    // The probe: the first 4 calls, one per element; the other 26 waited for its durations.
    assert.deepEqual(submitted.map((s) => [s.elements, s.keys.length]), [[4, 4], [1, 26]]);
    assert.deepEqual(new Set(submitted[0].keys), new Set(calls.slice(0, 4).map((c) => c.key)));
    // The probe's durations were measured before the rest was packed (trivial: one element).
    assert.ok(stepDurations(store, "rt-double").length >= 4);
  } finally {
    await runtime.close();
  }
});

Deno.test("ProbeBook stops its timer when the probe is measured (a 5 min timer must not keep a script alive)", async () => {
  // A clock that counts the sleeps still waiting (they end only when aborted).
  let pending = 0;
  const clock: Clock = {
    now: () => 0,
    sleep: (_ms, signal) =>
      new Promise((_, reject) => {
        pending++;
        signal?.addEventListener("abort", () => {
          pending--;
          reject(signal.reason);
        }, { once: true });
      }),
  };
  const done = new Set<string>();
  const book = new ProbeBook({ clock, settled: (k) => done.has(k), startedAt: () => undefined });
  const ended = book.start("g", ["a"], 300_000);
  assert.equal(pending, 1);
  done.add("a");
  book.noteSettled();
  await ended;
  assert.deepEqual(book.get("g"), { state: "measured" });
  assert.equal(pending, 0);
  await book.ended("g"); // none out: at once
});
