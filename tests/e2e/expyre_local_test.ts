/**
 * Remote info written for wfl/ExPyRe, used as it is with the `local` scheduler: the route
 * is translated, a directory of inputs is staged with its layout, and env values that name
 * the job's resources are expanded in the job.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../_helpers/temp.ts";
import { remoteProject } from "./_remote_project.ts";

Deno.test("a wfl remote info runs as it is: negative inputs per job, POTCARs directory, env from resources", async () => {
  await using p = await remoteProject("");
  await Deno.copyFile(
    `${REPO_ROOT}/tests/e2e/fixtures/expyre_workflow.ts`,
    `${p.path}/expyre_workflow.ts`,
  );
  await Deno.mkdir(`${p.path}/POTCARs/Si`, { recursive: true });
  await Deno.mkdir(`${p.path}/POTCARs/O/GW`, { recursive: true });
  await Deno.writeTextFile(`${p.path}/POTCARs/Si/POTCAR`, "PAW_PBE Si 05Jan2001\n");
  await Deno.writeTextFile(`${p.path}/POTCARs/O/GW/POTCAR`, "PAW_PBE O_GW 19Mar2012\n");
  const route = {
    "expyre_workflow.ts::e2e.probe": {
      sys_name: "here",
      job_name: "vasp_minim",
      resources: { num_cores: 3, max_time: "1h" },
      num_inputs_per_queued_job: -2,
      input_files: ["POTCARs"],
      env_vars: [
        "WFL_NUM_PYTHON_SUBPROCESSES=${EXPYRE_NUM_CORES_PER_NODE}",
        "WFL_VASP_KWARGS='{ \"ncore\": '${EXPYRE_NCORES_PER_NODE}'}'",
      ],
      check_interval: 10,
    },
  };
  const r = await p.run("expyre_workflow.ts", { route, env: { N: "4" } });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.failures, 0);
  assert.deepEqual(
    out.values,
    [0, 1, 2, 3].map((x) => ({
      x,
      potcar: "PAW_PBE Si 05Jan2001",
      nested: "PAW_PBE O_GW 19Mar2012",
      threads: "3",
      kwargs: '{ "ncore": 3}',
      cores: "3",
    })),
  );
  using store = p.store();
  const [job] = store.jobs.listJobs();
  assert.equal(job.size, 2, "-2 inputs per queued job: 2 calls in each element");
  assert.ok(job.name.startsWith("dr-vasp_minim-"), job.name);
  const script = Deno.readTextFileSync(`${job.dir}/job.sh`);
  assert.match(script, /^export WFL_NUM_PYTHON_SUBPROCESSES="\$\{DROVER_CORES_PER_NODE\}"$/m);
});
