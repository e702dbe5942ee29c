/**
 * Scheduler output as the schedulers really print it: every fixture under
 * tests/scheduler/fixtures/ (captured from real schedulers, here or in other projects'
 * tests; sources in fixtures/README.md) is parsed and compared with a golden summary in
 * golden/fixtures/ (`UPDATE_GOLDEN=1 deno test -A tests/scheduler/fixtures_test.ts`
 * rewrites them), and the cases the parsers once got wrong are asserted one by one.
 */
import assert from "node:assert/strict";
import {
  parsePbsQstat,
  parsePbsQstatFull,
  parseQacct,
  parseSgeConfig,
  parseSgeQstat,
  parseSgeQstatXml,
} from "../../lib/scheduler/mod.ts";
import { goldenAssert } from "../_helpers/golden.ts";
import { fixture } from "./_golden.ts";

const assertGolden = goldenAssert(new URL("./golden/fixtures/", import.meta.url), {
  extension: ".json",
  rerun: "deno test -A tests/scheduler/fixtures_test.ts",
});

/** Which parser reads which fixture. */
const PARSERS: Record<string, (text: string) => unknown> = {
  "pbs/qstat_tx.txt": parsePbsQstat,
  "pbs/qstat_f.txt": parsePbsQstatFull,
  "pbs/aiida_pbspro_qstat_f.txt": parsePbsQstatFull,
  "pbs/aiida_pbspro_qstat_f_unexpected_newlines.txt": parsePbsQstatFull,
  "pbs/aiida_qstat_multiline_func.txt": parsePbsQstatFull,
  "pbs/aiida_qstat_queued.txt": parsePbsQstatFull,
  "pbs/aiida_qstat_running.txt": parsePbsQstatFull,
  "pbs/nextflow_qstat_f_torque_states.txt": parsePbsQstatFull,
  "sge/qstat.txt": parseSgeQstat,
  "sge/qstat_states_sge819.txt": parseSgeQstat,
  "sge/nextflow_qstat_sge.txt": parseSgeQstat,
  "sge/nextflow_qstat_univa.txt": parseSgeQstat,
  "sge/qstat_xml_drover.xml": parseSgeQstatXml,
  "sge/aiida_qstat_ext_urg.xml": parseSgeQstatXml,
  "sge/qacct.txt": parseQacct,
  "sge/qacct_sge819_array.txt": parseQacct,
  "sge/qacct_sge819_exit3.txt": parseQacct,
  "sge/qacct_sge819_units.txt": parseQacct,
  "sge/qacct_univa_riboviz.txt": parseQacct,
  "sge/qconf_sconf.txt": parseSgeConfig,
};

for (const [path, parse] of Object.entries(PARSERS)) {
  Deno.test(`fixture ${path} parses without problems and matches its golden summary`, async () => {
    const parsed = parse(await fixture(path)) as { problems?: unknown[] };
    if (parsed.problems !== undefined) assert.deepEqual(parsed.problems, [], path);
    await assertGolden(path.replace(/[/.]/g, "_"), JSON.stringify(parsed, null, 2) + "\n");
  });
}

Deno.test("every fixture file is listed in PARSERS or is a Slurm fixture read elsewhere", async () => {
  for (const dir of ["pbs", "sge"]) {
    for await (const e of Deno.readDir(new URL(`./fixtures/${dir}/`, import.meta.url))) {
      assert.ok(`${dir}/${e.name}` in PARSERS, `${dir}/${e.name} has no parser in PARSERS`);
    }
  }
});

Deno.test("fixtures/README.md names the source of every fixture", async () => {
  const readme = await fixture("README.md");
  for (const path of Object.keys(PARSERS)) {
    assert.ok(readme.includes(path.split("/")[1]), `README.md does not mention ${path}`);
  }
});

// --- PBS --------------------------------------------------------------------------------

