/**
 * Faults of the project store, caused for real: another process holding the write lock past
 * the busy timeout, and a full disk under `.drover` (a small tmpfs).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { remoteProject, waitUntil } from "../e2e/_remote_project.ts";

const squares = (n: number): number[] => Array.from({ length: n }, (_, x) => x * x);
const dec = new TextDecoder();

function lines(file: string): string[] {
  try {
    return Deno.readTextFileSync(file).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

Deno.test("another process holding the store's write lock past the busy timeout: the driver waits, loses nothing", async () => {
  await using p = await remoteProject("");
  const count = `${p.path}/count.txt`;
  const child = p.spawn("remote_workflow.ts", {
    env: { N: "40", SLEEP_MS: "40", COUNT_FILE: count },
  });
  await waitUntil(() => lines(count).length >= 3, "the first calls to run");
  const db = new DatabaseSync(`${p.path}/.drover/drover.db`);
  db.exec("PRAGMA busy_timeout = 10000");
  db.exec("BEGIN IMMEDIATE");
  // Held for 7 s of wall time, past the driver's 5 s busy timeout.
  await new Promise((r) => setTimeout(r, 7000));
  db.exec("COMMIT");
  db.close();
  const out = await child.output();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  assert.deepEqual(JSON.parse(dec.decode(out.stdout)).values, squares(40));
  const runs = lines(count);
  assert.equal(runs.length, 40, "every call ran once");
  using store = p.store();
  assert.equal(store.listCalls({ states: ["done"] }).length, 40, "every result recorded");
});

Deno.test("a full disk under .drover stops the run with a clear message; what finished before is recorded intact", async () => {
  await using p = await remoteProject("");
  await Deno.mkdir(`${p.path}/.drover`, { recursive: true });
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=4m", "tmpfs", `${p.path}/.drover`],
    stderr: "piped",
  }).output();
  if (mount.code !== 0) {
    if (Deno.env.get("CI") === "true") {
      throw new Error(`cannot mount a tmpfs: ${dec.decode(mount.stderr)}`);
    }
    console.warn("SKIPPED disk-full test: cannot mount a tmpfs here");
    return;
  }
  try {
    await Deno.writeTextFile(
      `${p.path}/big.ts`,
      [
        'import { map, step } from "drover";',
        'const big = step("disk.big", ({ x }: { x: number }) => {',
        "  const a = new Float64Array(25_000);",
        "  for (let i = 0; i < a.length; i++) a[i] = Math.sin(x * 1e4 + i);",
        "  return a;",
        "});",
        "if (import.meta.main) {",
        "  const r = await map(big, Array.from({ length: 40 }, (_, x) => ({ x })), { concurrency: 1 });",
        "  console.log(JSON.stringify(r.failures.map((f) => (f.error as Error).message)));",
        "}",
        "",
      ].join("\n"),
    );
    const r = await p.run("big.ts");
    const messages: string[] = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "[]");
    assert.ok(messages.length > 0, "the disk filled up");
    assert.match(messages[0], /disk holding it is full|No space left/);
    assert.doesNotMatch(r.stderr, /Uncaught|\n\s+at /, "one line per problem, no stack");
    assert.match(r.stderr, /drover: done in .*[1-9]\d* failed/, "the summary counts the failures");
    // The store is consistent and every recorded result is intact.
    using store = p.store();
    const done = store.listCalls({ states: ["done"] });
    assert.ok(done.length > 0, "calls finished before the disk filled are recorded");
    for (const c of done) {
      assert.ok(store.objects.get(c.resultRef!), `result of ${c.key} is intact`);
    }
    const temps = [...Deno.readDirSync(`${p.path}/.drover/objects`)].flatMap((d) =>
      [...Deno.readDirSync(`${p.path}/.drover/objects/${d.name}`)].filter((f) =>
        f.name.endsWith(".tmp")
      )
    );
    assert.deepEqual(temps, [], "a write cut short by the full disk leaves no temp file");
    const db = new DatabaseSync(`${p.path}/.drover/drover.db`, { readOnly: true });
    assert.equal(db.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
    db.close();
  } finally {
    await new Deno.Command("umount", { args: ["-l", `${p.path}/.drover`] }).output();
  }
});
