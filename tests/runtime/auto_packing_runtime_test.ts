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
import { openStore, stepDurations, type Store } from "../../lib/store/mod.ts";
import { parseSystemsConfig } from "../../lib/systems/mod.ts";
import { LocalTransport } from "../../lib/transport/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

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

Deno.test('RemoteRuntime with inputsPerJob "auto": 1 call per element first, then packed from the measured durations', async () => {
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
  try {
    const submitted = () =>
      events.flatMap((e) => e.type === "job-submitted" ? [[e.elements, e.calls]] : []);
    // Nothing measured yet: the default, one call per element.
    const first = [1, 2, 3].map(call);
    claim(store, first, owner);
    for (const o of await Promise.all(first.map((c) => runtime.run(c)))) assert.ok(o.ok);
    assert.deepEqual(submitted(), [[3, 3]]);
    // Their durations are the run times their markers give (milliseconds, not the queue).
    const measured = stepDurations(store, "rt-double");
    assert.equal(measured.length, 3);
    assert.ok(measured.every((ms) => ms >= 0 && ms < 60_000), String(measured));
    // Measured short calls: all of the next batch goes into one element.
    const next = [4, 5, 6, 7, 8].map(call);
    claim(store, next, owner);
    for (const o of await Promise.all(next.map((c) => runtime.run(c)))) assert.ok(o.ok);
    assert.deepEqual(submitted(), [[3, 3], [1, 5]]);
  } finally {
    await runtime.close();
  }
});
