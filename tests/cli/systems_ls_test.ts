import assert from "node:assert/strict";
import { join } from "node:path";
import { assertGolden } from "./_golden.ts";
import { runCli } from "./_fixture.ts";
import { tempDir } from "../_helpers/temp.ts";

const PROJECT_CONFIG = `
x-slurm: &slurm
  scheduler: slurm
  maxJobs: 50
systems:
  hpc:
    <<: *slurm
    host: me@login.hpc.example.org
    rundir: /scratch/me/drover
    partitions:
      - { name: short, coresPerNode: 48, maxTime: "4:00:00", memory: 192G }
      - { name: gpu, coresPerNode: 32, maxTime: "2-00:00:00", memory: 512G, gpus: 4 }
  laptop:
    scheduler: local
`;

const USER_CONFIG = `
systems:
  hpc: { scheduler: pbs, host: old.example.org }
  group: { scheduler: sge, host: group-cluster, partitions: [{ name: all.q }] }
`;

/** A project with a store and drover.yaml, and a home with the user's systems.yaml. */
async function project(dir: string): Promise<{ cwd: string; env: Record<string, string> }> {
  const cwd = join(dir, "project");
  await Deno.mkdir(join(cwd, ".drover"), { recursive: true });
  await Deno.mkdir(join(dir, "home", ".config", "drover"), { recursive: true });
  await Deno.writeTextFile(join(cwd, "drover.yaml"), PROJECT_CONFIG);
  await Deno.writeTextFile(join(dir, "home", ".config", "drover", "systems.yaml"), USER_CONFIG);
  return { cwd, env: { HOME: join(dir, "home") } };
}

Deno.test("main() lists merged systems as a table when running systems ls", async () => {
  await using tmp = await tempDir();
  const { cwd, env } = await project(tmp.path);
  const r = await runCli(["systems", "ls"], cwd, { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  await assertGolden("systems_ls", r.stdout);
});

Deno.test("main() prints every setting and its source file when running systems ls --json", async () => {
  await using tmp = await tempDir();
  const { cwd, env } = await project(tmp.path);
  const r = await runCli(["systems", "ls", "--json"], tmp.path, {
    env: { ...env, DROVER_PROJECT: cwd },
  });
  assert.equal(r.code, 0, r.stderr);
  const systems = JSON.parse(r.stdout);
  assert.deepEqual(systems.map((s: { name: string }) => s.name), ["group", "hpc", "laptop"]);
  assert.equal(systems[1].source, "<TMP>/project/drover.yaml");
  assert.equal(systems[0].source, "<TMP>/home/.config/drover/systems.yaml");
  assert.equal(systems[2].host, null);
  await assertGolden("systems_ls_json", r.stdout);
});

Deno.test("main() says where to define systems when running systems ls with none", async () => {
  await using tmp = await tempDir();
  const r = await runCli(["systems", "ls"], tmp.path, { env: { HOME: "/home/nobody" } });
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    'No systems configured; define them under "systems:" in "<TMP>/drover.yaml" or ' +
      '"/home/nobody/.config/drover/systems.yaml"\n',
  );
  assert.equal((await runCli(["systems", "ls", "--json"], tmp.path)).stdout, "[]\n");
});

Deno.test("main() exits 1 with the config error in one line when drover.yaml is bad", async () => {
  await using tmp = await tempDir();
  await Deno.writeTextFile(
    join(tmp.path, "drover.yaml"),
    "systems:\n  cluster: { scheduler: slrum }\n",
  );
  const r = await runCli(["systems", "ls"], tmp.path);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.equal(
    r.stderr,
    'drover: Cannot read systems config "<TMP>/drover.yaml": systems.cluster.scheduler must be one of slurm, pbs, sge, local (got "slrum")\n',
  );
});

Deno.test("main() reads the project given by --project when running systems ls", async () => {
  await using tmp = await tempDir();
  const { cwd } = await project(tmp.path);
  const r = await runCli(["--project", "project", "systems", "ls"], tmp.path);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^hpc +me@login\.hpc\.example\.org +slurm /m);
  assert.doesNotMatch(r.stdout, /group/, "no HOME, so no user config");
  assert.ok(cwd.endsWith("project"));
});
