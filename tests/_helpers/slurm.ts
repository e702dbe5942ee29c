/**
 * Test helper: the real Slurm cluster of `scripts/slurm-up.sh`, when it is up.
 *
 * Slurm tests pass `ignore: slurm.ignore` and call `requireSlurm()` first. Without a
 * cluster they are ignored with a loud warning, except under CI (`CI=true`), where they fail
 * saying how to start one.
 */

/** How to start the cluster. */
export const SLURM_UP_HINT = 'eval "$(bash scripts/slurm-up.sh)"';

/** The config file `scripts/slurm-up.sh` writes by default. */
const DEFAULT_CONF = "/tmp/drover-slurm/slurm.conf";

/** What the tests know about the cluster. */
export interface SlurmAvailability {
  /** `SLURM_CONF` of the running cluster (also set in this process's environment), or null. */
  readonly conf: string | null;
  /** Why there is no cluster, or null when there is one. */
  readonly problem: string | null;
  /** What Slurm tests pass as `ignore`: true when there is no cluster and CI is not "true". */
  readonly ignore: boolean;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** Why `scontrol ping` with this config does not answer UP, or null when it does. */
async function pingProblem(conf: string): Promise<string | null> {
  try {
    const out = await new Deno.Command("scontrol", {
      args: ["ping"],
      env: { SLURM_CONF: conf },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(10_000),
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return out.success && /\bUP\b/.test(text)
      ? null
      : `scontrol ping with SLURM_CONF=${conf} says: ${text.trim() || `exit ${out.code}`}`;
  } catch (e) {
    return `scontrol ping with SLURM_CONF=${conf} failed: ${(e as Error).message}`;
  }
}

async function detect(): Promise<{ conf: string | null; problem: string | null }> {
  const given = Deno.env.get("SLURM_CONF");
  const conf = given ?? ((await isFile(DEFAULT_CONF)) ? DEFAULT_CONF : undefined);
  if (conf === undefined) return { conf: null, problem: "SLURM_CONF is not set" };
  if (!(await isFile(conf))) return { conf: null, problem: `SLURM_CONF=${conf} does not exist` };
  const problem = await pingProblem(conf);
  if (problem) return { conf: null, problem };
  if (given === undefined) Deno.env.set("SLURM_CONF", conf);
  return { conf, problem: null };
}

async function availability(): Promise<SlurmAvailability> {
  const { conf, problem } = await detect();
  const ci = Deno.env.get("CI") === "true";
  if (problem && !ci) {
    console.warn(
      `\n${"!".repeat(78)}\n!! WARNING: the real-Slurm tests are IGNORED: ${problem}.\n` +
        `!! Start the throwaway cluster first:  ${SLURM_UP_HINT}\n${"!".repeat(78)}\n`,
    );
  }
  return { conf, problem, ignore: problem !== null && !ci };
}

/** The cluster as found when this module loaded. */
export const slurm: SlurmAvailability = await availability();

/**
 * Returns `SLURM_CONF` of the running cluster, or throws (under CI, where Slurm tests are
 * not ignored) an error saying how to start it.
 *
 * @returns The config path.
 */
export function requireSlurm(): string {
  if (slurm.conf !== null) return slurm.conf;
  throw new Error(
    `No Slurm cluster for the Slurm tests (CI=true, so they fail rather than being ignored): ` +
      `${slurm.problem}. Start one with: ${SLURM_UP_HINT}`,
  );
}
