import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CallSite } from "../../lib/routing/call_site.ts";
import {
  type CodeIdentity,
  CodeIdentityError,
  computeCodeIdentity,
} from "../../lib/step/code_identity.ts";
import { createFixtureProject, type FixtureProject } from "./fixtures/identity_project.ts";

async function identityOf(project: FixtureProject, name = "relax"): Promise<CodeIdentity> {
  return await computeCodeIdentity(name, await project.site(name));
}

interface EditResult {
  readonly before: CodeIdentity;
  readonly after: CodeIdentity;
}

/** Computes the identity of `name`, applies one replacement in `file`, computes it again. */
async function acrossEdit(
  name: string,
  file: string,
  from: string,
  to: string,
): Promise<EditResult> {
  await using project = await createFixtureProject();
  const before = await identityOf(project, name);
  await project.replace(file, from, to);
  const after = await identityOf(project, name);
  return { before, after };
}

Deno.test("computeCodeIdentity() gives the same identity when computed twice", async () => {
  await using project = await createFixtureProject();
  const first = await identityOf(project);
  const second = await identityOf(project);
  assert.deepEqual(second, first);
  assert.match(first.hash, /^[0-9a-f]{64}$/);
});

Deno.test("computeCodeIdentity() gives the same hash when computed in another process", async () => {
  await using project = await createFixtureProject();
  const site = await project.site("relax");
  const moduleUrl = new URL("../../lib/step/code_identity.ts", import.meta.url).href;
  const script = `import { computeCodeIdentity } from ${JSON.stringify(moduleUrl)};
const id = await computeCodeIdentity("relax", ${JSON.stringify(site)});
console.log(id.hash);`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--no-lock",
      "--config",
      fileURLToPath(new URL("../../deno.json", import.meta.url)),
      script,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const local = await computeCodeIdentity("relax", site);
  assert.equal(new TextDecoder().decode(output.stdout).trim(), local.hash);
});

Deno.test("computeCodeIdentity() lists the step, its helpers, local modules and dependencies", async () => {
  await using project = await createFixtureProject();
  const identity = await identityOf(project);
  assert.deepEqual(Object.keys(identity.parts), [
    "dep:zod",
    "helper:deep.ts::deep",
    "helper:flow.ts::OFFSET",
    "helper:flow.ts::energy",
    "helper:flow.ts::inner",
    "helper:helpers.ts::scale",
    "helper:impl.ts::twice",
    "helper:more.ts::shift",
    "step",
  ]);
});

Deno.test("computeCodeIdentity() records the hash of every local file it read", async () => {
  await using project = await createFixtureProject();
  const identity = await identityOf(project);
  const expected: Record<string, string> = {};
  for (
    const file of [
      "deep.ts",
      "deno.json",
      "deno.lock",
      "flow.ts",
      "helpers.ts",
      "impl.ts",
      "more.ts",
      "reexport.ts",
    ]
  ) {
    const text = await Deno.readTextFile(project.path(file));
    expected[project.path(file)] = createHash("sha256").update(text).digest("hex");
  }
  assert.deepEqual(identity.files, expected);
});

Deno.test("computeCodeIdentity() shows the npm version from deno.lock when the step uses a package", async () => {
  await using project = await createFixtureProject();
  const identity = await identityOf(project);
  assert.equal(identity.parts["dep:zod"], "3.25.76");
});

Deno.test("computeCodeIdentity() marks built-ins and the local library when the step imports them", async () => {
  await using project = await createFixtureProject();
  const identity = await identityOf(project, "report");
  assert.deepEqual(identity.parts["dep:node:path"], "builtin");
  assert.deepEqual(identity.parts["dep:drover"], "local-library");
  assert.deepEqual(Object.keys(identity.parts), ["dep:drover", "dep:node:path", "step"]);
});

Deno.test("computeCodeIdentity() falls back to the specifier when deno.lock lacks the package", async () => {
  await using project = await createFixtureProject({ "deno.lock": "{}" });
  const identity = await identityOf(project);
  assert.equal(identity.parts["dep:zod"], "npm:zod@^3.25.0");
});

Deno.test("computeCodeIdentity() changes when the step body changes", async () => {
  const { before, after } = await acrossEdit("relax", "flow.ts", "await Promise.resolve();", "");
  assert.notEqual(after.hash, before.hash);
  assert.notEqual(after.parts.step, before.parts.step);
});

