/**
 * The remote runtime with the `local` scheduler (background processes on this machine):
 * needs no cluster, so it runs everywhere.
 */
import assert from "node:assert/strict";
import { remoteProject, routeSquare } from "./_remote_project.ts";
import { REPO_ROOT } from "../_helpers/temp.ts";

Deno.test("a routed map on the local scheduler runs as jobs, stages inputFiles, and replays from the store", async () => {
  await using p = await remoteProject("");
  await Deno.writeTextFile(`${p.path}/offset.txt`, "1000");
  const route = routeSquare("here", { inputsPerJob: 5, inputFiles: ["offset.txt"] });
  const env = { N: "20", OFFSET_FILE: "offset.txt" };
  const r = await p.run("remote_workflow.ts", { route, env });
  assert.equal(r.code, 0, r.stderr);
  const expected = Array.from({ length: 20 }, (_, x) => x * x + 1000);
  assert.deepEqual(JSON.parse(r.stdout).values, expected);
  {
    using store = p.store();
    const [job] = store.jobs.listJobs();
    assert.equal(job.size, 4);
    assert.equal(job.state, "finished");
    assert.equal(Deno.readTextFileSync(`${job.dir}/offset.txt`), "1000");
    assert.ok(store.listCalls().every((c) => c.location === "here" && c.state === "done"));
  }
  await Deno.writeTextFile(`${p.path}/offset.txt`, "5");
  const again = await p.run("remote_workflow.ts", { route, env });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout).values, expected, "replayed, not recomputed");
  using store = p.store();
  assert.equal(store.jobs.listJobs().length, 1);
});

Deno.test("a route naming an unknown system fails the calls with a message naming it", async () => {
  await using p = await remoteProject("");
  const r = await p.run("remote_workflow.ts", { route: routeSquare("nowhere"), env: { N: "3" } });
  assert.equal(r.code, 0, r.stderr);
  const { failures } = JSON.parse(r.stdout);
  assert.equal(failures.length, 3);
  assert.equal(
    failures[0].message,
    'Cannot run on system "nowhere": it is not in the systems config (known: slurm, here)',
  );
});

Deno.test("an element killed by a signal is restarted up to maxRestarts, then fails with the reason", async () => {
  await using p = await remoteProject("");
  const route = routeSquare("here", {
    inputsPerJob: 2,
    maxRestarts: 1,
    env: { KILL_AT: "3" },
  });
  const r = await p.run("remote_workflow.ts", { route, env: { N: "6" } });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(
    out.values,
    [0, 1, 4, null, 16, 25],
    "x = 2 finished before x = 3 killed its element",
  );
  assert.deepEqual(out.failures.map((f: { index: number }) => f.index), [3]);
  assert.equal(out.failures[0].name, "JobFailedError");
  assert.match(
    out.failures[0].message,
    /killed by SIGKILL .*\(after 2 attempts\)$/,
  );
  using store = p.store();
  const jobs = store.jobs.listJobs();
  assert.equal(jobs.length, 2, "the first job and one restart of the killed element");
  assert.equal(jobs[0].size, 1);
  assert.deepEqual(store.jobs.callsOf(jobs[0].id).map((c) => c.reason), ["killed"]);
  assert.equal(store.getCall(store.jobs.callsOf(jobs[0].id)[0].key)?.state, "failed");
});

Deno.test("a step that threw in a job is reported at the line of the user's file, not the bundle's", async () => {
  await using p = await remoteProject("");
  // A bundle cache of its own (so the bundle and its map are built here), and Deno's own
  // cache where it is (XDG_CACHE_HOME would move it too, and packages would be fetched).
  const cache = await Deno.makeTempDir({ prefix: "drover-cache-" });
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
  })
    .output();
  const denoDir = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir as string;
  try {
    const r = await p.run("remote_workflow.ts", {
      route: routeSquare("here"),
      env: { N: "4", FAIL_AT: "2", UNWRAP: "1", XDG_CACHE_HOME: cache, DENO_DIR: denoDir },
    });
    assert.equal(r.code, 1, r.stderr);
    const source = await Deno.readTextFile(`${p.path}/remote_workflow.ts`);
    const line = source.split("\n").findIndex((l) => l.includes("throw new RangeError")) + 1;
    assert.match(r.stderr, /x = 2 is not allowed/);

    assert.match(r.stderr, new RegExp(`remote_workflow\\.ts:${line}:`), r.stderr);
    assert.doesNotMatch(r.stderr, /[0-9a-f]{64}:\d+/, "no bundle frames");
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("routed calls beside a CPU-bound local map go out as one array before the local map ends", async () => {
  await using p = await remoteProject("");
  await Deno.copyFile(
    `${REPO_ROOT}/tests/e2e/fixtures/mixed_workflow.ts`,
    `${p.path}/mixed_workflow.ts`,
  );
  const route = { "mixed_workflow.ts::e2e.rsq": { system: "here", inputsPerJob: 10 } };
  // 30 local calls of 300 ms CPU each: about 9 s of local work on the event loop.
  const env = { N_LOCAL: "30", BURN_MS: "300", N_REMOTE: "50", CONCURRENCY: "8" };
  const r = await p.run("mixed_workflow.ts", { route, env });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.values, Array.from({ length: 50 }, (_, x) => x * x));
  assert.equal(out.local, 30);
  using store = p.store();
  const jobs = store.jobs.listJobs();
  assert.equal(jobs.length, 1, "the map's concurrency limits local work only: one array");
  assert.equal(jobs[0].size, 5);
  assert.ok(
    jobs[0].submittedAt! < out.localEndedAt,
    `submitted ${jobs[0].submittedAt! - out.startedAt} ms after the start, ` +
      `the local map ended after ${out.localEndedAt - out.startedAt} ms`,
  );
});
