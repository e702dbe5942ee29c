/**
 * `systems check` on a Grid Engine system, against the throwaway cell of
 * `scripts/sge-up.sh` (ignored with a warning without one, failing under CI=true).
 */
import assert from "node:assert/strict";
import { runCli } from "./_fixture.ts";
import { localProject } from "./_local_system.ts";
import { requireSge, sge } from "../_helpers/sge.ts";

Deno.test({
  name: "main() reads the SGE version and array limits when running systems check on an SGE system",
  ignore: sge.ignore,
  fn: async () => {
    requireSge();
    await using p = await localProject(["grid:", "  scheduler: sge", "  rundir: RUNDIR"]);
    const yaml = await Deno.readTextFile(`${p.dir}/drover.yaml`);
    await Deno.writeTextFile(`${p.dir}/drover.yaml`, yaml.replace("RUNDIR", `${p.dir}/grid`));
    const r = await runCli(["systems", "check", "grid", "--json"], p.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const scheduler = JSON.parse(r.stdout).checks.find((c: { name: string }) =>
      c.name === "scheduler"
    );
    assert.equal(scheduler.ok, true);
    assert.equal(scheduler.detail, "SGE 8.1.9; arrays up to 1001 elements, 10000 jobs");
  },
});
