/** Golden files for CLI output: `UPDATE_GOLDEN=1 deno test -A tests/cli/` rewrites them. */
import { goldenAssert } from "../_helpers/golden.ts";

/** Compares text with `tests/cli/golden/<name>.txt` (or rewrites it when UPDATE_GOLDEN=1). */
export const assertGolden: (name: string, actual: string) => Promise<void> = goldenAssert(
  new URL("./golden/", import.meta.url),
  { extension: ".txt", rerun: "deno test -A tests/cli/" },
);
