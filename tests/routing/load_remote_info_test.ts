import assert from "node:assert/strict";
import { join } from "node:path";
import { loadRemoteInfo, RemoteInfoError } from "../../lib/routing/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

const ROUTES = { "flows/relax_all.ts::main,lib/relax.ts::relax": { system: "hpc" } };

Deno.test("loadRemoteInfo() returns undefined when DROVER_REMOTE_INFO is unset or blank", () => {
  assert.equal(loadRemoteInfo({}), undefined);
  assert.equal(loadRemoteInfo({ DROVER_REMOTE_INFO: "  " }), undefined);
});

Deno.test("loadRemoteInfo() parses the variable as JSON when it starts with {", () => {
  const info = loadRemoteInfo({ DROVER_REMOTE_INFO: ` ${JSON.stringify(ROUTES)}\n` });
  assert.equal(info?.rules[0].route.system, "hpc");
  assert.equal(info?.source, "from DROVER_REMOTE_INFO");
});

Deno.test("loadRemoteInfo() reads the file the variable names when it is a path", async () => {
  await using tmp = await tempDir();
  await Deno.mkdir(join(tmp.path, "conf"));
  await Deno.writeTextFile(join(tmp.path, "conf", "routes.json"), JSON.stringify(ROUTES));
  const relative = loadRemoteInfo({ DROVER_REMOTE_INFO: "conf/routes.json" }, { cwd: tmp.path });
  assert.equal(relative?.rules[0].route.system, "hpc");
  const file = join(tmp.path, "conf", "routes.json");
  assert.equal(relative?.source, `"${file}" (named by DROVER_REMOTE_INFO)`);
  const absolute = loadRemoteInfo({ DROVER_REMOTE_INFO: file }, { cwd: "/" });
  assert.deepEqual(absolute, relative);
});

Deno.test("loadRemoteInfo() names the env var when the JSON in it is bad", () => {
  assert.throws(() => loadRemoteInfo({ DROVER_REMOTE_INFO: '{"gpu": {"system": "c", "x": 1}}' }), {
    name: "RemoteInfoError",
    message: "Cannot read remote info from DROVER_REMOTE_INFO: gpu.x is not a known setting " +
      "(expected one of system, jobName, resources, inputsPerJob, targetElementTime, inputFiles, env, setup, maxRestarts)",
  });
  assert.throws(() => loadRemoteInfo({ DROVER_REMOTE_INFO: "{gpu: 1}" }), (e) => {
    assert.ok(e instanceof RemoteInfoError);
    assert.match(
      e.message,
      /^Cannot read remote info from DROVER_REMOTE_INFO: it is not valid JSON \(/,
    );
    return true;
  });
});

Deno.test("loadRemoteInfo() names the file when the JSON in it is bad", async () => {
  await using tmp = await tempDir();
  const file = join(tmp.path, "routes.json");
  await Deno.writeTextFile(file, '{\n  "gpu": { "system": "c", "maxRestarts": "3" }\n}\n');
  assert.throws(() => loadRemoteInfo({ DROVER_REMOTE_INFO: file }), {
    name: "RemoteInfoError",
    message: `Cannot read remote info "${file}" (named by DROVER_REMOTE_INFO): gpu.maxRestarts ` +
      'must be a whole number, 0 or more (got "3")',
  });
  await Deno.writeTextFile(file, "{,}");
  assert.throws(() => loadRemoteInfo({ DROVER_REMOTE_INFO: file }), (e) => {
    assert.ok(e instanceof RemoteInfoError);
    assert.ok(
      e.message.startsWith(
        `Cannot read remote info "${file}" (named by DROVER_REMOTE_INFO): it is not valid JSON (`,
      ),
    );
    return true;
  });
});

Deno.test("loadRemoteInfo() says the variable must hold JSON or a path when the file is missing", async () => {
  await using tmp = await tempDir();
  assert.throws(() => loadRemoteInfo({ DROVER_REMOTE_INFO: "routes.json" }, { cwd: tmp.path }), {
    name: "RemoteInfoError",
    message:
      `Cannot read remote info "${join(tmp.path, "routes.json")}" (named by DROVER_REMOTE_INFO): ` +
      "the file does not exist; DROVER_REMOTE_INFO must hold JSON (starting with {) or the path of a JSON file",
  });
});
