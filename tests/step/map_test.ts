import assert from "node:assert/strict";
import { type CallOptions, map, openSession, type Step, step, useSession } from "../../mod.ts";
import { MAP_WINDOW } from "../../lib/step/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

/** A stand-in step that records the options of each call. */
function recorder(): { s: Step<{ x: number }, number>; seen: (CallOptions | undefined)[] } {
  const seen: (CallOptions | undefined)[] = [];
  const fn = ({ x }: { x: number }, options?: CallOptions): Promise<number> => {
    seen[x] = options;
    return Promise.resolve(x);
  };
  Object.defineProperty(fn, "stepName", { value: "recorder" });
  return { s: fn as unknown as Step<{ x: number }, number>, seen };
}

Deno.test("map() passes no call options when none are given", async () => {
  const { s, seen } = recorder();
  await map(s, [{ x: 0 }, { x: 1 }]);
  assert.deepEqual(seen, [undefined, undefined]);
});

Deno.test("map() gives label and retryFailed to every call", async () => {
  const { s, seen } = recorder();
  await map(s, [{ x: 0 }, { x: 1 }], { label: "gpu", retryFailed: true, concurrency: 1 });
  // concurrency travels as a limiter on each call (it limits local execution only)
  const plain = seen.map((o) => ({ label: o?.label, retryFailed: o?.retryFailed }));
  assert.deepEqual(plain, [{ label: "gpu", retryFailed: true }, {
    label: "gpu",
    retryFailed: true,
  }]);
  assert.ok(seen.every((o) => o?.limiter !== undefined));
});

Deno.test("map() lets callOptions override the shared options per element", async () => {
  const { s, seen } = recorder();
  const indices: number[] = [];
  await map(s, [{ x: 0 }, { x: 1 }, { x: 2 }], {
    label: "small",
    callOptions: ({ x }, index) => {
      indices.push(index);
      return x === 2 ? { label: "big" } : x === 1 ? { retryFailed: true } : undefined;
    },
  });
  assert.deepEqual(seen, [
    { label: "small" },
    { label: "small", retryFailed: true },
    { label: "big" },
  ]);
  assert.deepEqual(indices.sort(), [0, 1, 2]);
});

Deno.test("map() records a throwing callOptions as that element's failure", async () => {
  const { s } = recorder();
  const r = await map(s, [{ x: 0 }, { x: 1 }], {
    callOptions: (_, i) => {
      if (i === 1) throw new TypeError("no options for 1");
      return undefined;
    },
  });
  assert.deepEqual(r.values, [0, undefined]);
  assert.equal((r.failures[0].error as Error).message, "no options for 1");
});

Deno.test("map() with retryFailed runs stored failures again", async () => {
  await using dir = await tempDir();
  const session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  const previous = useSession(session);
  try {
    let runs = 0;
    let fail = true;
    const s = step("map-retry-failed", ({ x }: { x: number }) => {
      runs++;
      if (fail) throw new RangeError(`bad ${x}`);
      return x;
    });
    const first = await map(s, [{ x: 1 }, { x: 2 }]);
    assert.equal(first.failures.length, 2);
    fail = false;
    const cached = await map(s, [{ x: 1 }, { x: 2 }]);
    assert.equal(cached.failures.length, 2, "stored failures are rethrown without retryFailed");
    assert.equal(runs, 2);
    const again = await map(s, [{ x: 1 }, { x: 2 }], { retryFailed: true });
    assert.deepEqual(again.values, [1, 2]);
    assert.equal(runs, 4);
  } finally {
    useSession(previous);
    await session.close();
  }
});

