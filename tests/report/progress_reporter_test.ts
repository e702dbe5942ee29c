import assert from "node:assert/strict";
import {
  type ProgressEvent,
  progressFromEnv,
  type ProgressMode,
  ProgressReporter,
  ProgressState,
} from "../../lib/report/mod.ts";
import { assertGolden } from "./_golden.ts";
import { SCENARIO, SCENARIO_END } from "./_scenario.ts";
import { VirtualTerminal, visible } from "./_terminal.ts";

interface Played {
  readonly out: string;
  readonly writes: readonly { readonly at: number; readonly text: string }[];
  readonly reporter: ProgressReporter;
}

/** Plays the scenario with a timer that ticks every `tickMs`, as the lead's setInterval would. */
function play(
  mode: ProgressMode,
  events: readonly (readonly [number, ProgressEvent])[] = SCENARIO,
  end = SCENARIO_END,
  tickMs = 100,
): Played {
  let now = 0;
  const writes: { at: number; text: string }[] = [];
  const reporter = new ProgressReporter({
    mode,
    write: (text) => writes.push({ at: now, text }),
    clock: { now: () => now },
    columns: 72,
  });
  let nextTick = tickMs;
  const advance = (to: number): void => {
    while (nextTick <= to) {
      now = nextTick;
      reporter.tick();
      nextTick += tickMs;
    }
    now = to;
  };
  for (const [at, event] of events) {
    advance(at);
    reporter.onEvent(event);
  }
  advance(end);
  reporter.finish();
  return { out: writes.map((w) => w.text).join(""), writes, reporter };
}

Deno.test("ProgressReporter() tty mode redraws one block in place over a scripted run", async () => {
  const { out } = play("tty");
  await assertGolden("tty_stream.txt", visible(out));
  const term = new VirtualTerminal();
  term.write(out);
  await assertGolden("tty_screen.txt", term.screen());
});

Deno.test("ProgressReporter() tty mode shows the live state mid-run on the screen", () => {
  const term = new VirtualTerminal();
  let now = 0;
  const r = new ProgressReporter({
    mode: "tty",
    write: (t) => term.write(t),
    clock: { now: () => now },
  });
  for (const [at, event] of SCENARIO.filter(([at]) => at <= 5000)) {
    now = at;
    r.onEvent(event);
  }
  now = 5500;
  r.tick();
  assert.deepEqual(term.lines, [
    "drover: relax failed: RangeError: fmax too small \\x1b[31mred\\x1b[0m (drover calls show l2abcdef0123)",
    "drover  run r-7f3a  5s",
    "  relax  1 ran, 5 cached, 4 running, 1 failed, ETA 1s",
    "  bands  2 running",
    "  jobs: 1 submitted, 1 re-attached",
    "    hpc 4100  bands  running",
    "    hpc 4242  4 elements  relax  running",
    "",
  ]);
});

Deno.test("ProgressReporter() tty mode redraws at most 10 times a second", () => {
  const { writes } = play("tty");
  const perSecond = new Map<number, number>();
  for (const w of writes) {
    if (!w.text.includes("\x1b[2K")) continue;
    const s = Math.floor(w.at / 1000);
    perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
  }
  assert.ok(perSecond.size >= 20, "the elapsed time is redrawn every second");
  for (const [s, n] of perSecond) assert.ok(n <= 10, `${n} redraws in second ${s}`);
});

Deno.test("ProgressReporter() tty mode draws once for a burst of events and catches up on tick", () => {
  let now = 1000;
  const term = new VirtualTerminal();
  const r = new ProgressReporter({
    mode: "tty",
    write: (t) => term.write(t),
    clock: { now: () => now },
  });
  for (let i = 0; i < 500; i++) {
    r.onEvent({ type: "call-start", step: "s", key: `k${i}`, location: "local" });
  }
  assert.equal(term.writes, 1);
  assert.deepEqual(term.lines.slice(0, 2), ["drover  0ms", "  s  1 running"]);
  now = 1050;
  r.tick();
  assert.equal(term.writes, 1, "throttled");
  now = 1100;
  r.tick();
  assert.equal(term.writes, 2);
  assert.deepEqual(term.lines.slice(0, 2), ["drover  100ms", "  s  500 running"]);
  r.tick();
  assert.equal(term.writes, 2, "nothing changed, nothing drawn");
});

