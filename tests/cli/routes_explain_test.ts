import assert from "node:assert/strict";
import { join } from "node:path";
import { parseRemoteInfo } from "../../lib/routing/mod.ts";
import { callFromStackText, explainCalls } from "../../lib/cli/routes_explain.ts";
import { assertGolden } from "./_golden.ts";
import { runCli, seededProject } from "./_fixture.ts";
import { tempDir } from "../_helpers/temp.ts";

const REMOTE_INFO = {
  "flows/relax_all.ts::main,lib/relax.ts::relax": {
    system: "hpc",
    resources: { cores: 16, time: "2:00:00" },
    inputsPerJob: 10,
  },
  "*::relax": { system: "laptop" },
  "lib/relax.ts::score": { system: "hpc" },
  gpu: { system: "gpu-cluster", resources: { gpus: 1 } },
};

const ENV = { DROVER_REMOTE_INFO: JSON.stringify(REMOTE_INFO) };

Deno.test("main() explains which key routes each call when running routes explain --stack", async () => {
  await using tmp = await tempDir();
  const r = await runCli(
    [
      "routes",
      "explain",
      "--stack",
      "flows/relax_all.ts::main,lib/relax.ts::relax",
      "--stack",
      "flows/other.ts::main,lib/relax.ts::relax",
      "--stack",
      "flows/other.ts::main,lib/relax.ts::fit",
    ],
    tmp.path,
    { env: ENV },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  await assertGolden("routes_explain", r.stdout);
});

Deno.test("main() explains label routing and ties when running routes explain --label", async () => {
  await using tmp = await tempDir();
  const env = {
    DROVER_REMOTE_INFO: JSON.stringify({
      ...REMOTE_INFO,
      "flows/relax_all.ts::*,lib/relax.ts::relax": { system: "a" },
      "*::run,lib/relax.ts::relax": { system: "b" },
    }),
  };
  const args = ["routes", "explain", "--stack", "flows/relax_all.ts::main,lib/relax.ts::relax"];
  const labelled = await runCli([...args, "--label", "gpu"], tmp.path, { env });
  assert.equal(labelled.code, 0, labelled.stderr);
  assert.match(labelled.stdout, /^ {2}runs on system "gpu-cluster" by key "gpu"$/m);
  const tied = await runCli(
    args.slice(0, 3).concat("flows/relax_all.ts::run,lib/relax.ts::relax"),
    tmp.path,
    { env },
  );
  assert.match(
    tied.stdout,
    /^ {2}not routed: keys "flows\/relax_all.ts::\*,lib\/relax.ts::relax" and "\*::run,lib\/relax.ts::relax" match equally well/m,
  );
  await assertGolden("routes_explain_tie", tied.stdout);
});

Deno.test("main() prints the source and every explanation when running routes explain --json", async () => {
  await using tmp = await tempDir();
  await Deno.writeTextFile(join(tmp.path, "routes.json"), JSON.stringify(REMOTE_INFO));
  const r = await runCli(
    ["routes", "explain", "--json", "--stack", "flows/relax_all.ts::main,lib/relax.ts::relax"],
    tmp.path,
    { env: { DROVER_REMOTE_INFO: "routes.json" } },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.source, '"<TMP>/routes.json" (named by DROVER_REMOTE_INFO)');
  assert.equal(out.calls[0].chosen, "flows/relax_all.ts::main,lib/relax.ts::relax");
  assert.equal(out.calls[0].system, "hpc");
  await assertGolden("routes_explain_json", r.stdout);
});

Deno.test("main() exits 1 naming the variable when DROVER_REMOTE_INFO is unset or bad", async () => {
  const args = ["routes", "explain", "--stack", "a.ts::main,b.ts::f"];
  const unset = await runCli(args, "/");
  assert.equal(unset.code, 1);
  assert.equal(
    unset.stderr,
    "drover: Cannot explain routes: DROVER_REMOTE_INFO is not set, so every call runs locally\n",
  );
  const bad = await runCli(args, "/", {
    env: { DROVER_REMOTE_INFO: '{"gpu": {"system": "x", "sytem": "x"}}' },
  });
  assert.equal(bad.code, 1);
  assert.equal(
    bad.stderr,
    "drover: Cannot read remote info from DROVER_REMOTE_INFO: gpu.sytem is not a known setting " +
      "(expected one of system, jobName, resources, inputsPerJob, targetElementTime, inputFiles, env, setup, maxRestarts)\n",
  );
});

Deno.test("main() exits 2 with one line when routes explain gets no call or a bad --stack", async () => {
  const none = await runCli(["routes", "explain"], "/", { env: ENV });
  assert.equal(none.code, 2);
  assert.equal(
    none.stderr,
    'drover: Cannot explain routes: no call given; pass --stack "file.ts::function,...,step-file.ts::step"\n',
  );
  const bad = await runCli(["routes", "explain", "--stack", "relax_all.ts"], "/", { env: ENV });
  assert.equal(bad.code, 2);
  assert.equal(
    bad.stderr,
    "drover: option '--stack <frames>' argument 'relax_all.ts' is invalid. Cannot parse stack " +
      '"relax_all.ts": "relax_all.ts" is not file::function (a file and a function name, no ' +
      'wildcards); see "drover routes explain --help"\n',
  );
  const both = await runCli(["routes", "explain", "--script", "a.ts", "--stack", "a.ts::f"], "/", {
    env: ENV,
  });
  assert.equal(both.code, 2);
  assert.equal(both.stderr, "drover: Cannot explain routes: give --stack or --script, not both\n");
});

Deno.test("main() explains the call sites of the script's newest run when running routes explain --script", async () => {
  await using fx = await seededProject();
  {
    using store = fx.open();
    // Run 1 is flows/relax_all.ts; run 4, newer, is flows/score.ts.
    for (
      const [runId, step, fn] of [[1, "relax", "main"], [1, "relax", "retry"], [
        4,
        "score",
        "main",
      ]] as const
    ) {
      store.jobs.putCallSite({
        runId,
        step,
        stepFile: `${fx.dir}/lib/relax.ts`,
        frames: [{ file: `${fx.dir}/flows/relax_all.ts`, function: fn, line: 12, column: 3 }],
        ...(fn === "retry" ? { label: "gpu" } : {}),
      });
    }
  }
  const r = await runCli(["routes", "explain", "--script", "flows/relax_all.ts"], fx.dir, {
    env: ENV,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  await assertGolden("routes_explain_script", r.stdout);
  const json = await runCli(
    ["routes", "explain", "--script", `${fx.dir}/flows/relax_all.ts`, "--json"],
    "/",
    { env: { ...ENV, DROVER_PROJECT: fx.dir } },
  );
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(
    JSON.parse(json.stdout).calls.map((c: { system: string | null; label: string | null }) => [
      c.label,
      c.system,
    ]),
    [[null, "hpc"], ["gpu", "gpu-cluster"]],
  );
});

Deno.test("main() exits 1 in one line when routes explain --script finds no run or no call sites", async () => {
  await using fx = await seededProject();
  const none = await runCli(["routes", "explain", "--script", "flows/never.ts"], fx.dir, {
    env: ENV,
  });
  assert.equal(none.code, 1);
  assert.equal(
    none.stderr,
    'drover: Cannot explain the routes of "flows/never.ts": no run of it is recorded in this store\n',
  );
  const empty = await runCli(["routes", "explain", "--script", "flows/score.ts"], fx.dir, {
    env: ENV,
  });
  assert.equal(empty.code, 1);
  assert.equal(
    empty.stderr,
    'drover: Cannot explain the routes of "flows/score.ts": its newest run (run 4) recorded no routed step calls (it ran without remote info, or called no steps)\n',
  );
  const label = await runCli(
    ["routes", "explain", "--script", "flows/score.ts", "--label", "gpu"],
    fx.dir,
    { env: ENV },
  );
  assert.equal(label.code, 2);
});

Deno.test("main() prints the options of routes explain when running routes explain --help", async () => {
  const r = await runCli(["routes", "explain", "--help"], "/");
  assert.equal(r.code, 0);
  await assertGolden("help_routes_explain", r.stdout);
});

Deno.test("explainCalls() explains a list of recorded calls when given them directly", () => {
  const info = parseRemoteInfo(REMOTE_INFO);
  const calls = [
    callFromStackText("flows/relax_all.ts::main,lib/relax.ts::relax", "/p"),
    { ...callFromStackText("x.ts::main,lib/relax.ts::relax", "/p"), label: "gpu" },
    { stack: [], stepName: "fit" },
  ];
  const explained = explainCalls(info, calls, "/p");
  assert.deepEqual(explained.map((c) => [c.step, c.stepFile, c.label, c.system]), [
    ["relax", "lib/relax.ts", null, "hpc"],
    ["relax", "lib/relax.ts", "gpu", "gpu-cluster"],
    ["fit", null, null, undefined],
  ]);
});
