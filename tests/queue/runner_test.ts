import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  claimRows,
  registerTask,
  runQueue,
  setTask,
  table,
  task,
  type TaskCall,
} from "../../lib/queue/mod.ts";
import type { Clock } from "../../lib/runtime/mod.ts";
import { openSession, step, useSession } from "../../lib/step/mod.ts";
import { items, numsStore } from "./_store.ts";
import { z } from "zod";

type Num = { id: number; n: number };

/** Time that moves only when told; sleeping waits a real millisecond (so I/O can happen). */
class TestClock implements Clock {
  constructor(public t = 0) {}
  now(): number {
    return this.t;
  }
  sleep(_ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 1);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      }, { once: true });
    });
  }
}

function results(
  store: import("../../lib/store/mod.ts").Store,
  name: string,
): Record<string, unknown> {
  return Object.fromEntries(
    store.db.prepare(
      `SELECT r.key, i.result FROM queue_items i JOIN queue_rows r ON r.seq = i.row_seq
       WHERE i.task = ? AND i.state = 'done' ORDER BY r.seq`,
    ).all(name).map((r) => [String(r.key), JSON.parse(String(r.result))]),
  );
}

Deno.test("runQueue() runs a later task over rows an earlier task's results let through", async () => {
  await using t = await numsStore(8);
  const rough = task("rough", {
    from: "nums",
    where: "n <= 6",
    step: ({ row }: TaskCall<Num>) => ({ barrier: row.n / 10 }),
  });
  const accurate = task("accurate", {
    from: "nums",
    where: "rough.barrier < 0.35",
    priority: "rough.barrier DESC",
    inFlight: 1,
    step: ({ row }: TaskCall<Num>) => row.n * 100,
  });
  const order: string[] = [];
  const report = await runQueue([rough, accurate], {
    store: t.store,
    clock: new TestClock(),
    onEvent: (e) => e.type === "claimed" && e.task === "accurate" && order.push(...e.keys),
  });
  assert.deepEqual(report.done, { rough: 6, accurate: 3 });
  assert.deepEqual(results(t.store, "accurate"), { "1": 100, "2": 200, "3": 300 });
  assert.deepEqual(order, ["3", "2", "1"]);
  assert.deepEqual(results(t.store, "rough")["4"], { barrier: 0.4 });
});

Deno.test("runQueue() applies priority, filter and in-flight changed mid-run at the next claim", async () => {
  await using t = await numsStore(6);
  const started: string[] = [];
  let running = 0;
  let most = 0;
  const waiting: (() => void)[] = [];
  let free = false;
  const work = task("work", {
    from: "nums",
    priority: "n ASC",
    inFlight: 1,
    step: async ({ key }: TaskCall<Num>) => {
      started.push(key);
      most = Math.max(most, ++running);
      if (!free) await new Promise<void>((resolve) => waiting.push(resolve));
      else await new Promise((resolve) => setTimeout(resolve, 2));
      running--;
      return key;
    },
  });
  const done = runQueue(work, { store: t.store, clock: new TestClock() });
  while (started.length < 1) await new Promise((r) => setTimeout(r, 1));
  assert.deepEqual(started, ["1"]);
  setTask(t.store, "work", { priority: "n DESC", where: "n < 6", inFlight: 2 });
  free = true;
  waiting.shift()!();
  const report = await done;
  assert.deepEqual(started, ["1", "5", "4", "3", "2"]);
  assert.equal(most, 2);
  assert.deepEqual(report.done, { work: 5 });
  assert.equal(items(t.store, "work")["6"]![0], "pending");
});

Deno.test("runQueue() widens a task's filter with onEmpty until it says stop", async () => {
  await using t = await numsStore(6);
  const seen: (string | undefined)[] = [];
  const work = task("work", {
    from: "nums",
    where: "n <= 2",
    step: ({ row }: TaskCall<Num>) => row.n,
    onEmpty: ({ where }) => {
      seen.push(where);
      return where === "n <= 2" ? "n <= 4" : undefined;
    },
  });
  const report = await runQueue(work, { store: t.store, clock: new TestClock() });
  assert.deepEqual(report.done, { work: 4 });
  assert.deepEqual(seen, ["n <= 2", "n <= 4"]);
  assert.deepEqual(Object.keys(results(t.store, "work")), ["1", "2", "3", "4"]);
});

Deno.test("runQueue() calls a step through the session cache and keeps failures unless asked", async () => {
  await using t = await numsStore(3);
  await using session = openSession({ dir: `${t.dir}/.drover`, recordRun: false });
  const previous = useSession(session);
  try {
    let calls = 0;
    const cube = step("queue-test-cube", ({ n }: Num) => {
      calls++;
      if (n === 2) throw new Error("two is bad");
      return n ** 3;
    });
    const a = await runQueue(task("a", { from: "nums", step: cube }), { store: session.store });
    assert.deepEqual([a.done, a.failed, calls], [{ a: 2 }, { a: 1 }, 3]);
    const b = await runQueue(task("b", { from: "nums", step: cube }), { store: session.store });
    assert.deepEqual([b.done, calls], [{ b: 2 }, 3], "b's calls come from the cache");
    assert.deepEqual(results(session.store, "b"), { "1": 1, "3": 27 });
    const again = await runQueue(task("a", { from: "nums", step: cube }), { store: session.store });
    assert.deepEqual([again.done, again.failed], [{ a: 0 }, { a: 0 }], "a failed row is kept");
    const retried = await runQueue(task("a", { from: "nums", step: cube }), {
      store: session.store,
      retryFailed: true,
    });
    assert.deepEqual(retried.failed, { a: 1 });
  } finally {
    useSession(previous);
  }
});

