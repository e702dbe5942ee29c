import assert from "node:assert/strict";
import { dirname } from "node:path";
import { encode, sha256Hex } from "../../lib/codec/mod.ts";
import {
  bundleCommand,
  BundleError,
  bundleStepModule,
  jobDir,
  jobDirLayout,
  manifestPath,
  objectPath,
  outcomesByKey,
  parseCallLog,
  WARM_ONLY_VARIABLE,
} from "../../lib/runtime/mod.ts";
import { writeProjectConfig } from "../_helpers/project.ts";
import { REPO_ROOT, tempDir } from "../_helpers/temp.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);
const decoder = new TextDecoder();

async function run(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

async function writeFile(path: string, bytes: Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeFile(path, bytes);
}

Deno.test("bundleStepModule() makes a bundle that runs a job anywhere and never its main block", async () => {
  await using tmp = await tempDir();
  const project = `${tmp.path}/project`;
  await Deno.mkdir(`${project}/flows`, { recursive: true });
  await writeProjectConfig(project);
  // The module sits below the project: its deno.json is found by walking up.
  await Deno.copyFile(new URL("job_workflow.ts", FIXTURES), `${project}/flows/workflow.ts`);
  const bundle = await bundleStepModule(`${project}/flows/workflow.ts`, { cacheDir: false });
  assert.equal(bundle.hash, sha256Hex(bundle.bytes));
  const source = decoder.decode(bundle.bytes);
  assert.ok(source.includes("main block ran"), "the main block is in the bundle");
  assert.ok(source.includes('import("npm:typescript@^5.9.0")'), "typescript stays external");
  assert.ok(bundle.bytes.length < 2_000_000, `${bundle.bytes.length} bytes`);

  // Stage a job of one call by hand and run its element elsewhere, with no config.
  const runDir = `${tmp.path}/R`;
  const dir = jobDir(runDir, "j");
  const inputs = encode({ x: 3 }, { root: "args" });
  const key = sha256Hex(new TextEncoder().encode("call"));
  const bundleFile = objectPath(runDir, bundle.hash);
  await writeFile(bundleFile, bundle.bytes);
  await writeFile(objectPath(runDir, sha256Hex(inputs)), inputs);
  const manifest = {
    format: 1,
    step: "job-square",
    bundle: bundle.hash,
    elements: [[{ key, inputs: sha256Hex(inputs) }]],
  };
  await writeFile(manifestPath(dir), new TextEncoder().encode(JSON.stringify(manifest)));
  const logFile = `${tmp.path}/calls.log`;
  const job = { DROVER_RUNDIR: runDir, DROVER_JOB_DIR: dir, DROVER_ARRAY_INDEX: "0" };
  const args = ["run", "-A", "--no-config", "--no-lock", bundleFile];
  const out = await run(args, { cwd: tmp.path, env: { ...job, JOB_TEST_LOG: logFile } });
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, "user output 3\n");
  // The module was loaded and its step ran, yet its `if (import.meta.main)` block did not.
  assert.equal(await Deno.readTextFile(logFile), "job-square 3\n");
  const log = parseCallLog(await Deno.readFile(jobDirLayout(dir).callLog(0)));
  assert.equal(outcomesByKey(log.records).get(key)?.ok, true);

  // Without a job's environment the runner stops at once and says why on stderr.
  const bare = await run(args, { cwd: tmp.path });
  assert.equal(bare.code, 3);
  assert.equal(bare.stdout, "");
  assert.equal(
    bare.stderr,
    "drover job: Cannot start the job element: DROVER_RUNDIR is required: an absolute path\n",
  );

  // A warm-up only loads the bundle (its code cache is written) and exits quietly.
  const warm = await run(bundleCommand("deno", bundleFile).slice(1), {
    cwd: tmp.path,
    env: { [WARM_ONLY_VARIABLE]: "1" },
  });
  assert.deepEqual(warm, { code: 0, stdout: "", stderr: "" });
});

