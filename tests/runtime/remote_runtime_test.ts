import assert from "node:assert/strict";
import { encode, sha256Hex } from "../../lib/codec/mod.ts";
import {
  bundleStepModule,
  ManualClock,
  type RemoteCall,
  type RemoteEvent,
  RemoteRuntime,
  SystemLink,
} from "../../lib/runtime/mod.ts";
import { LocalDriver } from "../../lib/scheduler/mod.ts";
import { openStore, type Store } from "../../lib/store/mod.ts";
import { parseSystemsConfig } from "../../lib/systems/mod.ts";
import { LocalTransport } from "../../lib/transport/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

const MODULE = new URL("./fixtures/runtime_steps.ts", import.meta.url).pathname;

function call(step: string, inputs: Record<string, unknown>, maxRestarts: number): RemoteCall {
  const bytes = encode(inputs, { root: "args" });
  const key = sha256Hex(encode({ step, inputs }));
  return {
    key,
    step,
    module: MODULE,
    codeHash: "c",
    version: "",
    argHashes: {},
    inputs: bytes,
    inputsRef: sha256Hex(bytes),
    routeKey: "test",
    route: { system: "here", resources: {}, inputsPerJob: 2, inputFiles: [], env: {}, maxRestarts },
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

Deno.test("RemoteRuntime runs submit -> poll -> restart -> give-up -> close on the local scheduler with a manual clock", async () => {
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
    clock: new ManualClock(1_000_000),
    onEvent: (e) => events.push(e),
    graceMs: 1e9,
    bundle: () => Promise.resolve(bundle),
    cwd: dir.path,
  });
  const ok = [1, 2, 3].map((x) => call("rt-double", { x }, 0));
  const flaky = call("rt-flaky", { x: 1, marker: `${dir.path}/flaky.marker` }, 2);
  const doomed = call("rt-doomed", { x: 9 }, 1);
  claim(store, [...ok, flaky, doomed], owner);
  const outcomes = await Promise.all([...ok, flaky, doomed].map((c) => runtime.run(c)));
  // Done calls carry their result object on the system.
  for (const [i, o] of outcomes.slice(0, 3).entries()) {
    assert.ok(o.ok, JSON.stringify(o));
    const bytes = await runtime.fetchResult(o.resultRef, [o.system]);
    assert.deepEqual(bytes, encode(2 * (i + 1), { root: "result" }));
  }
  // The flaky call was restarted once and then succeeded.
  assert.ok(outcomes[3].ok);
  assert.equal(store.getCall(flaky.key)?.state, "done");
  assert.equal(store.jobs.attemptsOf(flaky.key), 2);
  // The doomed call used its one restart, then was given up as retryable.
  const last = outcomes[4];
  assert.ok(!last.ok);
  assert.equal(last.reason, "killed");
  assert.equal(last.retryState, "max-restarts");
  assert.equal(store.jobs.attemptsOf(doomed.key), 2);
  assert.deepEqual(store.getCall(doomed.key)?.failure, {
    reason: "killed",
    retryable: true,
    retryState: "max-restarts",
  });
  const kinds = events.map((e) => e.type);
  assert.ok(kinds.includes("job-submitted"));
  assert.equal(events.filter((e) => e.type === "job-restart").length, 2);
  // Close rejects what still waits and stops every loop (the sanitizers check the rest).
  const slow = call("rt-slow", { ms: 60_000 }, 0);
  claim(store, [slow], owner);
  const pending = runtime.run(slow);
  await runtime.close();
  await assert.rejects(
    pending,
    (e: unknown) => e instanceof DOMException && e.name === "AbortError",
  );
  await new LocalDriver().cancel(
    new LocalTransport(),
    store.jobs.listJobs({ states: ["staged", "submitted"] }).flatMap((j) =>
      j.schedulerId ? [j.schedulerId] : []
    ),
  );
});

Deno.test("RemoteRuntime.prepare() builds a module's bundle once ahead of its calls, again after a failure", async () => {
  await using dir = await tempDir();
  using store = openStore({ dir: `${dir.path}/.drover` });
  const built: string[] = [];
  let fail = true;
  const runtime = new RemoteRuntime({
    store,
    runId: null,
    owner: "test",
    systems: () => ({}),
    connect: () => {
      throw new Error("no system is used");
    },
    clock: new ManualClock(0),
    bundle: (module) => {
      built.push(module);
      if (module === "/p/bad.ts" && fail) {
        fail = false;
        return Promise.reject(new Error("cannot bundle"));
      }
      return Promise.resolve({ bytes: new Uint8Array([1]), hash: "h" });
    },
    cwd: dir.path,
  });
  runtime.prepare("/p/a.ts");
  runtime.prepare("/p/a.ts");
  runtime.prepare("/p/bad.ts");
  assert.deepEqual(built, ["/p/a.ts", "/p/bad.ts"]);
  await Promise.resolve();
  await Promise.resolve();
  // The failed build is forgotten: the next need of the bundle builds it again.
  runtime.prepare("/p/bad.ts");
  runtime.prepare("/p/a.ts");
  assert.deepEqual(built, ["/p/a.ts", "/p/bad.ts", "/p/bad.ts"]);
  await runtime.close();
  runtime.prepare("/p/c.ts");
  assert.deepEqual(built, ["/p/a.ts", "/p/bad.ts", "/p/bad.ts"]);
});

Deno.test('RemoteRuntime restarts nothing for a route restarted by its caller (restartBy: "caller"): the killed call and the one after it come back retryable', async () => {
  await using dir = await tempDir();
  const { systems } = parseSystemsConfig(
    `systems:\n  here: { scheduler: local, rundir: "${dir.path}/runs", pollMs: 20 }\n`,
    "drover.yaml",
  );
  using store = openStore({ dir: `${dir.path}/.drover` });
  const bundle = await bundleStepModule(MODULE);
  const events: RemoteEvent[] = [];
  const owner = `${Deno.hostname()}:${Deno.pid}:test`;
  await using runtime = new RemoteRuntime({
    store,
    runId: null,
    owner,
    systems: () => systems,
    connect: (s) => new SystemLink(s, new LocalTransport(), new LocalDriver()),
    clock: new ManualClock(1_000_000),
    onEvent: (e) => events.push(e),
    graceMs: 1e9,
    bundle: () => Promise.resolve(bundle),
    cwd: dir.path,
  });
  const byCaller = (c: RemoteCall): RemoteCall => ({
    ...c,
    route: { ...c.route, restartBy: "caller" },
  });
  // One element of two calls: the first kills the element's process, the second never starts.
  const flaky = byCaller(call("rt-flaky", { x: 1, marker: `${dir.path}/flaky.marker` }, 2));
  const after = byCaller(call("rt-flaky", { x: 2, marker: `${dir.path}/after.marker` }, 2));
  claim(store, [flaky, after], owner);
  const [a, b] = await Promise.all([runtime.run(flaky), runtime.run(after)]);
  assert.ok(!a.ok && !b.ok, JSON.stringify([a, b]));
  assert.deepEqual([a.reason, a.retryState], ["killed", "max-restarts"]);
  assert.deepEqual([b.reason, b.retryState], ["not-started", "max-restarts"]);
  assert.equal(store.getCall(after.key)?.failure?.retryable, true);
  assert.equal(events.filter((e) => e.type === "job-restart").length, 0);
  assert.equal(store.jobs.listJobs().length, 1, "no restart job");
});
