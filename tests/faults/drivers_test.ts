/**
 * Faults of the driver side, on the local scheduler and in process: two drivers on one
 * store, a call that ends its element's process, kill -9 of a local run right after a value
 * was handed back, resources no partition fits.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../_helpers/temp.ts";
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

Deno.test("a system config that can never work is refused before any submission, naming the path", async () => {
  await using p = await remoteProject("");
  await Deno.writeTextFile(
    `${p.path}/drover.yaml`,
    `systems:\n  here:\n    scheduler: local\n    rundir: ${p.path}/local-runs\n    pollMs: 20\n    header: ["--mem=4G"]\n`,
  );
  const r = await p.run("remote_workflow.ts", { route: routeSquare("here"), env: { N: "2" } });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.failures.length, 2);
  assert.equal(out.failures[0].reason, "refused");
  assert.match(out.failures[0].message, /systems\.here\.header\[0\]/);
  using store = p.store();
  assert.equal(store.jobs.listJobs().length, 0);
});

Deno.test("drover jobs show --element shows the logs of a job the runtime really submitted", async () => {
  await using p = await remoteProject("");
  await Deno.writeTextFile(
    `${p.path}/talk.ts`,
    [
      'import { map, step } from "drover";',
      'export const talk = step("talk", ({ x }: { x: number }) => {',
      "  console.log(`hello from ${x}`);",
      "  console.error(`warning from ${x}`);",
      "  return x;",
      "});",
      "if (import.meta.main) console.log(JSON.stringify((await map(talk, [{ x: 0 }, { x: 1 }])).values));",
      "",
    ].join("\n"),
  );
  const r = await p.run("talk.ts", {
    route: { "talk.ts::talk": { system: "here", inputsPerJob: 2 } },
  });
  assert.equal(r.code, 0, r.stderr);
  const show = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO_ROOT}/cli.ts`, "jobs", "show", "1", "--element", "0", "--json"],
    cwd: p.path,
    env: { ...p.env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert.equal(show.code, 0, dec.decode(show.stderr));
  const report = JSON.parse(dec.decode(show.stdout));
  const [el] = report.elements;
  assert.deepEqual(el.stdout.filter((l: string) => l.startsWith("hello")), [
    "hello from 0",
    "hello from 1",
  ]);
  assert.ok(el.stderr.some((l: string) => l === "warning from 0"));
});

Deno.test("a remote-info key that matched no call is named at the end, with the nearest call sites", async () => {
  await using p = await remoteProject("");
  const r = await p.run("remote_workflow.ts", {
    route: { "remote_workflow.ts::e2e.sqare": { system: "here" } },
    env: { N: "2", DROVER_PROGRESS: "plain" },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /warning: remote info key "remote_workflow\.ts::e2e\.sqare" matched no call; calls made here: remote_workflow\.ts::e2e\.square/,
  );
});

Deno.test("a workflow without the import.meta.main guard is caught in its job with a message saying what to wrap", async () => {
  await using p = await remoteProject("");
  await Deno.writeTextFile(
    `${p.path}/unguarded.ts`,
    [
      'import { map, step } from "drover";',
      'export const sq = step("unguarded.sq", ({ x }: { x: number }) => x * x);',
      "const r = await map(sq, [{ x: 1 }, { x: 2 }]);",
      "console.log(JSON.stringify(r.failures.map((f) => (f.error as Error).message)));",
      "",
    ].join("\n"),
  );
  const r = await p.run("unguarded.ts", {
    route: { "unguarded.ts::unguarded.sq": { system: "here", inputsPerJob: 2 } },
    env: { DROVER_PROGRESS: "off" },
  });
  assert.equal(r.code, 0, r.stderr);
  const messages: string[] = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  assert.equal(messages.length, 2);
  assert.match(
    messages[0],
    /put the script's own work inside "if \(import\.meta\.main\) \{ \.\.\. \}"/,
  );
});
