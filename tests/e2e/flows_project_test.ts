/**
 * Flow runs from a project outside the checkout, through real processes: `flow.submit()`
 * from a script that exits at once while a detached worker runs the flow, `drover flows
 * progress` from another process seeing it live, `flows graph --format svg` through real
 * Graphviz, and kill -9 of a running `drover flows run` then `drover flows resume` with no
 * call run twice (counted by the steps' side effects).
 */
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { REPO_ROOT, tempDir } from "../_helpers/temp.ts";
import { remoteProject } from "./_remote_project.ts";

const decoder = new TextDecoder();
const CLI = `${REPO_ROOT}/cli.ts`;

interface Out {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function deno(
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
): Promise<Out> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...args],
    cwd,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DROVER_PROGRESS: "off", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** A project with the counted flow, importing drover by file URL, and an empty store. */
async function project(dir: string): Promise<void> {
  const src = await Deno.readTextFile(`${REPO_ROOT}/tests/flow/fixtures/counted_flow.ts`);
  const mod = pathToFileURL(`${REPO_ROOT}/mod.ts`).href;
  await Deno.writeTextFile(`${dir}/flow.ts`, src.replace('"../../../mod.ts"', JSON.stringify(mod)));
  await Deno.mkdir(`${dir}/.drover`);
}

interface Progress {
  run: { state: string; counts: { ok: number } };
  steps: { step: string; state: string; ok: number; total: number }[];
}

async function progress(id: number, cwd: string, env: Record<string, string>): Promise<Progress> {
  const p = await tryProgress(id, cwd, env);
  assert.ok(p, `flow run ${id} is recorded`);
  return p;
}

