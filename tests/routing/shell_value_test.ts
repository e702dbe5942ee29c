import assert from "node:assert/strict";
import fc from "fast-check";
import { readShellValue } from "../../lib/routing/_shell_value.ts";

Deno.test("readShellValue() reads quotes, backslashes and resource references as bash does", () => {
  const cases: [string, string][] = [
    ["POTCARs", "POTCARs"],
    ["'{ \"ncore\": '${EXPYRE_NCORES_PER_NODE}'}'", '{ "ncore": ${DROVER_CORES_PER_NODE}}'],
    ['"a b"', "a b"],
    ['"x\\$y\\q"', "x$y\\q"],
    ["a\\ b", "a b"],
    ["$EXPYRE_NUM_CORES_PER_NODE", "${DROVER_CORES_PER_NODE}"],
    ['"$EXPYRE_NUM_NODES"x', "${DROVER_NODES}x"],
    ["cost$", "cost$"],
    ["a:b~", "a:b~"],
    ["", ""],
  ];
  for (const [text, value] of cases) {
    assert.deepEqual(readShellValue(text), { kind: "value", value }, text);
  }
});

Deno.test("readShellValue() leaves to the shell what only the shell can do", () => {
  const cases: [string, string][] = [
    ["$HOME/x", "it refers to $HOME, which only the job's shell knows"],
    ["$(nproc)", "it runs a command ($(...))"],
    ["`nproc`", "it runs a command (`...`)"],
    ["a b", 'the shell reads its unquoted " "'],
    ["~/bin", 'the shell reads its unquoted "~"'],
    ["/a:~/b", 'the shell reads its unquoted "~"'],
    ["*.xyz", 'the shell reads its unquoted "*"'],
    ["{a,b}", 'the shell reads its unquoted "{"'],
    ["a{1..3}", 'the shell reads its unquoted "{"'],
    ["'open", "its ' is not closed"],
    ["${HOME:-/tmp}", "it uses the shell's ${"],
    ["$1", "it uses the shell's $1"],
    ["'${DROVER_CORES}'", "the text ${DROVER_CORES} is quoted, so drover would expand it"],
    ["x\\", "it ends with a backslash"],
  ];
  for (const [text, reason] of cases) {
    assert.deepEqual(readShellValue(text), { kind: "shell", reason }, text);
  }
});

Deno.test("readShellValue() agrees with bash on every value it reads (property, 120 runs)", async () => {
  const token = fc.constantFrom(
    "a",
    "B_1",
    " ",
    "'",
    '"',
    "\\",
    "$",
    "{",
    "}",
    ":",
    "~",
    "#",
    "=",
    "%",
    ",",
    "..",
    "-",
    "$EXPYRE_NUM_CORES_PER_NODE",
    "${EXPYRE_NCORES_PER_NODE}",
    "${DROVER_GPUS}",
    "$HOME",
  );
  const tricky = fc.constantFrom("{a,b}", "'{a,b}'", '"x{1..2}"', "a\\{b,c}", "$", '"$"');
  const text = fc.array(fc.oneof(token, tricky), { maxLength: 10 }).map((t) => t.join(""));
  const env = {
    EXPYRE_NUM_CORES_PER_NODE: "7",
    EXPYRE_NCORES_PER_NODE: "7",
    DROVER_CORES_PER_NODE: "7",
    DROVER_GPUS: "2",
    HOME: "/home/u",
  };
  let read = 0;
  await fc.assert(
    fc.asyncProperty(text, async (t) => {
      const result = readShellValue(t);
      if (result.kind === "shell") return;
      read++;
      const expected = result.value.replace(
        /\$\{(DROVER_[A-Z_]+)\}/g,
        (_, name: keyof typeof env) => env[name],
      );
      const out = await new Deno.Command("bash", {
        args: ["-c", `export K=${t}\nprintf '%s' "$K"`],
        env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, `bash refused ${JSON.stringify(t)}`);
      assert.equal(new TextDecoder().decode(out.stdout), expected, JSON.stringify(t));
    }),
    { numRuns: 120 },
  );
  assert.ok(read > 10, `only ${read} values were read without a shell`);
});
