import assert from "node:assert/strict";
import {
  expandTaskRanges,
  parsePbsQstat,
  parsePbsQstatFull,
  parseQacct,
  parseSgeQstat,
  safeParsePbsQstat,
  safeParsePbsQstatFull,
  safeParseQacct,
  safeParseSgeQstat,
  SchedulerOutputError,
} from "../../lib/scheduler/mod.ts";
import { fixture } from "./_golden.ts";

// --- PBS ----------------------------------------------------------------------------------

Deno.test("parsePbsQstat() reads qstat -t -x with the array, subjobs and plain jobs", async () => {
  const { jobs: rows, problems } = parsePbsQstat(await fixture("pbs/qstat_tx.txt"));
  assert.deepEqual(problems, []);
  assert.deepEqual(
    rows.map((r) => [r.jobNumber, r.arrayIndex, r.isArray, r.state, r.timeUsed]),
    [
      ["5310", null, true, "B", 0],
      ["5310", 0, false, "X", 12_000],
      ["5310", 1, false, "X", 4000],
      ["5310", 2, false, "R", 100_000],
      ["5310", 3, false, "Q", 0],
      ["5311", null, false, "F", 0],
      ["5312", null, false, "R", 3_723_000],
      ["5313", null, true, "H", 0],
    ],
  );
  assert.equal(rows[6].name, "long_job_name_t*");
  assert.equal(rows[6].queue, "long");
  assert.equal(rows[1].id, "5310[0].pbs01");
  assert.equal(rows[1].user, "alice");
});

Deno.test("parsePbsQstat() throws SchedulerOutputError when its only line is bad", () => {
  const cases: [string, RegExp][] = [
    ["5310.pbs01 x alice 0 Z workq", /unknown state "Z"/],
    ["5310.pbs01 x alice 0 R", /has 5 columns, expected 6/],
    ["abc.pbs01 x alice 0 R workq", /malformed job id "abc.pbs01"/],
    ["5310.pbs01 x alice soon R workq", /malformed time "soon"/],
  ];
  for (const [output, message] of cases) {
    const result = safeParsePbsQstat(output);
    assert.equal(result.success, false, output);
    if (!result.success) {
      assert.match(result.error.message, /^Cannot parse qstat -t -x output: line 1 /);
      assert.match(result.error.message, message);
    }
  }
});

Deno.test("parsePbsQstatFull() reads qstat -f blocks, joining continuation lines", async () => {
  const { jobs, problems } = parsePbsQstatFull(await fixture("pbs/qstat_f.txt"));
  assert.deepEqual(problems, []);
  assert.equal(jobs.length, 3);
  const [done, walltime, running] = jobs;
  assert.equal(done.id, "5310[0].pbs01");
  assert.equal(done.arrayIndex, 0);
  assert.equal(done.name, "drover-3f2a9c");
  assert.equal(done.state, "F");
  assert.equal(done.exitStatus, 0);
  assert.equal(done.walltimeUsed, 12_000);
  assert.equal(done.memoryUsed, 48232 * 1024);
  assert.equal(
    done.comment,
    "Job run at Tue May 07 at 10:11 on (node01:ncpus=1:mem=1048576kb) and finished",
  );
  assert.match(done.attributes["Variable_List"], /PBS_O_SYSTEM=Linux,PBS_O_QUEUE=workq/);
  assert.equal(done.attributes["Resource_List.select"], "1:ncpus=1:mem=1024mb");
  assert.equal(walltime.exitStatus, -29);
  assert.equal(walltime.arrayIndex, 3);
  assert.equal(running.exitStatus, null);
  assert.equal(running.memoryUsed, 3 * 1024 ** 3);
  assert.equal(running.queue, "long");
});

Deno.test("parsePbsQstatFull() throws SchedulerOutputError for missing or bad attributes", () => {
  const cases: [string, number, RegExp][] = [
    [
      "Job Id: 7.pbs01\n    Job_Name = a\n",
      1,
      /line 1 "Job Id: 7.pbs01" starts a job with no job_state/,
    ],
    [
      "Job Id: 7.pbs01\n    Job_Name = a\n    job_state = Z\n",
      3,
      /has job_state "Z", which must be one of B, C, E, F/,
    ],
    [
      "Job Id: 7.pbs01\n    Job_Name = a\n    job_state = F\n    Exit_status = ok\n",
      4,
      /Exit_status "ok", which must be an integer/,
    ],
    ["    Job_Name = a\n", 1, /comes before the first "Job Id:" line/],
    ["Job Id: 7.pbs01\nJob_Name: a\n", 2, /is not " {4}name = value"/],
  ];
  for (const [output, lineNumber, message] of cases) {
    assert.throws(() => parsePbsQstatFull(output), (e: unknown) => {
      assert.ok(e instanceof SchedulerOutputError);
      assert.equal(e.command, "qstat -f -t -x");
      assert.equal(e.lineNumber, lineNumber);
      assert.match(e.message, message);
      return true;
    });
  }
  assert.equal(safeParsePbsQstatFull("Job Id: 7.pbs01\n").success, false);
});

// --- SGE ----------------------------------------------------------------------------------

