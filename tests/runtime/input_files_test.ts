import assert from "node:assert/strict";
import { expandInputFiles } from "../../lib/runtime/input_files.ts";
import { tempDir } from "../_helpers/temp.ts";

async function write(path: string, text: string, mode?: number): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, text, mode === undefined ? {} : { mode });
  if (mode !== undefined) await Deno.chmod(path, mode);
}

Deno.test("expandInputFiles() stages a directory recursively, keeping its layout", async () => {
  await using dir = await tempDir();
  const p = dir.path;
  await write(`${p}/POTCARs/Si/POTCAR`, "Si");
  await write(`${p}/POTCARs/O/POTCAR`, "O");
  await write(`${p}/POTCARs/.hidden`, "h");
  await write(`${p}/POTCARs/O/extra/notes.txt`, "n");
  const files = expandInputFiles(["POTCARs"], p);
  assert.deepEqual(files.map((f) => f.target), [
    "POTCARs/.hidden",
    "POTCARs/O/POTCAR",
    "POTCARs/O/extra/notes.txt",
    "POTCARs/Si/POTCAR",
  ]);
  assert.deepEqual(files.map((f) => f.source), files.map((f) => `${p}/${f.target}`));
});

Deno.test("expandInputFiles() stages a directory named with a trailing slash or ./", async () => {
  await using dir = await tempDir();
  await write(`${dir.path}/in/a.txt`, "a");
  assert.deepEqual(expandInputFiles(["./in/"], dir.path).map((f) => f.target), ["in/a.txt"]);
});

Deno.test("expandInputFiles() keeps the permission bits of each file", async () => {
  await using dir = await tempDir();
  await write(`${dir.path}/bin/run.sh`, "#!/bin/sh\n", 0o755);
  await write(`${dir.path}/bin/data`, "x", 0o600);
  const files = expandInputFiles(["bin"], dir.path);
  assert.deepEqual(files.map((f) => [f.target, f.mode]), [
    ["bin/data", 0o600],
    ["bin/run.sh", 0o755],
  ]);
});

Deno.test("expandInputFiles() expands a glob to files and directories, each file once", async () => {
  await using dir = await tempDir();
  await write(`${dir.path}/runs/r1/in.xyz`, "1");
  await write(`${dir.path}/runs/r2/in.xyz`, "2");
  await write(`${dir.path}/runs/readme`, "r");
  const files = expandInputFiles(["runs/r*", "runs/r1/in.xyz", "runs/*"], dir.path);
  assert.deepEqual(files.map((f) => f.target), [
    "runs/r1/in.xyz",
    "runs/r2/in.xyz",
    "runs/readme",
  ]);
});

Deno.test("expandInputFiles() follows links and skips a link back into the directory", async () => {
  await using dir = await tempDir();
  await write(`${dir.path}/shared/x.txt`, "x");
  await write(`${dir.path}/in/a.txt`, "a");
  await Deno.symlink(`${dir.path}/shared`, `${dir.path}/in/shared`);
  await Deno.symlink(`${dir.path}/in`, `${dir.path}/in/loop`);
  const files = expandInputFiles(["in"], dir.path);
  assert.deepEqual(files.map((f) => f.target), ["in/a.txt", "in/shared/x.txt"]);
});

Deno.test("expandInputFiles() refuses an empty directory, a missing path and a path outside", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/empty/sub`, { recursive: true });
  assert.throws(() => expandInputFiles(["empty"], dir.path), {
    name: "TypeError",
    message: `Cannot stage input file "empty": the directory "empty" holds no files`,
  });
  assert.throws(() => expandInputFiles(["nope"], dir.path), {
    name: "TypeError",
    message: `Cannot stage input file "nope": no file or directory matches it in ${dir.path}`,
  });
  assert.throws(() => expandInputFiles(["../x"], dir.path), {
    name: "TypeError",
    message: `Cannot stage input file "../x": it is outside ${dir.path}`,
  });
});