/** A stand-in step whose calls wait until released, counting how many are in flight. */
function gated(): {
  s: Step<{ x: number }, number>;
  started: number[];
  inFlight: () => number;
  peak: () => number;
  release: (x: number, fail?: boolean) => void;
  waiting: () => number[];
  settled: () => Promise<void>;
} {
  const waiting = new Map<number, { ok: () => void; fail: () => void }>();
  const started: number[] = [];
  let running = 0;
  let peak = 0;
  let wake: (() => void) | undefined;
  const fn = async ({ x }: { x: number }): Promise<number> => {
    started.push(x);
    peak = Math.max(peak, ++running);
    wake?.();
    try {
      await new Promise<void>((ok, fail) =>
        waiting.set(x, { ok, fail: () => fail(new RangeError(`no ${x}`)) })
      );
      return x * 10;
    } finally {
      running--;
    }
  };
  Object.defineProperty(fn, "stepName", { value: "gated" });
  return {
    s: fn as unknown as Step<{ x: number }, number>,
    started,
    inFlight: () => running,
    peak: () => peak,
    waiting: () => [...waiting.keys()],
    release: (x, fail) => {
      const w = waiting.get(x);
      if (!w) throw new Error(`call ${x} is not waiting`);
      waiting.delete(x);
      if (fail) w.fail();
      else w.ok();
    },
    settled: () => new Promise((r) => setTimeout(r, 0)),
  };
}

Deno.test("map() keeps at most MAP_WINDOW calls in flight and starts the next as one returns", async () => {
  const g = gated();
  const n = MAP_WINDOW + 5;
  const done = map(g.s, Array.from({ length: n }, (_, x) => ({ x })));
  await g.settled();
  assert.equal(g.inFlight(), MAP_WINDOW);
  assert.equal(g.started.length, MAP_WINDOW);
  g.release(3);
  await g.settled();
  assert.equal(g.started.length, MAP_WINDOW + 1);
  assert.equal(g.started.at(-1), MAP_WINDOW); // the next input in order
  // Release the newest waiting call first each time: results still come in input order.
  while (g.waiting().length > 0) {
    const x = Math.max(...g.waiting());
    g.release(x, x % 100 === 7);
    await g.settled();
  }
  const r = await done;
  assert.equal(g.peak(), MAP_WINDOW);
  assert.deepEqual(r.values.slice(0, 9), [0, 10, 20, 30, 40, 50, 60, undefined, 80]);
  assert.equal(r.values[n - 1], (n - 1) * 10);
  const failed = r.failures.map((f) => f.index);
  assert.deepEqual(failed, Array.from({ length: n }, (_, x) => x).filter((x) => x % 100 === 7));
  assert.ok(r.failures.every((f) => f.error instanceof RangeError));
});

Deno.test("map() fails the inputs not yet started when aborted, and lets started ones finish", async () => {
  const g = gated();
  const n = MAP_WINDOW + 3;
  const ac = new AbortController();
  const done = map(g.s, Array.from({ length: n }, (_, x) => ({ x })), { signal: ac.signal });
  await g.settled();
  ac.abort(new Error("stop"));
  for (let x = 0; x < MAP_WINDOW; x++) g.release(x);
  const r = await done;
  assert.equal(g.started.length, MAP_WINDOW);
  assert.equal(r.values[MAP_WINDOW - 1], (MAP_WINDOW - 1) * 10);
  assert.deepEqual(r.failures.map((f) => f.index), [MAP_WINDOW, MAP_WINDOW + 1, MAP_WINDOW + 2]);
  assert.ok(r.failures.every((f) => (f.error as Error).message === "stop"));
});

Deno.test("map() over more inputs than its window caches each call once, in order", async () => {
  await using dir = await tempDir();
  const session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  const previous = useSession(session);
  try {
    let runs = 0;
    const inc = step("map-window-inc", ({ i }: { i: number }) => {
      runs++;
      return i + 1;
    });
    const n = 2 * MAP_WINDOW + 17;
    // Every input twice: the second of each pair shares the first's call or its record.
    const inputs = Array.from({ length: n }, (_, k) => ({ i: k % (n >> 1) }));
    const r = await map(inc, inputs);
    assert.ok(r.ok);
    assert.deepEqual(r.values, inputs.map(({ i }) => i + 1));
    assert.equal(runs, n >> 1);
    assert.equal(session.store.countCalls()[0].count, n >> 1);
  } finally {
    useSession(previous);
    await session.close();
  }
});

/**
 * A stand-in step whose calls are "routed" (they call `onRouted` one turn after they start,
 * as the session does once the remote runtime holds them) or run "here" until released.
 */