Deno.test("parseSgeQstat() reads running, pending, held, error and array lines", async () => {
  const { jobs: rows, problems } = parseSgeQstat(await fixture("sge/qstat.txt"));
  assert.deepEqual(problems, []);
  assert.deepEqual(
    rows.map((r) => [r.jobId, r.state, r.status, r.queue, r.slots]),
    [
      ["101", "r", "running", "all.q@node01.cluster", 1],
      ["101", "r", "running", "all.q@node02.cluster", 1],
      ["101", "t", "running", "all.q@node03.cluster", 1],
      ["101", "qw", "pending", null, 1],
      ["102", "hqw", "pending", null, 4],
      ["103", "Eqw", "error", null, 1],
      ["104", "r", "running", "long.q@node07.cluster", 8],
      ["105", "dr", "deleting", "all.q@node04.cluster", 1],
      ["106", "s", "suspended", "all.q@node05.cluster", 2],
    ],
  );
  assert.deepEqual(expandTaskRanges(rows[0].tasks!), [1]);
  assert.deepEqual(expandTaskRanges(rows[3].tasks!).length, 17);
  assert.equal(rows[4].tasks, null);
  assert.deepEqual(expandTaskRanges(rows[5].tasks!), [1, 3, 5, 7, 9]);
  assert.equal(rows[0].time, "05/07/2024 10:11:12");
  assert.equal(rows[0].priority, 0.555);
  assert.equal(rows[0].name, "drover-3f2");
});

Deno.test("parseSgeQstat() returns no rows when the user has no jobs", () => {
  assert.deepEqual(parseSgeQstat(""), { jobs: [], problems: [] });
});

Deno.test("parseSgeQstat() skips a bad line, reporting it with its job id, and reads the rest", () => {
  const good = "    101 0.55500 drover-3f2 alice        r     05/07/2024 10:11:12 all.q@n1 1 1";
  const bad = "    102 0.55500 drover-3f2 alice        x     05/07/2024 10:11:12 all.q@n1 1 2";
  const { jobs, problems } = parseSgeQstat([good, bad, good.replace(" 1 1", " 1 3")].join("\n"));
  assert.deepEqual(jobs.map((j) => j.tasks?.[0].first), [1, 3]);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].jobId, "102");
  assert.equal(problems[0].lineNumber, 2);
  assert.equal(problems[0].line, bad);
  assert.match(problems[0].message, /^Cannot parse qstat output: line 2 .* unknown state "x"$/);
});

Deno.test("parseSgeQstat() throws SchedulerOutputError when no line can be read", () => {
  const line = "    101 0.55500 drover-3f2 alice        r     05/07/2024 10:11:12 all.q@n1 1 1";
  const cases: [string, RegExp][] = [
    [line.replace(" r ", " x "), /unknown state "x"/],
    [line.replace("05/07/2024", "2024-05-07"), /malformed date/],
    [line.replace(" 1 1", " 1 1-"), /malformed task list "1-"/],
    [line.replace("    101", "    abc"), /malformed job id "abc"/],
    ["    101 0.55500 drover-3f2 alice r", /has 5 columns, expected 8 to 10/],
  ];
  for (const [output, message] of cases) {
    const result = safeParseSgeQstat(output);
    assert.equal(result.success, false, output);
    if (!result.success) assert.match(result.error.message, message);
  }
});

Deno.test("parseQacct() reads qacct -j records, old and new formats", async () => {
  const { jobs: records, problems } = parseQacct(await fixture("sge/qacct.txt"));
  assert.deepEqual(problems, []);
  assert.equal(records.length, 3);
  const [ok, limit, old] = records;
  assert.deepEqual(
    [ok.jobId, ok.taskId, ok.name, ok.failed, ok.failedReason, ok.exitStatus, ok.wallclock],
    ["101", 1, "drover-3f2a9c", 0, null, 0, 12_000],
  );
  assert.equal(ok.maxvmem, Math.round(412.309 * 1024 ** 2));
  assert.equal(ok.queue, "all.q");
  assert.equal(ok.hostname, "node01.cluster");
  assert.equal(ok.fields["category"], "-U users -l h_rt=600,h_vmem=1024M");
  assert.equal(limit.failed, 37);
  assert.equal(limit.failedReason, "qmaster enforced h_rt, h_cpu, or h_vmem limit");
  assert.equal(limit.exitStatus, 137);
  assert.equal(old.taskId, null);
  assert.equal(old.failed, 100);
  assert.equal(old.failedReason, "assumedly after job");
  assert.equal(old.wallclock, 2000);
  assert.equal(old.maxvmem, 0);
});

Deno.test("parseQacct() throws SchedulerOutputError for missing or bad fields", () => {
  const sep = "==============================================================";
  const cases: [string, number, RegExp][] = [
    ["jobname x\n", 1, /comes before the first line of =/],
    [`${sep}\njobname x\nfailed 0\nexit_status 0\n`, 1, /starts a record with no jobnumber/],
    [
      `${sep}\njobname x\njobnumber 5\nfailed 0\nexit_status -\n`,
      5,
      /exit_status "-", which must be a whole number/,
    ],
    [
      `${sep}\njobname x\njobnumber 5\nfailed no\nexit_status 0\n`,
      4,
      /failed "no", which must be a code/,
    ],
  ];
  for (const [output, lineNumber, message] of cases) {
    const result = safeParseQacct(output);
    assert.equal(result.success, false, output);
    if (!result.success) {
      assert.equal(result.error.lineNumber, lineNumber);
      assert.match(result.error.message, /^Cannot parse qacct -j output: /);
      assert.match(result.error.message, message);
    }
  }
});
