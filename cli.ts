/**
 * The `drover` command: `deno run -A cli.ts --help`.
 *
 * @module
 */
import { main } from "./lib/cli/mod.ts";

export { main };
export type { CliIO } from "./lib/cli/mod.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));
