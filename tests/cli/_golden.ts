/** Golden files for CLI output: `UPDATE_GOLDEN=1 deno test -A tests/cli/` rewrites them. */
import assert from "node:assert/strict";

const GOLDEN_DIR = new URL("./golden/", import.meta.url);

/**
 * Compares text with `tests/cli/golden/<name>.txt`, or rewrites that file when
 * `UPDATE_GOLDEN=1`.
 *
 * @param name File name without `.txt`.
 * @param actual The output.
 */
export async function assertGolden(name: string, actual: string): Promise<void> {
  const url = new URL(`${name}.txt`, GOLDEN_DIR);
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
        `golden file ${url.pathname} is missing; run UPDATE_GOLDEN=1 deno test -A tests/cli/`,
      );
    }
    throw e;
  }
  assert.equal(actual, expected, `output differs from golden file ${name}.txt`);
}
