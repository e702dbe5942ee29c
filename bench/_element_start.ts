/**
 * Element start and time per call, measured with a bare `deno run` of a job bundle (no
 * scheduler): `deno run -A bench/_element_start.ts [DROVER_ROOT]` (default: this checkout;
 * give another checkout, e.g. an older one, to compare). bench/slurm.ts runs it too.
 *
 * For the bench workflow's bundle it prints: the median wall time of a 1-call element
 * (deno start, bundle load, one call, one commit) with each of the `deno run` options
 * below, alone and 8 at once; the time per call of a 1000-call element; and the fsync and
 * fdatasync calls of a 100-call element (strace, when installed).
 */
const root = Deno.args[0] ?? new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const runtime = await import(`${root}/lib/runtime/mod.ts`);
const codec = await import(`${root}/lib/codec/mod.ts`);
const enc = new TextEncoder();

const REPS = Number(Deno.env.get("REPS") ?? "7");

/** A fresh project with the bench workflow, and its bundle. */
async function bundleOf(tmp: string): Promise<{ file: string; bytes: Uint8Array }> {
  const ours = JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
  const imports = { ...ours.imports, drover: `${root}/mod.ts` };
  await Deno.writeTextFile(`${tmp}/deno.json`, JSON.stringify({ imports }));
  await Deno.copyFile(`${root}/deno.lock`, `${tmp}/deno.lock`);
  await Deno.copyFile(new URL("./_slurm_workflow.ts", import.meta.url), `${tmp}/workflow.ts`);
  const b = await runtime.bundleStepModule(`${tmp}/workflow.ts`, { cacheDir: false });
  const file = `${tmp}/bundle.js`;
  await Deno.writeFile(file, b.bytes);
  return { file, bytes: b.bytes };
}

let jobs = 0;
/** A job of one element with `n` trivial calls, staged both ways (objects and a pack). */
async function stage(runDir: string, n: number): Promise<string> {
  const dir = `${runDir}/jobs/j${jobs++}`;
  const calls = [];
  const inputs = [];
  for (let x = 0; x < n; x++) {
    const bytes = codec.encode({ x }, { root: "args" });
    const hash = codec.sha256Hex(bytes);
    const path = runtime.objectPath(runDir, hash);
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(path, bytes);
    inputs.push(bytes);
    calls.push({ key: codec.sha256Hex(enc.encode(`${dir}/${x}`)), inputs: hash });
  }
  for (const sub of ["el", "out", "in", "log"]) {
    await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
  }
  if (runtime.encodeInputPack) {
    await Deno.writeFile(`${dir}/in/0.bin`, runtime.encodeInputPack(inputs));
  }
  const manifest = {
    format: 1,
    step: "bench.trivial",
    bundle: "0".repeat(64),
    elements: [calls],
    ...(runtime.encodeInputPack ? { packed: true } : {}),
  };
  await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(manifest));
  return dir;
}

async function runElement(
  runDir: string,
  dir: string,
  bundle: string,
  flags: readonly string[],
  prefix: readonly string[] = [],
): Promise<{ ms: number; cpuMs: number; stderr: string }> {
  const time = prefix.length === 0 ? ["/usr/bin/time", "-f", "@@cpu %U %S"] : [];
  const argv = [...prefix, ...time, Deno.execPath(), "run", "-A", "--no-prompt", ...flags, bundle];
  const t = performance.now();
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: { DROVER_RUNDIR: runDir, DROVER_JOB_DIR: dir, DROVER_ARRAY_INDEX: "0", NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t;
  const stderr = new TextDecoder().decode(out.stderr);
  if (out.code !== 0) throw new Error(`element failed (exit ${out.code}): ${stderr}`);
  const cpu = /@@cpu ([\d.]+) ([\d.]+)/.exec(stderr);
  const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : NaN;
  return { ms, cpuMs, stderr };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const tmp = await Deno.makeTempDir({ prefix: "drover-bench-element-" });
try {
  const runDir = `${tmp}/R`;
  const { file, bytes } = await bundleOf(tmp);
  const minified = `${tmp}/bundle.min.js`;
  const min = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--no-config",
      "--minify",
      "--external=npm:*",
      `--output=${minified}`,
      file,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  const minOk = min.code === 0;
  const base = ["--no-config", "--no-lock"];
  const variants: [string, string, string[]][] = [
    ["as drover runs it: --no-config --no-lock", file, base],
    ["+ --no-code-cache", file, [...base, "--no-code-cache"]],
    ["+ --cached-only", file, [...base, "--cached-only"]],
    ["+ --no-npm", file, [...base, "--no-npm"]],
    ["+ --no-check", file, [...base, "--no-check"]],
    ["+ --v8-flags=--no-opt", file, [...base, "--v8-flags=--no-opt"]],
    ...(minOk
      ? [["minified bundle (deno bundle --minify)", minified, base] as [string, string, string[]]]
      : []),
  ];
  console.log(`drover at ${root}`);
  console.log(
    `bundle ${(bytes.length / 1e6).toFixed(2)} MB` +
      (minOk
        ? `, minified ${((await Deno.stat(minified)).size / 1e6).toFixed(2)} MB`
        : ", minify failed"),
  );
  for (const [label, bundle, flags] of variants) {
    await runElement(runDir, await stage(runDir, 1), bundle, flags); // warm caches
    const alone: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const r = await runElement(runDir, await stage(runDir, 1), bundle, flags);
      alone.push(r.ms);
      cpu.push(r.cpuMs);
    }
    const dirs = await Promise.all(Array.from({ length: 8 }, () => stage(runDir, 1)));
    const t = performance.now();
    await Promise.all(dirs.map((d) => runElement(runDir, d, bundle, flags)));
    const eight = performance.now() - t;
    console.log(
      `1-call element, ${label}: alone median ${median(alone).toFixed(0)} ms wall, ${
        median(cpu).toFixed(0)
      } ms CPU (of ${REPS}); 8 at once ${eight.toFixed(0)} ms wall`,
    );
  }
  const ones: number[] = [];
  const thousands: number[] = [];
  for (let i = 0; i < 5; i++) {
    ones.push((await runElement(runDir, await stage(runDir, 1), file, base)).cpuMs);
    thousands.push((await runElement(runDir, await stage(runDir, 1000), file, base)).cpuMs);
  }
  console.log(
    `time per call in the element, CPU ((1000-call element - 1-call element) / 999, medians of 5): ${
      ((median(thousands) - median(ones)) / 999).toFixed(3)
    } ms`,
  );
  const strace = await new Deno.Command("sh", {
    args: ["-c", "command -v strace"],
    stdout: "piped",
  })
    .output();
  if (strace.code === 0) {
    const log = `${tmp}/strace.log`;
    await runElement(runDir, await stage(runDir, 100), file, base, [
      "strace",
      "-f",
      "-qq",
      "-e",
      "trace=fsync,fdatasync",
      "-o",
      log,
    ]);
    const lines = (await Deno.readTextFile(log)).split("\n");
    const count = (name: string) => lines.filter((l) => l.includes(` ${name}(`)).length;
    console.log(
      `100-call element: ${count("fsync")} fsync + ${count("fdatasync")} fdatasync (strace)`,
    );
  }
} finally {
  await Deno.remove(tmp, { recursive: true });
}
