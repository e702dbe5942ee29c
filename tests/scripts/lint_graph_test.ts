import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkGraph,
  folderOf,
  formatProblem,
  type GraphReport,
  LAYERING,
} from "../../scripts/lint_graph.ts";
import { REPO_ROOT, tempDir } from "../_helpers/temp.ts";

function check(files: Record<string, string>, layers = false): GraphReport {
  return checkGraph(new Map(Object.entries(files)), layers ? { layering: LAYERING } : {});
}

function lines(report: GraphReport): string[] {
  return report.problems.map(formatProblem);
}

const CLEAN: Record<string, string> = {
  "lib/_type_check.ts": "export type Assert<T extends true> = T;",
  "lib/codec/mod.ts": 'export { encode } from "./encode.ts";',
  "lib/codec/encode.ts": "export function encode(): number {\n  return 1;\n}",
  "lib/store/mod.ts": 'import { encode } from "../codec/mod.ts";\nexport const put = encode;',
  "lib/runtime/mod.ts": [
    'import type { Assert } from "../_type_check.ts";',
    'import { put } from "../store/mod.ts";',
    'import { encode } from "../codec/mod.ts";',
    'import { helper } from "./_helper.ts";',
    'import ts from "typescript";',
    'import { join } from "node:path";',
    "export const run = [put, encode, helper, ts, join];",
  ].join("\n"),
  "lib/runtime/_helper.ts": "export const helper = 1;",
};

Deno.test("checkGraph() finds no problem in a tree that imports other folders only by mod.ts", () => {
  const report = check(CLEAN);
  assert.deepEqual(lines(report), []);
  assert.deepEqual(report.folders, ["_root", "codec", "runtime", "store"]);
  assert.deepEqual(report.folderEdges, [
    "runtime -> _root",
    "runtime -> codec",
    "runtime -> store",
    "store -> codec",
  ]);
  assert.equal(report.imports, 4);
  assert.equal(report.typeOnlyImports, 1);
  assert.equal(report.cycles, 0);
});

Deno.test("checkGraph() reports a bypass of mod.ts with the file and the specifier's line", () => {
  const report = check({
    ...CLEAN,
    "lib/store/put.ts": [
      "// puts values",
      "import {",
      "  encode,",
      '} from "../codec/encode.ts";',
      "export const p = encode;",
    ].join("\n"),
  });
  assert.deepEqual(lines(report), [
    'lib/store/put.ts:4: imports "../codec/encode.ts" (store -> codec): bypasses codec/mod.ts',
  ]);
  assert.equal(report.problems[0]!.kind, "bypass");
});

Deno.test("checkGraph() reports a bypass by export-from and a nested folder's mod.ts", () => {
  const report = check({
    ...CLEAN,
    "lib/codec/deep/mod.ts": "export const d = 1;",
    "lib/store/more.ts":
      'export * from "../codec/deep/mod.ts";\nexport { encode } from "../codec/encode.ts";',
  });
  assert.deepEqual(lines(report), [
    'lib/store/more.ts:1: imports "../codec/deep/mod.ts" (store -> codec): bypasses codec/mod.ts',
    'lib/store/more.ts:2: imports "../codec/encode.ts" (store -> codec): bypasses codec/mod.ts',
  ]);
});

Deno.test("checkGraph() reports a 2-folder cycle hop by hop with one example import each", () => {
  const report = check({
    "lib/step/mod.ts": 'import { r } from "../runtime/mod.ts";\nexport const s = r;',
    "lib/step/errors.ts": "export class StepError extends Error {}",
    "lib/runtime/mod.ts": 'export { r } from "./r.ts";',
    "lib/runtime/r.ts": '\n\nimport { s } from "../step/mod.ts";\nexport const r = s;',
    "lib/runtime/s.ts": 'import { s } from "../step/mod.ts";\nexport const t = s;',
  });
  assert.deepEqual(lines(report), [
    'lib/runtime/r.ts:3: imports "../step/mod.ts" (runtime -> step): folder cycle runtime -> step -> runtime',
    'lib/step/mod.ts:1: imports "../runtime/mod.ts" (step -> runtime): folder cycle runtime -> step -> runtime',
  ]);
  assert.equal(report.cycles, 1);
});

