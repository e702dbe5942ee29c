import assert from "node:assert/strict";
import {
  loadRemoteInfo,
  matchRoute,
  parseRemoteInfo,
  type RemoteInfo,
  RemoteInfoError,
  resourcesFor,
  safeParseRemoteInfo,
} from "../../lib/routing/mod.ts";
import { renderSlurmScript, shellJoin } from "../../lib/scheduler/mod.ts";
import { goldenAssert } from "../_helpers/golden.ts";

const FIXTURES = new URL("./fixtures/expyre/", import.meta.url).pathname;
const assertGolden = goldenAssert(new URL("./golden/", import.meta.url), {
  extension: ".txt",
  rerun: "deno test -A tests/routing/expyre_info_test.ts",
});

function load(name: string): RemoteInfo | undefined {
  return loadRemoteInfo({ DROVER_REMOTE_INFO: `${FIXTURES}${name}` });
}

function notesOf(info: RemoteInfo | undefined): string {
  return (info?.notes ?? []).map((n) => n.message).join("\n").replaceAll(FIXTURES, "<fixtures>/") +
    "\n";
}

Deno.test("parseRemoteInfo() reads the remote info of wfl's queued-jobs docs as it is", async () => {
  const info = load("overview_queued.json");
  assert.ok(info);
  const [rule] = info.rules;
  assert.equal(rule.key, "minim.py::run");
  assert.deepEqual(rule.pattern, {
    kind: "stack",
    frames: [{ file: "minim.py", function: "run" }],
  });
  assert.deepEqual(rule.route, {
    system: "cluster",
    jobName: "vasp_minim",
    resources: { nodes: 1, time: 86_400_000 },
    inputsPerJob: 1,
    inputFiles: ["POTCARs"],
    env: {
      ASE_VASP_COMMAND: "/opt/vasp/6.4/bin/vasp_std",
      VASP_PP_PATH: "POTCARs",
      WFL_NUM_PYTHON_SUBPROCESSES: "${DROVER_CORES_PER_NODE}",
      WFL_VASP_KWARGS: '{ "ncore": ${DROVER_CORES_PER_NODE}}',
    },
    maxRestarts: 2,
  });
  assert.equal(
    info.notes?.[1].message,
    `remote info "${FIXTURES}overview_queued.json" (named by DROVER_REMOTE_INFO): key "minim.py::run": sys_name "cluster" -> system "cluster"`,
  );
  assert.deepEqual(info.notes?.[0].key, "minim.py::run");
  assert.deepEqual(info.notes?.map((n) => n.field), [
    "key",
    "sys_name",
    "job_name",
    "resources.max_time",
    "resources.num_nodes",
    "num_inputs_per_queued_job",
    "input_files",
    "env_vars[0]",
    "env_vars[1]",
    "env_vars[2]",
    "env_vars[3]",
  ]);
  await assertGolden("overview_queued.notes", notesOf(info));
});

Deno.test("parseRemoteInfo() reads wfl's test remote infos: labels, shell values, pre_cmds, negative counts", async () => {
  const info = load("test_remote_run.json");
  assert.ok(info);
  assert.deepEqual(info.rules.map((r) => r.pattern.kind), ["label", "label", "label"]);
  const [vasp, generic, github] = info.rules.map((r) => r.route);
  assert.deepEqual(vasp.env, {
    ASE_VASP_COMMAND: "NO_VASP_FAIL",
    ASE_VASP_COMMAND_GAMMA: "NO_VASP_FAIL",
  });
  assert.deepEqual(vasp.setup, ["export PYTHONPATH=/home/user/workflow:$PYTHONPATH"]);
  assert.deepEqual(vasp.resources, { nodes: 1, time: 300_000 });
  assert.equal(generic.jobName, "pytest_tin-1");
  assert.equal(generic.inputsPerJob, 36);
  assert.deepEqual(generic.setup, [
    "module purge",
    "module load compiler/gnu lapack/mkl python python_extras/structure python_extras/quippy python_extras/wif dft/vasp dft/pwscf",
    "module list",
  ]);
  assert.deepEqual(github.resources, { nodes: 1, time: 3_600_000, partition: "standard" });
  assert.equal(github.inputsPerJob, 100);
  await assertGolden("test_remote_run.notes", notesOf(info));
});