Deno.test("ProgressReporter() log() prints above the live block and keeps it whole", () => {
  let now = 0;
  const term = new VirtualTerminal();
  const r = new ProgressReporter({
    mode: "tty",
    write: (t) => term.write(t),
    clock: { now: () => now },
  });
  r.onEvent({ type: "call-start", step: "s", key: "k", location: "local" });
  now = 2000;
  r.log("warning: remote info key \x1b[1mrelaxx\x1b[0m matched no call\n");
  assert.deepEqual(term.lines, [
    "warning: remote info key \\x1b[1mrelaxx\\x1b[0m matched no call",
    "drover  2s",
    "  s  1 running",
    "",
  ]);
});

Deno.test("ProgressReporter() cuts block lines to the terminal width", () => {
  const term = new VirtualTerminal();
  const r = new ProgressReporter({
    mode: "tty",
    write: (t) => term.write(t),
    clock: { now: () => 0 },
    columns: 30,
  });
  r.onEvent({ type: "call-start", step: "a_rather_long_step_name", key: "k", location: "local" });
  for (const line of term.lines) assert.ok([...line].length <= 29, line);
  assert.equal(term.lines[1], "  a_rather_long_step_name  1…");
});

Deno.test("ProgressReporter() plain mode prints job events and throttled step lines", async () => {
  const { out } = play("plain");
  await assertGolden("plain.txt", out);
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(out), "no control character but newlines");
});

Deno.test("ProgressReporter() plain mode prints the first failures of a step, then counts", () => {
  let out = "";
  const r = new ProgressReporter({
    mode: "plain",
    write: (t) => out += t,
    clock: { now: () => 0 },
    failuresShown: 2,
  });
  for (let i = 0; i < 5; i++) {
    r.onEvent({ type: "call-start", step: "s", key: `k${i}`, location: "local" });
    r.onEvent({
      type: "call-failed",
      step: "s",
      key: `k${i}`,
      location: "local",
      error: `E: ${i}`,
    });
  }
  r.finish();
  assert.equal(
    out,
    [
      "drover: s failed: E: 0 (drover calls show k0)",
      "drover: s failed: E: 1 (drover calls show k1) (more failures of this step are counted, not shown)",
      "drover: s: 5 failed",
      "drover: done in 0ms: 0 ran, 0 cached, 5 failed, 0 jobs",
      "",
    ].join("\n"),
  );
});

Deno.test("ProgressReporter() off mode writes nothing and still counts", () => {
  const { out, reporter } = play("off");
  assert.equal(out, "");
  assert.deepEqual(reporter.finish(), {
    runId: "r-7f3a",
    ran: 8,
    cached: 5,
    failed: 1,
    jobs: 2,
    reattached: 1,
    restarted: 1,
    wallMs: SCENARIO_END,
  });
});

Deno.test("ProgressReporter() ignores events after finish()", () => {
  let out = "";
  const r = new ProgressReporter({
    mode: "plain",
    write: (t) => out += t,
    clock: { now: () => 0 },
  });
  r.finish({ interrupted: true });
  const before = out;
  r.onEvent({ type: "remote-error", system: "hpc", message: "late" });
  r.tick();
  r.finish();
  assert.equal(out, before);
  assert.equal(out, "drover: interrupted after 0ms: 0 ran, 0 cached, 0 failed, 0 jobs\n");
});

Deno.test("ProgressState() estimates the time left from measured call times", () => {
  const s = new ProgressState(0);
  for (let i = 0; i < 4; i++) {
    s.apply({ type: "call-start", step: "s", key: `k${i}`, location: "local" }, 0);
  }
  s.apply({ type: "call-done", step: "s", key: "k0", location: "local", durationMs: 3000 }, 3000);
  s.apply({ type: "call-done", step: "s", key: "k1", location: "local", durationMs: 5000 }, 5000);
  // Mean 4 s; 2 calls left at a parallelism of 4 seen: one more wave.
  assert.equal(s.steps()[0].etaMs, 4000);
  for (let i = 4; i < 12; i++) {
    s.apply({ type: "call-start", step: "s", key: `k${i}`, location: "hpc" }, 5000);
  }
  // 10 left (2 running, 8 queued), parallelism seen 10: one wave.
  assert.equal(s.steps()[0].etaMs, 4000);
  s.apply({ type: "call-done", step: "s", key: "k2", location: "local", durationMs: 4000 }, 6000);
  assert.equal(s.steps()[0].running + s.steps()[0].queued, 9);
});

