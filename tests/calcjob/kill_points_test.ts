/**
 * `drover calcjobs run` killed with SIGKILL at each step of the lifecycle on the real Slurm
 * cluster (the `DROVER_CRASH_AT` test hook kills the process itself at a named point, so the
 * moment is exact), then run again: every calcjob ends completed and `sbatch` ran once (from
 * the log of an `sbatch` shim on PATH).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { addJobsFile, CalcJobStore } from "../../lib/calcjob/mod.ts";
import { openStore } from "../../lib/store/mod.ts";
import type { System } from "../../lib/systems/mod.ts";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";

const CLI = fileURLToPath(new URL("../../cli.ts", import.meta.url));
const decoder = new TextDecoder();

interface Project {
  readonly dir: string;
  readonly env: Record<string, string>;
  sbatchCalls(): string[];
}

async function project(): Promise<Project> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-calcjob-kill9-" }));
  const system: System = {
    name: "hpc",
    scheduler: "slurm",
    rundir: `${dir}/runs`,
    partitions: [],
    header: [],
    setup: [],
    deno: "upload",
    maxJobs: 100,
    pollMs: 200,
  };
  await Deno.writeTextFile(
    `${dir}/drover.yaml`,
    `systems:\n  hpc: { scheduler: slurm, rundir: ${dir}/runs, pollMs: 200 }\n`,
  );
  await Deno.writeTextFile(
    `${dir}/jobs.yaml`,
    `codes:
  - label: c
    system: hpc
    script: "#!/bin/bash\\nsleep 1\\necho {{ calc.parameters.x }} > out.txt\\n"
    upload: [{ path: in.txt, content: "input {{ calc.parameters.x }}", template: true }]
    download: ["*.txt"]
calcjobs: [{ code: c, matrix: { x: [1, 2, 3] } }]
`,
  );
  {
    using store = openStore({ cwd: dir });
    addJobsFile(`${dir}/jobs.yaml`, store, { systems: { hpc: system } });
  }
  await Deno.mkdir(`${dir}/bin`);
  const real = decoder.decode(
    (await new Deno.Command("sh", { args: ["-c", "command -v sbatch"], stdout: "piped" }).output())
      .stdout,
  ).trim();
  await Deno.writeTextFile(
    `${dir}/bin/sbatch`,
    `#!/bin/sh\necho "$@" >> '${dir}/sbatch.log'\nexec '${real}' "$@"\n`,
    { mode: 0o755 },
  );
  return {
    dir,
    env: { PATH: `${dir}/bin:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`, NO_COLOR: "1" },
    sbatchCalls: () => {
      try {
        return Deno.readTextFileSync(`${dir}/sbatch.log`).split("\n").filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}

function run(p: Project, env: Record<string, string> = {}): Promise<Deno.CommandOutput> {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "calcjobs", "run", "--json"],
    cwd: p.dir,
    env: { ...p.env, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
}

function counts(p: Project): Record<string, number> {
  using store = openStore({ cwd: p.dir });
  return new CalcJobStore(store).counts();
}

async function cleanUp(p: Project): Promise<void> {
  await new Deno.Command("sh", {
    args: [
      "-c",
      `for d in '${p.dir}'/runs/calcjobs/*; do [ -d "$d" ] && scancel --name="\${d##*/}"; done; true`,
    ],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => {});
  await Deno.remove(p.dir, { recursive: true });
}

/** Each crash point, with the state the store must show right after the kill. */
const POINTS: readonly [string, (c: Record<string, number>) => boolean, number][] = [
  ["calcjob-after-upload", (c) => c.uploading === 3, 0],
  ["calcjob-before-sbatch", (c) => c.submitting === 3, 0],
  ["calcjob-after-sbatch", (c) => c.submitting === 3, 1],
  ["calcjob-after-submit", (c) => c.submitted === 3, 1],
  ["calcjob-polling", (c) => c.submitted === 3, 1],
  ["calcjob-downloading", (c) => (c.downloading ?? 0) >= 1, 1],
];

for (const [point, atKill, sbatchesAtKill] of POINTS) {
  Deno.test({
    name: `drover calcjobs run killed with SIGKILL at ${point} resumes without resubmitting`,
    ignore: slurm.ignore,
    fn: async () => {
      requireSlurm();
      const p = await project();
      try {
        const first = await run(p, { DROVER_CRASH_AT: point });
        assert.equal(first.signal, "SIGKILL", decoder.decode(first.stderr));
        const at = counts(p);
        assert.ok(atKill(at), `after the kill at ${point}: ${JSON.stringify(at)}`);
        assert.equal(p.sbatchCalls().length, sbatchesAtKill);
        const second = await run(p);
        assert.equal(second.code, 0, decoder.decode(second.stderr));
        const summary = JSON.parse(decoder.decode(second.stdout));
        assert.deepEqual(summary.counts, { completed: 3 });
        assert.equal(summary.submissions, 1 - sbatchesAtKill);
        assert.equal(p.sbatchCalls().length, 1);
        using store = openStore({ cwd: p.dir });
        const calcjobs = new CalcJobStore(store);
        const all = calcjobs.list();
        assert.equal(new Set(all.map((c) => c.batch)).size, 1);
        for (const c of all) {
          const out = Object.fromEntries(
            calcjobs.files(c.id).filter((f) => f.direction === "out").map((f) => [
              f.path,
              decoder.decode(store.objects.get(f.sha256)),
            ]),
          );
          assert.equal(out["out.txt"], `${c.parameters.x}\n`);
          assert.equal(out["in.txt"], `input ${c.parameters.x}`);
        }
      } finally {
        await cleanUp(p);
      }
    },
  });
}
