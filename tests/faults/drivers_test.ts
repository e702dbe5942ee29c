/**
 * Faults of the driver side, on the local scheduler and in process: two drivers on one
 * store, a call that ends its element's process, kill -9 of a local run right after a value
 * was handed back, resources no partition fits.
 */
import assert from "node:assert/strict";
import { remoteProject, routeSquare } from "../e2e/_remote_project.ts";

function counts(file: string): Map<number, number> {
  const m = new Map<number, number>();
  let text = "";
  try {
    text = Deno.readTextFileSync(file);
  } catch {
    return m;
  }
  for (const line of text.split("\n").filter(Boolean)) {
    m.set(Number(line), (m.get(Number(line)) ?? 0) + 1);
  }
  return m;
}

const squares = (n: number, offset = 0): number[] =>
  Array.from({ length: n }, (_, x) => x * x + offset);

Deno.test("two drivers running the same workflow on one store run every local call once", async () => {
  await using p = await remoteProject("");
  const env = { N: "60", SLEEP_MS: "30", COUNT_FILE: `${p.path}/count.txt` };
  const a = p.spawn("remote_workflow.ts", { env });
  const b = p.spawn("remote_workflow.ts", { env });
  const [ra, rb] = await Promise.all([a.output(), b.output()]);
  const dec = new TextDecoder();
  assert.equal(ra.code, 0, dec.decode(ra.stderr));
  assert.equal(rb.code, 0, dec.decode(rb.stderr));
  assert.deepEqual(JSON.parse(dec.decode(ra.stdout)).values, squares(60));
  assert.deepEqual(JSON.parse(dec.decode(rb.stdout)).values, squares(60));
  const c = counts(`${p.path}/count.txt`);
  assert.equal(c.size, 60);
  assert.ok([...c.values()].every((n) => n === 1), `runs per call: ${JSON.stringify([...c])}`);
});

Deno.test("two drivers routing the same workflow to one system put every call in one job once", async () => {
  await using p = await remoteProject("");
  const route = routeSquare("here", { inputsPerJob: 5 });
  const env = { N: "40", SLEEP_MS: "50", COUNT_FILE: `${p.path}/count.txt` };
  const [ra, rb] = await Promise.all([
    p.spawn("remote_workflow.ts", { env, route }).output(),
    p.spawn("remote_workflow.ts", { env, route }).output(),
  ]);
  const dec = new TextDecoder();
  assert.equal(ra.code, 0, dec.decode(ra.stderr));
  assert.equal(rb.code, 0, dec.decode(rb.stderr));
  assert.deepEqual(JSON.parse(dec.decode(ra.stdout)).values, squares(40));
  assert.deepEqual(JSON.parse(dec.decode(rb.stdout)).values, squares(40));
  const c = counts(`${p.path}/count.txt`);
  assert.ok([...c.values()].every((n) => n === 1), `runs per call: ${JSON.stringify([...c])}`);
  using store = p.store();
  const keys = store.jobs.listJobs().flatMap((j) => store.jobs.callsOf(j.id).map((c) => c.key));
  assert.equal(keys.length, 40, "each call in exactly one job");
  assert.equal(new Set(keys).size, 40);
});

Deno.test("a call that ends its element's process fails alone; the calls after it run again unblamed", async () => {
  await using p = await remoteProject("");
  const route = routeSquare("here", { inputsPerJob: 4, maxRestarts: 0 });
  const r = await p.run("remote_workflow.ts", { route, env: { N: "8", EXIT_AT: "5" } });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.failures.map((f: { index: number }) => f.index), [5]);
  assert.equal(out.failures[0].reason, "crashed");
  assert.equal(out.failures[0].retryState, "non-retryable");
  const expected: (number | null)[] = squares(8);
  expected[5] = null;
  assert.deepEqual(out.values, expected);
  using store = p.store();
  const [first] = store.jobs.listJobs().reverse();
  const failed = store.jobs.callsOf(first.id, "failed");
  assert.deepEqual(failed.map((c) => c.reason).sort(), ["crashed", "not-started", "not-started"]);
  // A rerun rethrows the stored crash and submits nothing.
  const again = await p.run("remote_workflow.ts", { route, env: { N: "8", EXIT_AT: "5" } });
  assert.equal(JSON.parse(again.stdout).failures[0].reason, "crashed");
  assert.equal(store.jobs.listJobs().length, 2);
});

Deno.test("kill -9 right after a local call returned: the rerun does not run it again", async () => {
  await using p = await remoteProject("");
  await Deno.writeTextFile(
    `${p.path}/durable.ts`,
    [
      'import { step } from "drover";',
      'const once = step("durable.once", async ({ x }: { x: number }) => {',
      '  await Deno.writeTextFile("count.txt", `${x}\\n`, { append: true });',
      "  return x + 1;",
      "});",
      "if (import.meta.main) {",
      "  const v = await once({ x: 41 });",
      "  console.log(v);",
      '  Deno.kill(Deno.pid, "SIGKILL");',
      "}",
      "",
    ].join("\n"),
  );
  const first = await p.run("durable.ts");
  assert.equal(first.stdout.trim(), "42");
  assert.equal(first.code, 137);
  const second = await p.run("durable.ts");
  assert.equal(second.stdout.trim(), "42");
  assert.equal(Deno.readTextFileSync(`${p.path}/count.txt`), "41\n", "the call ran once");
});

Deno.test("resources no partition fits are refused before any submission, with the reason", async () => {
  await using p = await remoteProject("");
  await Deno.writeTextFile(
    `${p.path}/drover.yaml`,
    `systems:\n  here:\n    scheduler: local\n    rundir: ${p.path}/local-runs\n    pollMs: 20\n    partitions:\n      - { name: small, coresPerNode: 2, maxTime: "1:00:00" }\n`,
  );
  const route = routeSquare("here", { resources: { cores: 64 } });
  const r = await p.run("remote_workflow.ts", { route, env: { N: "3" } });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.failures.length, 3);
  assert.ok(out.failures.every((f: { reason: string }) => f.reason === "refused"), r.stdout);
  assert.match(
    out.failures[0].message,
    /Cannot pick a partition of system "here" for 64 cores per node/,
  );
  using store = p.store();
  assert.equal(store.jobs.listJobs().length, 0, "nothing was submitted");
});

Deno.test("a map's concurrency limits local work only: its routed calls go into one array", async () => {
  await using p = await remoteProject("");
  const r = await p.run("remote_workflow.ts", {
    route: routeSquare("here", { inputsPerJob: 5 }),
    env: { N: "50", CONCURRENCY: "8" },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).values, squares(50));
  using store = p.store();
  const jobs = store.jobs.listJobs();
  assert.equal(jobs.length, 1, "one submission");
  assert.equal(jobs[0].size, 10);
});
