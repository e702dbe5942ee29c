import assert from "node:assert/strict";
import fc from "fast-check";
import {
  expandTaskRanges,
  parseSacct,
  type SacctRecord,
  type SacctStep,
  safeParseSacct,
  SLURM_JOB_STATES,
} from "../../lib/scheduler/mod.ts";
import { fixture } from "./_golden.ts";
import { canonicalRange, renderJobId, squeueRow } from "./_slurm_rows.ts";

// --- sacct --------------------------------------------------------------------------------

Deno.test("parseSacct() folds steps into their element and keeps every final state", async () => {
  const { jobs: records, problems } = parseSacct(await fixture("slurm/sacct_array.txt"));
  assert.deepEqual(problems, []);
  assert.equal(records.length, 9);
  const byTask = new Map(records.map((r) => [renderJobId(r), r]));
  const summary = records.map((r) => [
    renderJobId(r),
    r.state,
    r.exitCode,
    r.signal,
    r.steps.length,
  ]);
  assert.deepEqual(summary, [
    ["4100_0", "COMPLETED", 0, 0, 2],
    ["4100_1", "FAILED", 3, 0, 2],
    ["4100_2", "OUT_OF_MEMORY", 0, 125, 2],
    ["4100_3", "TIMEOUT", 0, 0, 2],
    ["4100_4", "CANCELLED", 0, 0, 2],
    ["4100_5", "NODE_FAIL", 0, 0, 1],
    ["4100_6", "PREEMPTED", 0, 0, 2],
    ["4100_7", "RUNNING", 0, 0, 2],
    ["4100_[8-19%8]", "PENDING", 0, 0, 0],
  ]);
  const oom = byTask.get("4100_2")!;
  assert.equal(oom.rawJobId, "4103");
  assert.equal(oom.maxRss, 2 * 1024 ** 3);
  assert.equal(oom.elapsed, 100_000);
  assert.equal(oom.nodeList, "node02");
  assert.deepEqual(oom.steps[0], {
    step: "batch",
    state: "OUT_OF_MEMORY",
    exitCode: 0,
    signal: 125,
    elapsed: 100_000,
    maxRss: 2 * 1024 ** 3,
  });
  assert.equal(byTask.get("4100_4")!.cancelledBy, 1000);
  assert.equal(byTask.get("4100_3")!.steps[0].signal, 15);
  const pending = byTask.get("4100_[8-19%8]")!;
  assert.equal(pending.nodeList, null);
  assert.equal(pending.throttle, 8);
  assert.equal(pending.maxRss, null);
});

Deno.test("parseSacct() reads CANCELLED by 0, days, odd names and numbered steps", async () => {
  const { jobs: records, problems } = parseSacct(await fixture("slurm/sacct_misc.txt"));
  assert.deepEqual(problems, []);
  const [cancelled, long, nodeno, killed, requeued, boot] = records;
  assert.equal(cancelled.state, "CANCELLED");
  assert.equal(cancelled.cancelledBy, 0);
  assert.deepEqual(expandTaskRanges(cancelled.arrayTasks!), [0, 1, 2, 3, 4]);
  assert.equal(long.name, "my|odd|name");
  assert.equal(long.elapsed, 86_400_000 + 7_384_000);
  assert.equal(long.nodeList, "node[01-02]");
  assert.deepEqual(long.steps.map((s) => s.step), ["batch", "extern", "0"]);
  assert.equal(long.maxRss, Math.round(3.25 * 1024 ** 3));
  assert.equal(nodeno.exitCode, 127);
  assert.equal(killed.signal, 9);
  assert.equal(requeued.state, "REQUEUED");
  assert.equal(boot.state, "BOOT_FAIL");
});

