import assert from "node:assert/strict";
import fc from "fast-check";
import {
  expandTaskRanges,
  parseSbatch,
  parseSqueue,
  safeParseSbatch,
  safeParseSqueue,
  SchedulerOutputError,
} from "../../lib/scheduler/mod.ts";
import { fixture } from "./_golden.ts";
import { normalize, range, renderJobId, squeueRow } from "./_slurm_rows.ts";

// --- sbatch -------------------------------------------------------------------------------

Deno.test("parseSbatch() reads real sbatch --parsable output", async () => {
  assert.deepEqual(parseSbatch(await fixture("slurm/sbatch_parsable.txt")), {
    jobId: "200",
    cluster: null,
  });
  assert.deepEqual(parseSbatch(await fixture("slurm/sbatch_parsable_cluster.txt")), {
    jobId: "4127",
    cluster: "cascade",
  });
});

Deno.test("parseSbatch() throws SchedulerOutputError for anything but one id line", () => {
  const cases: [string, RegExp][] = [
    ["", /it is empty/],
    ["Submitted batch job 12\n", /line 1 "Submitted batch job 12" is not/],
    ["12\n13\n", /line 2 "13" follows the job id/],
    ["12;\n", /line 1/],
  ];
  for (const [output, message] of cases) {
    const result = safeParseSbatch(output);
    assert.equal(result.success, false, JSON.stringify(output));
    if (!result.success) {
      assert.ok(result.error instanceof SchedulerOutputError);
      assert.match(result.error.message, /^Cannot parse sbatch --parsable output: /);
      assert.match(result.error.message, message);
    }
  }
});

// --- squeue -------------------------------------------------------------------------------

Deno.test("parseSqueue() reads real output with held, throttled and running elements", async () => {
  const { jobs: rows, problems } = parseSqueue(await fixture("slurm/squeue_holes.txt"));
  assert.deepEqual(problems, []);
  assert.equal(rows.length, 8);
  assert.deepEqual(rows[0], {
    jobId: "22",
    arrayTasks: [range(1)],
    throttle: null,
    state: "CANCELLED",
    reason: null,
    name: "drover-fixture-a",
  });
  assert.deepEqual(rows[2], {
    jobId: "25",
    arrayTasks: null,
    throttle: null,
    state: "FAILED",
    reason: "JobLaunchFailure",
    name: "drover-fixture-kill",
  });
  assert.deepEqual(rows[3], {
    jobId: "22",
    arrayTasks: [range(3, 4), range(6), range(8, 9)],
    throttle: 2,
    state: "PENDING",
    reason: "JobArrayTaskLimit",
    name: "drover-fixture-a",
  });
  assert.equal(rows[4].name, "drover fixture|b", "the name keeps its |");
  assert.deepEqual(expandTaskRanges(rows[4].arrayTasks!), [0, 1, 3, 4]);
  assert.deepEqual(rows.slice(5).map((r) => [r.jobId, r.state]), [
    ["22", "RUNNING"],
    ["22", "RUNNING"],
    ["50", "RUNNING"],
  ]);
});

Deno.test("parseSqueue() reads real output of every captured snapshot", async () => {
  const states = new Set<string>();
  for (
    const name of [
      "squeue_states_all.txt",
      "squeue_array_expanded.txt",
      "squeue_timeout.txt",
      "squeue_cancelled_range.txt",
    ]
  ) {
    const { jobs, problems } = parseSqueue(await fixture(`slurm/${name}`));
    assert.deepEqual(problems, [], name);
    for (const row of jobs) states.add(row.state);
  }
  assert.deepEqual([...states].sort(), [
    "CANCELLED",
    "COMPLETED",
    "FAILED",
    "PENDING",
    "RUNNING",
    "TIMEOUT",
  ]);
  const [timeout] = parseSqueue(await fixture("slurm/squeue_timeout.txt")).jobs;
  assert.equal(timeout.reason, "TimeLimit");
  const [cancelled] = parseSqueue(await fixture("slurm/squeue_cancelled_range.txt")).jobs;
  assert.equal(cancelled.state, "CANCELLED");
  assert.deepEqual(expandTaskRanges(cancelled.arrayTasks!), [0, 1, 3, 4]);
});