const RUNNER = fileURLToPath(new URL("./_runner_main.ts", import.meta.url));

function runner(dir: string, mode: string, side = ""): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", RUNNER, `${dir}/.drover`, mode, side],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test("runQueue() in 4 processes on one store runs every row exactly once", async () => {
  await using t = await numsStore(400);
  registerTask(t.store, { name: "work", source: "nums", priority: "n ASC", inFlight: 8 });
  const procs = [0, 1, 2, 3].map((i) => runner(t.dir, "count", `${t.dir}/side-${i}.txt`));
  const outs = await Promise.all(procs.map((p) => p.output()));
  for (const o of outs) assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
  const reports = outs.map((o) => JSON.parse(new TextDecoder().decode(o.stdout).trim()));
  assert.equal(reports.reduce((n, r) => n + r.done.work, 0), 400);
  const side: string[] = [];
  for (let i = 0; i < 4; i++) {
    side.push(
      ...(await Deno.readTextFile(`${t.dir}/side-${i}.txt`).catch(() => "")).split("\n").filter(
        Boolean,
      ),
    );
  }
  assert.equal(side.length, 400, "each row's work ran once");
  assert.equal(new Set(side).size, 400);
  const states = Object.values(items(t.store, "work"));
  assert.equal(states.length, 400);
  assert.ok(states.every(([state, attempts]) => state === "done" && attempts === 1));
});

Deno.test("runQueue() returns a killed runner's claimed rows once their lease is over, and finishes them", async () => {
  await using t = await numsStore(10);
  const proc = runner(t.dir, "hang");
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) out += (await reader.read()).value ?? "";
  proc.kill("SIGKILL");
  await proc.status;
  await reader.cancel();
  proc.stderr.cancel();
  const claimed = out.trim().replace(/^claimed /, "").split(" ");
  assert.equal(claimed.length, 8);
  const work = task("work", {
    from: "nums",
    priority: "n ASC",
    inFlight: 8,
    step: ({ row }: TaskCall<Num>) => row.n,
  });
  // Before the lease is over the dead runner's claims still fill the task's in-flight cap.
  assert.deepEqual(claimRows(t.store, "work", { owner: "x", now: Date.now(), leaseMs: 1 }), []);
  const late = await runQueue(work, { store: t.store, clock: new TestClock(Date.now() + 61_000) });
  assert.equal(late.done.work, 10);
  const states = items(t.store, "work");
  for (const key of claimed) assert.deepEqual(states[key], ["done", 2], key);
});

Deno.test("runQueue() picks up rows added to the source table while it runs", async () => {
  await using t = await numsStore(2);
  const nums = table("nums", z.object({ id: z.number().int(), n: z.number() }));
  const seen: string[] = [];
  const work = task("work", {
    from: "nums",
    inFlight: 1,
    step: ({ key }: TaskCall<Num>) => {
      seen.push(key);
      if (key === "1") nums.insert([{ id: 3, n: 3 }, { id: 4, n: 4 }], { store: t.store });
      return null;
    },
  });
  const report = await runQueue(work, { store: t.store, clock: new TestClock() });
  assert.deepEqual(report.done, { work: 4 });
  assert.deepEqual(seen, ["1", "2", "3", "4"]);
});

Deno.test("runQueue() renews its leases while a row runs, so another runner cannot take it", async () => {
  await using t = await numsStore(1);
  const clock = new TestClock(0);
  let release: () => void = () => {};
  let started = false;
  const work = task("work", {
    from: "nums",
    step: async () => {
      started = true;
      await new Promise<void>((resolve) => release = resolve);
      return "ok";
    },
  });
  const done = runQueue(work, { store: t.store, clock, leaseMs: 900, pollMs: 100 });
  while (!started) await new Promise((r) => setTimeout(r, 1));
  // Five leases go by, a third of a lease at a time: the runner renews each time it wakes.
  for (let i = 0; i < 15; i++) {
    clock.t += 300;
    const lease = (): number =>
      Number(t.store.db.prepare("SELECT lease_until FROM queue_items").get()!.lease_until);
    for (let wait = 0; wait < 2000 && lease() < clock.t + 600; wait++) {
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.deepEqual(
      claimRows(t.store, "work", { owner: "other", now: clock.t, leaseMs: 900 }),
      [],
    );
  }
  release();
  assert.deepEqual((await done).done, { work: 1 });
  assert.deepEqual(items(t.store, "work"), { "1": ["done", 1] });
});
