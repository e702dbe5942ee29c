import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { addJobsFile, CalcJobStore } from "../../lib/calcjob/mod.ts";
import { calcjobProject, LAPTOP } from "./_project.ts";

Deno.test("examples/calcjobs.yaml adds six calcjobs through merge keys and a 3x4 sweep", () => {
  using p = calcjobProject();
  const file = fileURLToPath(new URL("../../examples/calcjobs.yaml", import.meta.url));
  const result = addJobsFile(file, p.store, {
    systems: { slurm: { ...LAPTOP, name: "slurm", scheduler: "slurm" } },
  });
  assert.deepEqual(result, { ok: true, added: 18, existing: 0, codes: 1, objects: 1 });
  const all = new CalcJobStore(p.store).list();
  assert.deepEqual(all.slice(0, 6).map((c) => c.parameters.echo_string), [
    "Hello world!",
    "Hello world 2!",
    "Hello world 3!",
    "Hello world 4!",
    "Hello world 5!",
    "Hello world 6!",
  ]);
  assert.deepEqual(all[6].parameters, { echo_string: "Hello world!", x: 1, y: "a" });
  assert.equal(all[17].label, "sweep[x=3,y=d]");
  const script = new TextDecoder().decode(p.store.objects.get(all[1].scriptSha256));
  assert.match(script, /^echo 'Hello world 2!' > output.txt$/m);
  assert.match(script, new RegExp(`^#SBATCH --job-name=${all[1].id}$`, "m"));
});