Deno.test("parseSacct() skips a bad line, reporting it with its job id and line, and reads the rest", () => {
  const good = "5|5|COMPLETED|0:0|00:00:01||n1|a";
  const cases: [string, RegExp][] = [
    [`${good}\n5|5|COMPLETED|0:0|00:00:01`, /line 2 .* has fewer than 8 fields/],
    [`${good}\n6|6|DONE|0:0|00:00:01||n1|a`, /line 2 .* unknown state "DONE"/],
    [`${good}\n6|6|CANCELLED by root|0:0|00:00:01||n1|a`, /unknown state "CANCELLED by root"/],
    [`${good}\n6|6|FAILED|1|00:00:01||n1|a`, /malformed ExitCode "1"/],
    [`${good}\n6|6|FAILED|1:0|soon||n1|a`, /malformed Elapsed or MaxRSS/],
    [`${good}\n6|6|FAILED|1:0|00:00:01|lots|n1|a`, /malformed Elapsed or MaxRSS/],
    [`${good}\n7.batch|7.batch|FAILED|1:0|00:00:01||n1|batch`, /step of 7, which has no line/],
    [`${good}\n6x|6|FAILED|1:0|00:00:01||n1|a`, /malformed JobID "6x"/],
  ];
  for (const [output, message] of cases) {
    const { jobs, problems } = parseSacct(output);
    assert.deepEqual(jobs.map((j) => j.jobId), ["5"], output);
    assert.equal(problems.length, 1, output);
    assert.match(problems[0].message, /^Cannot parse sacct --noheader --parsable2 /);
    assert.match(problems[0].message, message);
    assert.equal(problems[0].lineNumber, 2);
    assert.equal(problems[0].line, output.split("\n")[1]);
    assert.equal(problems[0].jobId, output.split("\n")[1].split(/[|.]/)[0]);
    // Alone, the bad line is no listing at all.
    const alone = safeParseSacct(output.split("\n")[1]);
    assert.equal(alone.success, false, output);
  }
});

const stepArb: fc.Arbitrary<Omit<SacctStep, "step">> = fc.record({
  state: fc.constantFrom(...SLURM_JOB_STATES),
  exitCode: fc.nat(255),
  signal: fc.nat(64),
  elapsed: fc.nat(40 * 86_400).map((s) => s * 1000),
  maxRss: fc.option(fc.integer({ min: 1, max: 2 ** 30 }).map((k) => k * 1024), { nil: null }),
});

const recordArb: fc.Arbitrary<SacctRecord> = fc.record({
  ref: squeueRow,
  rawJobId: fc.nat(10_000_000).map(String),
  cancelledBy: fc.option(fc.nat(70_000), { nil: null }),
  exitCode: fc.nat(255),
  signal: fc.nat(64),
  elapsed: fc.nat(40 * 86_400).map((s) => s * 1000),
  nodeList: fc.option(fc.stringMatching(/^[a-z][a-z0-9,[\]-]{0,20}$/), { nil: null }),
  steps: fc.uniqueArray(
    fc.tuple(fc.constantFrom("batch", "extern", "0", "1", "2"), stepArb),
    { selector: ([name]) => name, maxLength: 4 },
  ),
}).map(({ ref, cancelledBy, steps, ...rest }): SacctRecord => {
  const state = cancelledBy === null ? ref.state : "CANCELLED";
  const stepList = steps.map(([step, s]) => ({ step, ...s }));
  const rss = stepList.map((s) => s.maxRss).filter((v) => v !== null);
  return {
    jobId: ref.jobId,
    arrayTasks: ref.arrayTasks,
    throttle: ref.throttle,
    ...rest,
    state,
    cancelledBy,
    maxRss: rss.length === 0 ? null : Math.max(...rss),
    name: ref.name,
    steps: stepList,
  };
});

function elapsedText(ms: number): string {
  const s = ms / 1000;
  const d = Math.floor(s / 86400);
  const hms = [Math.floor(s % 86400 / 3600), Math.floor(s % 3600 / 60), s % 60]
    .map((n) => String(n).padStart(2, "0")).join(":");
  return d > 0 ? `${d}-${hms}` : hms;
}

function renderSacct(records: readonly SacctRecord[]): string {
  const lines: string[] = [];
  for (const r of records) {
    const id = renderJobId(r);
    const state = r.cancelledBy === null ? r.state : `${r.state} by ${r.cancelledBy}`;
    lines.push(
      [
        id,
        r.rawJobId,
        state,
        `${r.exitCode}:${r.signal}`,
        elapsedText(r.elapsed),
        "",
        r.nodeList ?? "None assigned",
        r.name,
      ].join("|"),
    );
    for (const s of r.steps) {
      lines.push(
        [
          `${id}.${s.step}`,
          `${r.rawJobId}.${s.step}`,
          s.state,
          `${s.exitCode}:${s.signal}`,
          elapsedText(s.elapsed),
          s.maxRss === null ? "" : `${s.maxRss / 1024}K`,
          r.nodeList ?? "None assigned",
          s.step === "batch" || s.step === "extern" ? s.step : "deno",
        ].join("|"),
      );
    }
  }
  return lines.join("\n") + "\n";
}

Deno.test("parseSacct() reads back any rendered records (property)", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(recordArb, { selector: (r) => renderJobId(r), maxLength: 12 }),
      (records) => {
        const parsed = parseSacct(renderSacct(records)).jobs;
        assert.deepEqual(
          parsed,
          records.map((r) => ({ ...r, arrayTasks: r.arrayTasks?.map(canonicalRange) ?? null })),
        );
      },
    ),
    { numRuns: 300 },
  );
});
