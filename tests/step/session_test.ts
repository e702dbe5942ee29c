import assert from "node:assert/strict";
import { z } from "zod";
import {
  type DroverEvent,
  EncodeError,
  map,
  MapError,
  openSession,
  type Session,
  step,
  StepFailedError,
  useSession,
} from "../../mod.ts";
import { tempDir } from "../_helpers/temp.ts";

interface Ctx {
  readonly session: Session;
  readonly events: DroverEvent[];
  readonly dir: string;
}

async function withSession(fn: (ctx: Ctx) => Promise<void>, opts = {}): Promise<void> {
  await using dir = await tempDir();
  const events: DroverEvent[] = [];
  const session = openSession({
    dir: `${dir.path}/.drover`,
    onEvent: (e) => events.push(e),
    ...opts,
  });
  const previous = useSession(session);
  try {
    await fn({ session, events, dir: dir.path });
  } finally {
    useSession(previous);
    await session.close();
  }
}

let counter = 0;
function uniqueName(base: string): string {
  return `${base}-${++counter}`;
}

Deno.test("step() runs once and then returns the cached result", () =>
  withSession(async ({ session }) => {
    let runs = 0;
    const s = step(uniqueName("cached"), ({ x }: { x: number }) => {
      runs++;
      return { y: x + 1 };
    });
    assert.deepEqual(await s({ x: 1 }), { y: 2 });
    assert.deepEqual(await s({ x: 1 }), { y: 2 });
    assert.equal(runs, 1);
    assert.deepEqual(await s({ x: 2 }), { y: 3 });
    assert.equal(runs, 2);
    assert.equal((session.flush(), session.store).listCalls().length, 2);
  }));

Deno.test("step() cache survives a new session on the same store", async () => {
  await using dir = await tempDir();
  let runs = 0;
  const s = step(uniqueName("persist"), ({ x }: { x: number }) => {
    runs++;
    return x * 10;
  });
  for (let i = 0; i < 2; i++) {
    const session = openSession({ dir: `${dir.path}/.drover` });
    const prev = useSession(session);
    assert.equal(await s({ x: 3 }), 30);
    useSession(prev);
    await session.close();
  }
  assert.equal(runs, 1);
});

Deno.test("step() keys ignore object key order and ignored arguments", () =>
  withSession(async ({ session }) => {
    let runs = 0;
    const s = step(
      uniqueName("order"),
      (_: { a: { p: number; q: number }; seed: number }) => ++runs,
      { ignore: ["seed"] },
    );
    const k1 = await session.keyOf(s.definition, { a: { p: 1, q: 2 }, seed: 1 });
    const k2 = await session.keyOf(s.definition, { a: { q: 2, p: 1 }, seed: 2 });
    assert.equal(k1.key, k2.key);
    await s({ a: { p: 1, q: 2 }, seed: 1 });
    await s({ a: { q: 2, p: 1 }, seed: 9 });
    assert.equal(runs, 1);
    session.flush();
    assert.deepEqual(Object.keys(session.store.listCalls()[0].argHashes), ["a"]);
  }));

Deno.test("step() keys hash typed arrays by content", () =>
  withSession(async ({ session }) => {
    const s = step(uniqueName("typed"), ({ v }: { v: Float64Array }) => v.length);
    const a = new Float64Array([1, 2, 3]);
    const buf = new Float64Array(5);
    buf.set([1, 2, 3], 2);
    const b = buf.subarray(2);
    const ka = await session.keyOf(s.definition, { v: a });
    assert.equal(ka.key, (await session.keyOf(s.definition, { v: b })).key);
    assert.notEqual(
      ka.key,
      (await session.keyOf(s.definition, { v: new Float64Array([1, 2, 4]) })).key,
    );
  }));

Deno.test("step() version salt changes the key", () =>
  withSession(async ({ session }) => {
    const fn = ({ x }: { x: number }): number => x;
    const v1 = step(uniqueName("ver"), fn, { version: "1" });
    const v2 = step(uniqueName("ver"), fn, { version: "2" });
    const k1 = await session.keyOf(v1.definition, { x: 1 });
    const k2 = await session.keyOf({ ...v2.definition, name: v1.stepName }, { x: 1 });
    assert.notEqual(k1.key, k2.key);
    assert.equal(k1.codeHash, k2.codeHash);
  }));