Deno.test("parseSqueue() reads the expanded (-r) form one element a line", async () => {
  const rows = parseSqueue(await fixture("slurm/squeue_array_expanded.txt")).jobs;
  const pending = rows.filter((r) => r.jobId === "22" && r.state === "PENDING");
  assert.deepEqual(pending.flatMap((r) => expandTaskRanges(r.arrayTasks!)), [3, 4, 5, 6, 7, 8, 9]);
  assert.ok(pending.every((r) => r.throttle === null));
});

Deno.test("parseSqueue() reads step ranges and heterogeneous job ids", () => {
  const rows = parseSqueue("7_[1-9:4%3]|PENDING|Priority|a\n8+1|RUNNING|None|b\n").jobs;
  assert.deepEqual(rows[0].arrayTasks, [{ first: 1, last: 9, step: 4 }]);
  assert.deepEqual(expandTaskRanges(rows[0].arrayTasks!), [1, 5, 9]);
  assert.equal(rows[0].throttle, 3);
  assert.equal(rows[1].jobId, "8+1");
});

Deno.test("parseSqueue() returns no rows for empty output", () => {
  assert.deepEqual(parseSqueue(""), { jobs: [], problems: [] });
  assert.deepEqual(parseSqueue("\n\n"), { jobs: [], problems: [] });
});

Deno.test("parseSqueue() skips a bad line, reporting it with its job id, and reads the rest", () => {
  const { jobs, problems } = parseSqueue(
    "12|RUNNING|None|a\n13|running|None|b\n14|PENDING|Priority|c\n",
  );
  assert.deepEqual(jobs.map((j) => j.jobId), ["12", "14"]);
  assert.deepEqual(problems.map((p) => [p.jobId, p.lineNumber, p.line]), [
    ["13", 2, "13|running|None|b"],
  ]);
  assert.match(problems[0].message, /^Cannot parse squeue --noheader .* unknown state "running"$/);
});

Deno.test("parseSqueue() throws SchedulerOutputError with the command and offending line when no line can be read", () => {
  const cases: [string, number, RegExp][] = [
    ["JOBID STATE\n", 1, /has fewer than 4 fields/],
    ["12|running|None|a\n", 1, /unknown state "running"/],
    ["12_[3-1]|PENDING|None|a\n", 1, /malformed job id "12_\[3-1\]"/],
    ["12_|PENDING|None|a\n", 1, /malformed job id/],
    ["x12|PENDING|None|a\n", 1, /malformed job id/],
    ["12_[1-3%2%3]|PENDING|None|a\n", 1, /malformed job id/],
  ];
  for (const [output, lineNumber, message] of cases) {
    assert.throws(() => parseSqueue(output, { command: "squeue --me" }), (e: unknown) => {
      assert.ok(e instanceof SchedulerOutputError);
      assert.equal(e.command, "squeue --me");
      assert.equal(e.lineNumber, lineNumber);
      assert.equal(e.line, output.split("\n")[lineNumber - 1]);
      assert.match(e.message, new RegExp(`^Cannot parse squeue --me output: line ${lineNumber} `));
      assert.match(e.message, message);
      return true;
    });
  }
  const result = safeParseSqueue("garbage\n");
  assert.equal(result.success, false);
});

Deno.test("parseSqueue() reads back any rendered rows (property)", () => {
  fc.assert(
    fc.property(fc.array(squeueRow, { maxLength: 20 }), (rows) => {
      const output = rows
        .map((r) => `${renderJobId(r)}|${r.state}|${r.reason ?? "None"}|${r.name}`)
        .join("\n");
      const parsed = parseSqueue(output + "\n").jobs;
      assert.deepEqual(parsed, rows.map(normalize));
    }),
    { numRuns: 300 },
  );
});
