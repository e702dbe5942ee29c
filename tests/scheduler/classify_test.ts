import assert from "node:assert/strict";
import {
  classifyOutcome,
  evidenceFromSacct,
  type FailureReason,
  hasOomHint,
  type OutcomeEvidence,
  parseSacct,
} from "../../lib/scheduler/mod.ts";
import { fixture } from "./_golden.ts";

const GONE: OutcomeEvidence = { squeueSeen: false, missingForMs: 0, graceMs: 60_000 };
const LONG_GONE: OutcomeEvidence = { ...GONE, missingForMs: 120_000 };
const QUEUED: OutcomeEvidence = { ...GONE, squeueSeen: true };

/** Expected: "done", null (not ended), or [reason, retryable, detail pattern, exitCode?]. */
type Expected = "done" | null | [FailureReason, boolean, RegExp, number?];

const TABLE: [string, OutcomeEvidence, Expected][] = [
  // 1. markers are the source of truth
  ["a result marker", { ...GONE, marker: { hasResult: true } }, "done"],
  [
    "a result marker even when sacct says TIMEOUT",
    { ...GONE, marker: { hasResult: true, exitCode: 0 }, sacctState: "TIMEOUT" },
    "done",
  ],
  [
    "a result marker while still listed by squeue",
    { ...QUEUED, marker: { hasResult: true } },
    "done",
  ],
  [
    "an error marker",
    { ...GONE, marker: { hasResult: false, errorKind: "RangeError", exitCode: 1 } },
    ["exception", false, /^the step threw RangeError$/, 1],
  ],
  [
    "an error marker even when sacct says FAILED",
    { ...GONE, marker: { hasResult: false, errorKind: "Error" }, sacctState: "FAILED" },
    ["exception", false, /threw Error/],
  ],
  // 2. final Slurm states
  ["TIMEOUT", { ...GONE, sacctState: "TIMEOUT" }, ["timeout", true, /time limit \(TIMEOUT\)/]],
  ["DEADLINE", { ...GONE, sacctState: "DEADLINE" }, ["timeout", true, /DEADLINE/]],
  [
    "OUT_OF_MEMORY",
    { ...GONE, sacctState: "OUT_OF_MEMORY", exitCode: 0 },
    ["out-of-memory", true, /ran out of memory/, 0],
  ],
  ["NODE_FAIL", { ...GONE, sacctState: "NODE_FAIL" }, ["node-failure", true, /node failed/]],
  ["BOOT_FAIL", { ...GONE, sacctState: "BOOT_FAIL" }, ["node-failure", true, /BOOT_FAIL/]],
  ["PREEMPTED", { ...GONE, sacctState: "PREEMPTED" }, ["preempted", true, /preempted/]],
  [
    "CANCELLED by 1000",
    { ...GONE, sacctState: "CANCELLED by 1000" },
    ["cancelled", true, /cancelled \(CANCELLED by 1000\)/],
  ],
  ["CANCELLED", { ...GONE, sacctState: "CANCELLED" }, ["cancelled", true, /cancelled/]],
  [
    "TIMEOUT from squeue --states=all while still listed",
    { ...QUEUED, sacctState: "TIMEOUT" },
    ["timeout", true, /TIMEOUT/],
  ],
  [
    "FAILED with signal 9 and an OOM hint",
    { ...GONE, sacctState: "FAILED", exitCode: 0, signal: 9, oomHint: true },
    ["out-of-memory", true, /killed after running out of memory/, 0],
  ],
  [
    "FAILED with exit 137 from the marker and an OOM hint",
    { ...GONE, sacctState: "FAILED", marker: { hasResult: false, exitCode: 137 }, oomHint: true },
    ["out-of-memory", true, /out of memory/, 137],
  ],
  [
    "FAILED with no exit code and an OOM hint",
    { ...GONE, sacctState: "FAILED", oomHint: true },
    ["out-of-memory", true, /out of memory/],
  ],
  [
    "FAILED with exit 3 and an OOM hint (not a kill)",
    { ...GONE, sacctState: "FAILED", exitCode: 3, oomHint: true },
    ["exception", false, /failed \(FAILED\) with code 3/, 3],
  ],
  [
    "FAILED with exit 127",
    { ...GONE, sacctState: "FAILED", exitCode: 127 },
    ["exception", false, /command not found: is deno on the compute nodes' PATH\?/, 127],
  ],
  [
    "FAILED with exit 137 from the marker and no OOM hint (killed from outside)",
    { ...GONE, sacctState: "FAILED", marker: { hasResult: false, exitCode: 137 } },
    ["cancelled", true, /killed by SIGKILL \(exit 137\) \(FAILED\)/, 137],
  ],
  [
    "COMPLETED without a result, within the grace period",
    { ...GONE, sacctState: "COMPLETED", missingForMs: 10_000 },
    null,
  ],
  [
    "COMPLETED without a result, after the grace period",
    { ...LONG_GONE, sacctState: "COMPLETED", exitCode: 0 },
    ["lost", true, /completed but left no result after 120 s/, 0],
  ],
  ["RUNNING", { ...GONE, sacctState: "RUNNING" }, null],
  ["PENDING long missing from squeue", { ...LONG_GONE, sacctState: "PENDING" }, null],
  ["REQUEUED", { ...GONE, sacctState: "REQUEUED" }, null],
  ["COMPLETING", { ...QUEUED, sacctState: "COMPLETING" }, null],
  // 3. still listed
  ["listed by squeue with nothing else", QUEUED, null],
  [
    "listed by squeue with a marker exit code",
    { ...QUEUED, marker: { hasResult: false, exitCode: 1 } },
    null,
  ],
  // 4. only the wrapper's exit code
  [
    "exit 137 with an OOM hint",
    { ...GONE, marker: { hasResult: false, exitCode: 137 }, oomHint: true },
    ["out-of-memory", true, /killed \(exit 137\) after running out of memory/, 137],
  ],
  [
    "exit 137 without a hint",
    { ...GONE, marker: { hasResult: false, exitCode: 137 } },
    ["cancelled", true, /killed by SIGKILL \(exit 137\)/, 137],
  ],
  [
    "exit 143 (SIGTERM at the time limit, record gone)",
    { ...GONE, marker: { hasResult: false, exitCode: 143 } },
    ["cancelled", true, /SIGTERM \(exit 143\) .*time limit, cancellation or preemption/, 143],
  ],
  [
    "exit 2 without an error marker",
    { ...GONE, marker: { hasResult: false, exitCode: 2 } },
    ["exception", false, /the job script exited with code 2 without recording/, 2],
  ],
  [
    "exit 0 without a result, within the grace period",
    { ...GONE, marker: { hasResult: false, exitCode: 0 }, missingForMs: 5000 },
    null,
  ],
  [
    "exit 0 without a result, after the grace period",
    { ...LONG_GONE, marker: { hasResult: false, exitCode: 0 } },
    ["lost", true, /exited with code 0 but no result appeared/, 0],
  ],
  // 5. nothing at all
  ["missing within the grace period", { ...GONE, missingForMs: 60_000 }, null],
  [
    "missing longer than the grace period",
    LONG_GONE,
    ["lost", true, /disappeared from squeue and sacct .*missing for 120 s, grace 60 s/],
  ],
  [
    "an unknown sacct state, long missing",
    { ...LONG_GONE, sacctState: "WEIRD" },
    ["lost", true, /disappeared/],
  ],
];

for (const [what, evidence, expected] of TABLE) {
  Deno.test(`classifyOutcome() gives ${JSON.stringify(expected?.[0] ?? expected)} for ${what}`, () => {
    const outcome = classifyOutcome(evidence);
    if (expected === null) return assert.equal(outcome, null);
    if (expected === "done") return assert.deepEqual(outcome, { state: "done" });
    assert.ok(outcome?.state === "failed", `got ${JSON.stringify(outcome)}`);
    const [reason, retryable, detail, exitCode] = expected;
    assert.equal(outcome.reason, reason);
    assert.equal(outcome.retryable, retryable);
    assert.match(outcome.detail, detail);
    assert.equal(outcome.exitCode, exitCode);
  });
}

Deno.test("classifyOutcome() marks only exceptions as not retryable", () => {
  for (const [, evidence] of TABLE) {
    const outcome = classifyOutcome(evidence);
    if (outcome?.state === "failed") {
      assert.equal(outcome.retryable, outcome.reason !== "exception");
    }
  }
});

Deno.test("evidenceFromSacct() feeds classifyOutcome() for every element of an array", async () => {
  const records = parseSacct(await fixture("slurm/sacct_array.txt")).jobs;
  const reasons = records.map((r) => {
    const outcome = classifyOutcome({ ...LONG_GONE, ...evidenceFromSacct(r) });
    return outcome === null ? null : outcome.state === "done" ? "done" : outcome.reason;
  });
  assert.deepEqual(reasons, [
    "lost", // COMPLETED but no result marker in this test
    "exception",
    "out-of-memory",
    "timeout",
    "cancelled",
    "node-failure",
    "preempted",
    null,
    null,
  ]);
  assert.equal(evidenceFromSacct(records[4]).sacctState, "CANCELLED by 1000");
});

Deno.test("evidenceFromSacct() finds an OOM hint in a step", async () => {
  const [, , , killed] = parseSacct(await fixture("slurm/sacct_misc.txt")).jobs;
  assert.equal(evidenceFromSacct(killed).oomHint, false);
  const [record] = parseSacct(
    "9|9|FAILED|0:9|00:00:30||n1|a\n9.batch|9.batch|OUT_OF_MEMORY|0:125|00:00:30||n1|batch\n",
  ).jobs;
  assert.equal(evidenceFromSacct(record).oomHint, true);
});

Deno.test("hasOomHint() recognises Slurm, kernel and PBS messages but not V8's", () => {
  const yes = [
    "slurmstepd: error: Detected 1 oom-kill event(s) in StepId=4103.batch. Some of your processes may have been killed by the cgroup out-of-memory handler.",
    "slurmstepd: error: Exceeded job memory limit",
    "Memory cgroup out of memory: Killed process 1234 (deno)",
    "=>> PBS: job killed: mem 1100mb exceeded limit 1024mb",
    "slurmstepd: error: *** JOB 4103 ON node02 CANCELLED AT 2024-05-07T10:12:52 *** OUT_OF_MEMORY",
  ];
  const no = [
    "",
    "slurmstepd-vm: error: *** JOB 201 ON vm CANCELLED AT 2026-11-22T08:37:33 DUE TO TIME LIMIT ***",
    "Fatal JavaScript out of memory: Reached heap limit",
    "error: Uncaught RangeError: room is out of memory budget",
  ];
  for (const text of yes) assert.equal(hasOomHint(text), true, text);
  for (const text of no) assert.equal(hasOomHint(text), false, text);
});
