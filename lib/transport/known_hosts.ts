/**
 * Host keys: checking a server's key against OpenSSH known_hosts files (plain and hashed
 * names, `[host]:port`, `@revoked`), and trusting a new host by adding its key.
 *
 * @module
 */
import { dirname } from "node:path";
import type { KnownKey } from "./_known_hosts.ts";
import { TransportError } from "./errors.ts";
import type { SshTarget } from "./ssh_config.ts";
import { connectSsh } from "./_ssh_connect.ts";
import {
  checkTarget,
  entryMatches,
  fingerprintOf,
  hashHostName,
  type HostKeyCheck,
  keyTypeOf,
  lookupName,
  parseKnownHosts,
  readKnownHosts,
  toBase64,
} from "./_known_hosts.ts";

export {
  type HostKeyCheck,
  type IgnoredLine,
  type KnownHostsEntry,
  type KnownKey,
  parseKnownHosts,
} from "./_known_hosts.ts";

/**
 * The SHA256 fingerprint of a public key blob, as OpenSSH prints it.
 *
 * @param key The key blob (the base64 field of a known_hosts or `.pub` line, decoded).
 * @returns `SHA256:` and unpadded base64.
 *
 * @example
 * ```ts
 * import { hostKeyFingerprint } from "./known_hosts.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hostKeyFingerprint(new Uint8Array()), "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
 * ```
 */
export function hostKeyFingerprint(key: Uint8Array): string {
  return fingerprintOf(key);
}

/**
 * Hashes a known_hosts name the way OpenSSH's `HashKnownHosts` does.
 *
 * @param name `host`, or `[host]:port` for ports other than 22.
 * @param salt 20 bytes. Default: random ones.
 * @returns `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
 *
 * @example
 * ```ts
 * import { hashKnownHostName, parseKnownHosts } from "./known_hosts.ts";
 * import assert from "node:assert/strict";
 * const line = `${hashKnownHostName("[h]:2222")} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==`;
 * assert.ok(parseKnownHosts(line, "known_hosts")[0].hashed);
 * ```
 */
export function hashKnownHostName(name: string, salt?: Uint8Array): string {
  return hashHostName(name, salt);
}

/**
 * Checks a host key against the target's known_hosts files (user files, then global) as
 * OpenSSH does: looked up under `HostKeyAlias` as written, else `host` (port 22) or
 * `[host]:port`; for another port with no line at all, the plain `host` may accept it.
 *
 * @param target The target (its `hostKeyAlias` or `hostName`, port and known_hosts files).
 * @param key The key blob the server showed.
 * @returns `known`, `unknown`, `mismatch` (lines for the host exist, none with this key,
 * whatever their key type: OpenSSH's "REMOTE HOST IDENTIFICATION HAS CHANGED") or
 * `revoked` (a `@revoked` line naming the host has this key).
 *
 * @example
 * ```ts
 * import { checkHostKey } from "./known_hosts.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/kh`, "[h]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==\n");
 * const target = { hostName: "h", port: 2222, userKnownHostsFiles: [`${dir}/kh`], globalKnownHostsFiles: [] };
 * const key = Uint8Array.from(atob("AAAAC3NzaC1lZDI1NTE5AAAAIA=="), (c) => c.charCodeAt(0));
 * assert.equal((await checkHostKey(target, key)).status, "known");
 * assert.equal((await checkHostKey({ ...target, port: 22 }, key)).status, "unknown");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkHostKey(
  target: Pick<
    SshTarget,
    "hostName" | "port" | "hostKeyAlias" | "userKnownHostsFiles" | "globalKnownHostsFiles"
  >,
  key: Uint8Array,
): Promise<HostKeyCheck> {
  const entries = await readKnownHosts([
    ...target.userKnownHostsFiles,
    ...target.globalKnownHostsFiles,
  ]);
  return checkTarget(entries, target, key);
}

/** Options of {@linkcode trustHost}. */
export interface TrustHostOptions {
  /**
   * Asked before the key is added, with its type and fingerprint (show them to the user).
   * Default: add without asking.
   */
  readonly confirm?: (key: { keyType: string; fingerprint: string }) => boolean | Promise<boolean>;
  /**
   * When known_hosts has other keys for the host (it CHANGED), remove the lines naming it
   * from the first user known_hosts file (as `ssh-keygen -R` does) and add the new key.
   * Default: false (refuse).
   */
  readonly replace?: boolean;
  /** Write the host name hashed. Default: the target's `HashKnownHosts`, else false. */
  readonly hash?: boolean;
  /** Give up connecting after this long. Default: 20 000 ms. */
  readonly timeoutMs?: number;
  /** Aborts. */
  readonly signal?: AbortSignal;
}

/** What {@linkcode trustHost} did. */
export interface TrustedHost {
  /** The key's type: `ssh-ed25519`. */
  readonly keyType: string;
  /** `SHA256:...`, as OpenSSH prints it. */
  readonly fingerprint: string;
  /** The known_hosts file that has it. */
  readonly file: string;
  /** Whether a line was added (false: it was known already, or `confirm` said no). */
  readonly added: boolean;
  /** The keys that were replaced (`replace`), with the lines they were on. */
  readonly replaced: readonly KnownKey[];
}

