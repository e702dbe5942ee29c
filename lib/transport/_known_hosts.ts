/**
 * Private to lib/transport: reading OpenSSH known_hosts files and checking a server's host
 * key against them (plain and hashed names, `[host]:port`, `@revoked`).
 *
 * @module
 */
import { createHash, createHmac } from "node:crypto";
import { patternListMatch } from "./_ssh_patterns.ts";

/** One line of a known_hosts file. */
export interface KnownHostsEntry {
  /** `@revoked` or `@cert-authority` when the line starts with one. */
  readonly marker?: "revoked" | "cert-authority";
  /** The host patterns of a plain line (`host`, `[host]:2222`, `*.example.org`, `!x`). */
  readonly patterns: readonly string[];
  /** The salt and HMAC-SHA1 of a hashed line (`|1|salt|hash`). */
  readonly hashed?: { readonly salt: Uint8Array; readonly hash: Uint8Array };
  /** The key type: `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`. */
  readonly keyType: string;
  /** The public key blob (the base64 field, decoded). */
  readonly key: Uint8Array;
  /** The file. */
  readonly file: string;
  /** The line (from 1). */
  readonly line: number;
}

/** A key known_hosts holds for a host, as shown to people. */
export interface KnownKey {
  /** The key type: `ssh-rsa`. */
  readonly keyType: string;
  /** `SHA256:...`, as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
  /** The file. */
  readonly file: string;
  /** The line (from 1). */
  readonly line: number;
}

/**
 * What known_hosts files say about a server's key, decided as OpenSSH's `check_host_key`
 * does: `known` (a line for this host has this key), `mismatch` (OpenSSH's "REMOTE HOST
 * IDENTIFICATION HAS CHANGED": lines for this host exist, of any key type, none with this
 * key), `revoked` (a `@revoked` line naming this host has this key), `unknown` (no line
 * names this host).
 */
export type HostKeyCheck =
  | { readonly status: "known"; readonly file: string; readonly line: number }
  | {
    readonly status: "mismatch";
    readonly file: string;
    readonly line: number;
    /** Every key known_hosts has for this host. */
    readonly known: readonly KnownKey[];
  }
  | { readonly status: "revoked"; readonly file: string; readonly line: number }
  | { readonly status: "unknown"; readonly knownTypes: readonly string[] };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A known_hosts line that is not an entry: OpenSSH ignores it, and so does drover. */
export interface IgnoredLine {
  /** The file. */
  readonly file: string;
  /** The line (from 1). */
  readonly line: number;
  /** Why it is not an entry. */
  readonly reason: string;
}

/**
 * Reads the lines of a known_hosts file; lines that are not entries are skipped, as
 * OpenSSH does (named in `ignored` when given).
 *
 * @param text The file's text.
 * @param file The file's name.
 * @param ignored Collects the lines that are not entries, with file, line and reason.
 * @returns The entries.
 *
 * @example
 * ```ts
 * import { parseKnownHosts } from "./_known_hosts.ts";
 * import assert from "node:assert/strict";
 * const [e] = parseKnownHosts("# c\n[h]:2222,10.0.0.5 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==\n", "known_hosts");
 * assert.deepEqual(e.patterns, ["[h]:2222", "10.0.0.5"]);
 * assert.equal(e.line, 2);
 * ```
 */
export function parseKnownHosts(
  text: string,
  file: string,
  ignored?: IgnoredLine[],
): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const skip = (reason: string): void => void ignored?.push({ file, line: n + 1, reason });
    const fields = lines[n].trim().split(/\s+/);
    if (fields[0] === "" || fields[0].startsWith("#")) continue;
    let marker: KnownHostsEntry["marker"];
    if (fields[0] === "@revoked" || fields[0] === "@cert-authority") {
      marker = fields[0] === "@revoked" ? "revoked" : "cert-authority";
      fields.shift();
    } else if (fields[0].startsWith("@")) {
      skip(`unknown marker ${fields[0]}`);
      continue;
    }
    const [hosts, keyType, keyText] = fields;
    if (!keyType || !keyText) {
      skip("expected host names, a key type and a base64 key");
      continue;
    }
    if (!BASE64.test(keyText)) {
      skip("the key is not base64");
      continue;
    }
    const key = fromBase64(keyText);
    // OpenSSH's sshkey_read refuses a line whose type names another key than its blob.
    if (keyTypeOf(key) !== keyType) {
      skip(`the key is not of type ${keyType}`);
      continue;
    }
    let hashed: KnownHostsEntry["hashed"];
    let patterns: string[] = [];
    if (hosts.startsWith("|1|")) {
      const [salt, hash] = hosts.slice(3).split("|");
      if (!salt || !hash || !BASE64.test(salt) || !BASE64.test(hash)) {
        skip("a hashed host name that is not |1|salt|hash");
        continue;
      }
      hashed = { salt: fromBase64(salt), hash: fromBase64(hash) };
    } else {
      patterns = hosts.split(",");
    }
    entries.push({
      ...(marker ? { marker } : {}),
      patterns,
      ...(hashed ? { hashed } : {}),
      keyType,
      key,
      file,
      line: n + 1,
    });
  }
  return entries;
}

/**
 * The name a host has in known_hosts: `host` for port 22, else `[host]:port`.
 *
 * @param host Host name (or `HostKeyAlias`).
 * @param port Port.
 * @returns The name.
 */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * Hashes a host name the way `HashKnownHosts` does: `|1|base64(salt)|base64(hmac)`.
 *
 * @param name The known_hosts name.
 * @param salt 20 random bytes (default: fresh ones).
 * @returns The hashed field.
 */