Deno.test("bundleStepModule() returns the bundle made before for the same module in one process", async () => {
  await using tmp = await tempDir();
  await writeProjectConfig(tmp.path);
  await Deno.writeTextFile(
    `${tmp.path}/w.ts`,
    'import { step } from "drover";\nstep("b-one", () => 1);\n',
  );
  const [a, b] = await Promise.all([
    bundleStepModule(`${tmp.path}/w.ts`, { cacheDir: false }),
    bundleStepModule(`${tmp.path}/w.ts`, { cacheDir: false }),
  ]);
  assert.equal(a, b);
  assert.equal(await bundleStepModule(`file://${tmp.path}/w.ts`, { cacheDir: false }), a);
});

Deno.test("bundleStepModule() reuses a cached bundle in another process until a local file changes", async () => {
  await using tmp = await tempDir();
  const cache = `${tmp.path}/cache`;
  await writeProjectConfig(tmp.path);
  await Deno.writeTextFile(`${tmp.path}/helper.ts`, "export const k = 1;\n");
  await Deno.writeTextFile(
    `${tmp.path}/w.ts`,
    'import { step } from "drover";\nimport { k } from "./helper.ts";\nstep("b-k", () => k);\n',
  );
  const first = await bundleStepModule(`${tmp.path}/w.ts`, { cacheDir: cache });
  const bundles = () =>
    [...Deno.readDirSync(cache)].filter((e) => e.isFile).map((e) => e.name)
      .filter((n) => n.endsWith(".js"));
  const entries = bundles();
  assert.equal(entries.length, 1);
  assert.deepEqual(await Deno.readFile(`${cache}/${entries[0]}`), first.bytes);
  // The source map and the bundle are kept by the bundle's hash, for stacks from jobs.
  const map = JSON.parse(await Deno.readTextFile(`${cache}/maps/${first.hash}.map`));
  assert.ok(map.sources.includes(`file://${tmp.path}/w.ts`), map.sources.join(" "));
  assert.deepEqual(await Deno.readFile(`${cache}/maps/${first.hash}.js`), first.bytes);

  // Mark the cached copy: a process that prints its hash took the bundle from the cache.
  const marked = new Uint8Array([...new TextEncoder().encode("// cached\n"), ...first.bytes]);
  await Deno.writeFile(`${cache}/${entries[0]}`, marked);
  const once = [
    "run",
    "-A",
    `--config=${REPO_ROOT}/deno.json`,
    `${FIXTURES.pathname}bundle_once.ts`,
  ];
  const cached = await run([...once, `${tmp.path}/w.ts`, cache], { cwd: tmp.path });
  assert.equal(cached.code, 0, cached.stderr);
  assert.equal(cached.stdout.trim(), sha256Hex(marked));

  await Deno.writeTextFile(`${tmp.path}/helper.ts`, "export const k = 2;\n");
  const edited = await run([...once, `${tmp.path}/w.ts`, cache], { cwd: tmp.path });
  assert.equal(edited.code, 0, edited.stderr);
  assert.notEqual(edited.stdout.trim(), sha256Hex(marked));
  assert.notEqual(edited.stdout.trim(), first.hash);
  assert.equal(bundles().length, 2);
});

