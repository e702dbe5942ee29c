/**
 * The `drover` command line: inspect and tidy a project store. `main` takes the arguments
 * and an injectable terminal, so it runs the same in tests as from `cli.ts`.
 *
 * ```ts
 * import { main } from "./mod.ts";
 * import assert from "node:assert/strict";
 * let out = "";
 * assert.equal(await main(["--help"], { stdout: (t) => out += t, env: {} }), 0);
 * assert.match(out, /calls ls/);
 * ```
 *
 * @module
 */
export { createProgram, main } from "./main.ts";
export type { CliIO } from "./_io.ts";
