/** Golden files: compare generated text with a file, or rewrite it when UPDATE_GOLDEN=1. */
import assert from "node:assert/strict";

/**
 * Makes an `assertGolden(name, actual)` for the golden files in one folder.
 *
 * @param dir URL of the folder (ending in "/").
 * @param options `extension` appended to names (".txt"); `rerun` shown when a file is missing.
 * @returns The assertion.
 */
export function goldenAssert(
  dir: URL,
  options: { readonly extension?: string; readonly rerun: string },
): (name: string, actual: string) => Promise<void> {
  return async (name, actual) => {
    const file = `${name}${options.extension ?? ""}`;
    const url = new URL(file, dir);
    if (Deno.env.get("UPDATE_GOLDEN") === "1") {
      await Deno.mkdir(new URL(".", url), { recursive: true });
      await Deno.writeTextFile(url, actual);
      return;
    }
    let expected: string;
    try {
      expected = await Deno.readTextFile(url);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        assert.fail(`golden file ${url.pathname} is missing; run UPDATE_GOLDEN=1 ${options.rerun}`);
      }
      throw e;
    }
    assert.equal(actual, expected, `output differs from golden file ${file}`);
  };
}
