/** Test helpers: throwaway workflow projects that import drover from this checkout. */
import { REPO_ROOT } from "./temp.ts";

/**
 * Writes a deno.json into `dir` whose import map has drover's own dependencies plus
 * `"drover"` pointing at this checkout, so workflow scripts there run as a user's would.
 *
 * @param dir The project directory.
 */
export async function writeProjectConfig(dir: string): Promise<void> {
  const ours = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/deno.json`));
  const imports = { ...ours.imports, drover: `${REPO_ROOT}/mod.ts` };
  await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ imports }, null, 2));
  await Deno.copyFile(`${REPO_ROOT}/deno.lock`, `${dir}/deno.lock`);
}

/** Result of running a script. */
export interface ScriptResult {
  /** Exit code. */
  readonly code: number;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
}

/**
 * Runs `deno run -A script` in `dir` and collects its output.
 *
 * @param dir Working directory (the project).
 * @param script Script path relative to `dir`.
 * @param env Extra environment.
 * @param args Script arguments.
 * @returns Exit code and output.
 */
export async function runScript(
  dir: string,
  script: string,
  env: Record<string, string> = {},
  args: readonly string[] = [],
): Promise<ScriptResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: dir,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
