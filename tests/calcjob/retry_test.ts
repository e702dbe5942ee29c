/**
 * Retries of transient failures: decided by the failure's class, up to the calcjob's (or
 * its code's, or the run's) limit, each round one array of the retried calcjobs. The local
 * scheduler really runs the arrays; the scheduler's answer is altered for chosen elements
 * (a node failure or preemption cannot be caused on a shared test cluster).
 */
import assert from "node:assert/strict";
import {
  addJobsFile,
  type CalcJobRunEvent,
  CalcJobStore,
  decideRetry,
  DEFAULT_RETRIES,
  runCalcJobs,
  TRANSIENT_FAILURES,
} from "../../lib/calcjob/mod.ts";
import { systemClock, SystemLink } from "../../lib/runtime/mod.ts";
import { LocalDriver, type SchedulerDriver } from "../../lib/scheduler/mod.ts";
import type { Store } from "../../lib/store/mod.ts";
import { LocalTransport } from "../../lib/transport/mod.ts";
import { runCli } from "../cli/_fixture.ts";
import { faultyDriver } from "./_faulty_driver.ts";
import { calcjobProject, LAPTOP } from "./_project.ts";

Deno.test("decideRetry() retries only transient failures, up to the limit", () => {
  assert.deepEqual(
    Object.entries(TRANSIENT_FAILURES).filter(([, t]) => t).map(([r]) => r).sort(),
    ["lost", "node-failure", "preempted"],
  );
  for (const reason of ["exit-code", "timeout", "out-of-memory", "cancelled"] as const) {
    assert.deepEqual(decideRetry(reason, 1, 5), { action: "fail", why: "persistent" });
  }
  assert.deepEqual(decideRetry("lost", 0, 2), { action: "retry", retry: 1, of: 2 });
  assert.deepEqual(decideRetry("preempted", 2, 2), { action: "retry", retry: 2, of: 2 });
  assert.deepEqual(decideRetry("preempted", 3, 2), { action: "fail", why: "exhausted" });
  assert.deepEqual(decideRetry("node-failure", 1, 0), { action: "fail", why: "exhausted" });
  assert.equal(DEFAULT_RETRIES, 2);
});

const JOBS = `
codes:
  - label: work
    system: laptop
    script: |
      #!/bin/bash
      echo {{ calc.parameters.name }} > out.txt
      exit {{ calc.parameters.code }}
    download: [out.txt]
  - { label: careful, system: laptop, retries: 3, script: "#!/bin/bash\\necho c > out.txt\\n" }
calcjobs:
  - &a { label: a, code: work, parameters: { name: a, code: 0 } }
  - { <<: *a, label: b, parameters: { name: b, code: 0, fault: NODE_FAIL, times: 1 } }
  - { <<: *a, label: c, parameters: { name: c, code: 0, fault: PREEMPTED, times: 1 } }
  - { <<: *a, label: d, retries: 1, parameters: { name: d, code: 0, fault: NODE_FAIL, times: 9 } }
  - { <<: *a, label: e, parameters: { name: e, code: 0, fault: NODE_FAIL, times: 9 } }
  - { <<: *a, label: f, parameters: { name: f, code: 3 } }
  - { <<: *a, label: g, parameters: { name: g, code: 0, fault: TIMEOUT, times: 9 } }
  - { label: h, code: careful }
`;

function faulty(store: Store, dir: string): SchedulerDriver {
  // Its own registry: the shared one in $HOME lists every test's jobs at each poll.
  return faultyDriver(new LocalDriver({ registry: `${dir}/registry` }), store);
}

