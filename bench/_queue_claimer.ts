/**
 * One claiming process of bench/queue.ts:
 * `deno run -A _queue_claimer.ts STORE_DIR BATCH START_AT_MS`.
 * Waits until START_AT_MS (so the processes start together, their start-up left out), then
 * claims and finishes rows of task "b" until none is left; prints `{ n, end }`.
 */
import { claimRows, finishClaim } from "../lib/queue/mod.ts";
import { newOwnerId, openStore } from "../lib/store/mod.ts";

const [dir, batch, startAt] = Deno.args;
using store = openStore({ dir });
const owner = newOwnerId();
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
let n = 0;
for (;;) {
  const claims = claimRows(store, "b", {
    owner,
    now: Date.now(),
    leaseMs: 60_000,
    limit: Number(batch),
  });
  if (claims.length === 0) break;
  // Results of one batch are recorded in one transaction, as a runner's would be when they
  // finish together.
  store.transaction(() => {
    for (const c of claims) finishClaim(store, c, { ok: true, result: null }, Date.now());
  });
  n += claims.length;
}
console.log(JSON.stringify({ n, end: Date.now() }));
