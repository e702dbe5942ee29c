/**
 * A table-queue task routed to the REAL local Slurm cluster (scripts/slurm-up.sh): the runner
 * keeps its in-flight cap filled, rows freed together go out as one job array (asserted from
 * what `sbatch` was really given, the PATH shim's log), and the cap is never exceeded (asserted
 * from the runner's claims and from the calls' start and end times on the compute side).
 */
import assert from "node:assert/strict";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { REPO_ROOT } from "../_helpers/temp.ts";
import { remoteProject } from "./_remote_project.ts";

/** The array size of each script sbatch was given, in submission order. */
function submittedArrays(sbatchLines: readonly string[]): number[] {
  return sbatchLines.map((line) => {
    const script = line.split(" ").at(-1)!.replace(/^'|'$/g, "");
    const m = Deno.readTextFileSync(script).match(/^#SBATCH --array=0-(\d+)/m);
    return m ? Number(m[1]) + 1 : 1;
  });
}

/** The most intervals open at once. */
function maxOverlap(intervals: readonly [number, number][]): number {
  const edges = intervals.flatMap(([a, b]) => [[a, 1], [b, -1]] as const)
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, open += d);
  return most;
}

Deno.test({
  name:
    "runQueue() on the real Slurm keeps the task's cap in flight, freed slots go out as arrays, never above the cap",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using p = await remoteProject(requireSlurm());
    await Deno.copyFile(
      `${REPO_ROOT}/tests/e2e/fixtures/queue_workflow.ts`,
      `${p.path}/queue_workflow.ts`,
    );
    const n = 24;
    const cap = 6;
    const route = { "queue_workflow.ts::e2e.qsquare": { system: "slurm", inputsPerJob: 1 } };
    const r = await p.run("queue_workflow.ts", {
      route,
      env: { N: String(n), CAP: String(cap), SLEEP_MS: "300" },
    });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.report.done, { sq: n });
    assert.ok(out.maxInFlight <= cap, `the runner held ${out.maxInFlight} rows (cap ${cap})`);

    using store = p.store();
    const results = store.queue.tables.select("nums", {
      joins: " JOIN queue_items i ON i.task = 'sq' AND i.row_seq = r.seq AND i.state = 'done'",
    });
    assert.equal(results.length, n);
    // Every call ran once, remotely, and never more than `cap` at once on the cluster.
    const jobs = store.jobs.listJobs();
    const calls = jobs.flatMap((j) => store.jobs.callsOf(j.id));
    assert.equal(calls.length, n);
    assert.equal(new Set(calls.map((c) => c.key)).size, n);
    const spans = calls.map((c): [number, number] => {
      const call = store.getCall(c.key)!;
      return [call.startedAt!, call.endedAt!];
    });
    assert.ok(maxOverlap(spans) <= cap, `calls overlapped ${maxOverlap(spans)} (cap ${cap})`);

    // Freed slots go out as arrays: fewer submissions than calls, the first one the whole cap,
    // and at least one later array of several rows freed within one poll.
    const arrays = submittedArrays(p.sbatchCalls());
    assert.equal(arrays.reduce((a, b) => a + b, 0), n, arrays.join(" "));
    assert.equal(arrays[0], cap, arrays.join(" "));
    assert.ok(arrays.length < n, arrays.join(" "));
    assert.ok(arrays.slice(1).some((k) => k > 1), arrays.join(" "));
    assert.ok(arrays.every((k) => k <= cap), arrays.join(" "));
  },
});
