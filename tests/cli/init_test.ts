import assert from "node:assert/strict";
import { assertGolden } from "./_golden.ts";
import { resolve } from "node:path";
import { parseSystemsConfig } from "../../lib/systems/mod.ts";
import { REPO_ROOT } from "../_helpers/temp.ts";
import { runCli } from "./_fixture.ts";

Deno.test("main() creates only the store and says where when running init --store-only", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-cli-" }));
  try {
    const first = await runCli(["init", "--store-only"], dir);
    assert.equal(first.code, 0);
    assert.equal(Deno.statSync(`${dir}/.drover/drover.db`).isFile, true);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [".drover"]);
    const again = await runCli(["init", "--store-only"], dir);
    assert.equal(again.code, 0);
    await assertGolden("init", first.stdout + again.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() creates the project and its store in DIR when init is given a directory", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-cli-" }));
  try {
    const r = await runCli(["init", "proj", "--json"], dir);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), {
      store: "<TMP>/proj/.drover",
      created: true,
      files: ["deno.json", "drover.yaml", "workflow.ts", ".gitignore"].map((f) =>
        `<TMP>/proj/${f}`
      ),
    });
    assert.equal(Deno.statSync(`${dir}/proj/.drover`).isDirectory, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() exits 1 without creating a store when a command finds none", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-cli-" }));
  try {
    const r = await runCli(["status"], dir);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'drover: Cannot find a store: no .drover directory in "<TMP>" or its parents; create one with "drover init" or pass --project DIR\n',
    );
    assert.throws(() => Deno.statSync(`${dir}/.drover`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main() writes a project that links this drover when running init", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-cli-" }));
  try {
    const r = await runCli(["init"], dir);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "");
    const config = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`));
    const [link] = config.links;
    assert.equal(await Deno.realPath(resolve(dir, link)), await Deno.realPath(REPO_ROOT));
    assert.deepEqual(config, {
      links: [link],
      imports: { drover: "jsr:@drover/drover@^0.1" },
      tasks: { drover: "deno run -A jsr:@drover/drover@^0.1/cli" },
      allowScripts: { deny: ["npm:ssh2", "npm:cpu-features"] },
    });
    const ours = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/deno.json`));
    assert.equal(ours.name, "@drover/drover");
    assert.match(ours.version, /^0\.1\./, "the range in the template follows drover's version");
    assert.equal(
      r.stdout,
      [
        "Created project <TMP>",
        `  deno.json    imports "drover" (linked to ${link}), task "drover"`,
        "  drover.yaml  systems: local, cluster (Slurm)",
        "  workflow.ts  an example workflow",
        "  .gitignore   ignores .drover/",
        "  .drover/     the store",
        "Next: deno run -A workflow.ts && deno task drover status",
        "",
      ].join("\n"),
    );
    const systems = parseSystemsConfig(
      await Deno.readTextFile(`${dir}/drover.yaml`),
      "drover.yaml",
    );
    assert.deepEqual(Object.keys(systems.systems), ["local", "cluster"]);
    assert.equal(systems.systems.local.scheduler, "local");
    assert.equal(systems.systems.cluster.scheduler, "slurm");
    assert.equal(await Deno.readTextFile(`${dir}/.gitignore`), ".drover/\n");
    const workflow = await Deno.readTextFile(`${dir}/workflow.ts`);
    assert.match(workflow, /^import \{ map, step \} from "drover";$/m);
    assert.match(workflow, /^if \(import\.meta\.main\) \{$/m);
    assert.equal(Deno.statSync(`${dir}/.drover/drover.db`).isFile, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const existing of ["deno.json", "drover.yaml", "workflow.ts", ".gitignore"]) {
  Deno.test(`main() exits 1 and writes nothing when running init where ${existing} exists`, async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-cli-" }));
    try {
      await Deno.writeTextFile(`${dir}/${existing}`, "mine\n");
      const r = await runCli(["init"], dir);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.equal(
        r.stderr,
        `drover: Cannot create project "<TMP>": <TMP>/${existing} exists; drover init never ` +
          "overwrites a file (--store-only creates only the store)\n",
      );
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [existing]);
      assert.equal(await Deno.readTextFile(`${dir}/${existing}`), "mine\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
