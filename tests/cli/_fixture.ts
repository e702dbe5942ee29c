/**
 * A seeded project store for CLI tests, written through the Store API with fixed content
 * and timestamps so every output is deterministic, and a runner for `main()`.
 */
import { encode, hashValue } from "../../lib/codec/mod.ts";
import { main } from "../../lib/cli/mod.ts";
import { type CallRecord, openStore, type Store, type StoredError } from "../../lib/store/mod.ts";

/** The fixed "now" of every test: 2025-01-15T12:00:00Z. */
export const NOW: number = Date.UTC(2025, 0, 15, 12, 0, 0);

const MINUTE = 60_000;

/** The code identities recorded for the seeded steps. */
export const CODE = {
  relax: {
    hash: "c0de".repeat(16),
    step: "relax",
    parts: {
      "step": "1111".repeat(16),
      "helper:lib/relax.ts::norm": "2222".repeat(16),
      "dep:npm:zod@^3": "3.25.76",
    },
  },
  score: {
    hash: "5c0e".repeat(16),
    step: "score",
    parts: { "step": "4444".repeat(16) },
  },
} as const;

/** One seeded call: its label, inputs, and what to record. */
interface SeedCall {
  readonly label: string;
  readonly step: "relax" | "score";
  readonly version: string;
  readonly inputs: Record<string, unknown>;
  readonly ignore?: readonly string[];
  readonly state: CallRecord["state"];
  readonly result?: unknown;
  readonly error?: StoredError;
  readonly location: string;
  readonly attempts?: number;
  /** Minutes before NOW the call was created / started. */
  readonly startedMinAgo: number;
  /** Duration in ms; absent for running calls. */
  readonly durationMs?: number;
}

const SEED_CALLS: readonly SeedCall[] = [
  {
    label: "si",
    step: "relax",
    version: "1",
    inputs: { structure: { formula: "Si2", cell: [5.43, 5.43, 5.43] }, fmax: 0.01 },
    state: "done",
    result: { energy: -10.84, forces: new Float64Array([0, 0.001, 0]) },
    location: "local",
    startedMinAgo: 50,
    durationMs: 2_350,
  },
  {
    label: "ge",
    step: "relax",
    version: "1",
    inputs: { structure: { formula: "Ge2", cell: [5.66, 5.66, 5.66] }, fmax: 0.01 },
    state: "done",
    result: { energy: -8.97, forces: new Float64Array([0, 0, 0]) },
    location: "cluster",
    startedMinAgo: 45,
    durationMs: 185_000,
  },
  {
    label: "c",
    step: "relax",
    version: "1",
    inputs: { structure: { formula: "C2", cell: [3.57, 3.57, 3.57] }, fmax: 0.01 },
    state: "failed",
    error: {
      name: "ConvergenceError",
      message: "did not converge in 200 steps",
      stack:
        "ConvergenceError: did not converge in 200 steps\n    at relax (file:///p/lib/relax.ts:12:11)",
    },
    location: "cluster",
    attempts: 2,
    startedMinAgo: 40,
    durationMs: 420_000,
  },
  {
    label: "si-v2",
    step: "relax",
    version: "2",
    inputs: { structure: { formula: "Si2", cell: [5.43, 5.43, 5.43] }, fmax: 0.01 },
    state: "done",
    result: { energy: -10.85, forces: new Float64Array([0, 0, 0]) },
    location: "local",
    startedMinAgo: 30,
    durationMs: 2_100,
  },
  {
    label: "si-loose",
    step: "relax",
    version: "1",
    inputs: { structure: { formula: "Si2", cell: [5.43, 5.43, 5.43] }, fmax: 0.05 },
    state: "done",
    result: { energy: -10.8, forces: new Float64Array([0, 0.02, 0]) },
    location: "local",
    startedMinAgo: 20,
    durationMs: 950,
  },
  {
    label: "score-1",
    step: "score",
    version: "",
    inputs: { x: 1, seed: 42 },
    ignore: ["seed"],
    state: "done",
    result: 0.5,
    location: "local:isolate",
    startedMinAgo: 10,
    durationMs: 120,
  },
  {
    label: "score-3",
    step: "score",
    version: "",
    inputs: { x: 3, seed: 7 },
    ignore: ["seed"],
    state: "running",
    location: "local:isolate",
    startedMinAgo: 0.5,
  },
];

/** A temporary project with a seeded store. */
export interface Fixture extends AsyncDisposable {
  /** The project directory (the test's working directory). */
  readonly dir: string;
  /** Full call key by seed label. */
  readonly keys: Readonly<Record<string, string>>;
  /** Object refs by seed label (`<label>:inputs`, `<label>:result`, `orphan-small`, ...). */
  readonly refs: Readonly<Record<string, string>>;
  /** Opens the store (close it before running main again if you write). */
  open(): Store;
}

/**
 * Creates a temporary project and seeds its store: 7 calls of 2 steps, their objects,
 * 2 unreferenced objects (one inline, one file), code identities and 5 runs.
 *
 * @returns The fixture; dispose it to remove the directory.
 */
