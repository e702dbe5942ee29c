import assert from "node:assert/strict";
import { ConfigError, parseSystemsConfig, safeParseSystemsConfig } from "../../lib/systems/mod.ts";

const FILE = "/p/drover.yaml";
const GB = 1024 ** 3;

/** The error parseSystemsConfig throws for `text`. */
function errorOf(text: string): ConfigError {
  const result = safeParseSystemsConfig(text, FILE);
  assert.equal(result.success, false, `expected an error for ${JSON.stringify(text)}`);
  if (result.success) throw new Error("unreachable");
  assert.ok(result.error instanceof ConfigError);
  return result.error;
}

Deno.test("parseSystemsConfig() fills in every default when a system gives only its scheduler", () => {
  const { systems } = parseSystemsConfig("systems:\n  laptop:\n    scheduler: local\n", FILE);
  assert.deepEqual(systems, {
    laptop: {
      name: "laptop",
      scheduler: "local",
      rundir: "~/.drover-runs",
      partitions: [],
      header: [],
      setup: [],
      deno: "upload",
      maxJobs: 100,
      pollMs: 2000,
    },
  });
});

Deno.test("parseSystemsConfig() reads every setting and parses times and sizes when all are given", () => {
  const { systems } = parseSystemsConfig(
    `
systems:
  hpc:
    host: me@login.hpc.example.org:2222
    scheduler: slurm
    rundir: /scratch/me/drover
    partitions:
      - name: short
        coresPerNode: 48
        maxTime: "4:00:00"
        memory: 192G
      - { name: long, coresPerNode: 48, maxTime: 7-00:00:00, memory: 196608 }
      - { name: gpu, maxTime: 30:00, gpus: 4 }
      - { name: debug, maxTime: 15 }
      - { name: any, maxTime: UNLIMITED }
    header: |
      #SBATCH --account=chem
      #SBATCH --qos=normal
    setup:
      - module load gcc
      - export OMP_NUM_THREADS=1
    deno: /opt/deno/bin/deno
    maxJobs: 20
    pollMs: 10
`,
    FILE,
  );
  assert.deepEqual(systems.hpc, {
    name: "hpc",
    host: "me@login.hpc.example.org:2222",
    scheduler: "slurm",
    rundir: "/scratch/me/drover",
    partitions: [
      { name: "short", coresPerNode: 48, maxTime: 4 * 3_600_000, memory: 192 * GB },
      { name: "long", coresPerNode: 48, maxTime: 7 * 86_400_000, memory: 192 * GB },
      { name: "gpu", maxTime: 30 * 60_000, gpus: 4 },
      { name: "debug", maxTime: 15 * 60_000 },
      { name: "any" },
    ],
    header: ["#SBATCH --account=chem", "#SBATCH --qos=normal"],
    setup: ["module load gcc", "export OMP_NUM_THREADS=1"],
    deno: "/opt/deno/bin/deno",
    maxJobs: 20,
    pollMs: 10,
  });
});

Deno.test("parseSystemsConfig() resolves anchors and merge keys when systems share settings", () => {
  const { systems } = parseSystemsConfig(
    `
x-slurm: &slurm
  scheduler: slurm
  maxJobs: 50
  setup: &modules [module load gcc]
x-partitions: &parts
  - { name: short, coresPerNode: 16, maxTime: "1:00:00" }
systems:
  a:
    <<: *slurm
    host: a.example.org
    partitions: *parts
  b:
    <<: *slurm
    maxJobs: 5
    setup: *modules
    partitions: *parts
`,
    FILE,
  );
  assert.equal(systems.a.scheduler, "slurm");
  assert.equal(systems.a.maxJobs, 50);
  assert.equal(systems.b.maxJobs, 5, "keys written next to << win over merged ones");
  assert.deepEqual(systems.b.setup, ["module load gcc"]);
  assert.deepEqual(systems.a.partitions, systems.b.partitions);
  assert.equal(systems.a.partitions[0].maxTime, 3_600_000);
  assert.equal(systems.b.host, undefined);
});

Deno.test("parseSystemsConfig() reads JSON when the file is JSON", () => {
  const { systems } = parseSystemsConfig(
    JSON.stringify({
      systems: { c: { scheduler: "pbs", partitions: [{ name: "q", memory: "2G" }] } },
    }),
    "/p/drover.yaml",
  );
  assert.equal(systems.c.scheduler, "pbs");
  assert.equal(systems.c.partitions[0].memory, 2 * GB);
});

Deno.test("parseSystemsConfig() returns no systems when the file is empty or has only comments", () => {
  for (const text of ["", "# nothing yet\n", "systems:\n", "x-unused: 1\n"]) {
    assert.deepEqual(parseSystemsConfig(text, FILE), { systems: {} }, JSON.stringify(text));
  }
});

