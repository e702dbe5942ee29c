/**
 * kill -9 of `drover calcjobs run` while it polls a real Slurm array, then a second run:
 * it finds the array it submitted and never submits again.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { CalcJobStore } from "../../lib/calcjob/mod.ts";
import { openStore } from "../../lib/store/mod.ts";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";

const CLI = fileURLToPath(new URL("../../cli.ts", import.meta.url));

function drover(dir: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test({
  name: "drover calcjobs run killed with SIGKILL while polling resumes without resubmitting",
  ignore: slurm.ignore,
  fn: async () => {
    requireSlurm();
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-calcjob-kill-" }));
    try {
      await Deno.writeTextFile(
        `${dir}/drover.yaml`,
        `systems:\n  hpc:\n    scheduler: slurm\n    rundir: ${dir}/runs\n    pollMs: 200\n`,
      );
      await Deno.writeTextFile(
        `${dir}/jobs.yaml`,
        `codes: [{ label: c, system: hpc, script: "#!/bin/bash\\nsleep 3\\necho {{ calc.parameters.x }} > out.txt\\n", download: [out.txt] }]
calcjobs: [{ code: c, matrix: { x: [1, 2, 3] } }]
`,
      );
      openStore({ cwd: dir }).close();
      const add = await drover(dir, ["add", "jobs.yaml"]).output();
      assert.equal(add.code, 0, new TextDecoder().decode(add.stderr));
      const first = drover(dir, ["calcjobs", "run"]);
      // Wait until the array is recorded as submitted, then kill the process outright.
      const deadline = Date.now() + 60_000;
      while (true) {
        using store = openStore({ cwd: dir });
        if (new CalcJobStore(store).counts().submitted === 3) break;
        assert.ok(Date.now() < deadline, "the run never reached submitted");
        await new Promise((r) => setTimeout(r, 50));
      }
      first.kill("SIGKILL");
      await first.output();
      const second = await drover(dir, ["calcjobs", "run", "--json"]).output();
      assert.equal(second.code, 0, new TextDecoder().decode(second.stderr));
      const summary = JSON.parse(new TextDecoder().decode(second.stdout));
      assert.equal(summary.submissions, 0);
      assert.deepEqual(summary.counts, { completed: 3 });
      using store = openStore({ cwd: dir });
      const calcjobs = new CalcJobStore(store);
      const all = calcjobs.list();
      assert.equal(new Set(all.map((c) => c.schedulerId)).size, 1);
      for (const c of all) {
        const out = calcjobs.files(c.id).find((f) => f.direction === "out")!;
        assert.equal(
          new TextDecoder().decode(store.objects.get(out.sha256)),
          `${c.parameters.x}\n`,
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
