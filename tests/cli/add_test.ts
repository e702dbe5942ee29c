import assert from "node:assert/strict";
import { CalcJobStore } from "../../lib/calcjob/mod.ts";
import { runCli } from "./_fixture.ts";
import { localProject } from "./_local_system.ts";

const JOBS = `
codes:
  - label: echo
    system: laptop
    script: "echo {{ calc.parameters.s | shquote }}"
calcjobs:
  - &one { label: one, code: echo, parameters: { s: hi } }
  - { <<: *one, label: two }
  - { code: echo, matrix: { s: [a, b, c] } }
`;

Deno.test("main() adds a jobs file when running add", async () => {
  await using p = await localProject();
  await Deno.writeTextFile(`${p.dir}/jobs.yaml`, JOBS);
  const r = await runCli(["add", "jobs.yaml"], p.dir);
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "Added 5 calcjobs (0 already present), 1 code, 0 objects\n");
  const again = await runCli(["add", "jobs.yaml", "--json"], p.dir);
  assert.deepEqual(JSON.parse(again.stdout), {
    ok: true,
    added: 0,
    existing: 5,
    codes: 0,
    objects: 0,
  });
  using store = p.open();
  assert.deepEqual(new CalcJobStore(store).list().map((c) => c.label), [
    "one",
    "two",
    "[s=a]",
    "[s=b]",
    "[s=c]",
  ]);
});

Deno.test("main() exits 1 with one line naming the file and the item when add finds an undefined variable", async () => {
  await using p = await localProject();
  await Deno.writeTextFile(
    `${p.dir}/jobs.yaml`,
    JOBS.replace("parameters: { s: hi }", "parameters: { t: hi }"),
  );
  const r = await runCli(["add", "jobs.yaml"], p.dir);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'drover: Cannot add jobs file "jobs.yaml": calcjobs[0] ("one"): cannot render the script of code ' +
      '"echo" at line 1, column 9: undefined variable calc.parameters.s\n',
  );
  using store = p.open();
  assert.deepEqual(new CalcJobStore(store).list(), []);
});

Deno.test("main() exits 1 when the jobs file does not exist", async () => {
  await using p = await localProject();
  const r = await runCli(["add", "nope.yaml"], p.dir);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'drover: Cannot add jobs file "nope.yaml": cannot read the file\n');
});