Deno.test("parseSystemsConfig() accepts hosts as alias, user@host, :port and [ipv6] when given", () => {
  for (
    const host of ["cluster", "me@login.example.org", "me@host:22", "h:65535", "me@[::1]:2222"]
  ) {
    const { systems } = parseSystemsConfig(
      `systems:\n  c: { scheduler: slurm, host: "${host}" }`,
      FILE,
    );
    assert.equal(systems.c.host, host);
  }
});

Deno.test("parseSystemsConfig() throws ConfigError carrying file, path and expected when a value is bad", () => {
  const e = errorOf("systems:\n  cluster:\n    scheduler: slrum\n");
  assert.equal(
    e.message,
    'Cannot read systems config "/p/drover.yaml": systems.cluster.scheduler must be one of slurm, pbs, sge, local (got "slrum")',
  );
  assert.equal(e.file, FILE);
  assert.equal(e.path, "systems.cluster.scheduler");
  assert.equal(e.expected, "one of slurm, pbs, sge, local");
  assert.equal(e.name, "ConfigError");
  assert.throws(() => parseSystemsConfig("systems:\n  cluster:\n    scheduler: slrum\n", FILE), e);
});

Deno.test("parseSystemsConfig() names the path and what was expected in one line for every kind of mistake", () => {
  const cases: [string, string][] = [
    [
      "systems:\n  c: { host: x }",
      "systems.c.scheduler is required: one of slurm, pbs, sge, local",
    ],
    [
      "systems:\n  c: { scheduler: slurm, schedular: x }",
      "systems.c.schedular is not a known setting (expected one of host, scheduler, rundir, partitions, header, setup, deno, maxJobs, pollMs, access)",
    ],
    [
      "systems:\n  c: { scheduler: slurm, pollMs: 5 }",
      "systems.c.pollMs must be a whole number, 10 or more (got 5)",
    ],
    [
      "systems:\n  c: { scheduler: slurm, pollMs: 2.5 }",
      "systems.c.pollMs must be a whole number, 10 or more (got 2.5)",
    ],
    [
      "systems:\n  c: { scheduler: slurm, maxJobs: '10' }",
      'systems.c.maxJobs must be a whole number, 1 or more (got "10")',
    ],
    [
      "systems:\n  c: { scheduler: slurm, maxJobs: 0 }",
      "systems.c.maxJobs must be a whole number, 1 or more (got 0)",
    ],
    [
      "systems:\n  c: { scheduler: slurm, host: '-oProxyCommand=x' }",
      'systems.c.host must be an SSH host alias or user@host[:port] (got "-oProxyCommand=x")',
    ],
    [
      "systems:\n  c: { scheduler: slurm, host: 'me@h:99999' }",
      'systems.c.host must be an SSH host alias or user@host[:port] (got "me@h:99999")',
    ],
    [
      "systems:\n  c: { scheduler: slurm, host: 'a b' }",
      'systems.c.host must be an SSH host alias or user@host[:port] (got "a b")',
    ],
    [
      "systems:\n  c: { scheduler: slurm, rundir: '  ' }",
      'systems.c.rundir must be a directory path on the system (got "  ")',
    ],
    [
      "systems:\n  c: { scheduler: slurm, deno: '' }",
      'systems.c.deno must be "upload" or the path of deno on the system (got "")',
    ],
    [
      "systems:\n  c: { scheduler: slurm, header: 3 }",
      "systems.c.header must be a list of scheduler directive lines (got 3)",
    ],
    [
      "systems:\n  c: { scheduler: slurm, setup: [ok, 1] }",
      "systems.c.setup[1] must be a line of text (got 1)",
    ],
    [
      "systems:\n  c: { scheduler: slurm, partitions: {a: 1} }",
      "systems.c.partitions must be a list of partitions (got a mapping)",
    ],
    [
      "systems:\n  c: { scheduler: slurm, partitions: [short] }",
      'systems.c.partitions[0] must be a mapping with at least a name (got "short")',
    ],
    [
      "systems:\n  c: { scheduler: slurm, partitions: [{ maxTime: 1 }] }",
      "systems.c.partitions[0].name is required: a partition name",
    ],
    [
      "systems:\n  c: { scheduler: slurm, partitions: [{ name: 'a b' }] }",
      'systems.c.partitions[0].name must be a partition name (got "a b")',
    ],
    [
      "systems:\n  c: { scheduler: slurm, partitions: [{ name: a }, { name: a }] }",
      'systems.c.partitions[1].name repeats the partition name "a"',
    ],
    [
      "systems:\n  c: { scheduler: slurm, partitions: [{ name: a, cpus: 4 }] }",
      "systems.c.partitions[0].cpus is not a known setting (expected one of name, coresPerNode, maxTime, memory, gpus)",
    ],
    [
      "systems:\n  c: { scheduler: slurm, partitions: [{ name: a, coresPerNode: 0 }] }",
      "systems.c.partitions[0].coresPerNode must be a whole number, 1 or more (got 0)",
    ],
    [
      "systems:\n  c: { scheduler: slurm, partitions: [{ name: a, gpus: -1 }] }",
      "systems.c.partitions[0].gpus must be a whole number, 0 or more (got -1)",
    ],
    [
      "systems:\n  c: { scheduler: slurm, partitions: [{ name: a, maxTime: '1:60' }] }",
      'systems.c.partitions[0].maxTime must be a Slurm time such as 30 (minutes), 30:00, 12:00:00, 2-12 or 2-00:00:00, or UNLIMITED (got "1:60")',
    ],
    [
      "systems:\n  c: { scheduler: slurm, partitions: [{ name: a, maxTime: 0 }] }",
      "systems.c.partitions[0].maxTime must be a Slurm time such as 30 (minutes), 30:00, 12:00:00, 2-12 or 2-00:00:00, or UNLIMITED (got 0)",
    ],
    [
      "systems:\n  c: { scheduler: slurm, partitions: [{ name: a, memory: lots }] }",
      'systems.c.partitions[0].memory must be a size such as 4G, 500M, 1.5T or 4096 (MB), more than 0 (got "lots")',
    ],
    [
      "systems:\n  'my cluster': { scheduler: slurm }",
      'systems["my cluster"] is not a valid system name: use letters, digits, _ . - (starting with a letter or digit)',
    ],
    [
      "systems:\n  c: slurm",
      'systems.c must be a mapping of settings with at least a scheduler (got "slurm")',
    ],
    [
      "systems: [1]",
      "systems must be a mapping from system names to their settings (got a list)",
    ],
    [
      "system:\n  c: { scheduler: slurm }",
      'system is not a known setting (expected "systems", or a name starting with x- for anchors)',
    ],
    ["- 1", 'the top level must be a mapping with a "systems" key (got a list)'],
    ["42", 'the top level must be a mapping with a "systems" key (got 42)'],
  ];
  for (const [text, problem] of cases) {
    assert.equal(
      errorOf(text).message,
      `Cannot read systems config "/p/drover.yaml": ${problem}`,
      text,
    );
  }
});