/** The run's progress, or undefined while it is not recorded yet. */
async function tryProgress(
  id: number,
  cwd: string,
  env: Record<string, string>,
): Promise<Progress | undefined> {
  const r = await deno(["run", "-A", CLI, "flows", "progress", String(id), "--json"], cwd, env);
  if (r.code === 1 && /no flow run has this id/.test(r.stderr)) return undefined;
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function counts(file: string): Record<string, number> {
  const m: Record<string, number> = {};
  for (const line of Deno.readTextFileSync(file).split("\n").filter(Boolean)) {
    m[line] = (m[line] ?? 0) + 1;
  }
  return m;
}

/** Polls (each poll is a new CLI process, so no timer is needed) until `done` says so. */
async function pollUntil(
  id: number,
  cwd: string,
  env: Record<string, string>,
  done: (p: Progress) => boolean,
  seen: Progress[] = [],
  limit = 120,
): Promise<Progress> {
  for (let i = 0; i < limit; i++) {
    const p = await tryProgress(id, cwd, env);
    if (p === undefined) continue;
    seen.push(p);
    if (done(p)) return p;
  }
  throw new Error(`flow run ${id} did not get there: ${JSON.stringify(seen.at(-1))}`);
}

const WORK = "fs-fixture.work";
const hasDot = new Deno.Command("sh", { args: ["-c", "command -v dot"] }).outputSync().success;

Deno.test("flow.submit() returns at once; the detached run is seen live from another process, and drawn as svg", async () => {
  await using tmp = await tempDir("drover-flows-project-");
  await project(tmp.path);
  const env = { FLOW_COUNT_FILE: `${tmp.path}/count` };
  const submitted = await deno(["run", "-A", "flow.ts", "6", "1200"], tmp.path, env);
  assert.equal(submitted.code, 0, submitted.stderr);
  const id = Number(submitted.stdout.trim());
  assert.ok(id >= 1, submitted.stdout);
  const seen: Progress[] = [];
  const end = await pollUntil(
    id,
    tmp.path,
    env,
    (p) => !["pending", "running"].includes(p.run.state),
    seen,
  );
  assert.equal(end.run.state, "succeeded", JSON.stringify(end));
  const live = seen.filter((p) => p.run.state === "running");
  assert.ok(live.length > 0, "the run was seen running from another process");
  assert.ok(
    live.some((p) => {
      const w = p.steps.find((s) => s.step === WORK)!;
      return w.state === "running" && w.ok > 0 && w.ok < 6;
    }),
    `live element counts were seen: ${JSON.stringify(live.map((p) => p.steps[1]))}`,
  );
  assert.deepEqual(end.steps.map((s) => [s.state, s.ok, s.total]), [
    ["succeeded", 1, 1],
    ["succeeded", 6, 6],
    ["succeeded", 1, 1],
  ]);
  const c = counts(env.FLOW_COUNT_FILE);
  assert.deepEqual(Object.values(c), Object.keys(c).map(() => 1), JSON.stringify(c));

  const log = await deno(["run", "-A", CLI, "flows", "log", String(id)], tmp.path, env);
  assert.match(log.stdout, /step fs-fixture\.work started \(6 calls\)/);
  const ls = await deno(["run", "-A", CLI, "flows", "ls"], tmp.path, env);
  assert.match(ls.stdout, new RegExp(`^\\s*${id}\\s+succeeded\\s+counted\\s`, "m"));
  assert.match(ls.stdout, /submit {2}flow\.ts#countedFlow$/m);

  const draw = (path: string) =>
    deno(
      ["run", "-A", CLI, "flows", "graph", String(id), "--format", "svg", "-o", "g.svg"],
      tmp.path,
      { ...env, PATH: path },
    );
  const absent = await draw("/nonexistent");
  assert.equal(absent.code, 1);
  assert.match(absent.stderr, /^drover: .*"dot" is not installed; install the graphviz package/);
  assert.equal(absent.stderr.trim().split("\n").length, 1, "one line");
  assert.ok(hasDot, "Graphviz's dot is installed (apt-get install graphviz; .ci/run does)");
  const svg = await draw(Deno.env.get("PATH")!);
  assert.equal(svg.code, 0, svg.stderr);
  const text = await Deno.readTextFile(`${tmp.path}/g.svg`);
  assert.match(text, /<title>counted<\/title>/);
  assert.match(text, />fs(-|&#45;)fixture\.work</);
});

Deno.test("kill -9 of a running `drover flows run`, then `drover flows resume` finishes it with no call run twice", async () => {
  await using tmp = await tempDir("drover-flows-kill-");
  await project(tmp.path);
  const env = { FLOW_COUNT_FILE: `${tmp.path}/count` };
  await Deno.writeTextFile(`${tmp.path}/inputs.json`, JSON.stringify({ n: 6, delay_ms: 1500 }));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "flows", "run", "flow.ts#countedFlow", "--inputs", "inputs.json"],
    cwd: tmp.path,
    env: { NO_COLOR: "1", DROVER_PROGRESS: "off", ...env },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let killed = false;
  try {
    const mid = await pollUntil(1, tmp.path, env, (p) => {
      const w = p.steps.find((s) => s.step === WORK);
      return p.run.state !== "pending" && w !== undefined && w.ok >= 1;
    });
    assert.equal(mid.run.state, "running", "killed while running");
    child.kill("SIGKILL");
    killed = true;
  } finally {
    if (!killed) child.kill("SIGKILL");
    await child.status;
  }
  const before = counts(env.FLOW_COUNT_FILE);
  assert.ok((before["work 5"] ?? 0) === 0, `killed before the end: ${JSON.stringify(before)}`);
  const interrupted = await progress(1, tmp.path, env);
  assert.equal(interrupted.run.state, "interrupted");

  const resumed = await deno(["run", "-A", CLI, "flows", "resume", "1"], tmp.path, env);
  assert.equal(resumed.code, 0, resumed.stderr);
  const after = counts(env.FLOW_COUNT_FILE);
  assert.deepEqual(after, {
    grid: 1,
    "work 0": 1,
    "work 1": 1,
    "work 2": 1,
    "work 3": 1,
    "work 4": 1,
    "work 5": 1,
    total: 1,
  });
  const end = await progress(1, tmp.path, env);
  assert.equal(end.run.state, "succeeded");
  assert.equal(end.run.counts.ok, 8);
});

Deno.test("a routed flow run's log names the jobs that ran its elements (local scheduler)", async () => {
  await using p = await remoteProject("");
  await Deno.copyFile(
    `${REPO_ROOT}/tests/e2e/fixtures/flow_workflow.ts`,
    `${p.path}/flow_workflow.ts`,
  );
  const route = { "flow-work": { system: "here", inputsPerJob: 1, maxRestarts: 0 } };
  const r = await p.run("flow_workflow.ts", { route, env: { MARKER: `${p.path}/marker` } });
  assert.equal(r.code, 0, r.stderr);
  const log = await deno(["run", "-A", CLI, "flows", "log", "1"], p.path, p.env);
  assert.equal(log.code, 0, log.stderr);
  const jobs = log.stdout.split("\n").filter((l) => l.includes("submitted as job"));
  assert.equal(jobs.length, 2, log.stdout);
  assert.match(jobs[0], /step e2e\.flow_work submitted as job \S+ on here .*: 5 elements$/);
  assert.match(jobs[1], /: 1 element, attempt 2$/);
  assert.match(log.stdout, /step e2e\.flow_prep element \[2\] failed: x = 2 is not allowed/);
});

Deno.test("drover flows run --detach prints the run id at once and the run finishes in the background", async () => {
  await using tmp = await tempDir("drover-flows-detach-");
  await project(tmp.path);
  const env = { FLOW_COUNT_FILE: `${tmp.path}/count` };
  await Deno.writeTextFile(`${tmp.path}/inputs.yaml`, "n: 3\n");
  const r = await deno(
    [
      "run",
      "-A",
      CLI,
      "flows",
      "run",
      "flow.ts#countedFlow",
      "--inputs",
      "inputs.yaml",
      "--detach",
    ],
    tmp.path,
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^flow run 1 started in process \d+; see drover flows progress 1\n$/);
  const end = await pollUntil(
    1,
    tmp.path,
    env,
    (p) => !["pending", "running"].includes(p.run.state),
  );
  assert.equal(end.run.state, "succeeded");
  assert.deepEqual(counts(env.FLOW_COUNT_FILE), {
    grid: 1,
    "work 0": 1,
    "work 1": 1,
    "work 2": 1,
    total: 1,
  });
  const log = await Deno.readTextFile(`${tmp.path}/.drover/flow-runs/1.log`);
  assert.match(log, /fs-fixture\.work\s+succeeded\s+3\s+0\s+0\s+3/, "the worker's output is kept");
});
