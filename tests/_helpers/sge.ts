/**
 * Test helper: the real Grid Engine cell of `scripts/sge-up.sh`, when it is up.
 *
 * SGE tests pass `ignore: sge.ignore` and call `requireSge()` first. Without a cell they
 * are ignored with a loud warning, except under CI (`CI=true`), where they fail saying how
 * to start one.
 */

/** How to start the cell. */
export const SGE_UP_HINT = 'eval "$(bash scripts/sge-up.sh)"';

/** What the tests know about the cell. */
export interface SgeAvailability {
  /** `SGE_ROOT` of the running cell, or null. */
  readonly root: string | null;
  /** Why there is no cell, or null when there is one. */
  readonly problem: string | null;
  /** What SGE tests pass as `ignore`: true when there is no cell and CI is not "true". */
  readonly ignore: boolean;
}

/** Why `qconf -sh` does not answer, or null when it does. */
async function detect(): Promise<string | null> {
  const root = Deno.env.get("SGE_ROOT");
  if (root === undefined) return "SGE_ROOT is not set";
  try {
    const out = await new Deno.Command("qconf", {
      args: ["-sh"],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(10_000),
    }).output();
    if (out.success) return null;
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return `qconf -sh with SGE_ROOT=${root} says: ${text.trim() || `exit ${out.code}`}`;
  } catch (e) {
    return `qconf -sh with SGE_ROOT=${root} failed: ${(e as Error).message}`;
  }
}

async function availability(): Promise<SgeAvailability> {
  const problem = await detect();
  const ci = Deno.env.get("CI") === "true";
  if (problem && !ci) {
    console.warn(
      `\n${"!".repeat(78)}\n!! WARNING: the real-SGE tests are IGNORED: ${problem}.\n` +
        `!! Start the throwaway cell first:  ${SGE_UP_HINT}\n${"!".repeat(78)}\n`,
    );
  }
  return {
    root: problem ? null : Deno.env.get("SGE_ROOT") ?? null,
    problem,
    ignore: problem !== null && !ci,
  };
}

/** The cell as found when this module loaded. */
export const sge: SgeAvailability = await availability();

/**
 * Returns `SGE_ROOT` of the running cell, or throws (under CI, where SGE tests are not
 * ignored) an error saying how to start it.
 *
 * @returns The root.
 */
export function requireSge(): string {
  if (sge.root !== null) return sge.root;
  throw new Error(
    `No Grid Engine cell for the SGE tests (CI=true, so they fail rather than being ignored): ` +
      `${sge.problem}. Start one with: ${SGE_UP_HINT}`,
  );
}
