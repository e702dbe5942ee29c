import assert from "node:assert/strict";
import { InterruptPolicy, ProgressReporter } from "../../lib/report/mod.ts";

Deno.test("InterruptPolicy() first interrupt closes progress, says how to resume or cancel, flushes, exits", async () => {
  const log: string[] = [];
  const progress = new ProgressReporter({
    mode: "plain",
    write: (t) => log.push(`progress: ${t}`),
    clock: { now: () => 4000 },
  });
  const p = new InterruptPolicy({
    write: (t) => log.push(t),
    flush: async () => {
      await Promise.resolve();
      log.push("flushed");
    },
    exit: (code) => log.push(`exit ${code}`),
    runId: () => "r-7f3a",
    resume: "deno run -A flow.ts --fmax 0.01",
    progress,
  });
  p.onSignal();
  await p.handled;
  assert.deepEqual(log, [
    "progress: drover: interrupted after 0ms: 0 ran, 0 cached, 0 failed, 0 jobs\n",
    [
      "drover: interrupted; saving what finished. Submitted jobs keep running.",
      "drover:   resume: deno run -A flow.ts --fmax 0.01 (finished calls are reused, running jobs re-attached)",
      "drover:   cancel: drover jobs cancel --run r-7f3a",
      "drover: press Ctrl-C again to exit at once.",
      "",
    ].join("\n"),
    "flushed",
    "exit 130",
  ]);
  assert.equal(p.signals, 1);
});

Deno.test("InterruptPolicy() second interrupt exits at once while the flush still runs", async () => {
  const events: string[] = [];
  let release!: () => void;
  const p = new InterruptPolicy({
    write: (t) => events.push(t.trimEnd().split("\n").at(-1)!),
    flush: () => new Promise<void>((resolve) => release = resolve),
    exit: (code) => events.push(`exit ${code}`),
  });
  p.onSignal();
  p.onSignal();
  assert.deepEqual(events.slice(-2), ["drover: second interrupt, exiting now", "exit 130"]);
  release();
  await p.handled;
  assert.equal(
    events.filter((e) => e.startsWith("exit")).length,
    1,
    "exits once, not again after the flush",
  );
});

Deno.test("InterruptPolicy() reports a failed flush and still exits", async () => {
  let out = "";
  const codes: number[] = [];
  const p = new InterruptPolicy({
    write: (t) => out += t,
    flush: () => {
      throw new Error("database is locked\x1b[2J");
    },
    exit: (code) => codes.push(code),
    exitCode: 2,
  });
  p.onSignal();
  await p.handled;
  assert.match(out, /drover: could not save everything: database is locked\\x1b\[2J\n$/);
  assert.match(out, /drover jobs ls, then drover jobs cancel JOB/);
  assert.match(out, /run the same `deno run` command again/);
  assert.deepEqual(codes, [2]);
});
