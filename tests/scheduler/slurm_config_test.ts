import assert from "node:assert/strict";
import {
  parseSlurmConfig,
  safeParseSlurmConfig,
  SchedulerOutputError,
} from "../../lib/scheduler/mod.ts";
import { fixture } from "./_golden.ts";

Deno.test("parseSlurmConfig() reads real scontrol show config output (22.05)", async () => {
  const config = parseSlurmConfig(await fixture("slurm/scontrol_show_config_22.05.txt"));
  assert.equal(config.maxArraySize, 1001);
  assert.equal(config.maxJobCount, 10_000);
  assert.equal(config.minJobAge, 30_000);
  assert.equal(config.maxArrayTasks, null);
  assert.equal(config.maxStepCount, 40_000);
  assert.equal(config.accounting, false);
  assert.equal(config.version, "22.05.8");
  assert.equal(config.clusterName, "drover");
  assert.equal(config.overTimeLimit, 0);
  assert.equal(config.killWait, 2000);
  assert.equal(config.preemptMode, "OFF");
  assert.equal(config.values["SelectType"], "select/cons_tres");
  assert.equal(config.values["SlurmctldHost[0]"], "vm(127.0.0.1)");
  assert.equal(config.values["PowerPlugin"], "");
});

Deno.test("parseSlurmConfig() reads max_array_tasks, UNLIMITED and accounting", () => {
  const config = parseSlurmConfig([
    "MaxArraySize            = 100001",
    "MaxJobCount             = 500000",
    "MinJobAge               = 300 sec",
    "OverTimeLimit           = UNLIMITED",
    "AccountingStorageType   = accounting_storage/slurmdbd",
    "SchedulerParameters     = bf_max_job_user=50,max_array_tasks=20000,defer",
  ].join("\n"));
  assert.equal(config.maxArrayTasks, 20_000);
  assert.equal(config.overTimeLimit, null);
  assert.equal(config.accounting, true);
  assert.equal(config.version, null);
});

Deno.test("parseSlurmConfig() throws SchedulerOutputError naming a missing field", () => {
  assert.throws(
    () => parseSlurmConfig("MaxArraySize = 1001\nMinJobAge = 300 sec\n"),
    (e: unknown) => {
      assert.ok(e instanceof SchedulerOutputError);
      assert.equal(e.message, "Cannot parse scontrol show config output: MaxJobCount is missing");
      assert.equal(e.command, "scontrol show config");
      assert.equal(e.lineNumber, 0);
      return true;
    },
  );
});

Deno.test("parseSlurmConfig() throws SchedulerOutputError carrying the offending line", () => {
  const result = safeParseSlurmConfig(
    "MaxArraySize = 1001\nMaxJobCount = many\nMinJobAge = 300 sec\n",
    { command: "ssh hpc scontrol show config" },
  );
  assert.equal(result.success, false);
  if (result.success) return;
  assert.equal(
    result.error.message,
    'Cannot parse ssh hpc scontrol show config output: line 2: MaxJobCount must be a whole number (got "many")',
  );
  assert.equal(result.error.line, "MaxJobCount = many");
  assert.equal(result.error.lineNumber, 2);
  assert.equal(result.error.command, "ssh hpc scontrol show config");
});

Deno.test("safeParseSlurmConfig() rejects an empty output", () => {
  const result = safeParseSlurmConfig("");
  assert.equal(result.success, false);
});