Deno.test("parseRemoteInfo() routes every call by a top-level wfl RemoteInfo", async () => {
  const info = load("ace_fit_top_level.json");
  assert.ok(info);
  assert.deepEqual(info.rules.map((r) => r.key), ["*::*"]);
  const match = matchRoute(info, [{ file: "/p/fit.ts", function: "main" }], {
    stepName: "fit",
    stepFile: "/p/lib/fit.ts",
  });
  assert.equal(match?.route.system, "tin");
  assert.deepEqual(match?.route.env, { WFL_ACE_FIT_BLAS_THREADS: "${DROVER_CORES_PER_NODE}" });
  assert.deepEqual(match?.route.setup, [
    'export EXPYRE_NUM_CORES_PER_NODE="$DROVER_CORES_PER_NODE"',
    "export PYTHONPATH=/home/user/workflow:$PYTHONPATH",
    "export WFL_ACE_FIT_JULIA_THREADS=$( [ $EXPYRE_NUM_CORES_PER_NODE -gt 2 ] && echo 2 || echo $(( $EXPYRE_NUM_CORES_PER_NODE )) )",
  ]);
  await assertGolden("ace_fit_top_level.notes", notesOf(info));
});

Deno.test("translated wfl env_vars and pre_cmds give the job what wfl's job got, in bash", async () => {
  const routes = [load("overview_queued.json")!, load("ace_fit_top_level.json")!]
    .map((info) => info.rules[0].route);
  const dir = await Deno.makeTempDir({ prefix: "drover-expyre-" });
  try {
    for (const cores of [1, 8]) {
      const resources = { ...resourcesFor(routes[0], 1), cores };
      const script = renderSlurmScript({
        name: "drover-expyre",
        resources,
        env: { ...routes[0].env, ...routes[1].env },
        setup: (routes[1].setup ?? []).filter((l) => !l.includes("PYTHONPATH")),
        body: [
          shellJoin(["printf", "%s|", "$WFL_NUM_PYTHON_SUBPROCESSES"]).replace(
            "'$WFL_NUM_PYTHON_SUBPROCESSES'",
            '"$WFL_NUM_PYTHON_SUBPROCESSES" "$WFL_VASP_KWARGS" "$WFL_ACE_FIT_BLAS_THREADS" "$WFL_ACE_FIT_JULIA_THREADS"',
          ),
        ],
      });
      await Deno.writeTextFile(`${dir}/job.sh`, script);
      const out = await new Deno.Command("bash", {
        args: [`${dir}/job.sh`],
        cwd: dir,
        env: {},
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder();
      assert.equal(out.code, 0, text.decode(out.stderr));
      assert.equal(
        text.decode(out.stdout),
        `${cores}|{ "ncore": ${cores}}|${cores}|${Math.min(cores, 2)}|`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseRemoteInfo() reads ExPyRe's time and memory forms", () => {
  const cases: [Record<string, unknown>, Record<string, unknown>][] = [
    [{ max_time: 3600 }, { time: 3_600_000 }],
    [{ max_time: "1.5h" }, { time: 5_400_000 }],
    [{ max_time: "2D" }, { time: 172_800_000 }],
    [{ max_time: " 90s " }, { time: 90_000 }],
    [{ max_time: "30" }, { time: 30_000 }],
    [{ max_time: "5:00" }, { time: 300_000 }],
    [{ max_time: "1-02:03:04" }, { time: 93_784_000 }],
    [{ max_time: "_none_" }, {}],
    [{ max_time: "1h", max_mem_tot: "4GB" }, { time: 3_600_000, memory: 4 * 1024 ** 3 }],
    [{ max_time: "1h", max_mem_tot: 1536 }, { time: 3_600_000, memory: 1536 * 1024 }],
  ];
  for (const [resources, expected] of cases) {
    const info = parseRemoteInfo(
      JSON.stringify({ k: { sys_name: "c", resources: { num_nodes: 1, ...resources } } }),
    );
    assert.deepEqual(
      info.rules[0].route.resources,
      { nodes: 1, ...expected },
      JSON.stringify(resources),
    );
  }
  const perCore = parseRemoteInfo(JSON.stringify({
    k: { sys_name: "c", resources: { max_time: "1h", num_cores: 4, max_mem_per_core: "2g" } },
  }));
  assert.deepEqual(perCore.rules[0].route.resources, {
    cores: 4,
    time: 3_600_000,
    memory: 8 * 1024 ** 3,
  });
  const twoNodes = parseRemoteInfo(JSON.stringify({
    k: {
      sys_name: "c",
      resources: { max_time: "1h", num_nodes: 2, cores: 48, max_mem_tot: "100GB", queues: "q1" },
    },
  }));
  assert.deepEqual(twoNodes.rules[0].route.resources, {
    nodes: 2,
    cores: 48,
    time: 3_600_000,
    memory: 50 * 1024 ** 3,
    partition: "q1",
  });
});

Deno.test("parseRemoteInfo() keeps remote info written for drover as it was, with no notes", () => {
  const info = parseRemoteInfo(JSON.stringify({
    gpu: { system: "c", env: { A: "${DROVER_GPUS}" } },
    wfl: { sys_name: "c", resources: { num_cores: 2, max_time: 60 } },
  }));
  assert.deepEqual(info.rules[0].route.env, { A: "${DROVER_GPUS}" });
  assert.ok(info.notes?.every((n) => n.key === "wfl"));
});

function refusal(route: Record<string, unknown>): string {
  const result = safeParseRemoteInfo(JSON.stringify({ "a.py::f": route }), '"ri.json"');
  assert.equal(result.success, false, JSON.stringify(route));
  if (result.success) throw new Error("unreachable");
  assert.ok(result.error instanceof RemoteInfoError);
  return result.error.message;
}

Deno.test("parseRemoteInfo() refuses wfl fields drover cannot honour, naming file, path and why", () => {
  const base = { sys_name: "c", resources: { num_nodes: 1, max_time: "1h" } };
  const cases: [Record<string, unknown>, string][] = [
    [
      { ...base, post_cmds: ["rm -rf scratch"] },
      '["a.py::f"].post_cmds cannot be honoured: drover runs nothing after the step: do that work in the step',
    ],
    [
      { ...base, output_files: ["OUTCAR"] },
      '["a.py::f"].output_files cannot be honoured: drover returns the step\'s value, not files: return what the job makes (or write it to a shared path)',
    ],
    [
      { ...base, header_extra: ["#SBATCH --account=x"] },
      '["a.py::f"].header_extra cannot be honoured: put scheduler directives in the system\'s header in drover.yaml',
    ],
    [
      { ...base, resources: { ...base.resources, partitions: ["standard", "highmem"] } },
      '["a.py::f"].resources.partitions must be one partition name for drover (got ["standard","highmem"]); ExPyRe\'s regexps and lists cannot be honoured: name one, or leave it out and drover takes the first partition of the system that fits',
    ],
    [
      { ...base, resources: { ...base.resources, partitions: "gpu.*" } },
      '["a.py::f"].resources.partitions must be one partition name for drover (got "gpu.*"); ExPyRe\'s regexps and lists cannot be honoured: name one, or leave it out and drover takes the first partition of the system that fits',
    ],
    [
      { ...base, input_files: ["/data/POTCARs"] },
      '["a.py::f"].input_files[0] "/data/POTCARs" cannot be honoured: drover stages files from inside the working directory, keeping their relative path',
    ],
    [
      { ...base, input_files: ["runs/*/in.xyz"] },
      '["a.py::f"].input_files[0] "runs/*/in.xyz" cannot be honoured: drover globs only the last part, with * and ?',
    ],
    [
      { ...base, env_vars: ["OMP_NUM_THREADS"] },
      '["a.py::f"].env_vars[0] "OMP_NUM_THREADS" must be "NAME=value": drover does not copy variables from this machine into jobs',
    ],
    [
      { ...base, env_vars: ["DROVER_CORES=4"] },
      '["a.py::f"].env_vars[0] sets DROVER_CORES, which drover sets',
    ],
    [
      { ...base, resources: { num_nodes: 1, num_cores: 4, max_time: "1h" } },
      '["a.py::f"].resources must give exactly one of num_nodes and num_cores (as ExPyRe requires)',
    ],
    [
      { ...base, resources: { num_nodes: 1, max_time: "soon" } },
      '["a.py::f"].resources.max_time must be whole seconds, "<N>[smhd]" (e.g. "24h") or "[D-]HH:MM:SS" with leading parts optional (got "soon")',
    ],
    [
      { ...base, resources: { num_nodes: 1, max_time: "1h", max_mem_per_core: "2GB" } },
      '["a.py::f"].resources.max_mem_per_core cannot be honoured: drover asks for memory per node and does not know the cores of a whole node; give max_mem_tot, or cores per node',
    ],
    [
      { ...base, num_inputs_per_queued_job: 0 },
      '["a.py::f"].num_inputs_per_queued_job must be a whole number, not 0 (got 0)',
    ],
    [
      { ...base, system: "c" },
      '["a.py::f"].system is not a known setting (expected one of sys_name, job_name, resources, num_inputs_per_queued_job, pre_cmds, post_cmds, env_vars, input_files, output_files, header_extra, exact_fit, partial_node, timeout, check_interval, ignore_failed_jobs, resubmit_killed_jobs, hash_ignore (a route with sys_name is read as wfl RemoteInfo))',
    ],
    [
      { sys_name: "c" },
      '["a.py::f"].resources is required: a mapping of ExPyRe resources (max_time and num_nodes or num_cores)',
    ],
    [
      { ...base, resources: { num_nodes: 1, max_time: "1h", n: [1, "nodes"] } },
      '["a.py::f"].resources.n is not a known setting (expected one of max_time, num_nodes, num_cores, max_mem_tot, max_mem_per_core, partitions, queues, cores, gpus)',
    ],
  ];
  for (const [route, message] of cases) {
    assert.equal(refusal(route), `Cannot read remote info "ri.json": ${message}`);
  }
});

Deno.test("parseRemoteInfo() notes the wfl fields it ignores and translates the rest", () => {
  const info = parseRemoteInfo(
    JSON.stringify({
      k: {
        sys_name: "c",
        resources: { num_cores: 16, max_time: 7200 },
        exact_fit: false,
        partial_node: true,
        timeout: 3600,
        check_interval: 30,
        ignore_failed_jobs: true,
        resubmit_killed_jobs: false,
        hash_ignore: ["seed"],
        post_cmds: [],
        output_files: [],
      },
    }),
    "from DROVER_REMOTE_INFO",
  );
  assert.equal(info.rules[0].route.maxRestarts, 0);
  assert.deepEqual(
    info.notes?.map((n) => n.message.replace('remote info from DROVER_REMOTE_INFO: key "k": ', "")),
    [
      'sys_name "c" -> system "c"',
      'resources.max_time 7200 (seconds) -> time "0-02:00:00"',
      "resources.num_cores 16 -> cores 16 (on one node)",
      "num_inputs_per_queued_job absent -> inputsPerJob 100 (wfl's default of -100)",
      "resubmit_killed_jobs false -> maxRestarts 0 (restarts after a timeout, node failure or preemption)",
      "exact_fit false -> ignored (drover asks for exactly the nodes and cores given)",
      "partial_node true -> ignored (drover asks for exactly the nodes and cores given)",
      "timeout 3600 -> ignored (drover waits for jobs until they end)",
      "check_interval 30 -> ignored (drover polls at the system's pollMs in drover.yaml)",
      "ignore_failed_jobs true -> ignored (map() keeps failures apart from values; a single call throws its failure)",
      'hash_ignore ["seed"] -> ignored (declare ignored arguments on the step: step(name, fn, { ignore: [...] }))',
      "output_files [] -> nothing to do",
      "post_cmds [] -> nothing to do",
    ],
  );
});
