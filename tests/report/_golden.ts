/** Golden files of the report tests: `UPDATE_GOLDEN=1 deno test -A tests/report/` rewrites them. */
import { goldenAssert } from "../_helpers/golden.ts";

/** Compares text with `tests/report/golden/<name>` (or rewrites it when UPDATE_GOLDEN=1). */
export const assertGolden: (name: string, actual: string) => Promise<void> = goldenAssert(
  new URL("./golden/", import.meta.url),
  { rerun: "deno test -A tests/report/" },
);
