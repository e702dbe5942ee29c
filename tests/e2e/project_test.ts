/**
 * drover in a user's own project, OUTSIDE this checkout (a temp directory): imported by
 * path, by file URL and as a linked package, each with a call routed to a job (so the job
 * bundle resolves too); and the README's "Use drover in your own project" commands run
 * as written: the installed `drover`, `drover init`, its example workflow, `deno task
 * drover`. No run may print Deno's warning box.
 */
import assert from "node:assert/strict";
import { dirname, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT, tempDir } from "../_helpers/temp.ts";

const decoder = new TextDecoder();

/** Deno's box (e.g. "Ignored build scripts for packages"), or any warning of its own. */
function assertNoWarningBox(stderr: string, what: string): void {
  assert.doesNotMatch(stderr, /╭|Warning|Ignored build scripts/, `${what}:\n${stderr}`);
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<Run> {
  const out = await new Deno.Command(command, {
    args: [...args],
    cwd,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DROVER_PROGRESS: "off", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

async function deno(
  args: readonly string[],
  cwd: string,
  env?: Record<string, string>,
): Promise<Run> {
  const r = await run(Deno.execPath(), args, cwd, env);
  assert.equal(r.code, 0, `deno ${args.join(" ")}:\n${r.stderr}`);
  assertNoWarningBox(r.stderr, `deno ${args.join(" ")}`);
  return r;
}

interface InfoDependency {
  readonly specifier: string;
  readonly code?: { readonly error?: string };
  readonly type?: { readonly error?: string };
}

Deno.test("drover's module graphs resolve with no config, so no import map is needed", async () => {
  await using tmp = await tempDir("drover-project-");
  const unresolved: string[] = [];
  // The library, the command, and the job runner every job bundle starts from.
  for (const entry of ["mod.ts", "cli.ts", "lib/runtime/job_main.ts"]) {
    const r = await deno(["info", "--json", "--no-config", `${REPO_ROOT}/${entry}`], tmp.path);
    const info = JSON.parse(r.stdout) as {
      modules: { specifier: string; dependencies?: InfoDependency[] }[];
    };
    for (const m of info.modules) {
      for (const d of m.dependencies ?? []) {
        const error = d.code?.error ?? d.type?.error;
        if (error) {
          unresolved.push(`${relative(REPO_ROOT, new URL(m.specifier).pathname)}: ${error}`);
        }
      }
    }
  }
  assert.deepEqual([...new Set(unresolved)], [], "pin them with: sh scripts/pin_imports.sh");
});

/** A workflow whose step says where it ran: "here" or in a "job". */
function flow(droverSpecifier: string): string {
  return [
    `import { map, step } from ${JSON.stringify(droverSpecifier)};`,
    "",
    'export const sq = step("sq", ({ x }: { x: number }) => ({',
    "  y: x * x,",
    '  where: Deno.env.get("DROVER_JOB_DIR") ? "job" : "here",',
    "}));",
    "",
    "if (import.meta.main) {",
    "  const result = await map(sq, Deno.args.map((x) => ({ x: Number(x) })));",
    '  console.log(result.unwrap().map((v) => `${v.y}@${v.where}`).join(" "));',
    "}",
    "",
  ].join("\n");
}

/** Runs flow.ts of `dir` here, then routed to a local-scheduler system (a job bundle). */
async function assertFlowRuns(dir: string): Promise<void> {
  await Deno.writeTextFile(
    `${dir}/drover.yaml`,
    `systems:\n  here: { scheduler: local, rundir: ${dir}/runs, pollMs: 20 }\n`,
  );
  const local = await deno(["run", "-A", "flow.ts", "2", "3"], dir);
  assert.equal(local.stdout, "4@here 9@here\n");
  const route = { "flow.ts::sq": { system: "here", inputsPerJob: 2 } };
  const routed = await deno(["run", "-A", "flow.ts", "4", "5", "3"], dir, {
    DROVER_REMOTE_INFO: JSON.stringify(route),
  });
  assert.equal(routed.stdout, "16@job 25@job 9@here\n", "new calls ran in a job, 9 was cached");
}

Deno.test("a project outside the checkout imports drover by relative path with no config", async () => {
  await using tmp = await tempDir("drover-project-");
  const rel = relative(tmp.path, REPO_ROOT);
  await Deno.writeTextFile(`${tmp.path}/flow.ts`, flow(`${rel}/mod.ts`));
  await assertFlowRuns(tmp.path);
  assert.deepEqual([...Deno.readDirSync(tmp.path)].map((e) => e.name).sort(), [
    ".drover",
    "drover.yaml",
    "flow.ts",
    "runs",
  ]);
});

Deno.test("a project outside the checkout imports drover by file URL with no config", async () => {
  await using tmp = await tempDir("drover-project-");
  await Deno.writeTextFile(`${tmp.path}/flow.ts`, flow(pathToFileURL(`${REPO_ROOT}/mod.ts`).href));
  await assertFlowRuns(tmp.path);
});

Deno.test("a project outside the checkout links drover as a local package", async () => {
  await using tmp = await tempDir("drover-project-");
  // What a user writes, and nothing about drover's own dependencies.
  const config = {
    links: [REPO_ROOT],
    imports: { drover: "jsr:@drover/drover@^0.1" },
  };
  await Deno.writeTextFile(`${tmp.path}/deno.json`, JSON.stringify(config, null, 2));
  await Deno.writeTextFile(`${tmp.path}/flow.ts`, flow("drover"));
  await assertFlowRuns(tmp.path);
  const lock = JSON.parse(await Deno.readTextFile(`${tmp.path}/deno.lock`));
  assert.ok(lock.workspace.links["jsr:@drover/drover@0.1.0"], "resolved through the link");
});

/** The sh blocks of the README's "Use drover in your own project" section. */
async function readmeBlocks(): Promise<string[]> {
  const readme = await Deno.readTextFile(`${REPO_ROOT}/README.md`);
  const start = readme.indexOf("\n## Use drover in your own project\n");
  assert.ok(start >= 0, "README has the section");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

Deno.test("the README's own-project commands work as written, with the installed drover", async () => {
  await using tmp = await tempDir("drover-project-");
  const info = JSON.parse((await deno(["info", "--json"], tmp.path)).stdout);
  const home = `${tmp.path}/home`;
  await Deno.mkdir(home);
  // A private HOME (~/.drover-runs of the generated drover.yaml), the real Deno cache, and
  // the installed command first on PATH.
  const env = {
    HOME: home,
    DENO_DIR: info.denoDir as string,
    DENO_INSTALL_ROOT: `${tmp.path}/install`,
    PATH: `${tmp.path}/install/bin:${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? ""}`,
  };
  const [setup, remote] = (await readmeBlocks()).map((b) =>
    b.replaceAll("~/src/drover", REPO_ROOT)
  );
  assert.ok(setup && remote, "two sh blocks");

  const first = await run("sh", ["-ec", setup], tmp.path, env);
  assert.equal(first.code, 0, first.stderr);
  assertNoWarningBox(first.stderr, "README block 1");
  const lines = first.stdout.split("\n");
  assert.equal(lines.filter((l) => l === "1 4 9 16").length, 2, first.stdout);
  assert.equal(
    lines.filter((l) => /^square\s+[0-9a-f]{12}\s+"1"\s+4\s+0\s+0\s+4$/.test(l)).length,
    2,
    `drover status and deno task drover status:\n${first.stdout}`,
  );
  assert.ok(Deno.statSync(`${tmp.path}/myproject/.drover/drover.db`).isFile);

  // The installed command finds the project's store from a subdirectory.
  await Deno.mkdir(`${tmp.path}/myproject/results/deep`, { recursive: true });
  const status = await run("drover", ["status"], `${tmp.path}/myproject/results/deep`, env);
  assert.equal(status.code, 0, status.stderr);
  assert.equal(status.stderr, "");
  assert.match(status.stdout, /^square\s+[0-9a-f]{12}\s+"1"\s+4\s+0\s+0\s+4$/m);

  const second = await run("sh", ["-ec", remote], tmp.path, env);
  assert.equal(second.code, 0, second.stderr);
  assertNoWarningBox(second.stderr, "README block 2");
  assert.match(second.stdout, /^1 4 9 16$/m);
  assert.match(second.stdout, /^\s*1\s+dr-square-\S+\s+local\s+\S+\s+finished\s+2\s+4\s+0\s+0\s/m);
  assert.ok(Deno.statSync(`${home}/.drover-runs`).isDirectory, "jobs ran under the private HOME");
});