Deno.test("ProgressState() moves a job's calls from queued to running when the job runs", () => {
  const s = new ProgressState(0);
  s.apply({ type: "call-start", step: "s", key: "a", location: "hpc" }, 0);
  s.apply({ type: "call-start", step: "s", key: "b", location: "hpc" }, 0);
  s.apply({
    type: "job-submitted",
    system: "hpc",
    job: "j",
    schedulerId: "1",
    elements: 2,
    calls: 2,
    attempt: 1,
    keys: ["a", "b"],
  }, 1);
  assert.deepEqual([s.steps()[0].queued, s.steps()[0].running], [2, 0]);
  s.apply({ type: "job-state", system: "hpc", job: "j", state: "running" }, 2);
  assert.deepEqual([s.steps()[0].queued, s.steps()[0].running], [0, 2]);
  s.apply({ type: "call-done", step: "s", key: "a", location: "hpc", durationMs: 1 }, 3);
  assert.equal(s.liveJobs().length, 1);
  s.apply({ type: "call-done", step: "s", key: "b", location: "hpc", durationMs: 1 }, 3);
  assert.deepEqual(s.liveJobs(), []);
});

Deno.test("ProgressState() forgets jobs without keys once no call waits", () => {
  const s = new ProgressState(0);
  s.apply({ type: "call-start", step: "s", key: "a", location: "hpc" }, 0);
  s.apply({
    type: "job-submitted",
    system: "hpc",
    job: "j",
    schedulerId: "1",
    elements: 1,
    calls: 1,
    attempt: 1,
  }, 1);
  assert.equal(s.liveJobs()[0].schedulerId, "1");
  s.apply({ type: "call-done", step: "s", key: "a", location: "hpc", durationMs: 1 }, 3);
  assert.deepEqual(s.liveJobs(), []);
  assert.equal(s.summary(3).jobs, 1);
});

Deno.test("progressFromEnv() picks the mode from DROVER_PROGRESS and the terminal", () => {
  const make = (env: Record<string, string>, isTty: boolean) =>
    progressFromEnv({
      env: new Map(Object.entries(env)),
      isTty,
      write: () => {},
      clock: { now: () => 0 },
    }).mode;
  assert.equal(make({}, true), "tty");
  assert.equal(make({}, false), "plain");
  assert.equal(make({ DROVER_PROGRESS: "auto" }, true), "tty");
  assert.equal(make({ DROVER_PROGRESS: "" }, false), "plain");
  assert.equal(make({ DROVER_PROGRESS: "off" }, true), "off");
  assert.equal(make({ DROVER_PROGRESS: "OFF" }, false), "off");
  assert.equal(make({ DROVER_PROGRESS: "plain" }, true), "plain");
  assert.equal(make({ DROVER_PROGRESS: "tty" }, false), "tty");
  assert.equal(make({ TERM: "dumb" }, true), "plain");
  assert.throws(() => make({ DROVER_PROGRESS: "quiet" }, true), {
    name: "RangeError",
    message:
      'Cannot read environment variable DROVER_PROGRESS: must be one of auto, tty, plain, off (got "quiet")',
  });
});

Deno.test("ProgressState() follows restarted calls from the old job into the new one", () => {
  const s = new ProgressState(0);
  for (const key of ["a", "b"]) s.apply({ type: "call-start", step: "s", key, location: "hpc" }, 0);
  const submitted = (job: string, id: string, keys: string[], attempt: number): ProgressEvent => ({
    type: "job-submitted",
    system: "hpc",
    job,
    schedulerId: id,
    elements: keys.length,
    calls: keys.length,
    attempt,
    keys,
  });
  s.apply(submitted("j1", "1", ["a", "b"], 1), 1);
  s.apply({ type: "job-state", system: "hpc", job: "j1", state: "running" }, 2);
  s.apply({
    type: "job-restart",
    system: "hpc",
    job: "j1",
    calls: 1,
    reason: "timeout",
    attempt: 2,
    keys: ["b"],
  }, 3);
  assert.deepEqual([s.steps()[0].running, s.steps()[0].queued], [1, 1]);
  s.apply(submitted("j2", "2", ["b"], 2), 4);
  s.apply({ type: "call-done", step: "s", key: "a", location: "hpc", durationMs: 1 }, 5);
  assert.deepEqual(s.liveJobs().map((j) => [j.schedulerId, j.attempt, j.state]), [[
    "2",
    2,
    "submitted",
  ]]);
  assert.equal(s.summary(5).restarted, 1);
});

Deno.test("ProgressState() counts a stored failure thrown again as failed, not cached", () => {
  const s = new ProgressState(0);
  s.apply({ type: "call-cached", step: "s", key: "a" }, 0);
  s.apply({ type: "call-cached", step: "s", key: "b", failed: true }, 0);
  assert.deepEqual([s.steps()[0].cached, s.steps()[0].failed], [1, 1]);
});