Deno.test("checkGraph() reports a 3-folder cycle once, starting at its smallest folder", () => {
  const report = check({
    "lib/worker/mod.ts": 'import "../step/mod.ts";',
    "lib/step/mod.ts": 'import "../runtime/mod.ts";',
    "lib/runtime/mod.ts": 'import "../worker/mod.ts";',
  });
  assert.deepEqual(lines(report), [
    'lib/runtime/mod.ts:1: imports "../worker/mod.ts" (runtime -> worker): folder cycle runtime -> worker -> step -> runtime',
    'lib/worker/mod.ts:1: imports "../step/mod.ts" (worker -> step): folder cycle runtime -> worker -> step -> runtime',
    'lib/step/mod.ts:1: imports "../runtime/mod.ts" (step -> runtime): folder cycle runtime -> worker -> step -> runtime',
  ]);
  assert.equal(report.cycles, 1);
});

Deno.test("checkGraph() lists every elementary cycle when two share a folder", () => {
  const report = check({
    "lib/a/mod.ts": 'import "../b/mod.ts";\nimport "../c/mod.ts";',
    "lib/b/mod.ts": 'import "../a/mod.ts";',
    "lib/c/mod.ts": 'import "../a/mod.ts";',
  });
  assert.equal(report.cycles, 2);
  assert.deepEqual(report.problems.map((p) => p.why), [
    "folder cycle a -> b -> a",
    "folder cycle a -> b -> a",
    "folder cycle a -> c -> a",
    "folder cycle a -> c -> a",
  ]);
});

Deno.test("checkGraph() counts type-only imports as folder edges and says so in a cycle", () => {
  const report = check({
    "lib/step/mod.ts": 'import { r } from "../runtime/mod.ts";\nexport const s = r;',
    "lib/runtime/mod.ts": 'import type { S } from "../step/mod.ts";\nexport const r = 1;',
  });
  assert.deepEqual(lines(report), [
    'lib/runtime/mod.ts:1: imports "../step/mod.ts" (runtime -> step): folder cycle runtime -> step -> runtime (type-only import: a type-only cycle is still a cycle in the folder graph)',
    'lib/step/mod.ts:1: imports "../runtime/mod.ts" (step -> runtime): folder cycle runtime -> step -> runtime',
  ]);
});

Deno.test("checkGraph() classifies each import form as type-only or not", () => {
  const report = check({
    "lib/a/mod.ts": [
      'import type { A } from "../t1/mod.ts";',
      'import { type B } from "../t2/mod.ts";',
      'export type { C } from "../t3/mod.ts";',
      'export { type D } from "../t4/mod.ts";',
      'type E = import("../t5/mod.ts").E;',
      'import { type F, g } from "../v1/mod.ts";',
      'import "../v2/mod.ts";',
      'export * from "../v3/mod.ts";',
      'const m = await import("../v4/mod.ts");',
      'import h from "../v5/mod.ts";',
    ].join("\n"),
  });
  assert.deepEqual(lines(report), []);
  assert.equal(report.imports, 10);
  assert.equal(report.typeOnlyImports, 5);
});

Deno.test("checkGraph() counts a dynamic import with a literal and skips a computed one", () => {
  const report = check({
    "lib/step/mod.ts": 'import "../runtime/mod.ts";',
    "lib/runtime/mod.ts": [
      "export async function load(name: string): Promise<unknown> {",
      "  await import(`../step/${name}.ts`);",
      '  return await import("../step/run.ts");',
      "}",
    ].join("\n"),
    "lib/step/run.ts": "export const run = 1;",
  });
  assert.deepEqual(lines(report), [
    'lib/runtime/mod.ts:3: imports "../step/run.ts" (runtime -> step): bypasses step/mod.ts',
    'lib/runtime/mod.ts:3: imports "../step/run.ts" (runtime -> step): folder cycle runtime -> step -> runtime',
    'lib/step/mod.ts:1: imports "../runtime/mod.ts" (step -> runtime): folder cycle runtime -> step -> runtime',
  ]);
});

