import assert from "node:assert/strict";
import { assertGolden } from "./_golden.ts";
import { runCli } from "./_fixture.ts";
import { localProject } from "./_local_system.ts";

const JOBS = `
codes:
  - label: echo
    system: laptop
    script: |
      #!/bin/bash
      echo {{ calc.parameters.s | shquote }} > out.txt
      exit {{ calc.parameters.code }}
    download: ["*.txt"]
calcjobs:
  - &one { label: one, code: echo, parameters: { s: hi, code: 0 } }
  - { <<: *one, label: two, parameters: { s: bye, code: 4 } }
  - { label: sweep, code: echo, parameters: { code: 0 }, matrix: { s: [a, b] } }
`;

Deno.test("main() adds, runs and inspects calcjobs on the local scheduler", async () => {
  await using p = await localProject();
  await Deno.writeTextFile(`${p.dir}/jobs.yaml`, JOBS);
  assert.equal((await runCli(["add", "jobs.yaml"], p.dir)).code, 0);
  await assertGolden("calcjobs_tree_created", (await runCli(["calcjobs", "tree"], p.dir)).stdout);
  const run = await runCli(["calcjobs", "run", "--poll", "20"], p.dir);
  assert.equal(run.stderr, "");
  assert.equal(run.code, 0);
  assert.match(run.stdout, /: 4 calcjobs in one array on laptop\n/);
  assert.match(run.stdout, /^2 two: failed \(the job script exited with code 4\)$/m);
  assert.match(run.stdout, /^3 completed, 1 failed; 1 submitted, \d+ status queries\n$/m);
  await assertGolden("calcjobs_ls", (await runCli(["calcjobs", "ls"], p.dir)).stdout);
  const failed = await runCli(["calcjobs", "ls", "--where", "exit_code = 4", "--json"], p.dir);
  assert.deepEqual(JSON.parse(failed.stdout).map((c: { label: string }) => c.label), ["two"]);
  assert.equal((await runCli(["calcjobs", "cat", "3", "out.txt"], p.dir)).stdout, "a\n");
  assert.equal(
    (await runCli(["calcjobs", "show", "1", "--script"], p.dir)).stdout,
    "#!/bin/bash\necho 'hi' > out.txt\nexit 0\n",
  );
  const show = await runCli(["calcjobs", "show", "2"], p.dir);
  assert.match(show.stdout, /state: +✘ failed \(exit-code\), exit code 4/);
  assert.match(
    show.stdout,
    /history:\n.* created\n.* uploading {2}cj-[0-9a-f]{12}\n.* submitting\n.* submitted {2}\S+\n.* failed {2}exit-code: the job script exited with code 4\n$/,
  );
  const again = await runCli(["calcjobs", "run"], p.dir);
  assert.equal(again.stdout, "3 completed, 1 failed; 0 submitted, 0 status queries\n");
});

Deno.test("main() exits 1 or 2 with one line for unknown calcjobs, files and bad --where", async () => {
  await using p = await localProject();
  await Deno.writeTextFile(`${p.dir}/jobs.yaml`, JOBS);
  await runCli(["add", "jobs.yaml"], p.dir);
  const unknown = await runCli(["calcjobs", "show", "99"], p.dir);
  assert.equal(unknown.code, 1);
  assert.equal(
    unknown.stderr,
    'drover: Cannot find calcjob "99": no calcjob has that number or UUID (prefix of 4 or more)\n',
  );
  const file = await runCli(["calcjobs", "cat", "1", "nope.txt"], p.dir);
  assert.equal(file.code, 1);
  assert.equal(
    file.stderr,
    'drover: Cannot show "nope.txt" of calcjob 1: it has no such file (files: none)\n',
  );
  const where = await runCli(["calcjobs", "ls", "--where", "nope ="], p.dir);
  assert.equal(where.code, 2);
  const system = await runCli(["calcjobs", "run", "--system", "cluster"], p.dir);
  assert.equal(system.code, 1);
  assert.match(system.stderr, /^drover: Cannot run calcjobs: system "cluster" is not configured/);
});
