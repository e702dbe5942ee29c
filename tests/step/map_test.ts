import assert from "node:assert/strict";
import { type CallOptions, map, openSession, type Step, step, useSession } from "../../mod.ts";
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
