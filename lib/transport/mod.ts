/**
 * Transports: how drover reaches a system. {@linkcode LocalTransport} runs commands on
 * this machine; {@linkcode SshTransport} reaches a host over SSH through one connection
 * (one persistent shell for commands, SFTP for files), and {@linkcode transportFor} shares
 * one per host across the process. Both implement {@linkcode Transport}: run a shell
 * command, write and read files in bulk. A system's `host` is resolved through the OpenSSH
 * client config ({@linkcode resolveSshTarget}); host keys are checked against known_hosts
 * ({@linkcode checkHostKey}) and new hosts trusted with {@linkcode trustHost}.
 *
 * ```ts
 * import { LocalTransport, resolveSshTarget } from "./mod.ts";
 * import assert from "node:assert/strict";
 * await using t = new LocalTransport();
 * const r = await t.exec("echo hello");
 * assert.equal(new TextDecoder().decode(r.stdout), "hello\n");
 * const target = resolveSshTarget("me@login.example.org:2222", { configFile: "/nonexistent" });
 * assert.equal(target.label, "me@login.example.org:2222");
 * ```
 *
 * @module
 */
export type { ExecOptions, ExecResult, FileToWrite, Transport } from "./transport.ts";
export { TransportError, type TransportFailure } from "./errors.ts";
export { LocalTransport } from "./local.ts";
export { accessMode, accessUmask, FILE_ACCESS, type FileAccess, withAccess } from "./access.ts";
export {
  parseSshConfig,
  resolveSshTarget,
  type ResolveSshTargetOptions,
  safeParseSshConfig,
  type SshConfig,
  type SshConfigDirective,
  SshConfigError,
  type SshConfigParseResult,
  type SshTarget,
} from "./ssh_config.ts";
export {
  checkHostKey,
  hashKnownHostName,
  type HostKeyCheck,
  hostKeyFingerprint,
  type IgnoredLine,
  type KnownHostsEntry,
  type KnownKey,
  parseKnownHosts,
  type TrustedHost,
  trustHost,
  type TrustHostOptions,
} from "./known_hosts.ts";
export { type BackoffClock, type SshEvent, SshTransport, type SshTransportOptions } from "./ssh.ts";
export {
  closeAllTransports,
  PooledTransport,
  transportFor,
  type TransportForOptions,
  type TransportTraffic,
} from "./pool.ts";