Deno.test("runCalcJobs() retries transient failures in rounds of one array, up to the limit", async () => {
  using p = calcjobProject();
  const system = { ...LAPTOP, rundir: `${p.dir}/runs` };
  addJobsFile(p.write("jobs.yaml", JOBS), p.store, { systems: { laptop: system } });
  await using transport = new LocalTransport();
  const link = new SystemLink(system, transport, faulty(p.store, p.dir));
  const events: CalcJobRunEvent[] = [];
  const summary = await runCalcJobs(p.store, {
    linkFor: () => link,
    clock: systemClock,
    pollMs: 10,
    signal: AbortSignal.timeout(60_000),
    onEvent: (e) => events.push(e),
  });
  const batched = events.flatMap((e) => e.type === "batched" ? [[e.size, e.retry]] : []);
  // Two codes, then the retry rounds: b, c, d, e together, then e alone.
  assert.deepEqual(batched, [[7, false], [1, false], [4, true], [1, true]]);
  assert.equal(summary.submissions, 4);
  assert.deepEqual(summary.counts, { completed: 4, failed: 4 });
  const calcjobs = new CalcJobStore(p.store);
  const by = Object.fromEntries(calcjobs.list().map((c) => [c.label, c]));
  const row = (l: string) => [by[l].state, by[l].reason, by[l].attempts, by[l].maxRetries];
  assert.deepEqual(row("a"), ["completed", null, 1, null]);
  assert.deepEqual(row("b"), ["completed", null, 2, null]);
  assert.deepEqual(row("c"), ["completed", null, 2, null]);
  assert.deepEqual(row("d"), ["failed", "node-failure", 2, 1]);
  assert.deepEqual(row("e"), ["failed", "node-failure", 3, null]);
  assert.deepEqual(row("f"), ["failed", "exit-code", 1, null]);
  assert.deepEqual(row("g"), ["failed", "timeout", 1, null]);
  assert.deepEqual(row("h"), ["completed", null, 1, 3]);
  const history = calcjobs.events(by.e.id).map((e) => `${e.state} ${e.detail ?? ""}`.trim());
  assert.deepEqual(history.map((h) => h.split(" ")[0]), [
    "created",
    ...["uploading", "submitting", "submitted", "retrying"],
    ...["uploading", "submitting", "submitted", "retrying"],
    ...["uploading", "submitting", "submitted", "failed"],
  ]);
  assert.match(
    history[4],
    /^retrying node-failure: the scheduler says NODE_FAIL\b.*; retry 1 of 2$/,
  );
  assert.match(history[5], /^uploading cj-[0-9a-f]{12}: attempt 2$/);
  assert.match(history[8], /retry 2 of 2$/);
  assert.match(history[12], /^failed node-failure: .*; no retries left \(2 used\)$/);
  // Each round ran in its own array directory: b's output is the retry's.
  const b = calcjobs.files(by.b.id).find((f) => f.direction === "out")!;
  assert.equal(new TextDecoder().decode(p.store.objects.get(b.sha256)), "b\n");
  const shown = await runCli(["calcjobs", "show", String(by.e.seq)], p.dir);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^ {2}attempts: {3}3$/m);
  assert.match(shown.stdout, /retrying {2}node-failure: .*retry 1 of 2\n/);
  const status = await runCli(["status"], p.dir);
  assert.match(status.stdout, /^calcjobs: 8 \(4 completed, 4 failed\)$/m);
  const json = JSON.parse((await runCli(["status", "--json"], p.dir)).stdout);
  assert.deepEqual(json.calcjobs, { completed: 4, failed: 4 });
});

Deno.test("runCalcJobs() takes the run's retry limit for calcjobs whose jobs file sets none", async () => {
  using p = calcjobProject();
  const system = { ...LAPTOP, rundir: `${p.dir}/runs` };
  addJobsFile(
    p.write(
      "jobs.yaml",
      JOBS.replace(
        /calcjobs:[^]*/,
        "calcjobs: [{ label: e, code: work, parameters: " +
          "{ name: e, code: 0, fault: NODE_FAIL, times: 9 } }]\n",
      ),
    ),
    p.store,
    { systems: { laptop: system } },
  );
  await using transport = new LocalTransport();
  const link = new SystemLink(system, transport, faulty(p.store, p.dir));
  const summary = await runCalcJobs(p.store, {
    linkFor: () => link,
    clock: systemClock,
    pollMs: 10,
    retries: 0,
    signal: AbortSignal.timeout(60_000),
  });
  assert.equal(summary.submissions, 1);
  const [e] = new CalcJobStore(p.store).list();
  assert.deepEqual([e.state, e.attempts], ["failed", 1]);
});
