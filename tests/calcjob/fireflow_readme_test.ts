/**
 * The example of fireflow's README (github.com/chrisjsewell/fireflow, README.md at 941ab96:
 * "Adding items to a fireflow project" and "Running a fireflow project"), written as a drover
 * jobs file and run on the real Slurm cluster: the hashes the README documents for its
 * uploaded and retrieved files come out the same.
 *
 * What cannot match by design: the calcjob's UUID (fireflow draws a random version-4 UUID,
 * `6a2a7e2e-05d2-46a4-a565-1caaed088a9b` in the README; drover derives it from the calcjob's
 * definition, so the same file adds the same calcjob once), hence the job script (it holds
 * the UUID; the README documents no hash for it); the scheduler's output file is
 * `_scheduler.out` (fireflow's `slurm-<id>.out`: drover owns `--output`), and drover also
 * brings back `_scheduler.err`; fireflow lists the `output` directory as `'output': None`,
 * drover records files only.
 */
import assert from "node:assert/strict";
import { addJobsFile, CalcJobStore, runCalcJobs } from "../../lib/calcjob/mod.ts";
import { systemClock, SystemLink } from "../../lib/runtime/mod.ts";
import { driverFor } from "../../lib/scheduler/mod.ts";
import type { System } from "../../lib/systems/mod.ts";
import { LocalTransport } from "../../lib/transport/mod.ts";
import { requireSlurm, slurm } from "../_helpers/slurm.ts";
import { calcjobProject } from "./_project.ts";

/** The hashes fireflow's README shows. */
const DOCUMENTED = {
  /** `upload_paths` of the calcjob and `retrieved_paths`: the object `label1`, "test". */
  "input1.txt": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  "input2.txt": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  /** `retrieved_paths`: what the job script wrote. */
  "output.txt": "0ba904eae8773b70c75333db4de2f3ac45a8ad4ddba1b242f0b3cfc199391dd8",
  /** `retrieved_paths`: `slurm-214.out`, the job's (empty) standard output. */
  "_scheduler.out": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
};

// The README's YAML with drover's names: a system from drover.yaml instead of a client
// with its secret, `code`/`upload`/`download` for `code_label`/`upload_paths`/`download_globs`.
const JOBS = `
objects:
  - { label: label1, content: "test" }
codes:
  - label: test-code1
    system: cluster
    script: |
      #!/bin/bash
      #SBATCH --job-name={{ calc.uuid }}
      mkdir -p output
      echo '{{ calc.parameters.echo_string }}' > output.txt
    upload:
      - { path: input1.txt, object: label1 }
calcjobs:
  - label: test-calcjob1
    code: test-code1
    parameters:
      echo_string: "Hello world!"
    upload:
      - { path: input2.txt, object: label1 }
    download:
      - "**/*"
`;

Deno.test({
  name: "the fireflow README's example gives its documented hashes on the real Slurm",
  ignore: slurm.ignore,
  fn: async () => {
    requireSlurm();
    using p = calcjobProject();
    const cluster: System = {
      name: "cluster",
      scheduler: "slurm",
      rundir: `${p.dir}/runs`,
      partitions: [],
      header: [],
      setup: [],
      deno: "upload",
      maxJobs: 100,
      pollMs: 200,
    };
    addJobsFile(p.write("jobs.yaml", JOBS), p.store, { systems: { cluster } });
    await using transport = new LocalTransport();
    const link = new SystemLink(cluster, transport, driverFor("slurm"));
    const summary = await runCalcJobs(p.store, {
      linkFor: () => link,
      clock: systemClock,
      signal: AbortSignal.timeout(120_000),
    });
    assert.deepEqual(summary.counts, { completed: 1 });
    const calcjobs = new CalcJobStore(p.store);
    const [c] = calcjobs.list();
    const files = calcjobs.files(c.id);
    const upload = Object.fromEntries(
      files.filter((f) => f.direction === "in").map((f) => [f.path, f.sha256]),
    );
    assert.deepEqual(upload, {
      "input1.txt": DOCUMENTED["input1.txt"],
      "input2.txt": DOCUMENTED["input2.txt"],
    });
    const retrieved = Object.fromEntries(
      files.filter((f) => f.direction === "out").map((f) => [f.path, f.sha256]),
    );
    assert.deepEqual(retrieved, { ...DOCUMENTED, "_scheduler.err": DOCUMENTED["_scheduler.out"] });
    for (const sha of Object.values(retrieved)) assert.ok(p.store.objects.get(sha));
    const script = new TextDecoder().decode(p.store.objects.get(c.scriptSha256));
    assert.equal(
      script,
      `#!/bin/bash\n#SBATCH --job-name=${c.id}\nmkdir -p output\necho 'Hello world!' > output.txt\n`,
    );
  },
});
