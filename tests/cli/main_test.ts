import assert from "node:assert/strict";
import { main } from "../../lib/cli/mod.ts";
import { SCHEMA_VERSION } from "../../lib/store/mod.ts";
import { assertGolden } from "./_golden.ts";
import { runCli, seededProject } from "./_fixture.ts";

Deno.test("main() lists every command when running --help", async () => {
  const r = await runCli(["--help"], "/");
  assert.equal(r.code, 0);
  for (
    const name of ["init", "status", "calls ls", "calls show", "explain", "rm", "gc", "runs ls"]
  ) {
    assert.match(r.stdout, new RegExp(`^  ${name} `, "m"), name);
  }
  await assertGolden("help", r.stdout);
});

Deno.test("main() prints the options of calls ls when running calls ls --help", async () => {
  const r = await runCli(["calls", "ls", "--help"], "/");
  assert.equal(r.code, 0);
  await assertGolden("help_calls_ls", r.stdout);
});

Deno.test("main() prints help for every command when given --help", async () => {
  for (
    const args of [
      ["init"],
      ["status"],
      ["calls"],
      ["calls", "show"],
      ["explain"],
      ["rm"],
      ["gc"],
      [
        "runs",
        "ls",
      ],
    ]
  ) {
    const r = await runCli([...args, "--help"], "/");
    assert.equal(r.code, 0, args.join(" "));
    assert.match(r.stdout, new RegExp(`^Usage: drover ${args.join(" ")} `), args.join(" "));
  }
});

Deno.test("main() prints a command's help when running help COMMAND", async () => {
  const r = await runCli(["help", "calls"], "/");
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: drover calls /);
  assert.match(r.stdout, /^ {2}show \[options\] <key> /m);
});

Deno.test("main() exits 2 with one line when the command or option is unknown", async () => {
  const cases: [string[], RegExp][] = [
    [["frobnicate"], /^drover: unknown command 'frobnicate'; see "drover --help"\n$/],
    [
      ["calls", "lx"],
      /^drover: unknown command 'lx' \(Did you mean ls\?\); see "drover calls --help"\n$/,
    ],
    [
      ["calls", "ls", "--stat", "x"],
      /^drover: unknown option '--stat' \(Did you mean --state\?\); see "drover calls ls --help"\n$/,
    ],
    [
      ["gc", "extra"],
      /^drover: too many arguments for 'gc'\. Expected 0 arguments but got 1\.; see "drover gc --help"\n$/,
    ],
  ];
  for (const [args, expected] of cases) {
    const r = await runCli(args, "/");
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stdout, "");
    assert.match(r.stderr, expected);
  }
});

Deno.test("main() prints help to stderr and exits 2 when no command is given", async () => {
  const r = await runCli([], "/");
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^Usage: drover /);
});

Deno.test("main() colors output on a terminal unless NO_COLOR is set", async () => {
  await using fx = await seededProject();
  const colored = await runCli(["calls", "ls"], fx.dir, { isTerminal: true });
  assert.ok(colored.stdout.includes("\x1b[32mdone\x1b[39m"), colored.stdout);
  const plain = await runCli(["calls", "ls"], fx.dir, { isTerminal: true, env: { NO_COLOR: "1" } });
  assert.ok(!plain.stdout.includes("\x1b["), plain.stdout);
  assert.equal(plain.stdout, (await runCli(["calls", "ls"], fx.dir)).stdout);
});

Deno.test("main() exits 1 with one line when the store has a newer schema", async () => {
  await using fx = await seededProject();
  {
    using store = fx.open();
    store.db.exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  }
  const r = await runCli(["status"], fx.dir);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `drover: Cannot open store "<TMP>/.drover/drover.db": it has schema version 99 but this drover knows only up to ${SCHEMA_VERSION}; upgrade drover\n`,
  );
});

Deno.test("main() prints the stack and exits 70 when a command hits a bug", async () => {
  await using fx = await seededProject();
  let stderr = "";
  const bug = await main(["status"], {
    stdout: () => {
      throw new Error("boom in writer");
    },
    stderr: (t) => stderr += t,
    cwd: fx.dir,
    env: {},
    now: () => 0,
  });
  assert.equal(bug, 70);
  assert.match(
    stderr,
    /^drover: internal error \(this is a bug, please report it\)\nError: boom in writer\n {4}at /,
  );
});