Deno.test("step() with cache: false always runs and stores nothing", () =>
  withSession(async ({ session }) => {
    let runs = 0;
    const s = step(uniqueName("nocache"), (_: { x: number }) => ++runs, { cache: false });
    await s({ x: 1 });
    await s({ x: 1 });
    assert.equal(runs, 2);
    assert.equal((session.flush(), session.store).listCalls().length, 0);
  }));

Deno.test("step() shares one execution between concurrent calls with the same key", () =>
  withSession(async () => {
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = step(uniqueName("flight"), async ({ x }: { x: number }) => {
      runs++;
      await gate;
      return x;
    });
    const calls = [s({ x: 1 }), s({ x: 1 }), s({ x: 1 })];
    await Promise.resolve();
    release();
    assert.deepEqual(await Promise.all(calls), [1, 1, 1]);
    assert.equal(runs, 1);
  }));

Deno.test("step() stores a failure and rethrows it with the original name and message", async () => {
  await using dir = await tempDir();
  let runs = 0;
  class ConvergenceError extends Error {
    override name = "ConvergenceError";
    steps = 500;
  }
  const s = step(uniqueName("fails"), (_: { x: number }) => {
    runs++;
    throw new ConvergenceError("did not converge");
  });
  const open = (): Session => openSession({ dir: `${dir.path}/.drover` });
  let session = open();
  let prev = useSession(session);
  const first = await s({ x: 1 }).catch((e) => e);
  assert.ok(first instanceof StepFailedError);
  assert.equal(first.name, "ConvergenceError");
  assert.equal(first.message, "did not converge");
  assert.equal(first.fromStore, false);
  assert.ok(first.cause instanceof ConvergenceError);
  useSession(prev);
  await session.close();

  session = open();
  prev = useSession(session);
  const again = await s({ x: 1 }).catch((e) => e);
  assert.ok(again instanceof StepFailedError);
  assert.equal(again.message, "did not converge");
  assert.equal(again.fromStore, true);
  assert.deepEqual(again.data, { steps: 500 });
  assert.equal(runs, 1);
  await s({ x: 1 }, { retryFailed: true }).catch(() => {});
  assert.equal(runs, 2);
  assert.equal((session.flush(), session.store).listCalls()[0].attempts, 2);
  useSession(prev);
  await session.close();
});

Deno.test("step() rejects a non-encodable argument with its path and stores nothing", () =>
  withSession(async ({ session }) => {
    const s = step(uniqueName("enc"), (_: { structure: { cell: unknown[] } }) => 1);
    await assert.rejects(
      () => s({ structure: { cell: [1, 2, () => 3] } }),
      (e: unknown) =>
        e instanceof EncodeError && e.path === "args.structure.cell[2]" &&
        /args\.structure\.cell\[2\]/.test(e.message),
    );
    assert.equal((session.flush(), session.store).listCalls().length, 0);
  }));

Deno.test("step() fails a call whose result cannot be stored", () =>
  withSession(async () => {
    const s = step(uniqueName("badresult"), (_: { x: number }) => ({ f: () => 1 }));
    await assert.rejects(
      () => s({ x: 1 }),
      (e: unknown) => e instanceof StepFailedError && /Cannot store the result/.test(e.message),
    );
  }));

Deno.test("step() refuses a name used twice by different functions", () => {
  const name = uniqueName("dup");
  step(name, () => 1);
  assert.throws(() => step(name, () => 2), {
    name: "TypeError",
    message: new RegExp(`Cannot define step "${name}": the name is already used`),
  });
  assert.throws(() => step("bad name", () => 1), TypeError);
});

Deno.test("step() validates inputs with a zod schema", () =>
  withSession(async () => {
    const s = step(
      uniqueName("zod"),
      ({ fmax }: { fmax: number }) => fmax,
      { input: z.object({ fmax: z.number().positive() }) },
    );
    assert.equal(await s({ fmax: 0.1 }), 0.1);
    await assert.rejects(
      () => s({ fmax: -1 }),
      { name: "TypeError", message: /inputs\.fmax: Number must be greater than 0/ },
    );
    await assert.rejects(() => s(null as unknown as { fmax: number }), TypeError);
  }));

