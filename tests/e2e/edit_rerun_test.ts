import assert from "node:assert/strict";
import { tempDir } from "../_helpers/temp.ts";
import { runScript, writeProjectConfig } from "../_helpers/project.ts";

const HELPERS = `export function scale(x: number): number {
  return x * 3;
}
`;

const WORKFLOW = `import { map, step } from "drover";
import { scale } from "./helpers.ts";

function offset(x: number): number {
  return x + 1;
}

function unrelated(): string {
  return "not used by any step";
}

export const compute = step("compute", ({ x }: { x: number }) => {
  Deno.writeTextFileSync("exec.log", "compute\\n", { append: true });
  return scale(offset(x));
});

export const other = step("other", ({ x }: { x: number }) => {
  Deno.writeTextFileSync("exec.log", "other\\n", { append: true });
  return -x;
});

if (import.meta.main) {
  const a = await map(compute, [1, 2, 3].map((x) => ({ x })));
  const b = await other({ x: 1 });
  console.log(JSON.stringify({ a: a.unwrap(), b, u: unrelated() }));
}
`;

async function run(dir: string): Promise<{ out: unknown; log: string[] }> {
  await Deno.writeTextFile(`${dir}/exec.log`, "");
  const r = await runScript(dir, "w.ts");
  assert.equal(r.code, 0, r.stderr);
  const log = (await Deno.readTextFile(`${dir}/exec.log`)).split("\n").filter(Boolean);
  return { out: JSON.parse(r.stdout), log };
}

async function edit(path: string, from: string, to: string): Promise<void> {
  const text = await Deno.readTextFile(path);
  assert.ok(text.includes(from), `fixture lacks ${from}`);
  await Deno.writeTextFile(path, text.replace(from, to));
}

Deno.test("a workflow rerun recomputes exactly what its edits touch", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  await writeProjectConfig(d);
  await Deno.writeTextFile(`${d}/helpers.ts`, HELPERS);
  await Deno.writeTextFile(`${d}/w.ts`, WORKFLOW);

  let r = await run(d);
  assert.deepEqual(r.out, { a: [6, 9, 12], b: -1, u: "not used by any step" });
  assert.equal(r.log.length, 4);

  // Same code, new process: everything cached (keys stable across processes).
  r = await run(d);
  assert.deepEqual(r.log, []);

  // Main block, an unrelated function, comments and whitespace: nothing recomputed.
  await edit(`${d}/w.ts`, "console.log(JSON.stringify", "console.log(\n    JSON.stringify");
  await edit(`${d}/w.ts`, `"not used by any step"`, `"still unused"`);
  await edit(`${d}/w.ts`, "return x + 1;", "return x + 1; // the offset");
  r = await run(d);
  assert.deepEqual(r.log, []);

  // Another step: only that step reruns.
  await edit(`${d}/w.ts`, "return -x;", "return -2 * x;");
  r = await run(d);
  assert.deepEqual(r.log, ["other"]);

  // A same-file helper of compute: compute reruns, other does not.
  await edit(`${d}/w.ts`, "return x + 1;", "return x + 2;");
  r = await run(d);
  assert.deepEqual(r.log, ["compute", "compute", "compute"]);
  assert.deepEqual((r.out as { a: number[] }).a, [9, 12, 15]);

  // An imported local module's function: compute reruns.
  await Deno.writeTextFile(`${d}/helpers.ts`, HELPERS.replace("x * 3", "x * 4"));
  r = await run(d);
  assert.deepEqual(r.log, ["compute", "compute", "compute"]);

  // The step body itself.
  await edit(`${d}/w.ts`, "return scale(offset(x));", "return scale(offset(x)) + 0.5;");
  r = await run(d);
  assert.deepEqual(r.log, ["compute", "compute", "compute"]);
});
