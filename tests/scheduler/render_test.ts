import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type JobSpec,
  renderLocalScript,
  renderPbsScript,
  renderSgeScript,
  renderSlurmScript,
  shellJoin,
} from "../../lib/scheduler/mod.ts";
import { assertGolden } from "./_golden.ts";

const GIB = 1024 ** 3;

/** A full spec whose values are hostile wherever values are allowed to be anything. */
const FULL: JobSpec = {
  name: "drover-3f2a9c.relax_all",
  array: { size: 20, throttle: 4 },
  resources: {
    nodes: 1,
    cores: 4,
    time: 2 * 86_400_000 + 30 * 60_000,
    memory: 6 * GIB,
    gpus: 1,
    partition: "gpu-short",
  },
  header: ["# a comment line"],
  setup: ["module load gcc/12", "source /opt/venv/bin/activate"],
  body: [shellJoin(["/opt/deno/bin/deno", "run", "-A", "/scratch/alice/drover/bundle 1.js"])],
  workdir: "/scratch/alice/my project's dir/$(whoami)",
  stdout: "/scratch/alice/drover/logs/{index}.out",
  stderr: "/scratch/alice/drover/logs/{index}.err",
  env: {
    DROVER_STAGE: "/scratch/alice/drover/stage",
    EVIL: "$(touch /tmp/pwned) `id` ${HOME} 'quoted' \"double\"\nnext line",
    EMPTY: "",
    WFL_NUM_PYTHON_SUBPROCESSES: "${EXPYRE_NUM_CORES_PER_NODE}",
    MPI_ARGS: "-np ${DROVER_CORES} --mem ${DROVER_MEMORY_MB}M ${HOME} $(id) ${DROVER_CORES",
  },
};

/** A single job with nothing but a body. */
const SINGLE: JobSpec = {
  name: "drover-setup",
  body: ["echo ready"],
  stdout: "/tmp/drover/{index}.out",
};

Deno.test("renderSlurmScript() matches the golden script for a full array job", async () => {
  const header = ["#SBATCH --account=chem", ...FULL.header!];
  await assertGolden("slurm_array.sh", renderSlurmScript({ ...FULL, header }));
});

Deno.test("renderSlurmScript() matches the golden script for a single job", async () => {
  await assertGolden("slurm_single.sh", renderSlurmScript(SINGLE));
});

Deno.test("renderPbsScript() matches the golden script for a full array job", async () => {
  const header = ["#PBS -A chem", ...FULL.header!];
  await assertGolden("pbs_array.sh", renderPbsScript({ ...FULL, header }));
});

Deno.test("renderPbsScript() matches the golden script for a single job", async () => {
  await assertGolden("pbs_single.sh", renderPbsScript(SINGLE));
});

Deno.test("renderSgeScript() matches the golden script for a full array job", async () => {
  const header = ["#$ -P chem", ...FULL.header!];
  await assertGolden("sge_array.sh", renderSgeScript({ ...FULL, header }));
});

Deno.test("renderSgeScript() matches the golden script for a single job", async () => {
  await assertGolden("sge_single.sh", renderSgeScript(SINGLE));
});

Deno.test("renderLocalScript() matches the golden script for a full array job", async () => {
  const header = ["#SBATCH --account=chem", "# a comment line"];
  await assertGolden("local_array.sh", renderLocalScript({ ...FULL, header }));
});

Deno.test("renderLocalScript() matches the golden script for a single job", async () => {
  await assertGolden("local_single.sh", renderLocalScript(SINGLE));
});