Deno.test("checkGraph() reports an import that leaves lib/ and ignores files outside lib/", () => {
  const report = check({
    "lib/cli/mod.ts": 'import { step } from "../../mod.ts";\nexport const s = step;',
    "mod.ts": 'export { s } from "./lib/cli/_x.ts";',
    "tests/x_test.ts": 'import "../lib/cli/_x.ts";',
  });
  assert.deepEqual(lines(report), [
    'lib/cli/mod.ts:1: imports "../../mod.ts" (cli -> ../../mod.ts): imports a file outside lib/',
  ]);
  assert.deepEqual(report.folders, ["cli"]);
});

Deno.test("checkGraph() lets any file directly in lib/ be imported, as folder _root", () => {
  const report = check({
    "lib/_type_check.ts": 'import type { X } from "./codec/mod.ts";\nexport type Y = X;',
    "lib/codec/mod.ts": 'import type { Y } from "../_type_check.ts";\nexport type X = 1;',
  });
  assert.deepEqual(report.problems.map((p) => [p.kind, p.from, p.to]), [
    ["cycle", "_root", "codec"],
    ["cycle", "codec", "_root"],
  ]);
});

Deno.test("checkGraph() waives a bypass marked lint-graph-ignore with a reason", () => {
  const report = check({
    ...CLEAN,
    "lib/store/a.ts":
      'import { encode } from "../codec/encode.ts"; // lint-graph-ignore: moving in #12',
    "lib/store/b.ts": [
      "// lint-graph-ignore: moving in #12",
      "import {",
      "  encode,",
      '} from "../codec/encode.ts";',
    ].join("\n"),
  });
  assert.deepEqual(lines(report), []);
});

Deno.test("checkGraph() reports a lint-graph-ignore without a reason, unused or away from imports", () => {
  const report = check({
    ...CLEAN,
    "lib/store/a.ts": 'import { encode } from "../codec/encode.ts"; // lint-graph-ignore',
    "lib/store/b.ts": 'import { encode } from "../codec/mod.ts"; // lint-graph-ignore: old',
    "lib/store/c.ts": "// lint-graph-ignore: stray\n\nexport const c = 1;",
  });
  assert.deepEqual(lines(report), [
    'lib/store/a.ts:1: imports "../codec/encode.ts" (store -> codec): lint-graph-ignore needs a reason',
    'lib/store/a.ts:1: imports "../codec/encode.ts" (store -> codec): bypasses codec/mod.ts',
    'lib/store/b.ts:1: imports "../codec/mod.ts" (store -> codec): lint-graph-ignore waives nothing here',
    "lib/store/c.ts:1: (folder store): lint-graph-ignore is not next to an import",
  ]);
});

Deno.test("checkGraph() never lets lint-graph-ignore waive a cycle", () => {
  const report = check({
    "lib/step/mod.ts": 'import "../runtime/mod.ts"; // lint-graph-ignore: needed',
    "lib/runtime/mod.ts": 'import "../step/mod.ts";',
  });
  assert.deepEqual(report.problems.map((p) => [p.file, p.kind, p.why]), [
    ["lib/step/mod.ts", "exemption", "lint-graph-ignore waives nothing here"],
    ["lib/runtime/mod.ts", "cycle", "folder cycle runtime -> step -> runtime"],
    ["lib/step/mod.ts", "cycle", "folder cycle runtime -> step -> runtime"],
  ]);
});

