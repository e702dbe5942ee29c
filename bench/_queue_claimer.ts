/**
 * One claiming process of bench/queue.ts:
 * `deno run -A _queue_claimer.ts STORE_DIR BATCH START_AT_MS`.
 * Waits until START_AT_MS (so the processes start together, their start-up left out), then
 * takes rows of task "b" one at a time and finishes each until none is left; prints
 * `{ n, end }`. BATCH 1: each row is one claim and one finish (`claimRows`, `finishClaim`);
 * BATCH k > 1: rows come from a `Claimer` that claims k at a time and writes k outcomes with
 * its next claim. BATCH 0: a bare SQLite claim loop on the same tables, for reference (no
 * drover code: claim the first pending row by the index, then mark it done, two transactions).
 */
import { Claimer, claimRows, finishClaim } from "../lib/queue/mod.ts";
import { newOwnerId, openStore } from "../lib/store/mod.ts";
import { DatabaseSync } from "node:sqlite";

const [dir, batch, startAt] = Deno.args;
using store = openStore({ dir });
const owner = newOwnerId();
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
let n = 0;
if (Number(batch) === 0) {
  const db = new DatabaseSync(`${dir}/drover.db`);
  db.exec("PRAGMA busy_timeout = 60000");
  db.exec("PRAGMA synchronous = NORMAL"); // as the store's connection (WAL: no sync per commit)
  const pick = db.prepare(
    `UPDATE queue_items SET state = 'claimed', owner = ?, lease_until = ?, fence = fence + 1
     WHERE task = 'b' AND row_seq = (SELECT row_seq FROM queue_items
       WHERE task = 'b' AND state = 'pending' ORDER BY boost DESC, rank, row_seq LIMIT 1)
     RETURNING row_seq, fence`,
  );
  const done = db.prepare(
    `UPDATE queue_items SET state = 'done', result = 'null', owner = NULL, lease_until = NULL
     WHERE task = 'b' AND row_seq = ? AND fence = ?`,
  );
  for (;;) {
    db.exec("BEGIN IMMEDIATE");
    const r = pick.get(owner, Date.now() + 60_000);
    db.exec("COMMIT");
    if (r === undefined) break;
    db.exec("BEGIN IMMEDIATE");
    done.run(r.row_seq, r.fence);
    db.exec("COMMIT");
    n++;
  }
  db.close();
} else if (Number(batch) === 1) {
  for (;;) {
    const [c] = claimRows(store, "b", { owner, now: Date.now(), leaseMs: 60_000, limit: 1 });
    if (c === undefined) break;
    finishClaim(store, c, { ok: true, result: null }, Date.now());
    n++;
  }
} else {
  using claimer = new Claimer(store, "b", { owner, leaseMs: 60_000, batch: Number(batch) });
  for (let c = claimer.next(Date.now()); c; c = claimer.next(Date.now())) {
    claimer.finish(c, { ok: true, result: null });
    n++;
  }
}
console.log(JSON.stringify({ n, end: Date.now() }));
