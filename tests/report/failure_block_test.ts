import assert from "node:assert/strict";
import {
  formatFailure,
  formatMapFailure,
  formatUncaught,
  mapBundleStack,
} from "../../lib/report/mod.ts";
import { MapError, StepFailedError } from "../../mod.ts";
import { runScript, writeProjectConfig } from "../_helpers/project.ts";
import { REPO_ROOT, tempDir } from "../_helpers/temp.ts";

const DROVER = { droverRoot: "/opt/drover", cwd: "/home/u/proj" };

function failed(
  init: { message?: string; stack?: string; inputPreview?: string } = {},
): StepFailedError {
  return new StepFailedError({
    step: "relax",
    key: "1a2b3c4d5e6f7a8b9c0d",
    error: {
      name: "RangeError",
      message: init.message ?? "fmax must be positive",
      stack: init.stack ??
        "RangeError: fmax must be positive\n" +
          "    at check (file:///home/u/proj/lib/physics.ts:3:11)\n" +
          "    at run (file:///opt/drover/lib/step/session.ts:290:31)",
    },
    fromStore: false,
    inputPreview: init.inputPreview,
  });
}

Deno.test("formatFailure() prints step, error, input, first user frame and where the rest is", () => {
  assert.equal(
    formatFailure(failed({ inputPreview: '{ structure: "Si8", fmax: 0 }' }), DROVER),
    [
      'Step "relax" failed: RangeError: fmax must be positive',
      '  input: { structure: "Si8", fmax: 0 }',
      "  at check (lib/physics.ts:3:11)",
      "  details: drover calls show 1a2b3c4d5e6f",
      "",
    ].join("\n"),
  );
});

Deno.test("formatFailure() leaves the frame out when no frame is the user's", () => {
  const text = formatFailure(
    failed({ stack: "RangeError: x\n    at f (file:///opt/drover/lib/a.ts:1:1)" }),
    DROVER,
  );
  assert.equal(text.split("\n").length, 3);
  assert.doesNotMatch(text, /opt\/drover/);
});

Deno.test("formatFailure() escapes control characters and keeps long messages short", () => {
  const message = `bad \x1b]0;pwned\x07 value\n${"more\n".repeat(10)}`;
  const text = formatFailure(failed({ message, inputPreview: "\x1b[2J" }), DROVER);
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(text), JSON.stringify(text));
  assert.match(text, /^Step "relax" failed: RangeError: bad \\x1b\]0;pwned\\x07 value\n {2}more\n/);
  assert.match(text, /\n {2}…\n/);
  assert.match(text, / {2}input: \\x1b\[2J\n/);
  assert.ok(text.split("\n").length <= 11);
});

Deno.test("formatFailure() maps a remote stack back to the user's file through mapStack", () => {
  const sourceMap = {
    version: 3,
    sources: ["file:///home/u/proj/lib/physics.ts"],
    mappings: ";;;IAEE",
  };
  const text = formatFailure(
    failed({
      stack: "RangeError: x\n    at check (file:///scratch/R/objects/ab/" + "ab".repeat(32) +
        ":4:5)",
    }),
    { ...DROVER, mapStack: (s) => mapBundleStack(s, sourceMap) },
  );
  assert.match(text, /^ {2}at check \(lib\/physics\.ts:3:3\)$/m);
});

Deno.test("MapError message summarises: counts by name, five failures, how to list the rest", () => {
  const failures = Array.from({ length: 8 }, (_, i) => ({
    index: i * 2,
    error: i < 6
      ? new StepFailedError({
        step: "relax",
        key: `${i}`.repeat(16),
        error: { name: "RangeError", message: `fmax ${i} too small\nsecond line` },
        fromStore: false,
      })
      : new TypeError("no atoms"),
  }));
  const e = new MapError("relax", 50, failures);
  assert.equal(
    e.message,
    [
      'Cannot complete map over step "relax": 8 of 50 calls failed (6 RangeError, 2 TypeError)',
      "  [0] RangeError: fmax 0 too small… (drover calls show 000000000000)",
      "  [2] RangeError: fmax 1 too small… (drover calls show 111111111111)",
      "  [4] RangeError: fmax 2 too small… (drover calls show 222222222222)",
      "  [6] RangeError: fmax 3 too small… (drover calls show 333333333333)",
      "  [8] RangeError: fmax 4 too small… (drover calls show 444444444444)",
      "  and 3 more: drover calls ls --step relax --state failed",
    ].join("\n"),
  );
  assert.equal(e.errors.length, 8, "AggregateError keeps every error");
  assert.equal(e.failures.length, 8);
  assert.deepEqual([e.step, e.total], ["relax", 50]);
  assert.deepEqual(e.countsByName, { RangeError: 6, TypeError: 2 });
});