Deno.test("bundleStepModule() takes the remembered graph's bundle while no local file changed", async () => {
  await using tmp = await tempDir();
  const cache = `${tmp.path}/cache`;
  await writeProjectConfig(tmp.path);
  await Deno.writeTextFile(`${tmp.path}/helper.ts`, "export const k = 1;\n");
  await Deno.writeTextFile(
    `${tmp.path}/w.ts`,
    'import { step } from "drover";\nimport { k } from "./helper.ts";\nstep("b-m", () => k);\n',
  );
  await bundleStepModule(`${tmp.path}/w.ts`, { cacheDir: cache });
  const [memo] = [...Deno.readDirSync(`${cache}/graphs`)].map((e) => e.name);
  // Point the remembered graph at a planted bundle: a process that returns it skipped
  // `deno info` (which would compute the real key).
  const path = `${cache}/graphs/${memo}`;
  const remembered = JSON.parse(await Deno.readTextFile(path));
  const planted = new TextEncoder().encode("// planted\n");
  await Deno.writeFile(`${cache}/${"0".repeat(64)}.js`, planted);
  await Deno.writeTextFile(path, JSON.stringify({ ...remembered, key: "0".repeat(64) }));
  const once = [
    "run",
    "-A",
    `--config=${REPO_ROOT}/deno.json`,
    `${FIXTURES.pathname}bundle_once.ts`,
  ];
  const recalled = await run([...once, `${tmp.path}/w.ts`, cache], { cwd: tmp.path });
  assert.equal(recalled.code, 0, recalled.stderr);
  assert.equal(recalled.stdout.trim(), sha256Hex(planted));

  // A changed helper (same size) makes the remembered graph stale.
  await Deno.writeTextFile(`${tmp.path}/helper.ts`, "export const k = 2;\n");
  const edited = await run([...once, `${tmp.path}/w.ts`, cache], { cwd: tmp.path });
  assert.equal(edited.code, 0, edited.stderr);
  assert.notEqual(edited.stdout.trim(), sha256Hex(planted));
});

Deno.test("bundleStepModule() throws BundleError with deno's message when the module does not parse", async () => {
  await using tmp = await tempDir();
  await writeProjectConfig(tmp.path);
  const module = `${tmp.path}/broken.ts`;
  await Deno.writeTextFile(module, "export const x = ;\n");
  await assert.rejects(
    () => bundleStepModule(module, { cacheDir: false }),
    (e: unknown) => {
      assert.ok(e instanceof BundleError);
      assert.match(
        e.message,
        new RegExp(`^Cannot bundle "${module}" for jobs: .*Expression expected`),
      );
      assert.equal(e.module, module);
      assert.equal(e.command[0], Deno.execPath());
      assert.equal(e.command[1], "bundle");
      assert.ok(e.command.includes(`--config=${tmp.path}/deno.json`));
      assert.ok(e.command.includes("--external=typescript"));
      assert.match(e.stderr, /broken\.ts:1:/);
      assert.equal(e.exitCode, 1);
      return true;
    },
  );
});

Deno.test("bundleStepModule() throws BundleError when the bundle would import an external eagerly", async () => {
  await using tmp = await tempDir();
  await writeProjectConfig(tmp.path);
  const module = `${tmp.path}/eager.ts`;
  await Deno.writeTextFile(
    module,
    'import { Client } from "ssh2";\nexport const client = Client;\n',
  );
  await assert.rejects(() => bundleStepModule(module, { cacheDir: false }), {
    name: "BundleError",
    message: `Cannot bundle "${module}" for jobs: the bundle imports "ssh2" statically, so it ` +
      'could not start on a node without it; drover and the module must load "ssh2" with import()',
  });
});

Deno.test("bundleStepModule() throws BundleError naming an npm: external the bundle imports eagerly", async () => {
  await using tmp = await tempDir();
  await writeProjectConfig(tmp.path);
  const module = `${tmp.path}/eager.ts`;
  await Deno.writeTextFile(
    module,
    'import { Client } from "npm:ssh2@^1.17.0";\nexport const client = Client;\n',
  );
  await assert.rejects(() => bundleStepModule(module, { cacheDir: false }), {
    name: "BundleError",
    message: new RegExp(
      `^Cannot bundle "${module}" for jobs: the bundle imports "npm:ssh2@\\^1\\.17\\.0" statically`,
    ),
  });
});

Deno.test("bundleStepModule() rejects with the signal's reason when aborted before it starts", async () => {
  const controller = new AbortController();
  controller.abort(new DOMException("stop", "AbortError"));
  await assert.rejects(
    () => bundleStepModule("/nowhere/w.ts", { signal: controller.signal, cacheDir: false }),
    { name: "AbortError", message: "stop" },
  );
});