Deno.test("checkGraph() checks edges against LAYERING only when given one", () => {
  const files = {
    "lib/runtime/mod.ts": 'import "../step/mod.ts";',
    "lib/step/mod.ts": "",
    "lib/cli/mod.ts": 'import "../worker/mod.ts";\nimport "../codec/mod.ts";',
    "lib/worker/mod.ts": 'import "../codec/mod.ts";\nimport "../store/mod.ts";',
    "lib/codec/mod.ts": "",
    "lib/store/mod.ts": "",
    "lib/extra/mod.ts": 'import "../codec/mod.ts";',
  };
  assert.deepEqual(lines(check(files)), []);
  assert.deepEqual(lines(check(files, true)), [
    'lib/cli/mod.ts:1: imports "../worker/mod.ts" (cli -> worker): LAYERING does not let cli use worker',
    'lib/extra/mod.ts:1: imports "../codec/mod.ts" (extra -> codec): folder extra is not declared in LAYERING',
    'lib/runtime/mod.ts:1: imports "../step/mod.ts" (runtime -> step): LAYERING does not let runtime use step',
  ]);
});

Deno.test("folderOf() maps lib paths to folders and others to undefined", () => {
  assert.equal(folderOf("lib/step/session.ts"), "step");
  assert.equal(folderOf("lib/step/deep/x.ts"), "step");
  assert.equal(folderOf("./lib/_type_check.ts"), "_root");
  assert.equal(folderOf("lib"), undefined);
  assert.equal(folderOf("library/x.ts"), undefined);
  assert.equal(folderOf("tests/x_test.ts"), undefined);
  assert.equal(folderOf("src/a/b.ts", "src"), "a");
});

async function runCli(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env=TSC_*,NODE_*,VSCODE_*",
      join(REPO_ROOT, "scripts/lint_graph.ts"),
      ...args,
    ],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("lint_graph.ts exits 1 with one line per problem, 0 on a clean tree, 2 on bad usage", async () => {
  await using dir = await tempDir("drover-lint-graph-");
  const write = async (path: string, text: string): Promise<void> => {
    await Deno.mkdir(join(dir.path, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir.path, path), text);
  };
  for (const [path, text] of Object.entries(CLEAN)) await write(path, text);
  await write("lib/codec/notes.md", 'import "../store/x.ts";');

  const clean = await runCli(dir.path);
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(
    clean.stdout,
    "lint:graph: ok: 4 folders, 4 folder edges from 4 cross-folder imports (1 type-only); " +
      "no cycle; every cross-folder import goes through mod.ts\n",
  );

  await write("lib/codec/x.ts", '\nimport { put } from "../store/x.ts";\nexport const x = put;');
  const bad = await runCli(dir.path, "--layers");
  assert.equal(bad.code, 1, bad.stderr);
  assert.deepEqual(bad.stdout.trimEnd().split("\n"), [
    'lib/codec/x.ts:2: imports "../store/x.ts" (codec -> store): bypasses store/mod.ts',
    'lib/codec/x.ts:2: imports "../store/x.ts" (codec -> store): LAYERING does not let codec use store',
    'lib/codec/x.ts:2: imports "../store/x.ts" (codec -> store): folder cycle codec -> store -> codec',
    'lib/store/mod.ts:1: imports "../codec/mod.ts" (store -> codec): folder cycle codec -> store -> codec',
  ]);
  assert.match(
    bad.stderr,
    /^lint:graph: 4 problems \(1 bypass, 1 layer, 2 cycle hops\), 1 folder cycle;/,
  );

  const usage = await runCli(dir.path, "--nope");
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /Cannot parse arguments/);
});

Deno.test("checkGraph() stops counting cycles at 1000 and lists maxCycles of them", () => {
  const names = ["a", "b", "c", "d", "e", "f", "g", "h"];
  const files = Object.fromEntries(
    names.map((from) => [
      `lib/${from}/mod.ts`,
      names.filter((to) => to !== from).map((to) => `import "../${to}/mod.ts";`).join("\n"),
    ]),
  );
  const report = checkGraph(new Map(Object.entries(files)), { maxCycles: 3 });
  assert.equal(report.cycles, 1000);
  assert.deepEqual([...new Set(report.problems.map((p) => p.why))], [
    "folder cycle a -> b -> a",
    "folder cycle a -> c -> a",
    "folder cycle a -> d -> a",
  ]);
});
