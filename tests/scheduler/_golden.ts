/** Golden files for rendered scripts: `UPDATE_GOLDEN=1 deno test -A tests/scheduler/` rewrites them. */
import { goldenAssert } from "../_helpers/golden.ts";

/** Compares text with `tests/scheduler/golden/<name>` (or rewrites it when UPDATE_GOLDEN=1). */
export const assertGolden: (name: string, actual: string) => Promise<void> = goldenAssert(
  new URL("./golden/", import.meta.url),
  { rerun: "deno test -A tests/scheduler/" },
);

/**
 * Reads a fixture under `tests/scheduler/fixtures/`.
 *
 * @param path Relative path, e.g. `slurm/sacct_array.txt`.
 * @returns Its text.
 */
export function fixture(path: string): Promise<string> {
  return Deno.readTextFile(new URL(`./fixtures/${path}`, import.meta.url));
}