function routedStandIn(routed: (x: number) => boolean): {
  s: Step<{ x: number }, number>;
  started: number[];
  unroutedPeak: () => number;
  releaseAll: () => void;
} {
  const started: number[] = [];
  const waiting: (() => void)[] = [];
  let unrouted = 0;
  let peak = 0;
  const fn = async ({ x }: { x: number }, options?: CallOptions): Promise<number> => {
    started.push(x);
    peak = Math.max(peak, ++unrouted);
    await Promise.resolve();
    if (routed(x)) {
      unrouted--;
      options?.onRouted?.();
      await new Promise<void>((r) => waiting.push(r)); // its job
    } else {
      await new Promise<void>((r) => waiting.push(r)); // runs here
      unrouted--;
    }
    return x * 10;
  };
  Object.defineProperties(fn, {
    stepName: { value: "routed-stand-in" },
    definition: { value: { name: "routed-stand-in", options: {} } },
  });
  return {
    s: fn as unknown as Step<{ x: number }, number>,
    started,
    unroutedPeak: () => peak,
    releaseAll: () => waiting.splice(0).forEach((r) => r()),
  };
}

Deno.test("map() with remote info starts the next input once a call is routed, never more than MAP_WINDOW unrouted", async () => {
  await using dir = await tempDir();
  const session = openSession({
    dir: `${dir.path}/.drover`,
    recordRun: false,
    remoteInfo: { "gpu": { system: "cluster" } },
  });
  const previous = useSession(session);
  try {
    const n = 3 * MAP_WINDOW + 5;
    const g = routedStandIn(() => true);
    const done = map(g.s, Array.from({ length: n }, (_, x) => ({ x })));
    await new Promise((r) => setTimeout(r, 0));
    // Every call was handed out while none has ended: routed calls left the window.
    assert.equal(g.started.length, n);
    assert.ok(g.unroutedPeak() <= MAP_WINDOW, `peak ${g.unroutedPeak()}`);
    g.releaseAll();
    const r = await done;
    assert.deepEqual(r.values, Array.from({ length: n }, (_, x) => x * 10));

    // Calls that run here keep their slots: the window holds MAP_WINDOW of them.
    const mixed = routedStandIn((x) => x % 2 === 0);
    const m = map(mixed.s, Array.from({ length: n }, (_, x) => ({ x })));
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(mixed.unroutedPeak(), MAP_WINDOW);
    const local = mixed.started.filter((x) => x % 2 === 1).length;
    assert.equal(local, MAP_WINDOW, "the window filled with local calls");
    assert.ok(mixed.started.length < n);
    while (mixed.started.length < n || (await Promise.race([m, null])) === null) {
      mixed.releaseAll();
      await new Promise((r) => setTimeout(r, 0));
    }
    assert.deepEqual((await m).values, Array.from({ length: n }, (_, x) => x * 10));
  } finally {
    useSession(previous);
    await session.close();
  }
});

Deno.test("map() with remote info captures its call site's stack once for all its calls, and they route as a call from that site would", async () => {
  await using dir = await tempDir();
  const session = openSession({
    dir: `${dir.path}/.drover`,
    recordRun: false,
    // Active, but routes none of these calls: they run here.
    remoteInfo: { "nowhere.ts::never": { system: "cluster" } },
  });
  const previous = useSession(session);
  const inc = step("map-site-inc", ({ x }: { x: number }) => x + 1);
  const capture = Error.captureStackTrace;
  let captures = 0;
  Error.captureStackTrace = (target: object, above?: CallableFunction) => {
    captures++;
    capture(target, above);
  };
  try {
    const r = await map(inc, Array.from({ length: 200 }, (_, x) => ({ x })));
    assert.deepEqual(r.values, Array.from({ length: 200 }, (_, x) => x + 1));
    assert.ok(captures <= 2, `${captures} stack captures for 200 calls`);
  } finally {
    Error.captureStackTrace = capture;
    useSession(previous);
    await session.close();
  }
  // One site, recorded as a plain call from the same place would be.
  assert.equal(session.router.captures, 1);
});

