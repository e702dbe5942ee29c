import assert from "node:assert/strict";
import { openStore } from "../../mod.ts";
import { tempDir } from "../_helpers/temp.ts";
import { writeProjectConfig } from "../_helpers/project.ts";

// Calls 0-4 finish at once; calls 5-9 wait for a file that only the second run creates.
const SCRIPT = `import { map, step } from "drover";
const countFile = Deno.env.get("COUNT_FILE")!;
export const work = step("work", async ({ x }: { x: number }) => {
  Deno.writeTextFileSync(countFile, x + "\\n", { append: true });
  if (x >= 5) {
    while (Deno.env.get("RELEASE") !== "1") await new Promise((r) => setTimeout(r, 20));
  }
  return x * 10;
});
if (import.meta.main) {
  const r = await map(work, Array.from({ length: 10 }, (_, x) => ({ x })));
  console.log(JSON.stringify(r.unwrap()));
}
`;

async function waitFor(what: string, ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const readCount = async (path: string): Promise<string[]> => {
  try {
    return (await Deno.readTextFile(path)).trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

Deno.test("Ctrl-C keeps what finished, records the run as interrupted, and a rerun does only the rest", async () => {
  await using dir = await tempDir();
  await writeProjectConfig(dir.path);
  await Deno.writeTextFile(`${dir.path}/w.ts`, SCRIPT);
  const countFile = `${dir.path}/count.txt`;
  const env = { NO_COLOR: "1", COUNT_FILE: countFile, DROVER_PROGRESS: "plain" };

  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "w.ts"],
    cwd: dir.path,
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // All ten calls started: 0-4 are finished (they do not wait), 5-9 block.
  await waitFor("ten started calls", async () => (await readCount(countFile)).length === 10);
  child.kill("SIGINT");
  const out = await child.output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 130, stderr);
  assert.match(stderr, /interrupt/i);
  assert.doesNotMatch(stderr, /lib\/step\/|lib\/runtime\//, "no drover stack frames");

  {
    using store = openStore({ dir: `${dir.path}/.drover` });
    const [run] = store.runs.list();
    assert.equal(run.status, "interrupted");
    const done = store.listCalls().filter((c) => c.state === "done");
    assert.equal(done.length, 5, "the five finished calls were saved before exiting");
  }

  // The rerun reuses the five and runs only the other five.
  const rerun = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "w.ts"],
    cwd: dir.path,
    env: { ...env, RELEASE: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert.equal(rerun.code, 0, dec.decode(rerun.stderr));
  assert.equal(
    dec.decode(rerun.stdout).trim(),
    JSON.stringify([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]),
  );
  const lines = await readCount(countFile);
  assert.equal(lines.length, 15);
  assert.deepEqual(lines.slice(10).map(Number).sort(), [5, 6, 7, 8, 9]);
  using store = openStore({ dir: `${dir.path}/.drover` });
  assert.deepEqual(store.runs.list().map((r) => r.status), ["done", "interrupted"]);
});
