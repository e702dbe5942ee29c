import assert from "node:assert/strict";
import fc from "fast-check";
import { bashQuote, shellJoin, shellQuote } from "../../lib/scheduler/mod.ts";

/** Runs `<shell> -c "printf %s <quoted>"` and returns what the shell printed. */
async function throughShell(quoted: string, shell = "sh"): Promise<string> {
  const out = await new Deno.Command(shell, {
    args: ["-c", `printf %s ${quoted}`],
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C.UTF-8" },
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

const HOSTILE = [
  "",
  "'",
  "''",
  '"',
  "$(touch /tmp/drover-pwned)",
  "`touch /tmp/drover-pwned`",
  "${HOME}",
  "a\nb",
  "line\r\n",
  "\\",
  "\\'",
  "*",
  "~",
  "-n",
  "%s %d",
  "a; rm -rf ~",
  "x' ; echo pwned ; '",
  "ünïcødé ✓ 🎉",
  " leading and trailing ",
  "\t",
];

Deno.test("shellQuote() survives a real sh for hostile strings", async () => {
  for (const value of HOSTILE) {
    assert.equal(await throughShell(shellQuote(value)), value, JSON.stringify(value));
  }
});

Deno.test("shellQuote() round-trips any string through sh (property, 300 runs)", async () => {
  const noNul = fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.includes("\0"));
  const ascii = fc.string({ unit: "binary-ascii", maxLength: 40 }).filter((s) => !s.includes("\0"));
  await fc.assert(
    fc.asyncProperty(fc.oneof(noNul, ascii), async (value) => {
      assert.equal(await throughShell(shellQuote(value)), value);
    }),
    { numRuns: 300 },
  );
});

Deno.test("shellQuote() always produces one single-quoted word", () => {
  fc.assert(
    fc.property(fc.string().filter((s) => !s.includes("\0")), (value) => {
      const q = shellQuote(value);
      assert.ok(q.startsWith("'") && q.endsWith("'"));
    }),
  );
});

Deno.test("shellQuote() throws TypeError on NUL", () => {
  assert.throws(() => shellQuote("a\0b"), TypeError);
});

Deno.test("shellJoin() gives the shell back exactly the arguments", async () => {
  const argv = ["a b", "it's", "$(x)", ""];
  const out = await new Deno.Command("sh", {
    args: ["-c", `for a in ${shellJoin(argv)}; do printf '<%s>' "$a"; done`],
    stdout: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(out.stdout), "<a b><it's><$(x)><>");
});

Deno.test("bashQuote() round-trips any string through bash on one line (property, 200 runs)", async () => {
  const withControls = fc.string({
    unit: fc.oneof(
      fc.constantFrom("\n", "\r", "\t", "\x1b", "\x7f", "\x01", "'", "\\", "$", "`", '"', "#"),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
    ),
    maxLength: 30,
  }).filter((s) => !s.includes("\0"));
  await fc.assert(
    fc.asyncProperty(withControls, async (value) => {
      const quoted = bashQuote(value);
      assert.doesNotMatch(quoted, /[\r\n]/);
      assert.equal(await throughShell(quoted, "bash"), value);
    }),
    { numRuns: 200 },
  );
});

Deno.test("bashQuote() equals shellQuote() for strings without control characters", () => {
  assert.equal(bashQuote("it's $(x)"), shellQuote("it's $(x)"));
  assert.throws(() => bashQuote("\n\0"), TypeError);
});
