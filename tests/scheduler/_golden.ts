/** Golden files for rendered scripts: `UPDATE_GOLDEN=1 deno task test` rewrites them. */
import assert from "node:assert/strict";

const GOLDEN_DIR = new URL("./golden/", import.meta.url);

/**
 * Compares text with `tests/scheduler/golden/<name>`, or rewrites that file when
 * `UPDATE_GOLDEN=1`.
 *
 * @param name File name with its extension (`slurm_array.sh`).
 * @param actual The rendered text.
 */
export async function assertGolden(name: string, actual: string): Promise<void> {
  const url = new URL(name, GOLDEN_DIR);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    await Deno.mkdir(GOLDEN_DIR, { recursive: true });
    await Deno.writeTextFile(url, actual);
    return;
  }
  let expected: string;
  try {
    expected = await Deno.readTextFile(url);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      assert.fail(
        `golden file ${url.pathname} is missing; run UPDATE_GOLDEN=1 deno test -A tests/scheduler/`,
      );
    }
    throw e;
  }
  assert.equal(actual, expected, `output differs from golden file ${name}`);
}

/**
 * Reads a fixture under `tests/scheduler/fixtures/`.
 *
 * @param path Relative path, e.g. `slurm/sacct_array.txt`.
 * @returns Its text.
 */
export function fixture(path: string): Promise<string> {
  return Deno.readTextFile(new URL(`./fixtures/${path}`, import.meta.url));
}