export async function seededProject(): Promise<Fixture> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "drover-cli-" }));
  const keys: Record<string, string> = {};
  const refs: Record<string, string> = {};
  {
    using store = openStore({ dir: `${dir}/.drover` });
    store.code.put(CODE.relax);
    store.code.put(CODE.score);
    const runId = seedRuns(store, dir);
    for (const c of SEED_CALLS) {
      const ignore = new Set(c.ignore ?? []);
      const argHashes: Record<string, string> = {};
      for (const name of Object.keys(c.inputs).sort()) {
        if (!ignore.has(name)) argHashes[name] = hashValue(c.inputs[name]);
      }
      const code = CODE[c.step];
      // Any 64-hex key works for the CLI; derive it from the parts so it is stable.
      const key = hashValue({ step: c.step, codeHash: code.hash, version: c.version, argHashes });
      keys[c.label] = key;
      const inputsRef = store.objects.put(encode(c.inputs));
      refs[`${c.label}:inputs`] = inputsRef;
      const resultRef = c.result === undefined ? null : store.objects.put(encode(c.result));
      if (resultRef) refs[`${c.label}:result`] = resultRef;
      const startedAt = NOW - c.startedMinAgo * MINUTE;
      store.putCall({
        key,
        step: c.step,
        state: c.state,
        codeHash: code.hash,
        version: c.version,
        argHashes,
        inputsRef,
        resultRef,
        error: c.error ?? null,
        runId,
        location: c.location,
        attempts: c.attempts ?? 1,
        createdAt: startedAt,
        startedAt,
        endedAt: c.durationMs === undefined ? null : startedAt + c.durationMs,
      });
    }
    refs["orphan-small"] = store.objects.put(encode({ leftover: "from a removed call" }));
    refs["orphan-large"] = store.objects.put(encode(new Float64Array(10_000).fill(1.5)));
    // Objects are stamped with the real clock; make them older than gc's grace period.
    store.db.prepare("UPDATE objects SET created_at = ?").run(NOW - 2 * 60 * MINUTE);
  }
  return {
    dir,
    keys,
    refs,
    open: () => openStore({ dir: `${dir}/.drover` }),
    async [Symbol.asyncDispose](): Promise<void> {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Records runs with fixed times; returns the id of the run the calls belong to. */
function seedRuns(store: Store, dir: string): number {
  const runs = [
    {
      script: `file://${dir}/flows/relax_all.ts`,
      argv: ["--fmax", "0.01"],
      ago: 55,
      dur: 50,
      status: "done",
    },
    {
      script: `file://${dir}/flows/score.ts`,
      argv: ["--label", "first try"],
      ago: 120,
      dur: 3,
      status: "failed",
    },
    {
      script: "file:///elsewhere/scratch.ts",
      argv: [],
      ago: 300,
      dur: null,
      status: "interrupted",
    },
    { script: `file://${dir}/flows/score.ts`, argv: [], ago: 1, dur: null, status: "running" },
    { script: `file://${dir}/flows/old.ts`, argv: [], ago: 60 * 24 * 10, dur: 1, status: "done" },
  ] as const;
  const ids = runs.map((r) => {
    const id = store.runs.start({ script: r.script, argv: r.argv, cwd: dir });
    const startedAt = NOW - r.ago * MINUTE;
    const endedAt = r.dur === null ? null : startedAt + r.dur * MINUTE;
    const error = r.status === "failed" ? "TypeError: x is not a function" : null;
    // The Store API stamps runs with the real clock; pin the times for stable output.
    store.db.prepare(
      "UPDATE runs SET started_at = ?, ended_at = ?, status = ?, error = ? WHERE id = ?",
    )
      .run(startedAt, endedAt, r.status, error, id);
    return id;
  });
  return ids[0];
}

/** What one `main()` run printed and returned. */
export interface RunOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The questions asked, in order. */
  readonly questions: readonly string[];
}

/** Options of {@linkcode runCli}. */
export interface RunCliOptions {
  /** Environment. Default: empty. */
  readonly env?: Record<string, string>;
  /** Whether stdout is a terminal. Default: false. */
  readonly isTerminal?: boolean;
  /** Answers to questions, in order; given: the CLI is interactive. Default: not interactive. */
  readonly answers?: readonly (string | null)[];
}

/**
 * Runs `main()` in `cwd` with a fixed clock and captured output; the temporary directory in
 * the output is replaced by `<TMP>`.
 *
 * @param args Arguments.
 * @param cwd Working directory.
 * @param options Environment and terminal flag.
 * @returns Exit code and output.
 */
export async function runCli(
  args: string[],
  cwd: string,
  options: RunCliOptions = {},
): Promise<RunOutput> {
  let stdout = "";
  let stderr = "";
  const questions: string[] = [];
  const answers = [...(options.answers ?? [])];
  const code = await main(args, {
    interactive: options.answers !== undefined,
    ask: (question) => {
      questions.push(question);
      return Promise.resolve(answers.length > 0 ? answers.shift()! : null);
    },
    stdout: (t) => stdout += t,
    stderr: (t) => stderr += t,
    cwd,
    env: options.env ?? {},
    now: () => NOW,
    isTerminal: options.isTerminal ?? false,
    columns: 80,
  });
  const clean = (s: string): string => cwd === "/" ? s : s.replaceAll(cwd, "<TMP>");
  return { code, stdout: clean(stdout), stderr: clean(stderr), questions };
}
