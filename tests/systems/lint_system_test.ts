import assert from "node:assert/strict";
import { ConfigError, lintSystem, parseSystemsConfig, type System } from "../../lib/systems/mod.ts";
import { renderSlurmScript, validateJobSpec } from "../../lib/scheduler/mod.ts";

function system(yaml: string): System {
  return parseSystemsConfig(`systems:\n  hpc:\n${yaml}`, "/p/drover.yaml").systems.hpc;
}

Deno.test("lintSystem() finds nothing in the defaults and in usual settings", () => {
  assert.deepEqual(lintSystem(system("    scheduler: slurm\n")), []);
  assert.deepEqual(
    lintSystem(system([
      "    scheduler: pbs",
      "    rundir: /scratch/me/drover-runs_2024",
      "    header: ['#PBS -A abc', '#PBS\t-q debug']",
      "    partitions: [{ name: gpu-a100.x }, { name: main@cluster }]",
      "",
    ].join("\n"))),
    [],
  );
  assert.deepEqual(
    lintSystem(system("    scheduler: sge\n    rundir: '~'\n    header: ['#$ -P abc']\n")),
    [],
  );
  assert.deepEqual(lintSystem(system("    scheduler: local\n    header: ['#DROVER --x=1']\n")), []);
});

Deno.test("lintSystem() names a relative rundir, odd characters and dot parts", () => {
  const cases: [string, RegExp][] = [
    ["runs", /must be an absolute path or one starting with ~\/ \(got "runs"\)/],
    ["./runs", /absolute path/],
    ["~me/runs", /absolute path/],
    [
      "/scratch/my runs",
      /letters, digits and _ \. \/ \+ @ = , - only .* \(got "\/scratch\/my runs"\)/,
    ],
    ["/scratch/$USER/runs", /letters, digits/],
    ["~/runs;rm", /letters, digits/],
    ["/scratch/a/../b", /without "\." or "\.\." parts/],
  ];
  for (const [rundir, message] of cases) {
    const problems = lintSystem(
      system(`    scheduler: slurm\n    rundir: ${JSON.stringify(rundir)}\n`),
    );
    assert.equal(problems.length, 1, rundir);
    assert.equal(problems[0].path, "systems.hpc.rundir");
    assert.match(problems[0].message, message, rundir);
  }
});

Deno.test("lintSystem() names header lines that are not directives of the system's scheduler", () => {
  const problems = lintSystem(system([
    "    scheduler: slurm",
    "    header:",
    "      - '#SBATCH --account=abc'",
    "      - '#PBS -A abc'",
    "      - '# a comment'",
    "      - 'module load x'",
    "      - '#SBATCH'",
    "      - '#SBATCH --comment=a \\'",
    "",
  ].join("\n")));
  assert.deepEqual(problems.map((p) => p.path), [
    "systems.hpc.header[1]",
    "systems.hpc.header[2]",
    "systems.hpc.header[3]",
    "systems.hpc.header[4]",
    "systems.hpc.header[5]",
  ]);
  assert.match(
    problems[0].message,
    /must be a #SBATCH directive line, e\.g\. "#SBATCH --account=abc" \(got "#PBS -A abc"\)/,
  );
  assert.match(problems[4].message, /not ending in "\\"/);
});

Deno.test("lintSystem() names partition names with shell syntax, with the file in ConfigError", () => {
  const problems = lintSystem(
    system(
      "    scheduler: slurm\n    partitions: [{ name: 'a$(x)' }, { name: ok }, { name: '-x' }]\n",
    ),
  );
  assert.deepEqual(problems.map((p) => p.path), [
    "systems.hpc.partitions[0].name",
    "systems.hpc.partitions[2].name",
  ]);
  assert.equal(
    new ConfigError("/p/drover.yaml", problems[0]).message,
    'Cannot read systems config "/p/drover.yaml": systems.hpc.partitions[0].name must be a partition name of letters, digits and . _ @ - (starting with a letter or digit) (got "a$(x)")',
  );
});

Deno.test("lintSystem() accepts exactly what job scripts accept for partitions and headers", () => {
  // What lintSystem lets through must render: the same rules as the scheduler's spec check.
  for (const name of ["gpu", "a.b_c@d-e", "9x"]) {
    const s = system(
      `    scheduler: slurm\n    partitions: [{ name: '${name}' }]\n    header: ['#SBATCH --qos=x']\n`,
    );
    assert.deepEqual(lintSystem(s), []);
    validateJobSpec({
      name: "dr-x",
      body: ["true"],
      header: s.header,
      resources: { partition: name },
    });
    assert.match(
      renderSlurmScript({ name: "dr-x", body: ["true"], header: s.header }),
      /#SBATCH --qos=x/,
    );
  }
});
