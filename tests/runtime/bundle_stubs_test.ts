import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { bundleStepModule } from "../../lib/runtime/mod.ts";
import { DRIVER_ONLY, writeBundleConfig } from "../../lib/runtime/_bundle_stubs.ts";
import { writeProjectConfig } from "../_helpers/project.ts";
import { REPO_ROOT, tempDir } from "../_helpers/temp.ts";

const decoder = new TextDecoder();

/** The npm packages whose files a bundle holds (from the bundler's path comments). */
function packagesIn(source: string): Set<string> {
  const found = new Set<string>();
  for (const m of source.matchAll(/registry\.npmjs\.org\/((?:@[^/]+\/)?[^/]+)\//g)) {
    found.add(m[1]);
  }
  return found;
}

const STEP = `import { step } from "drover";
export const square = step("stub-square", (x: number) => x * x);
`;

Deno.test("bundleStepModule() leaves drover's yaml and nunjucks out of a job bundle", async () => {
  await using tmp = await tempDir();
  await writeProjectConfig(tmp.path);
  await Deno.writeTextFile(`${tmp.path}/w.ts`, STEP);
  const bundle = await bundleStepModule(`${tmp.path}/w.ts`, { cacheDir: false });
  const packages = packagesIn(decoder.decode(bundle.bytes));
  assert.ok(packages.has("zod"), [...packages].join(", "));
  assert.ok(!packages.has("yaml"), [...packages].join(", "));
  assert.ok(!packages.has("nunjucks"), [...packages].join(", "));
  assert.ok(bundle.bytes.length < 1_100_000, `${bundle.bytes.length} bytes`);
});

Deno.test("bundleStepModule() leaves them out for a project that links drover, as drover init writes it", async () => {
  await using tmp = await tempDir();
  const config = {
    links: [relative(tmp.path, REPO_ROOT)],
    imports: { drover: "jsr:@drover/drover@^0.1" },
    allowScripts: { deny: ["npm:cpu-features"] },
  };
  await Deno.writeTextFile(`${tmp.path}/deno.json`, JSON.stringify(config));
  await Deno.writeTextFile(`${tmp.path}/w.ts`, STEP);
  const bundle = await bundleStepModule(`${tmp.path}/w.ts`, { cacheDir: false });
  const packages = packagesIn(decoder.decode(bundle.bytes));
  assert.ok(packages.has("zod"), [...packages].join(", "));
  assert.ok(!packages.has("yaml") && !packages.has("nunjucks"), [...packages].join(", "));
});

Deno.test("bundleStepModule() keeps yaml in a job bundle when the project's own module imports it", async () => {
  await using tmp = await tempDir();
  await writeProjectConfig(tmp.path);
  await Deno.writeTextFile(
    `${tmp.path}/w.ts`,
    `import { stringify } from "npm:yaml@^2.8.0";\n${STEP}export const text = stringify({ a: 1 });\n`,
  );
  const bundle = await bundleStepModule(`${tmp.path}/w.ts`, { cacheDir: false });
  const source = decoder.decode(bundle.bytes);
  assert.ok(packagesIn(source).has("yaml"));
  // The module's yaml is the real one: the bundle evaluates it at load.
  const file = `${tmp.path}/bundle.mjs`;
  await Deno.writeFile(file, bundle.bytes);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", "--no-lock", file],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  // Without a job's environment the runner stops at once, after the module graph loaded.
  assert.match(decoder.decode(out.stderr), /DROVER_RUNDIR is required/);
  assert.doesNotMatch(decoder.decode(out.stderr), /left out of job bundles/);
});

Deno.test("writeBundleConfig() stubs every name drover's lib imports from the driver-only packages", async () => {
  const imported = new Map<string, Set<string>>();
  for await (const file of walkTs(join(REPO_ROOT, "lib"))) {
    const text = await Deno.readTextFile(file);
    const re = /import\s+(?!type\b)([^;]*?)\s+from\s+"(npm:(?:yaml|nunjucks)@[^"]*)"/g;
    for (const m of text.matchAll(re)) {
      const names = imported.get(m[2]) ?? new Set<string>();
      const clause = m[1].trim();
      const head = clause.replace(/\{[^}]*\}/, "").replace(/,\s*$/, "").trim();
      if (head) names.add(head.startsWith("*") ? "*" : "default");
      for (const part of /\{([^}]*)\}/.exec(clause)?.[1].split(",") ?? []) {
        const name = part.trim().split(/\s+as\s+/)[0];
        if (name && !name.startsWith("type ")) names.add(name);
      }
      imported.set(m[2], names);
    }
  }
  assert.deepEqual([...imported.keys()].sort(), Object.keys(DRIVER_ONLY).sort());
  for (const [specifier, names] of imported) {
    for (const name of names) {
      assert.ok(DRIVER_ONLY[specifier].includes(name), `${specifier} ${name}`);
    }
  }
});

Deno.test("writeBundleConfig() declines a config it cannot derive safely, and maps relative imports", async () => {
  await using tmp = await tempDir();
  const out = `${tmp.path}/out`;
  await Deno.mkdir(out);
  const lib = new URL("../../lib/", import.meta.url).href;
  await Deno.writeTextFile(`${tmp.path}/deno.jsonc`, '// comment\n{ "imports": {} }\n');
  assert.equal(await writeBundleConfig(`${tmp.path}/deno.jsonc`, out, lib), undefined);
  await Deno.writeTextFile(`${tmp.path}/a.json`, '{ "importMap": "./map.json" }');
  assert.equal(await writeBundleConfig(`${tmp.path}/a.json`, out, lib), undefined);
  await Deno.writeTextFile(`${tmp.path}/b.json`, '{ "imports": { "x/": "./src/x/" } }');
  const path = await writeBundleConfig(`${tmp.path}/b.json`, out, lib);
  assert.equal(path, `${out}/deno.json`);
  const derived = JSON.parse(await Deno.readTextFile(path!));
  assert.equal(derived.imports["x/"], `file://${tmp.path}/src/x/`);
  assert.equal(derived.scopes[lib]["npm:yaml@^2.8.0"], `file://${out}/driver_only_stub.js`);
  assert.equal(derived.lock, false);
});

async function* walkTs(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walkTs(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}