/**
 * Connects to a host (no login), fetches its host key and appends `NAME type base64` to
 * the first user known_hosts file (created if missing), NAME being what OpenSSH looks up:
 * the `HostKeyAlias` as written, else `host` (port 22) or `[host]:port`. A known key adds
 * nothing. A CHANGED host (known_hosts has other keys for it, of any type) is refused
 * unless `replace` is set; a `@revoked` key is always refused.
 *
 * @param target The target.
 * @param options Confirmation, replacement, hashing, timeout.
 * @returns Key type, fingerprint, file, whether a line was added, the keys replaced.
 * @throws {TransportError} `host-key-mismatch` when known_hosts has other keys for the host
 * (the message lists their fingerprints and the new one) or the key is `@revoked`;
 * `connect` when the host cannot be reached.
 *
 * @example
 * ```ts
 * import { trustHost, TransportError } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const target = {
 *   destination: "127.0.0.1:1", alias: "127.0.0.1", hostName: "127.0.0.1", user: "me",
 *   port: 1, label: "me@127.0.0.1:1", identityFiles: [], identitiesOnly: false,
 *   userKnownHostsFiles: ["/nonexistent/known_hosts"], globalKnownHostsFiles: [], notes: [],
 * };
 * await assert.rejects(trustHost(target), (e) => e instanceof TransportError && e.failure === "connect");
 * ```
 */
export async function trustHost(
  target: SshTarget,
  options: TrustHostOptions = {},
): Promise<TrustedHost> {
  const file = target.userKnownHostsFiles[0];
  if (!file) {
    throw new TypeError(`Cannot trust ${target.label}: UserKnownHostsFile is none`);
  }
  const conn = await connectSsh(target, {
    timeoutMs: options.timeoutMs ?? 20_000,
    hostKeyOnly: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const key = conn.hostKey;
  const keyType = keyTypeOf(key);
  const fingerprint = fingerprintOf(key);
  const name = lookupName(target);
  const check = await checkHostKey(target, key);
  if (check.status === "known") {
    return { keyType, fingerprint, file: check.file, added: false, replaced: [] };
  }
  if (check.status === "revoked") {
    throw new TransportError(
      target.label,
      "host-key-mismatch",
      `the host key of ${name} (${keyType} ${fingerprint}) is marked @revoked in ` +
        `${check.file}:${check.line}`,
    );
  }
  let keep: string | undefined;
  let replaced: readonly KnownKey[] = [];
  if (check.status === "mismatch") {
    const known = check.known.map((k) => `${k.keyType} ${k.fingerprint} (${k.file}:${k.line})`)
      .join(", ");
    const changed = `the host key of ${name} has CHANGED: known_hosts has ${known}; the ` +
      `server shows ${keyType} ${fingerprint}`;
    if (!options.replace) {
      throw new TransportError(
        target.label,
        "host-key-mismatch",
        `${changed}. Someone may be intercepting the connection; if the host was ` +
          "reinstalled, compare the new fingerprint with the one its administrators publish " +
          "and replace the old key (drover systems trust NAME --replace)",
      );
    }
    const elsewhere = check.known.find((k) => k.file !== file);
    if (elsewhere) {
      throw new TransportError(
        target.label,
        "host-key-mismatch",
        `${changed}; ${elsewhere.file}:${elsewhere.line} is not the file drover writes ` +
          `(${file}), edit it by hand`,
      );
    }
    keep = removeLines(await Deno.readTextFile(file), file, name);
    replaced = check.known;
  }
  if (options.confirm && !(await options.confirm({ keyType, fingerprint }))) {
    return { keyType, fingerprint, file, added: false, replaced: [] };
  }
  const hash = options.hash ?? target.hashKnownHosts ?? false;
  const line = `${hash ? hashHostName(name) : name} ${keyType} ${toBase64(key)}\n`;
  await Deno.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  if (keep !== undefined) {
    await Deno.writeTextFile(file, keep + line, { mode: 0o600 });
    return { keyType, fingerprint, file, added: true, replaced };
  }
  let prefix = "";
  try {
    const old = await Deno.readTextFile(file);
    if (old.length > 0 && !old.endsWith("\n")) prefix = "\n";
  } catch {
    // a new file
  }
  await Deno.writeTextFile(file, prefix + line, { append: true, mode: 0o600 });
  return { keyType, fingerprint, file, added: true, replaced };
}

/**
 * A known_hosts text without the unmarked lines naming a host (as `ssh-keygen -R` removes
 * them; `@revoked` and `@cert-authority` lines stay).
 *
 * @param text The file's text.
 * @param file The file's name.
 * @param name The known_hosts name.
 * @returns The text left, ending with a newline unless empty.
 */
function removeLines(text: string, file: string, name: string): string {
  const drop = new Set(
    parseKnownHosts(text, file)
      .filter((e) => e.marker === undefined && entryMatches(e, name))
      .map((e) => e.line),
  );
  const kept = text.split(/\r?\n/).filter((_, i) => !drop.has(i + 1));
  const out = kept.join("\n").replace(/\n+$/, "");
  return out === "" ? "" : `${out}\n`;
}
