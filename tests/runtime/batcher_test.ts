import assert from "node:assert/strict";
import { Batcher } from "../../lib/runtime/batcher.ts";
import type { Clock } from "../../lib/runtime/mod.ts";

/**
 * A clock whose sleeps jump forward; items due by the new time arrive at each jump, as
 * calls made by a driver's work between two timer turns would.
 */
function scheduled(
  times: readonly number[],
  windowMs: number,
  maxWaitMs?: number,
): { batches: number[][]; run(): Promise<void> } {
  let now = 0;
  const batches: number[][] = [];
  const due = [...times];
  const clock: Clock = {
    now: () => now,
    sleep: (ms: number) => {
      now += ms;
      while (due.length && due[0] <= now) batcher.add(due.shift()!);
      return Promise.resolve();
    },
  } as Clock;
  const batcher: Batcher<number> = new Batcher({
    clock,
    windowMs,
    ...(maxWaitMs === undefined ? {} : { maxWaitMs }),
    flush: (items) => void batches.push(items),
  });
  return {
    batches,
    async run(): Promise<void> {
      batcher.add(due.shift()!);
      for (;;) {
        await batcher.idle();
        if (!due.length) return;
        now = due[0];
        batcher.add(due.shift()!);
      }
    },
  };
}

Deno.test("Batcher keeps one window open while items keep coming within windowMs of each other", async () => {
  const s = scheduled([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 20);
  await s.run();
  assert.deepEqual(s.batches, [[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]]);
});

Deno.test("Batcher closes a window after windowMs without an item", async () => {
  const s = scheduled([0, 5, 50, 60], 20);
  await s.run();
  assert.deepEqual(s.batches, [[0, 5], [50, 60]]);
});

Deno.test("Batcher closes a window at maxWaitMs however steadily items come", async () => {
  const times = Array.from({ length: 30 }, (_, i) => i * 10);
  const s = scheduled(times, 20, 100);
  await s.run();
  assert.deepEqual(s.batches.map((b) => [b[0], b.at(-1)]), [[0, 100], [110, 210], [220, 290]]);
  assert.equal(s.batches.flat().length, 30, "every item in exactly one batch");
});