Deno.test("step() re-runs a call whose stored result is corrupted", () =>
  withSession(async ({ session, events }) => {
    let runs = 0;
    const s = step(uniqueName("corrupt"), ({ n }: { n: number }) => {
      runs++;
      return new Float64Array(n);
    });
    await s({ n: 10_000 });
    const row = (session.flush(), session.store).listCalls()[0];
    const path = (session.flush(), session.store).objects.pathOf(row.resultRef!);
    await Deno.writeFile(path, new Uint8Array([1, 2, 3]));
    const again = await s({ n: 10_000 });
    assert.equal(again.length, 10_000);
    assert.equal(runs, 2);
    assert.ok(events.some((e) => e.type === "object-corrupt"));
  }));

Deno.test("step() records provenance: run, location, timings, inputs", () =>
  withSession(async ({ session }) => {
    const s = step("session-test-prov", ({ x }: { x: number }) => x + 1);
    await s({ x: 41 });
    const [row] = (session.flush(), session.store).listCalls();
    assert.equal(row.runId, session.runId);
    assert.equal(row.location, "local");
    assert.ok(row.endedAt! >= row.startedAt!);
    assert.ok(row.inputsRef);
    assert.equal((session.flush(), session.store).runs.get(session.runId!)?.status, "running");
    const code = (session.flush(), session.store).code.get(row.codeHash);
    assert.ok(code && Object.keys(code.parts).includes("step"));
  }));

Deno.test("map() returns values in input order and keeps failures apart", () =>
  withSession(async () => {
    const s = step(uniqueName("mapped"), async ({ x }: { x: number }) => {
      await Promise.resolve();
      if (x % 3 === 0) throw new RangeError(`bad ${x}`);
      return x * 2;
    });
    const r = await map(s, Array.from({ length: 10 }, (_, x) => ({ x })), { concurrency: 3 });
    assert.deepEqual(r.values, [undefined, 2, 4, undefined, 8, 10, undefined, 14, 16, undefined]);
    assert.deepEqual(r.failures.map((f) => f.index), [0, 3, 6, 9]);
    assert.deepEqual(r.mask, r.values.map((v) => v !== undefined));
    assert.throws(() => r.unwrap(), MapError);
    assert.equal((r.failures[1].error as Error).message, "bad 3");
  }));

Deno.test("map() respects its concurrency limit", () =>
  withSession(async () => {
    let running = 0;
    let peak = 0;
    // The first calls wait at a gate until four run at once, so the peak does not depend on
    // how the event loop interleaves them (a busy machine runs each call in its own turn).
    // A limiter that lets fewer than four in would never open it: the guard timer does.
    const full = Promise.withResolvers<void>();
    const guard = setTimeout(full.resolve, 10_000);
    const s = step(uniqueName("conc"), async ({ x }: { x: number }) => {
      peak = Math.max(peak, ++running);
      if (running === 4) full.resolve();
      await full.promise;
      running--;
      return x;
    });
    const r = await map(s, Array.from({ length: 20 }, (_, x) => ({ x })), { concurrency: 4 });
    clearTimeout(guard);
    assert.equal(r.ok, true);
    assert.equal(peak, 4);
  }));

Deno.test("step() falls back to the function source for a computed name, and says so", () =>
  withSession(async ({ session, events }) => {
    const s = step(uniqueName("computed"), ({ x }: { x: number }) => x);
    await s({ x: 1 });
    const code = (session.flush(), session.store).code.get(
      (session.flush(), session.store).listCalls()[0].codeHash,
    );
    assert.deepEqual(Object.keys(code!.parts), ["step:source"]);
    assert.ok(events.some((e) => e.type === "code-identity-fallback"));
  }));

Deno.test("Session emits call events", () =>
  withSession(async ({ events }) => {
    const s = step(uniqueName("events"), ({ x }: { x: number }) => x);
    await s({ x: 1 });
    await s({ x: 1 });
    const types = events.map((e) => e.type).filter((t) => t.startsWith("call-"));
    assert.deepEqual(types, ["call-start", "call-done", "call-cached"]);
  }));
