/**
 * Politeness across projects on the REAL local Slurm cluster: three workflow runs in two
 * projects at once share one per-user state directory, so together they ask `squeue` at
 * most once per poll interval (counted by a logging shim on PATH), and all finish right.
 */
import assert from "node:assert/strict";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { tempDir } from "../_helpers/temp.ts";
import { remoteProject, routeSquare } from "./_remote_project.ts";

const POLL_MS = 200;

async function realPath(name: string): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).trim() || `/usr/bin/${name}`;
}

Deno.test({
  name: "three routed runs in two projects ask squeue at most once per poll interval together",
  ignore: slurm.ignore,
  async fn(): Promise<void> {
    const conf = requireSlurm();
    await using state = await tempDir("drover-state-");
    await using one = await remoteProject(conf);
    await using two = await remoteProject(conf);
    const log = `${state.path}/squeue.log`;
    const squeue = await realPath("squeue");
    for (const p of [one, two]) {
      await Deno.writeTextFile(
        `${p.path}/bin/squeue`,
        `#!/bin/bash\nprintf '%s\\n' "$EPOCHREALTIME" >> '${log}'\nexec '${squeue}' "$@"\n`,
        { mode: 0o755 },
      );
      await Deno.writeTextFile(
        `${p.path}/drover.yaml`,
        `systems:\n  slurm: { scheduler: slurm, rundir: ${p.path}/runs, pollMs: ${POLL_MS} }\n`,
      );
    }
    const env = (sleepMs: number) => ({
      DROVER_STATE_DIR: `${state.path}/drover`,
      N: "20",
      SLEEP_MS: String(sleepMs),
      MAX_POLL_MS: String(POLL_MS),
    });
    const route = routeSquare("slurm");
    // Different sleeps make different calls: the runs share no work, only the system.
    const runs = await Promise.all([
      one.run("remote_workflow.ts", { route, env: env(150) }),
      one.run("remote_workflow.ts", { route, env: env(151) }),
      two.run("remote_workflow.ts", { route, env: env(150) }),
    ]);
    const squares = Array.from({ length: 20 }, (_, x) => x * x);
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).values, squares);
    }
    assert.equal(one.sbatchCalls().length + two.sbatchCalls().length, 3);

    const times = (await Deno.readTextFile(log)).split("\n").filter(Boolean).map(Number)
      .map((s) => s * 1000).sort((a, b) => a - b);
    assert.ok(times.length >= 2, `squeue ran ${times.length} times`);
    const span = times.at(-1)! - times[0];
    // Each run alone would ask every interval: together they would ask about 3 times as often.
    const most = Math.floor(span / POLL_MS) + 2;
    assert.ok(
      times.length <= most,
      `squeue ran ${times.length} times in ${Math.round(span)} ms (at most ${most} expected)`,
    );
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const close = gaps.filter((g) => g < POLL_MS / 2);
    assert.ok(
      close.length === 0,
      `squeue calls closer than ${POLL_MS / 2} ms: ${close.map(Math.round).join(", ")} ms`,
    );
    // The state is private.
    assert.equal(Deno.statSync(`${state.path}/drover`).mode! & 0o777, 0o700);
    assert.equal(Deno.statSync(`${state.path}/drover/polls.db`).mode! & 0o777, 0o600);
  },
});
