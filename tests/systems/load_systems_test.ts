import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, loadSystems, systemsConfigFiles } from "../../lib/systems/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

/** A project directory with a .drover store and a home directory, with config files. */
async function setUp(
  root: string,
  files: { project?: string; user?: string },
): Promise<{ project: string; home: string }> {
  const project = join(root, "project");
  const home = join(root, "home");
  await Deno.mkdir(join(project, ".drover"), { recursive: true });
  await Deno.mkdir(join(project, "flows", "deep"), { recursive: true });
  await Deno.mkdir(join(home, ".config", "drover"), { recursive: true });
  if (files.project !== undefined) {
    await Deno.writeTextFile(join(project, "drover.yaml"), files.project);
  }
  if (files.user !== undefined) {
    await Deno.writeTextFile(join(home, ".config", "drover", "systems.yaml"), files.user);
  }
  return { project, home };
}

Deno.test("loadSystems() takes a system from the project when both files define it", async () => {
  await using tmp = await tempDir();
  const { project, home } = await setUp(tmp.path, {
    user:
      "systems:\n  hpc: { scheduler: pbs, host: old, maxJobs: 7 }\n  mine: { scheduler: sge }\n",
    project: "systems:\n  hpc: { scheduler: slurm }\n  laptop: { scheduler: local }\n",
  });
  const loaded = loadSystems({ cwd: project, env: { HOME: home } });
  assert.deepEqual(Object.keys(loaded.systems).sort(), ["hpc", "laptop", "mine"]);
  assert.equal(loaded.systems.hpc.scheduler, "slurm");
  assert.equal(loaded.systems.hpc.host, undefined, "no field comes from the user's hpc");
  assert.equal(loaded.systems.hpc.maxJobs, 100);
  assert.equal(loaded.systems.mine.scheduler, "sge");
  const userFile = join(home, ".config", "drover", "systems.yaml");
  const projectFile = join(project, "drover.yaml");
  assert.deepEqual(loaded.sources, { hpc: projectFile, laptop: projectFile, mine: userFile });
  assert.deepEqual(loaded.files, [userFile, projectFile]);
});

Deno.test("loadSystems() finds the project by its .drover when run from a subdirectory", async () => {
  await using tmp = await tempDir();
  const { project } = await setUp(tmp.path, { project: "systems:\n  a: { scheduler: local }\n" });
  const loaded = loadSystems({ cwd: join(project, "flows", "deep"), env: {} });
  assert.deepEqual(Object.keys(loaded.systems), ["a"]);
  assert.deepEqual(loaded.files, [join(project, "drover.yaml")]);
});

Deno.test("loadSystems() uses the working directory as the project when there is no .drover", async () => {
  await using tmp = await tempDir();
  await Deno.writeTextFile(join(tmp.path, "drover.yaml"), "systems:\n  a: { scheduler: local }\n");
  const loaded = loadSystems({ cwd: tmp.path, env: {} });
  assert.deepEqual(Object.keys(loaded.systems), ["a"]);
});

Deno.test("loadSystems() follows DROVER_PROJECT when it is set", async () => {
  await using tmp = await tempDir();
  const { project } = await setUp(tmp.path, { project: "systems:\n  a: { scheduler: local }\n" });
  const loaded = loadSystems({ cwd: "/", env: { DROVER_PROJECT: project } });
  assert.deepEqual(Object.keys(loaded.systems), ["a"]);
});

Deno.test("loadSystems() returns no systems when neither file exists", async () => {
  await using tmp = await tempDir();
  const { project, home } = await setUp(tmp.path, {});
  assert.deepEqual(loadSystems({ cwd: project, env: { HOME: home } }), {
    systems: {},
    sources: {},
    files: [],
  });
});

Deno.test("loadSystems() throws ConfigError naming the user's file when that file is bad", async () => {
  await using tmp = await tempDir();
  const { project, home } = await setUp(tmp.path, {
    user: "systems:\n  hpc: { scheduler: slrum }\n",
    project: "systems:\n  hpc: { scheduler: slurm }\n",
  });
  const userFile = join(home, ".config", "drover", "systems.yaml");
  assert.throws(() => loadSystems({ cwd: project, env: { HOME: home } }), (e) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.file, userFile);
    assert.equal(
      e.message,
      `Cannot read systems config "${userFile}": systems.hpc.scheduler must be one of slurm, pbs, sge, local (got "slrum")`,
    );
    return true;
  });
});

Deno.test("loadSystems() throws ConfigError with one line when a config path cannot be read", async () => {
  await using tmp = await tempDir();
  const { project } = await setUp(tmp.path, {});
  await Deno.mkdir(join(project, "drover.yaml"));
  assert.throws(() => loadSystems({ cwd: project, env: {} }), (e) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.path, "");
    assert.equal(e.expected, "a readable file");
    assert.match(
      e.message,
      /^Cannot read systems config ".*drover.yaml": the file cannot be read \(.+\)$/,
    );
    return true;
  });
});

Deno.test("systemsConfigFiles() prefers XDG_CONFIG_HOME over HOME when both are set", () => {
  assert.deepEqual(
    systemsConfigFiles({ projectDir: "/p", env: { HOME: "/h", XDG_CONFIG_HOME: "/x" } }),
    { user: "/x/drover/systems.yaml", project: "/p/drover.yaml" },
  );
  assert.deepEqual(systemsConfigFiles({ projectDir: "/p", env: {} }), {
    user: undefined,
    project: "/p/drover.yaml",
  });
});