Deno.test("parseSystemsConfig() reports YAML syntax errors with their line in one line", () => {
  const cases: [string, string][] = [
    [
      "systems:\n  c: { scheduler: slurm\n",
      "the file is not valid YAML or JSON: Flow map in block collection must be sufficiently indented and end with a } at line 3, column 1",
    ],
    [
      "systems:\n  c: { scheduler: slurm }\n  c: { scheduler: pbs }\n",
      "the file is not valid YAML or JSON: Map keys must be unique at line 3, column 3",
    ],
    [
      "systems:\n  c: *nope\n",
      "the file is not valid YAML or JSON: Unresolved alias (the anchor must be set before the alias): nope",
    ],
  ];
  for (const [text, problem] of cases) {
    const e = errorOf(text);
    assert.equal(e.message, `Cannot read systems config "/p/drover.yaml": ${problem}`, text);
    assert.equal(e.path, "");
    assert.equal(e.expected, "YAML or JSON");
    assert.ok(!e.message.includes("\n"));
  }
});

Deno.test("parseSystemsConfig() refuses a file of too many aliases when given an alias bomb", () => {
  const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 0; i < 8; i++) {
    const prev = String.fromCharCode(97 + i);
    const name = String.fromCharCode(98 + i);
    lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
  }
  const e = errorOf(lines.join("\n"));
  assert.match(
    e.message,
    /^Cannot read systems config "\/p\/drover.yaml": the file is not valid YAML or JSON: /,
  );
});

Deno.test("parseSystemsConfig() reads access: private or group, and names anything else", () => {
  const { systems } = parseSystemsConfig(
    "systems:\n  a: { scheduler: slurm, access: group }\n  b: { scheduler: slurm }\n",
    FILE,
  );
  assert.equal(systems.a.access, "group");
  assert.equal(systems.b.access, undefined, "absent: private");
  assert.equal(
    errorOf("systems:\n  c: { scheduler: slurm, access: world }\n").message,
    'Cannot read systems config "/p/drover.yaml": systems.c.access must be private or group (got "world")',
  );
});
