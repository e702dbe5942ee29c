/**
 * A routed map larger than the map window (MAP_WINDOW) on the local scheduler: routed calls
 * leave the window once the remote runtime holds them, so every call is handed out before
 * any call has come back (not one window of calls after another).
 */
import assert from "node:assert/strict";
import { MAP_WINDOW } from "../../lib/step/mod.ts";
import { remoteProject, routeSquare } from "./_remote_project.ts";

Deno.test("a routed map of more calls than the map window hands every call to its jobs before any returns", async () => {
  await using p = await remoteProject("");
  const n = MAP_WINDOW + 76;
  const route = routeSquare("here", { inputsPerJob: 100 });
  const r = await p.run("remote_workflow.ts", { route, env: { N: String(n) } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).values, Array.from({ length: n }, (_, x) => x * x));
  using store = p.store();
  const jobs = store.jobs.listJobs();
  // One array per batch of the runtime (how many batches depends on the machine's load),
  // each packed 100 calls an element.
  assert.equal(jobs.reduce((sum, j) => sum + store.jobs.callsOf(j.id).length, 0), n);
  assert.ok(jobs.length < n / 100, `${jobs.length} jobs`);
  // Causal, not timed: every call was claimed (then handed to the runtime at once) before
  // the first call came back. Were window slots freed only when calls return, the calls
  // after the first window would be claimed after some returned.
  const calls = store.listCalls();
  const lastClaimed = Math.max(...calls.map((c) => c.createdAt));
  const firstBack = Math.min(...calls.map((c) => c.endedAt ?? Infinity));
  assert.ok(lastClaimed < firstBack, `last claimed at ${lastClaimed}, first back at ${firstBack}`);
});
