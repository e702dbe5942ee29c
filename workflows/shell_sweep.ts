/**
 * shell_sweep: run a shell command over a grid of parameters, each command cached.
 *
 *   deno run -A workflows/shell_sweep.ts --help
 *   deno run -A workflows/shell_sweep.ts \
 *     --cmd 'python relax.py --fmax {fmax} --seed {seed}' \
 *     --param fmax=0.1,0.05,0.01 --param seed=1,2 --jobs 4
 *
 * Every combination of the parameters fills the `{name}` placeholders of the template and
 * runs once; run the same sweep again and finished commands are not run again (a command
 * that failed is reported again; pass --retry-failed to rerun it). Each command's stdout,
 * stderr and exit code are kept in the project store: `drover calls ls --step shell_sweep.run`.
 *
 * @module
 */
import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { map, step } from "drover";

/** What one command produced. */
export interface CommandOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one shell command line; a non-zero exit is a failure of the call. */
export const runCommand = step(
  "shell_sweep.run",
  async ({ command, cwd }: { command: string; cwd: string }): Promise<CommandOutput> => {
    const out = await new Deno.Command("sh", {
      args: ["-c", command],
      cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    const result = {
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
    };
    if (out.code !== 0) {
      throw Object.assign(
        new Error(`command exited with code ${out.code}: ${result.stderr.trim().slice(-300)}`),
        result,
      );
    }
    return result;
  },
);

/**
 * Every combination of parameter values, in order.
 *
 * @param params Name -> values.
 * @returns One record per combination.
 *
 * @example
 * ```ts
 * import { grid } from "./shell_sweep.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(grid({ a: ["1", "2"], b: ["x"] }), [{ a: "1", b: "x" }, { a: "2", b: "x" }]);
 * ```
 */
export function grid(
  params: Readonly<Record<string, readonly string[]>>,
): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const [name, values] of Object.entries(params)) {
    out = out.flatMap((combo) => values.map((v) => ({ ...combo, [name]: v })));
  }
  return out;
}

/**
 * Fills `{name}` placeholders; every placeholder must have a value.
 *
 * @param template Command template.
 * @param values Parameter values.
 * @returns The command line.
 * @throws {RangeError} naming a placeholder without a parameter.
 */
export function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) {
      throw new RangeError(`--cmd uses {${name}} but no --param ${name}=... is given`);
    }
    return v;
  });
}

function parseParam(
  value: string,
  previous: Record<string, string[]>,
): Record<string, string[]> {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected NAME=V1,V2,... (got "${value}")`);
  return { ...previous, [m[1]]: m[2].split(",") };
}

if (import.meta.main) {
  const program = new Command()
    .name("shell_sweep")
    .description("Run a shell command over a grid of parameters; each command is cached.")
    .requiredOption("--cmd <template>", "command template with {name} placeholders")
    .option("--param <name=v1,v2>", "a parameter and its values (repeatable)", parseParam, {})
    .option("--jobs <n>", "commands at once", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) {
        throw new InvalidArgumentError("expected a whole number ≥ 1");
      }
      return n;
    }, navigator.hardwareConcurrency)
    .option("--retry-failed", "rerun commands that failed before")
    .parse();
  const opts = program.opts();
  let commands: string[] = [];
  try {
    commands = grid(opts.param).map((values) => fill(opts.cmd, values));
  } catch (e) {
    program.error(`error: ${(e as Error).message}`, { exitCode: 2 });
  }
  if (opts.retryFailed) Deno.env.set("DROVER_RETRY_FAILED", "1");
  const result = await map(runCommand, commands.map((command) => ({ command, cwd: Deno.cwd() })), {
    concurrency: opts.jobs,
  });
  for (const [i, out] of result.values.entries()) {
    if (out) console.log(`ok    ${commands[i]}\n${out.stdout.trimEnd()}`);
  }
  for (const f of result.failures) {
    console.error(`FAIL  ${commands[f.index]}: ${(f.error as Error).message}`);
  }
  console.log(
    `${result.values.length - result.failures.length} ok, ${result.failures.length} failed`,
  );
  Deno.exitCode = result.ok ? 0 : 1;
}