Deno.test("renderPbsScript() renders an array of one as a plain job with index 0", () => {
  const script = renderPbsScript({ ...SINGLE, array: { size: 1 } });
  assert.doesNotMatch(script, /^#PBS -J/m);
  assert.match(script, /^export DROVER_ARRAY_INDEX=0$/m);
  assert.match(script, /^#PBS -o \/tmp\/drover\/0\.out$/m);
});

Deno.test("renderSgeScript() uses the site's PE and memory resource names", () => {
  const script = renderSgeScript(
    { ...SINGLE, resources: { cores: 4, memory: 4 * GIB, gpus: 2 } },
    { parallelEnvironment: "threads", memoryResource: "m_mem_free", gpuResource: "gpus" },
  );
  assert.match(script, /^#\$ -pe threads 4$/m);
  assert.match(script, /^#\$ -l m_mem_free=1024M$/m);
  assert.match(script, /^#\$ -l gpus=2$/m);
});

Deno.test("renderSgeScript() throws RangeError for more than one node", () => {
  assert.throws(
    () => renderSgeScript({ ...SINGLE, resources: { nodes: 2 } }),
    /SGE has no nodes/,
  );
});

Deno.test("renderSgeScript() throws RangeError for a hostile PE name", () => {
  assert.throws(
    () => renderSgeScript(SINGLE, { parallelEnvironment: "smp\n#$ -u root" }),
    RangeError,
  );
});

const REJECTED: [string, Partial<JobSpec>, RegExp][] = [
  ["a newline in the job name", { name: "ok\n#SBATCH --uid=0" }, /job name/],
  ["a command substitution in the job name", { name: "a$(id)" }, /job name/],
  ["a backtick in the job name", { name: "a`id`" }, /job name/],
  ["a quote in the job name", { name: "a'b" }, /job name/],
  ["a space in the job name", { name: "a b" }, /job name/],
  ["an empty job name", { name: "" }, /job name/],
  ["a job name starting with a digit", { name: "1abc" }, /job name/],
  ["a job name of 129 characters", { name: "a".repeat(129) }, /job name/],
  ["a newline in the partition", { resources: { partition: "p\n#SBATCH -A x" } }, /partition/],
  ["an invalid env var name", { env: { "A-B": "x" } }, /environment variable name/],
  ["an env var name starting with a digit", { env: { "1A": "x" } }, /environment variable/],
  ["an env var name with a command", { env: { "A=$(id);B": "x" } }, /environment variable/],
  ["DROVER_ARRAY_INDEX in env", { env: { DROVER_ARRAY_INDEX: "3" } }, /set by drover/],
  ["DROVER_CORES in env", { env: { DROVER_CORES: "3" } }, /DROVER_CORES is set by drover/],
  ["a NUL in an env value", { env: { A: "x\0y" } }, /NUL/],
  ["a relative stdout path", { stdout: "logs/{index}.out" }, /stdout path/],
  ["a space in the stdout path", { stderr: "/tmp/a b.err" }, /stderr path/],
  ["a newline in the stdout path", { stdout: "/tmp/a\n#SBATCH --uid=0" }, /stdout path/],
  ["a % in the stdout path", { stdout: "/tmp/%j.out" }, /stdout path/],
  ["a $ in the stdout path", { stdout: "/tmp/$HOME.out" }, /stdout path/],
  ["a header line that is not a comment", { header: ["rm -rf ~"] }, /header line/],
  ["a header line with a newline", { header: ["#SBATCH -A x\nrm -rf ~"] }, /header line/],
  ["a header line continued onto the next", { header: ["#PBS -A x \\"] }, /header line/],
  ["an empty body", { body: [] }, /body/],
  ["a newline in a body line", { body: ["echo 'a\n#$ -u root'"] }, /body line/],
  ["a carriage return in a setup line", { setup: ["module load x\r#$ -u root"] }, /setup line/],
  ["an array of size 0", { array: { size: 0 } }, /array size/],
  ["a fractional throttle", { array: { size: 3, throttle: 1.5 } }, /throttle/],
  ["zero cores", { resources: { cores: 0 } }, /cores/],
  ["a negative time", { resources: { time: -1 } }, /time/],
  ["an infinite memory", { resources: { memory: Infinity } }, /memory/],
  ["an empty workdir", { workdir: "" }, /workdir/],
];

for (const [what, patch, message] of REJECTED) {
  Deno.test(`render*Script() throws RangeError for ${what}`, () => {
    const spec = { ...SINGLE, ...patch } as JobSpec;
    for (
      const render of [renderSlurmScript, renderPbsScript, renderSgeScript, renderLocalScript]
    ) {
      assert.throws(() => render(spec), (e: unknown) => {
        assert.ok(e instanceof RangeError, String(e));
        assert.match(e.message, /^Cannot render job script: /);
        assert.match(e.message, message);
        return true;
      });
    }
  });
}

/** Runs a rendered script with bash (directives are comments to bash). */
async function runScript(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "drover-script-" });
  try {
    const path = `${dir}/job.sh`;
    await Deno.writeTextFile(path, script);
    const out = await new Deno.Command("bash", {
      args: [path],
      env,
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("render*Script() passes hostile values to the body unchanged and runs nothing else", async () => {
  const workRoot = await Deno.makeTempDir({ prefix: "drover-work-" });
  try {
    const workdir = `${workRoot}/it's $(id) \`id\` dir`;
    await Deno.mkdir(workdir);
    const evil = FULL.env!.EVIL;
    const spec: JobSpec = {
      name: "drover-injection",
      array: { size: 3 },
      env: { EVIL: evil, SECOND: "'; touch pwned; '" },
      workdir,
      setup: [],
      body: [`printf '%s|%s|%s|%s' "$EVIL" "$SECOND" "$DROVER_ARRAY_INDEX" "$PWD"`],
    };
    const cases: [string, string, Record<string, string>][] = [
      ["slurm", renderSlurmScript(spec), { SLURM_ARRAY_TASK_ID: "2" }],
      ["pbs", renderPbsScript(spec), { PBS_ARRAY_INDEX: "2" }],
      ["sge", renderSgeScript(spec), { SGE_TASK_ID: "3" }],
      ["local", renderLocalScript(spec), { DROVER_LOCAL_TASK_ID: "2" }],
    ];
    for (const [scheduler, script, env] of cases) {
      const result = await runScript(script, env);
      assert.equal(result.code, 0, `${scheduler}: ${result.stderr}`);
      assert.equal(result.stdout, `${evil}|'; touch pwned; '|2|${workdir}`, scheduler);
      const entries = [...Deno.readDirSync(workdir)];
      assert.deepEqual(entries, [], `${scheduler} created files`);
    }
  } finally {
    await Deno.remove(workRoot, { recursive: true });
  }
});

Deno.test("render*Script() writes scripts that stop at the first failing setup line", async () => {
  const spec: JobSpec = { name: "drover-fail", setup: ["false"], body: ["echo reached"] };
  for (
    const script of [renderSlurmScript, renderPbsScript, renderSgeScript, renderLocalScript]
      .map((render) => render(spec))
  ) {
    const result = await runScript(script, {});
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
  }
});

Deno.test("render*Script() puts every directive before the first command", () => {
  for (
    const [prefix, script] of [
      ["#SBATCH", renderSlurmScript(FULL)],
      ["#PBS", renderPbsScript(FULL)],
      ["#$", renderSgeScript(FULL)],
      ["#DROVER", renderLocalScript(FULL)],
    ] as const
  ) {
    const lines = script.split("\n");
    const firstCommand = lines.findIndex((l) => l !== "" && !l.startsWith("#"));
    const lastDirective = lines.findLastIndex((l) => l.startsWith(prefix));
    assert.ok(lastDirective < firstCommand, prefix);
    assert.equal(lines[0], "#!/bin/bash");
  }
});

Deno.test("renderSlurmScript() keeps every env value on its own line and intact in bash (property, 60 runs)", async () => {
  const value = fc.string({
    unit: fc.oneof(
      fc.constantFrom("\n", "\r", "\t", "'", "\\", "$", "`", '"', "#", "#$ -u root", "%"),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
    ),
    maxLength: 20,
  }).filter((s) => !s.includes("\0"));
  await fc.assert(
    fc.asyncProperty(value, async (v) => {
      const script = renderSlurmScript({
        name: "drover-prop",
        env: { V: v },
        body: [`printf '%s' "$V"`],
      });
      const exportLine = script.split("\n").filter((l) => l.startsWith("export V="));
      assert.equal(exportLine.length, 1);
      // shebang, name, set, index, 6 resource variables, V, body, ""
      assert.equal(script.split("\n").length, 13);
      const result = await runScript(script, {});
      assert.equal(result.stdout, v);
    }),
    { numRuns: 60 },
  );
});

Deno.test("render*Script() exports the resource variables and expands references to them in env", async () => {
  const spec: JobSpec = {
    name: "drover-resources",
    resources: { nodes: 2, cores: 8, memory: 3 * GIB, time: 90_500, gpus: 1 },
    env: {
      THREADS: "${EXPYRE_NUM_CORES_PER_NODE}",
      OLD: "${EXPYRE_NCORES_PER_NODE}/${EXPYRE_NNODES}/${EXPYRE_TOT_NCORES}",
      ARGS: "-np ${DROVER_CORES} ${HOME} $(touch pwned) `id` '${DROVER_GPUS}' ${DROVER_CORES",
    },
    setup: [],
    body: [
      `printf '%s|' "$DROVER_NODES" "$DROVER_CORES_PER_NODE" "$DROVER_CORES" "$DROVER_MEMORY_MB"`,
      `printf '%s|' "$DROVER_GPUS" "$DROVER_TIME_S" "$THREADS" "$OLD" "$ARGS"`,
    ],
  };
  const expected = "2|8|16|3072|1|91|8|8/2/16|" +
    "-np 16 ${HOME} $(touch pwned) `id` '1' ${DROVER_CORES|";
  const cases: [string, string, Record<string, string>][] = [
    ["slurm", renderSlurmScript(spec), {}],
    ["pbs", renderPbsScript(spec), {}],
    ["local", renderLocalScript(spec), {}],
  ];
  const work = await Deno.makeTempDir({ prefix: "drover-work-" });
  try {
    for (const [scheduler, script, env] of cases) {
      const result = await runScript(script, { ...env, HOME: work });
      assert.equal(result.code, 0, `${scheduler}: ${result.stderr}`);
      assert.equal(result.stdout, expected, scheduler);
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("render*Script() exports defaults for resources a job does not ask for", async () => {
  const script = renderSlurmScript({
    name: "drover-defaults",
    env: { N: "${DROVER_CORES}x${DROVER_MEMORY_MB}x${DROVER_TIME_S}" },
    body: [`printf '%s|%s|%s' "$DROVER_NODES" "$DROVER_GPUS" "$N"`],
  });
  const result = await runScript(script, {});
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "1|0|1xx");
});

Deno.test("renderSlurmScript() expands only resource references in env values, in bash (property, 60 runs)", async () => {
  const resources = { nodes: 3, cores: 5, gpus: 2 };
  const values: Record<string, string> = {
    DROVER_NODES: "3",
    DROVER_CORES_PER_NODE: "5",
    DROVER_CORES: "15",
    DROVER_GPUS: "2",
    EXPYRE_NUM_CORES_PER_NODE: "5",
  };
  const value = fc.array(
    fc.oneof(
      fc.constantFrom(
        ...Object.keys(values).map((n) => `\${${n}}`),
        "${HOME}",
        "${DROVER_NOPE}",
        "$DROVER_CORES",
        "${DROVER_CORES",
        "$(",
        "`id`",
        "'",
        '"',
        "\\",
        "\n",
        "\t",
        "$",
        "{",
        "}",
      ),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 2 }),
    ),
    { maxLength: 8 },
  ).map((parts) => parts.join("")).filter((s) => !s.includes("\0"));
  await fc.assert(
    fc.asyncProperty(value, async (v) => {
      const script = renderSlurmScript({
        name: "drover-prop",
        resources,
        env: { V: v },
        body: [`printf '%s' "$V"`],
      });
      assert.equal(script.split("\n").filter((l) => l.startsWith("export V=")).length, 1);
      const expected = v.replace(
        /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
        (all, name: string) => values[name] ?? all,
      );
      const result = await runScript(script, {});
      assert.equal(result.stdout, expected);
    }),
    { numRuns: 60 },
  );
});