Deno.test("parsePbsQstatFull() keeps an exported bash function's lines in Variable_List (aiida-core capture)", async () => {
  const { jobs: [job] } = parsePbsQstatFull(await fixture("pbs/aiida_qstat_multiline_func.txt"));
  const vars = job.attributes.Variable_List;
  assert.ok(
    vars.includes(
      "BASH_FUNC_my_func_multiline%%=() {  if true; then\n echo foo; else\n echo bar; fi\n}," +
        "_=/opt/pbs/default/bin/qsub,PBS_O_QUEUE=normal",
    ),
    vars,
  );
  // Wrapped lines (newline + tab) are joined without a separator.
  assert.match(vars, /PBS_O_PATH=\/path\/to\/scripts:\/path\/to\/scripts\/bin:/);
  assert.equal(
    job.attributes["Resource_List.select"],
    "1:ncpus=1:mpiprocs=1:mem=524288000:job_tags=normal:jobfs=104857600",
  );
  assert.equal(job.attributes.etime, "Wed Jun 17 04:50:46 2026", "the attribute after it is read");
});

Deno.test("parsePbsQstatFull() joins continuation lines indented with tabs, deeper spaces or nothing", () => {
  const attr = (indent: string, rest: string[]) =>
    parsePbsQstatFull(
      [
        "Job Id: 1.s",
        `${indent}job_state = R`,
        `${indent}Output_Path = h:/a/b`,
        ...rest,
        `${indent}queue = q`,
      ].join("\n"),
    )
      .jobs[0];
  assert.equal(attr("    ", ["\t/c/d"]).attributes.Output_Path, "h:/a/b/c/d");
  assert.equal(attr("    ", ["        /c/d"]).attributes.Output_Path, "h:/a/b/c/d");
  assert.equal(attr("\t", ["\t\t/c/d"]).attributes.Output_Path, "h:/a/b/c/d");
  assert.equal(attr("    ", ["}"]).attributes.Output_Path, "h:/a/b\n}");
  assert.equal(attr("", ["\t/c/d"]).attributes.Output_Path, "h:/a/b/c/d");
  assert.equal(attr("    ", ["\t/c/d"]).queue, "q");
});

Deno.test("parsePbsQstatFull() reads Torque's C state and exit_status", async () => {
  const { jobs } = parsePbsQstatFull(await fixture("pbs/nextflow_qstat_f_torque_states.txt"));
  assert.deepEqual(jobs.map((j) => [j.id, j.state, j.name]), [
    ["12.localhost", "C", null],
    ["13.localhost", "R", null],
    ["14.localhost", "Q", null],
    ["15.localhost", "S", null],
    ["16.localhost", "E", null],
    ["17.localhost", "H", null],
  ]);
  const torque = parsePbsQstatFull(
    await fixture("pbs/aiida_pbspro_qstat_f_unexpected_newlines.txt"),
  ).jobs.filter((j) => j.state === "C");
  assert.equal(torque.length, 2);
  assert.ok(torque.every((j) => j.exitStatus !== null), "exit_status of completed jobs");
});

Deno.test("parsePbsQstatFull() skips a bad job, reports it with its id, and reads the others", async () => {
  const good = await fixture("pbs/aiida_qstat_running.txt");
  const { jobs, problems } = parsePbsQstatFull(
    `${good}Job Id: 99.mycluster\n    Job_Name = x\n    job_state = Z\n${good}`,
  );
  assert.equal(jobs.length, 2);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].jobId, "99.mycluster");
  assert.equal(problems[0].line, "    job_state = Z");
  assert.match(
    problems[0].message,
    /^Cannot parse qstat -f -t -x output: line \d+ .*job_state "Z"/,
  );
});

Deno.test("parsePbsQstat() reads Torque's C state and reports a bad row with its job id", () => {
  const { jobs, problems } = parsePbsQstat([
    "Job ID                    Name             User            Time Use S Queue",
    "------------------------- ---------------- --------------- -------- - -----",
    "12.torque01               STDIN            alice           00:00:01 C batch",
    "13.torque01               STDIN            alice           00:00:01 ! batch",
    "14.torque01               STDIN            alice                  0 Q batch",
  ].join("\n"));
  assert.deepEqual(jobs.map((j) => [j.jobNumber, j.state]), [["12", "C"], ["14", "Q"]]);
  assert.deepEqual(problems.map((p) => [p.jobId, p.lineNumber]), [["13.torque01", 4]]);
});

// --- SGE --------------------------------------------------------------------------------