export function hashHostName(name: string, salt?: Uint8Array): string {
  const s = salt ?? crypto.getRandomValues(new Uint8Array(20));
  const mac = createHmac("sha1", s).update(name).digest();
  return `|1|${toBase64(s)}|${toBase64(mac)}`;
}

/**
 * Whether an entry names a host.
 *
 * @param entry The entry.
 * @param name The known_hosts name (`host` or `[host]:port`).
 * @returns Whether it matches.
 */
export function entryMatches(entry: KnownHostsEntry, name: string): boolean {
  if (!entry.hashed) {
    return patternListMatch(entry.patterns.map((p) => p.toLowerCase()), name.toLowerCase());
  }
  const mac = createHmac("sha1", entry.hashed.salt).update(name).digest();
  return bytesEqual(mac, entry.hashed.hash);
}

/**
 * The key type inside a public key blob.
 *
 * @param key The blob.
 * @returns `ssh-ed25519`, `ssh-rsa`, ...
 */
export function keyTypeOf(key: Uint8Array): string {
  if (key.length < 4) return "";
  const len = new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(0);
  return new TextDecoder().decode(key.subarray(4, 4 + len));
}

/**
 * The SHA256 fingerprint OpenSSH prints: `SHA256:` and unpadded base64.
 *
 * @param key The public key blob.
 * @returns The fingerprint.
 */
export function fingerprintOf(key: Uint8Array): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/**
 * The key types known_hosts has for a host (for preferring them during key exchange).
 *
 * @param entries The entries.
 * @param name The known_hosts name.
 * @returns The types, without duplicates.
 */
export function knownTypesFor(entries: readonly KnownHostsEntry[], name: string): string[] {
  return [
    ...new Set(
      entries.filter((e) => e.marker === undefined && entryMatches(e, name)).map((e) => e.keyType),
    ),
  ];
}

/**
 * Checks a server's key against the entries naming one known_hosts name, as OpenSSH's
 * `check_key_in_hostkeys` does: a `@revoked` line naming the host with this key refuses
 * it; a line for the host with this key accepts it; any other line for the host, whatever
 * its key type, makes the host CHANGED (`mismatch`); no line: `unknown`.
 *
 * @param entries Entries of all files, user files first.
 * @param name The known_hosts name (`host`, `[host]:port` or a `HostKeyAlias`).
 * @param key The key blob the server showed.
 * @returns The verdict.
 */
export function checkEntries(
  entries: readonly KnownHostsEntry[],
  name: string,
  key: Uint8Array,
): HostKeyCheck {
  const mine = entries.filter((e) => e.marker !== "cert-authority" && entryMatches(e, name));
  const revoked = mine.find((e) => e.marker === "revoked" && bytesEqual(e.key, key));
  if (revoked) return { status: "revoked", file: revoked.file, line: revoked.line };
  const plain = mine.filter((e) => e.marker === undefined);
  const same = plain.find((e) => bytesEqual(e.key, key));
  if (same) return { status: "known", file: same.file, line: same.line };
  if (plain.length > 0) {
    return {
      status: "mismatch",
      file: plain[0].file,
      line: plain[0].line,
      known: plain.map((e) => ({
        keyType: e.keyType,
        fingerprint: fingerprintOf(e.key),
        file: e.file,
        line: e.line,
      })),
    };
  }
  return { status: "unknown", knownTypes: [] };
}

/** What names a host in known_hosts. */
export interface HostKeyName {
  /** The host name to connect to, lowercased. */
  readonly hostName: string;
  /** The port. */
  readonly port: number;
  /** `HostKeyAlias`: looked up as written, whatever the port. */
  readonly hostKeyAlias?: string;
}

/**
 * The known_hosts name OpenSSH looks a host up under: the `HostKeyAlias` as written, else
 * `host` for port 22 and `[host]:port` for others.
 *
 * @param target Host name, port, alias.
 * @returns The name.
 */
export function lookupName(target: HostKeyName): string {
  return target.hostKeyAlias ?? knownHostName(target.hostName, target.port);
}

/**
 * Checks a server's key for a target as OpenSSH's `check_host_key` does: under
 * {@linkcode lookupName}; when that finds no line at all, the port is not 22 and there is
 * no `HostKeyAlias`, once more under the plain host name, which counts only when it
 * accepts the key (or finds it `@revoked`).
 *
 * @param entries Entries of all files, user files first.
 * @param target Host name, port, alias.
 * @param key The key blob the server showed.
 * @returns The verdict.
 */
export function checkTarget(
  entries: readonly KnownHostsEntry[],
  target: HostKeyName,
  key: Uint8Array,
): HostKeyCheck {
  const check = checkEntries(entries, lookupName(target), key);
  if (check.status === "unknown" && target.hostKeyAlias === undefined && target.port !== 22) {
    const plain = checkEntries(entries, target.hostName, key);
    if (plain.status === "known" || plain.status === "revoked") return plain;
  }
  if (check.status !== "unknown") return check;
  return { status: "unknown", knownTypes: knownTypesFor(entries, lookupName(target)) };
}

/**
 * Reads and parses known_hosts files; missing or unreadable ones count as empty.
 *
 * @param files The files, in order.
 * @param ignored Collects the lines that are not entries.
 * @returns Their entries.
 */
export async function readKnownHosts(
  files: readonly string[],
  ignored?: IgnoredLine[],
): Promise<KnownHostsEntry[]> {
  const all: KnownHostsEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch {
      continue;
    }
    all.push(...parseKnownHosts(text, file, ignored));
  }
  return all;
}

/**
 * Base64 of bytes.
 *
 * @param bytes The bytes.
 * @returns The text.
 */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
