/**
 * Transports: how drover reaches a system. {@linkcode LocalTransport} runs commands on
 * this machine; the SSH transport shares one connection per host. Both implement
 * {@linkcode Transport}: run a shell command, write and read files in bulk.
 *
 * ```ts
 * import { LocalTransport } from "./mod.ts";
 * import assert from "node:assert/strict";
 * await using t = new LocalTransport();
 * const r = await t.exec("echo hello");
 * assert.equal(new TextDecoder().decode(r.stdout), "hello\n");
 * ```
 *
 * @module
 */
export type { ExecOptions, ExecResult, FileToWrite, Transport } from "./transport.ts";
export { TransportError, type TransportFailure } from "./errors.ts";
export { LocalTransport } from "./local.ts";