Deno.test("parseQacct() reads units as Son of Grid Engine 8.1.9 prints them", async () => {
  const { jobs: [hog, limited] } = parseQacct(await fixture("sge/qacct_sge819_units.txt"));
  assert.equal(hog.maxvmem, Math.round(311.109 * 2 ** 20));
  assert.equal(hog.maxrss, Math.round(307.871 * 2 ** 10));
  assert.equal(hog.wallclock, 5000);
  assert.equal(limited.failed, 37);
  assert.equal(limited.failedReason, "qmaster enforced h_rt, h_cpu, or h_vmem limit");
  assert.equal(limited.exitStatus, 137, 'read from "137                  (Killed)"');
  const { jobs } = parseQacct(await fixture("sge/qacct_sge819_exit3.txt"));
  assert.deepEqual(jobs.map((r) => [r.taskId, r.exitStatus, r.maxvmem]), [
    [2, 3, 0],
    [1, 0, 0],
    [3, 0, Math.round(4.801 * 2 ** 20)],
  ]);
});

Deno.test("parseQacct() reads Univa Grid Engine's plain numbers (riboviz capture)", async () => {
  const { jobs: [job] } = parseQacct(await fixture("sge/qacct_univa_riboviz.txt"));
  assert.equal(job.jobId, "2701173");
  assert.equal(job.taskId, null);
  assert.equal(job.wallclock, 314_272);
  assert.equal(job.maxvmem, Math.round(1.656 * 2 ** 30));
  assert.equal(job.maxrss, 904_316 * 1024, "plain ru_maxrss is KiB");
  assert.equal(job.fields.ioops, "1566484");
});

Deno.test("parseQacct() reads units with and without suffixes", () => {
  const record = (wallclock: string, maxvmem: string) =>
    parseQacct(
      `==\njobname x\njobnumber 1\nfailed 0\nexit_status 0\nru_wallclock ${wallclock}\nmaxvmem ${maxvmem}\n`,
    ).jobs[0];
  assert.deepEqual([
    record("12.345s", "953.344MB").wallclock,
    record("12.345s", "953.344MB").maxvmem,
  ], [
    12_345,
    Math.round(953.344 * 2 ** 20),
  ]);
  assert.equal(record("12", "1.475G").wallclock, 12_000);
  assert.equal(record("12", "1.475G").maxvmem, Math.round(1.475 * 2 ** 30));
  assert.equal(record("0s", "4096").maxvmem, 4096);
  assert.equal(record("0s", "0.000B").maxvmem, 0);
  assert.equal(record("0s", "2.5KB").maxvmem, 2560);
});

Deno.test("parseQacct() skips a bad record, reports it with its job number, and reads the others", async () => {
  const good = await fixture("sge/qacct_sge819_units.txt");
  const bad = "==============================================================\n" +
    "jobname      broken\njobnumber    77\nfailed       0\nexit_status  n/a\n";
  const { jobs, problems } = parseQacct(good + bad + good);
  assert.equal(jobs.length, 4);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].jobId, "77");
  assert.equal(problems[0].line, "exit_status  n/a");
});

Deno.test("parseSgeQstat() reads Univa's jclass column and N, P, T, E states (Nextflow capture)", async () => {
  const { jobs } = parseSgeQstat(await fixture("sge/nextflow_qstat_univa.txt"));
  assert.equal(jobs.length, 15);
  const status = Object.fromEntries(jobs.map((j) => [j.jobId, j.status]));
  assert.equal(status["1258"], "running"); // R
  assert.equal(status["1262"], "error"); // Eqw
  assert.equal(status["1263"], "suspended"); // Tr
  assert.equal(status["1266"], "pending"); // N
  assert.equal(status["1268"], "pending"); // P
  assert.equal(status["1271"], "error"); // E
  assert.equal(jobs.find((j) => j.jobId === "24261953")?.slots, 1);
});

Deno.test("parseSgeQstatXml() reads a real qstat -xml with every state drover maps", async () => {
  const { jobs } = parseSgeQstatXml(await fixture("sge/qstat_xml_drover.xml"));
  assert.deepEqual(
    jobs.map((j) => [j.name, j.state, j.status]),
    [
      ["conf-sge-array", "r", "running"],
      ["conf-sge-array", "r", "running"],
      ["paused", "s", "suspended"],
      ["going", "dr", "deleting"],
      ["broken", "Eqw", "error"],
      ["conf-sge-array", "qw", "pending"],
      ["held-one", "hqw", "pending"],
    ],
  );
  assert.deepEqual(jobs[5].tasks, [{ first: 3, last: 5, step: 1 }]);
});