Deno.test("formatMapFailure() adds the first user frame to the summary, once", () => {
  const stack = "RangeError: fmax 0\n    at check (file:///home/u/proj/lib/physics.ts:3:11)";
  const failures = [0, 1, 2].map((index) => ({ index, error: failed({ stack }) }));
  const text = formatMapFailure(new MapError("relax", 3, failures), DROVER);
  assert.equal(text.match(/at check/g)?.length, 1);
  assert.match(text, /\n {2}first failure at check \(lib\/physics\.ts:3:11\)\n$/);
});

Deno.test("formatUncaught() knows step failures and map failures, nothing else", () => {
  assert.match(formatUncaught(failed(), DROVER)!, /^Step "relax" failed/);
  assert.match(
    formatUncaught(new MapError("relax", 2, [{ index: 1, error: failed() }]), DROVER)!,
    /^Cannot complete map/,
  );
  assert.equal(formatUncaught(new Error("x"), DROVER), undefined);
  assert.equal(formatUncaught("a string", DROVER), undefined);
  assert.equal(
    formatUncaught(Object.assign(new Error("x"), { name: "MapError" }), DROVER),
    undefined,
  );
});

Deno.test("formatUncaught() turns a real failed call in a user's project into one short block", async () => {
  await using dir = await tempDir("drover-report-project-");
  await writeProjectConfig(dir.path);
  await Deno.writeTextFile(
    `${dir.path}/physics.ts`,
    [
      "export function check(fmax: number): number {",
      "  if (fmax <= 0) {",
      "    throw new RangeError(`fmax must be positive (got ${fmax})`);",
      "  }",
      "  return fmax;",
      "}",
      "",
    ].join("\n"),
  );
  await Deno.writeTextFile(
    `${dir.path}/flow.ts`,
    [
      'import { map, openSession, step, useSession } from "drover";',
      `import { formatUncaught } from "${REPO_ROOT}/lib/report/mod.ts";`,
      'import { check } from "./physics.ts";',
      "",
      'export const relax = step("relax", ({ fmax }: { fmax: number }) => check(fmax));',
      "",
      "if (import.meta.main) {",
      "  const options = { droverRoot: Deno.args[0], cwd: Deno.cwd() };",
      "  // Importing drover installs the listener that prints an uncaught failure as a block.",
      '  useSession(openSession({ dir: ".drover" }));',
      "  try {",
      "    await relax({ fmax: 0 });",
      "  } catch (e) {",
      "    console.log(formatUncaught(e, options));",
      "  }",
      "  (await map(relax, [1, -1, -2, 3, -4, -5, -6, -7].map((fmax) => ({ fmax })))).unwrap();",
      "}",
      "",
    ].join("\n"),
  );
  const out = await runScript(dir.path, "flow.ts", { DROVER_PROGRESS: "off" }, [REPO_ROOT]);
  assert.equal(out.code, 1, out.stderr);
  assert.match(
    out.stdout,
    /^Step "relax" failed: RangeError: fmax must be positive \(got 0\)\n {2}at check \(physics\.ts:3:11\)\n {2}details: drover calls show [0-9a-f]{12}\n/,
  );
  // (Deno's "Ignored build scripts" box may come first; issue 7 item 1 removes it.)
  const lines = out.stderr.slice(out.stderr.indexOf("Cannot complete")).trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 1), [
    'Cannot complete map over step "relax": 6 of 8 calls failed (6 RangeError)',
  ]);
  assert.equal(lines.length, 8, out.stderr);
  assert.match(
    lines[1],
    /^ {2}\[1\] RangeError: fmax must be positive \(got -1\) \(drover calls show [0-9a-f]{12}\)$/,
  );
  assert.equal(lines[6], "  and 1 more: drover calls ls --step relax --state failed");
  assert.equal(lines[7], "  first failure at check (physics.ts:3:11)");
  assert.doesNotMatch(out.stderr + out.stdout, /lib\/step|ext:core/);
});
