import assert from "node:assert/strict";
import {
  claimRows,
  finishClaim,
  queueStatus,
  registerScore,
  registerTask,
  runQueue,
  table,
  task,
  type TaskCall,
} from "../../lib/queue/mod.ts";
import { z } from "zod";
import { numsStore } from "./_store.ts";

const LEASE = 60_000;
type Num = { id: number; n: number };

Deno.test("runQueue() takes rows by a task's scoring function, highest first", async () => {
  await using t = await numsStore(6);
  const order: number[] = [];
  const w = task("scored", {
    from: "nums",
    inFlight: 1,
    priority: (row: Num) => (row.n % 3) * 10 + row.n,
    step: ({ row }: TaskCall<Num>) => void order.push(row.id),
  });
  await runQueue(w, { store: t.store });
  assert.deepEqual(order, [5, 2, 4, 1, 6, 3]);
});

Deno.test("claimRows() scores rows added later, re-ranks when the function changes, and works unranked where the function is unknown", async () => {
  await using t = await numsStore(4);
  const next = (): string[] =>
    claimRows(t.store, "w", { owner: "a", now: 0, leaseMs: LEASE }).map((c) => {
      finishClaim(t.store, c, { ok: true, result: null }, 0);
      return c.key;
    });
  // A process that does not hold the function: insertion order, nothing thrown.
  registerTask(t.store, { name: "w", source: "nums", priority: "score:ffffffffffff", inFlight: 1 });
  assert.deepEqual(next(), ["1"]);
  assert.deepEqual(queueStatus(t.store, 0)[0]!.next, ["2", "3", "4"]);
  // The runner's function: highest n first.
  const byN = registerScore((row: Num) => row.n);
  registerTask(t.store, { name: "w", source: "nums", priority: byN, inFlight: 1 });
  assert.deepEqual(next(), ["4"]);
  table("nums", z.object({ id: z.number().int(), n: z.number() })).insert(
    [{ id: 9, n: 9 }, { id: 10, n: -1 }],
    { store: t.store },
  );
  assert.deepEqual(next(), ["9"]);
  // Rows made items by a process without the function (drover queue status) wait unscored;
  // the runner's next claim scores them.
  table("nums", z.object({ id: z.number().int(), n: z.number() })).insert([{ id: 11, n: 100 }], {
    store: t.store,
  });
  t.store.queue.ranks.sync("w", "nums", t.store.queue.unranked);
  assert.deepEqual(next(), ["11"]);
  // A changed function is a changed priority: everything is ranked again.
  const lowFirst = registerScore((row: Num) => -row.n);
  assert.notEqual(lowFirst, byN);
  registerTask(t.store, { name: "w", source: "nums", priority: lowFirst, inFlight: 2 });
  assert.deepEqual(next(), ["10", "2"]);
  assert.deepEqual(queueStatus(t.store, 0)[0]!.next, ["3"]);
});