Deno.test("map() answers a replay from the store a chunk of inputs at a time, and runs only the new inputs of a grown map", async () => {
  await using dir = await tempDir();
  const cached: string[] = [];
  const session = openSession({
    dir: `${dir.path}/.drover`,
    recordRun: false,
    onEvent: (e) => void (e.type === "call-cached" && cached.push(e.key)),
  });
  const previous = useSession(session);
  let ran = 0;
  const sq = step("map-chunk-sq", ({ x }: { x: number }) => {
    ran++;
    return x * x;
  });
  const lookups: number[] = [];
  const cachedMany = session.cachedMany.bind(session);
  session.cachedMany = ((def, inputs) => {
    lookups.push(inputs.length);
    return cachedMany(def, inputs);
  }) as typeof session.cachedMany;
  try {
    const n = 5000;
    const inputs = Array.from({ length: 2 * n }, (_, x) => ({ x }));
    const first = await map(sq, inputs.slice(0, n));
    assert.equal(ran, n);
    // A fresh map looked up its first chunk, found nothing, and stopped looking.
    assert.deepEqual(lookups, [4096]);
    lookups.length = 0;
    ran = 0;
    const again = await map(sq, inputs);
    assert.deepEqual(again.values, inputs.map(({ x }) => x * x));
    assert.deepEqual(again.values.slice(0, n), first.values);
    assert.equal(ran, n, "only the new inputs ran");
    assert.equal(cached.length, n);
    // Every chunk looked up while chunks hit (the second one partly).
    assert.deepEqual(lookups, [4096, 4096, 2 * n - 2 * 4096]);
  } finally {
    useSession(previous);
    await session.close();
  }
});

Deno.test("map() keeps a first run's chunks as result sets: the replay reads them, and a cleaned call runs again", async () => {
  await using dir = await tempDir();
  const session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  const previous = useSession(session);
  try {
    let runs = 0;
    const sq = step("map-sets-square", ({ x }: { x: number }) => {
      runs++;
      return { x, sq: x * x };
    });
    const inputs = Array.from({ length: 100 }, (_, x) => ({ x }));
    const first = await map(sq, inputs);
    assert.equal(runs, 100);
    const keys = await Promise.all(
      inputs.map(async (i) => (await session.keyOf(sq.definition!, i)).key),
    );
    assert.equal(session.store.resultSets.get(keys)?.length, 100, "one set for the chunk");
    // The replay comes from the set: it answers although a result's object is gone (a
    // call-by-call lookup would have run that call again).
    const ref = session.store.getCall(keys[7])!.resultRef!;
    session.store.db.prepare("DELETE FROM objects WHERE hash = ?").run(ref);
    const replay = await map(sq, inputs);
    assert.equal(runs, 100);
    assert.deepEqual(replay.values, first.values);
    // A cleaned call drops the sets: the next replay runs it again, and the one after keeps
    // the set anew (a chunk partly answered by its lookup is kept by its next replay).
    session.store.removeSelectedCalls([{ key: keys[42], state: "done" }]);
    assert.equal(session.store.resultSets.get(keys), undefined);
    const again = await map(sq, inputs);
    assert.deepEqual(again.values, first.values);
    assert.equal(runs, 101 + 1, "the cleaned call, and the one whose object was gone");
    assert.equal(session.store.resultSets.get(keys), undefined);
    assert.deepEqual((await map(sq, inputs)).values, first.values);
    assert.equal(runs, 102);
    assert.equal(session.store.resultSets.get(keys)?.length, 100);
  } finally {
    useSession(previous);
    await session.close();
  }
});

Deno.test("map() keeps no result set for a chunk with a failed element", async () => {
  await using dir = await tempDir();
  const session = openSession({ dir: `${dir.path}/.drover`, recordRun: false });
  const previous = useSession(session);
  try {
    const inv = step("map-sets-inverse", ({ x }: { x: number }) => {
      if (x === 50) throw new RangeError("no");
      return 1 / (x + 1);
    });
    const inputs = Array.from({ length: 80 }, (_, x) => ({ x }));
    const r = await map(inv, inputs);
    assert.deepEqual(r.failures.map((f) => f.index), [50]);
    const keys = await Promise.all(
      inputs.map(async (i) => (await session.keyOf(inv.definition!, i)).key),
    );
    assert.equal(session.store.resultSets.get(keys), undefined);
    assert.equal(session.store.db.prepare("SELECT count(*) AS n FROM result_sets").get()?.n, 0);
  } finally {
    useSession(previous);
    await session.close();
  }
});