Deno.test("computeCodeIdentity() stays the same when only comments and whitespace change", async () => {
  await using project = await createFixtureProject();
  const before = await identityOf(project);
  await project.replace("flow.ts", "// converge until the force is below fmax\n", "");
  await project.replace(
    "flow.ts",
    "return inner(x) + OFFSET;",
    "/* sum */ return inner( x )+OFFSET;",
  );
  await project.replace(
    "helpers.ts",
    "  return deep(x) * 3;",
    "\n\n    return deep(x)\n      * 3; // x3",
  );
  const after = await identityOf(project);
  assert.equal(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() changes when a same-file helper the step calls changes", async () => {
  const { before, after } = await acrossEdit(
    "relax",
    "flow.ts",
    "inner(x) + OFFSET",
    "inner(x) - OFFSET",
  );
  assert.notEqual(after.hash, before.hash);
  assert.notEqual(after.parts["helper:flow.ts::energy"], before.parts["helper:flow.ts::energy"]);
});

Deno.test("computeCodeIdentity() changes when a helper of a helper changes", async () => {
  const { before, after } = await acrossEdit("relax", "flow.ts", "return x * 2;", "return x * 4;");
  assert.notEqual(after.hash, before.hash);
  assert.notEqual(after.parts["helper:flow.ts::inner"], before.parts["helper:flow.ts::inner"]);
});

Deno.test("computeCodeIdentity() changes when a top-level constant a helper uses changes", async () => {
  const { before, after } = await acrossEdit(
    "relax",
    "flow.ts",
    "const OFFSET = 1;",
    "const OFFSET = 2;",
  );
  assert.notEqual(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() changes when an imported local function changes", async () => {
  const { before, after } = await acrossEdit("relax", "helpers.ts", "deep(x) * 3", "deep(x) * 5");
  assert.notEqual(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() changes when a function the imported module calls changes", async () => {
  const { before, after } = await acrossEdit("relax", "deep.ts", "x + 1", "x + 2");
  assert.notEqual(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() changes when a function used through a renaming re-export changes", async () => {
  const { before, after } = await acrossEdit("relax", "impl.ts", "2 * x", "3 * x");
  assert.notEqual(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() changes when a function used through export * changes", async () => {
  const { before, after } = await acrossEdit("relax", "more.ts", "x - 1", "x - 2");
  assert.notEqual(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() changes when a dependency's locked version changes", async () => {
  const { before, after } = await acrossEdit("relax", "deno.lock", '"3.25.76"', '"3.25.77"');
  assert.notEqual(after.hash, before.hash);
  assert.equal(after.parts["dep:zod"], "3.25.77");
});

Deno.test("computeCodeIdentity() stays the same when the main block changes", async () => {
  const { before, after } = await acrossEdit(
    "relax",
    "flow.ts",
    "console.log(await relax({ fmax: 0.01 }),",
    "console.log(await relax({ fmax: 0.5 }),",
  );
  assert.equal(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() stays the same when another step in the file changes", async () => {
  const { before, after } = await acrossEdit(
    "relax",
    "flow.ts",
    "() => unrelated()",
    "() => unrelated() + 1",
  );
  assert.equal(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() stays the same when an unrelated function changes", async () => {
  const { before, after } = await acrossEdit(
    "relax",
    "flow.ts",
    'return "unrelated";',
    'return "changed";',
  );
  assert.equal(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() stays the same when an unused export of an imported module changes", async () => {
  const { before, after } = await acrossEdit("relax", "helpers.ts", "return 0;", "return 1;");
  assert.equal(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() works when the step is a non-exported const in the main block", async () => {
  await using project = await createFixtureProject();
  const before = await identityOf(project, "local");
  assert.deepEqual(Object.keys(before.parts), ["helper:flow.ts::inner", "step"]);
  await project.replace("flow.ts", "return x * 2;", "return x * 4;");
  const after = await identityOf(project, "local");
  assert.notEqual(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() stays the same when a type the step uses changes", async () => {
  await using project = await createFixtureProject({
    "typed.ts": `import { step } from "drover";
import type { Options } from "./types.ts";
interface Input { readonly n: number }
export const typed = step("typed", (input: Input, options?: Options) => input.n + (options?.k ?? 0));
`,
    "types.ts": "export interface Options { readonly k: number }\n",
  });
  const site = await project.site("typed", "typed.ts");
  const before = await computeCodeIdentity("typed", site);
  assert.deepEqual(Object.keys(before.parts), ["step"]);
  await project.replace(
    "typed.ts",
    "readonly n: number",
    "readonly n: number; readonly m?: string",
  );
  await project.replace(
    "types.ts",
    "readonly k: number",
    "readonly k: number; readonly j?: number",
  );
  const after = await computeCodeIdentity("typed", site);
  assert.equal(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() leaves out a top-level name when a parameter shadows it", async () => {
  await using project = await createFixtureProject({
    "shadow.ts": `import { step } from "drover";
function scale(x: number): number { return x * 2; }
export const shadow = step("shadow", (scale: number) => {
  const inner = (offset: number): number => offset + scale;
  return inner(1);
});
`,
  });
  const identity = await computeCodeIdentity("shadow", await project.site("shadow", "shadow.ts"));
  assert.deepEqual(Object.keys(identity.parts), ["step"]);
});

Deno.test("computeCodeIdentity() hashes a JSON module whole when the step uses its default import", async () => {
  await using project = await createFixtureProject({
    "data.json": '{ "cutoff": 5 }\n',
    "json.ts": `import { step } from "drover";
import data from "./data.json" with { type: "json" };
export const cut = step("cut", (x: number) => Math.min(x, data.cutoff));
`,
  });
  const site = await project.site("cut", "json.ts");
  const before = await computeCodeIdentity("cut", site);
  assert.deepEqual(Object.keys(before.parts), ["module:data.json", "step"]);
  await project.replace("data.json", "5", "6");
  const after = await computeCodeIdentity("cut", site);
  assert.notEqual(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() includes the whole module when the step uses a namespace import", async () => {
  await using project = await createFixtureProject();
  const before = await identityOf(project, "convert");
  assert.deepEqual(Object.keys(before.parts), ["module:units.ts", "step"]);
  await project.replace("units.ts", "11604.5", "11604.518");
  const after = await identityOf(project, "convert");
  assert.notEqual(after.hash, before.hash);
});

Deno.test("computeCodeIdentity() hashes the named function when the step is given by name", async () => {
  await using project = await createFixtureProject({
    "named.ts": `import { step } from "drover";
export const named = step("named", run);
async function run(x: number): Promise<number> {
  return await Promise.resolve(x);
}
`,
  });
  const site = await project.site("named", "named.ts");
  const before = await computeCodeIdentity("named", site);
  assert.deepEqual(Object.keys(before.parts), ["step"]);
  await project.replace("named.ts", "return await Promise.resolve(x);", "return x;");
  const after = await computeCodeIdentity("named", site);
  assert.notEqual(after.parts.step, before.parts.step);
});

function memoryReader(files: Readonly<Record<string, string>>): (path: string) => Promise<string> {
  return (path: string): Promise<string> =>
    path in files ? Promise.resolve(files[path]) : Promise.reject(new Deno.errors.NotFound(path));
}

Deno.test("computeCodeIdentity() picks the call at the site column when one line holds two", async () => {
  const readFile = memoryReader({
    "/p/flow.ts": 'const a = drover.step("x", () => 1), b = drover.step("x", () => 2);\n',
  });
  // V8 reports a method call at the property name: column 18 and 49 ("step").
  const first = await computeCodeIdentity("x", { file: "/p/flow.ts", line: 1, column: 18 }, {
    readFile,
  });
  const second = await computeCodeIdentity("x", { file: "/p/flow.ts", line: 1, column: 49 }, {
    readFile,
  });
  const fromStart = await computeCodeIdentity("x", { file: "/p/flow.ts", line: 1, column: 1 }, {
    readFile,
  });
  assert.notEqual(first.parts.step, second.parts.step);
  assert.equal(fromStart.parts.step, first.parts.step);
  assert.deepEqual(Object.keys(first.files), ["/p/flow.ts"]);
});

Deno.test("computeCodeIdentity() finds the call when its arguments start on later lines", async () => {
  const readFile = memoryReader({
    "/p/flow.ts":
      'const early = step("x", () => 0);\n\nexport const x = step(\n  "x",\n  () => 1,\n);\n',
  });
  const wrapped = await computeCodeIdentity("x", { file: "/p/flow.ts", line: 3, column: 18 }, {
    readFile,
  });
  const early = await computeCodeIdentity("x", { file: "/p/flow.ts", line: 1, column: 15 }, {
    readFile,
  });
  assert.notEqual(wrapped.parts.step, early.parts.step);
});

Deno.test("computeCodeIdentity() falls back to a call elsewhere in the file when the line has none", async () => {
  const readFile = memoryReader({ "/p/flow.ts": '\n\nconst x = step("x", () => 1);\n' });
  const shifted = await computeCodeIdentity("x", { file: "/p/flow.ts", line: 1, column: 1 }, {
    readFile,
  });
  const exact = await computeCodeIdentity("x", { file: "/p/flow.ts", line: 3, column: 11 }, {
    readFile,
  });
  assert.equal(shifted.hash, exact.hash);
});

Deno.test("computeCodeIdentity() throws CodeIdentityError when the step name is not in the file", async () => {
  await using project = await createFixtureProject();
  const site = await project.site("relax");
  await assert.rejects(
    () => computeCodeIdentity("missing", site),
    (error: unknown) => {
      assert.ok(error instanceof CodeIdentityError);
      assert.equal(error.file, project.path("flow.ts"));
      assert.equal(error.line, site.line);
      assert.equal(error.stepName, "missing");
      assert.equal(
        error.message,
        `Cannot compute code identity of step "missing": expected a call step("missing", <function>) at ${site.file}:${site.line}:${site.column} (found no call with that first argument)`,
      );
      return true;
    },
  );
});

Deno.test("computeCodeIdentity() throws CodeIdentityError when the file cannot be read", async () => {
  await using project = await createFixtureProject();
  const site = { file: project.path("absent.ts"), line: 1, column: 1 };
  await assert.rejects(
    () => computeCodeIdentity("relax", site),
    CodeIdentityError,
  );
});

/** Where `step("name"` is in `text`, as a call site in `file`. */
function siteIn(file: string, text: string, name: string): CallSite {
  const before = text.slice(0, text.indexOf(`step("${name}"`)).split("\n");
  return { file, line: before.length, column: before[before.length - 1].length + 1 };
}

const DROVER_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DROVER_VERSION: string = JSON.parse(
  await Deno.readTextFile(`${DROVER_ROOT}deno.json`),
).version;

for (const how of ["path", "file URL"] as const) {
  Deno.test(`computeCodeIdentity() counts drover as one dependency when a project imports it by ${how}`, async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-identity-" }));
    try {
      const mod = `${DROVER_ROOT}mod.ts`;
      const specifier = how === "path" ? relative(dir, mod) : pathToFileURL(mod).href;
      const text = [
        `import { map, step } from ${
          JSON.stringify(how === "path" ? `./${specifier}` : specifier)
        };`,
        'const sq = step("sq", (x: number) => x * x);',
        'export const total = step("total", async (n: number) => (await map(sq, [n])).unwrap());',
        "",
      ].join("\n");
      await Deno.writeTextFile(`${dir}/flow.ts`, text);
      const identity = await computeCodeIdentity("total", siteIn(`${dir}/flow.ts`, text, "total"));
      assert.deepEqual(Object.keys(identity.parts).sort(), [
        "dep:drover",
        "helper:flow.ts::sq",
        "step",
      ]);
      assert.equal(identity.parts["dep:drover"], DROVER_VERSION);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("computeCodeIdentity() gives a linked package the version deno.lock records for the link", async () => {
  const sources: Record<string, string> = {
    "/p/deno.json": JSON.stringify({
      links: ["../drover"],
      imports: { drover: "jsr:@drover/drover@^0.1" },
    }),
    "/p/deno.lock": JSON.stringify({
      version: "5",
      workspace: {
        dependencies: ["jsr:@drover/drover@0.1"],
        links: { "jsr:@drover/drover@0.1.7": { dependencies: ["npm:zod@^3.25.0"] } },
      },
    }),
    "/p/flow.ts": [
      'import { map, step } from "drover";',
      'export const total = step("total", async (n: number) => (await map(total, [n])));',
    ].join("\n"),
  };
  const readFile = (path: string): Promise<string> =>
    path in sources
      ? Promise.resolve(sources[path])
      : Promise.reject(new Deno.errors.NotFound(path));
  const identity = await computeCodeIdentity(
    "total",
    siteIn("/p/flow.ts", sources["/p/flow.ts"], "total"),
    { readFile },
  );
  assert.equal(identity.parts["dep:drover"], "0.1.7");
});
