/**
 * Adaptive packing end to end on the REAL local Slurm cluster (scripts/slurm-up.sh): a map
 * routed with `inputsPerJob: "auto"` and nothing measured sends a probe array first, then
 * the rest packed from the probe's measured durations. Asserted from what `sbatch` was
 * really given (the PATH shim's log) and the scripts it submitted.
 */
import assert from "node:assert/strict";
import { chooseCallsPerElement } from "../../lib/runtime/auto_packing.ts";
import { PROBE_CALLS } from "../../lib/runtime/auto_probe.ts";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { remoteProject } from "./_remote_project.ts";

/** The array size of each script sbatch was given, in submission order. */
function submittedArrays(sbatchLines: readonly string[]): number[] {
  return sbatchLines.map((line) => {
    const script = line.split(" ").at(-1)!.replace(/^'|'$/g, "");
    const m = Deno.readTextFileSync(script).match(/^#SBATCH --array=0-(\d+)/m);
    return m ? Number(m[1]) + 1 : 1;
  });
}

Deno.test({
  name:
    'a map routed with inputsPerJob "auto" sends a probe array, then the rest packed per the probe\'s durations',
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    await using p = await remoteProject(requireSlurm());
    const n = 40;
    const route = {
      "remote_workflow.ts::e2e.square": {
        system: "slurm",
        inputsPerJob: "auto",
        targetElementTime: "2s",
      },
    };
    const r = await p.run("remote_workflow.ts", { route, env: { N: String(n), SLEEP_MS: "150" } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).values, Array.from({ length: n }, (_, x) => x * x));

    const sbatch = p.sbatchCalls();
    assert.equal(sbatch.length, 2, sbatch.join("\n"));
    const arrays = submittedArrays(sbatch);
    // The probe: 4 elements of one call each.
    assert.equal(arrays[0], PROBE_CALLS);
    using store = p.store();
    const [probe, rest] = store.jobs.listJobs().sort((a, b) => a.id - b.id);
    const probeKeys = store.jobs.callsOf(probe.id).map((c) => c.key);
    assert.equal(probeKeys.length, PROBE_CALLS);
    // The rest: packed from the probe's measured durations (each ≥ its 150 ms sleep) to 2 s.
    const durations = probeKeys.map((k) => {
      const c = store.getCall(k)!;
      return c.endedAt! - c.startedAt!;
    });
    assert.ok(durations.every((ms) => ms >= 150), String(durations));
    const expected = chooseCallsPerElement({
      durationsMs: durations,
      calls: n - PROBE_CALLS,
      targetMs: 2000,
    });
    assert.equal(expected.basis, "measured");
    assert.ok(expected.perElement > 1 && expected.perElement < n - PROBE_CALLS);
    assert.equal(arrays[1], Math.ceil((n - PROBE_CALLS) / expected.perElement));
    const perElement = new Map<number, number>();
    for (const c of store.jobs.callsOf(rest.id)) {
      perElement.set(c.element, (perElement.get(c.element) ?? 0) + 1);
    }
    assert.ok([...perElement.values()].every((k) => k <= expected.perElement));
    assert.equal(store.jobs.callsOf(rest.id).length, n - PROBE_CALLS);
    // Every submitted job's calls landed where the sbatch lines say.
    assert.deepEqual([probe.size, rest.size], arrays);
  },
});
