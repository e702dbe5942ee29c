/**
 * `systems check`, `jobs cancel` and `sync` on a Slurm system, against the throwaway cluster
 * of `scripts/slurm-up.sh` when it is up on this machine (ignored otherwise).
 */
import assert from "node:assert/strict";
import { runCli } from "./_fixture.ts";
import {
  jobEnded,
  keyOf,
  localProject,
  makeJob,
  schedulerStates,
  uniqueName,
} from "./_local_system.ts";

const CONF = Deno.env.get("SLURM_CONF") ?? "/tmp/drover-slurm/slurm.conf";

async function slurmUp(): Promise<boolean> {
  try {
    const out = await new Deno.Command("scontrol", {
      args: ["ping"],
      env: { SLURM_CONF: CONF },
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success && /is UP/.test(new TextDecoder().decode(out.stdout));
  } catch {
    return false;
  }
}

const up = await slurmUp();
if (up) Deno.env.set("SLURM_CONF", CONF);

Deno.test({
  name:
    "main() reads the Slurm versions and array limits when running systems check on a Slurm system",
  ignore: !up,
  fn: async () => {
    await using p = await localProject(["hpc:", "  scheduler: slurm", "  rundir: RUNDIR"]);
    const yaml = await Deno.readTextFile(`${p.dir}/drover.yaml`);
    await Deno.writeTextFile(`${p.dir}/drover.yaml`, yaml.replace("RUNDIR", `${p.dir}/hpc`));
    const r = await runCli(["systems", "check", "hpc", "--json"], p.dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const scheduler = JSON.parse(r.stdout).checks
      .find((c: { name: string }) => c.name === "scheduler");
    assert.equal(scheduler.ok, true);
    assert.match(scheduler.detail, /^slurm(-wlm)? [\d.]+; arrays up to \d+ elements, \d+ jobs$/);
  },
});

Deno.test({
  name:
    "main() cancels a Slurm job with scancel and syncs another that ended when running jobs cancel and sync",
  ignore: !up,
  fn: async () => {
    await using p = await localProject([
      "hpc:",
      "  scheduler: slurm",
      "  rundir: RUNDIR",
      "  pollMs: 10",
    ]);
    const rundir = `${p.dir}/hpc`;
    const yaml = await Deno.readTextFile(`${p.dir}/drover.yaml`);
    await Deno.writeTextFile(`${p.dir}/drover.yaml`, yaml.replace("RUNDIR", rundir));
    const hpc = { name: "hpc", scheduler: "slurm" as const, rundir };
    const slow = await makeJob(
      p,
      uniqueName("slow"),
      [
        { kind: "sleep", key: keyOf("slow"), seconds: 120 },
      ],
      "submitted",
      hpc,
    );
    const quick = await makeJob(
      p,
      uniqueName("quick"),
      [
        { kind: "ok", key: keyOf("quick"), value: 42 },
      ],
      "submitted",
      hpc,
    );
    const cancelled = await runCli(["jobs", "cancel", slow.name], p.dir);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(
      cancelled.stdout,
      new RegExp(`^Cancelled job ${slow.id} ${slow.name} on hpc \\(${slow.schedulerId}\\)$`, "m"),
    );
    const states = [...(await schedulerStates(slow.name, "slurm")).values()];
    // Slurm keeps ended jobs listed for MinJobAge (300 s by default): CANCELLED, or
    // COMPLETING while the 120 s sleep is still being killed.
    assert.equal(states.length, 1);
    assert.ok(["CANCELLED", "COMPLETING"].includes(states[0]), `after scancel: ${states[0]}`);
    await jobEnded(quick, 1);
    const synced = await runCli(["sync", "--json"], p.dir);
    assert.equal(synced.code, 0, synced.stderr);
    const [report] = JSON.parse(synced.stdout);
    assert.equal(report.system, "hpc");
    assert.deepEqual(report.decided.map((c: { key: string; state: string }) => [c.key, c.state]), [
      [keyOf("quick"), "done"],
    ]);
    using store = p.open();
    assert.equal(store.jobs.getJob(slow.id)?.state, "cancelled");
    assert.equal(store.jobs.getJob(quick.id)?.state, "finished");
  },
});
