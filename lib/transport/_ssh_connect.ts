/**
 * Private to lib/transport: opening one authenticated ssh2 connection to a target: our own
 * TCP socket with Nagle off (or a channel through a `ProxyJump` host), the host key checked
 * against known_hosts before anything else, then keys from `IdentityFile` and the agent.
 *
 * @module
 */
import * as net from "node:net";
import { Buffer } from "node:buffer";
import type { Duplex } from "node:stream";
import type { AuthMethod, Client } from "./_ssh2.d.ts";
import { TransportError } from "./errors.ts";
import type { SshTarget } from "./ssh_config.ts";
import {
  checkTarget,
  fingerprintOf,
  type HostKeyCheck,
  type IgnoredLine,
  keyTypeOf,
  knownTypesFor,
  lookupName,
  readKnownHosts,
} from "./_known_hosts.ts";

/** The part of npm:ssh2 drover uses, typed by _ssh2.d.ts. */
type Ssh2 = typeof import("./_ssh2.d.ts");
let ssh2: Promise<Ssh2> | undefined;

/**
 * The specifier of ssh2, in a variable on purpose: a literal `import("npm:ssh2@...")` makes
 * Deno resolve ssh2 and its optional native cpu-features into every program that imports
 * drover, and warn in a box about their build scripts ("Ignored build scripts for
 * packages") in each new project. Loaded at run time, it is resolved only when SSH is used.
 */
const SSH2_SPECIFIER: string = "npm:ssh2@^1.17.0";

/**
 * Loads ssh2 on first use: a static import would put it into every job bundle, where it
 * cannot be resolved (compute nodes run bundles with no network and no npm cache).
 *
 * @returns The module.
 */
function loadSsh2(): Promise<Ssh2> {
  ssh2 ??= import(SSH2_SPECIFIER) as Promise<Ssh2>;
  return ssh2;
}

/** Options of {@linkcode connectSsh}. */
export interface ConnectOptions {
  /** Give up after this many ms (TCP, handshake and authentication together). */
  readonly timeoutMs: number;
  /** Aborts the attempt. */
  readonly signal?: AbortSignal;
  /** The system's name, for the `drover systems trust NAME` hint. */
  readonly systemName?: string;
  /** Only fetch the host key (no authentication): for trusting a host. */
  readonly hostKeyOnly?: boolean;
}

/** An open, authenticated connection. */
export interface SshConnection {
  /** The ssh2 client. */
  readonly client: Client;
  /** The TCP socket underneath (of the first jump host when jumping). */
  readonly socket: net.Socket;
  /** The server's host key blob. */
  readonly hostKey: Uint8Array;
  /** Ends this connection and those of the jump hosts. */
  close(): void;
}

/** Host key algorithms per key type, for preferring the types known_hosts has. */
const ALGORITHMS_OF: Record<string, string[]> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
};

/**
 * Opens a connection: TCP (or through the jump host), host key check, authentication.
 *
 * @param target Where to.
 * @param options Timeout, signal, system name.
 * @returns The connection.
 * @throws {TransportError} `connect`, `auth`, `host-key-unknown`, `host-key-mismatch`,
 * `timeout`.
 */
export async function connectSsh(
  target: SshTarget,
  options: ConnectOptions,
): Promise<SshConnection> {
  const fail = (failure: TransportError["failure"], detail: string, cause?: unknown) =>
    new TransportError(target.label, failure, detail, cause ? { cause } : undefined);
  if (target.proxyCommand) {
    throw fail(
      "connect",
      `ProxyCommand is not supported by drover (got "${target.proxyCommand}"); use ProxyJump`,
    );
  }
  const deadline = Date.now() + options.timeoutMs;
  const name = lookupName(target);
  const knownFiles = [...target.userKnownHostsFiles, ...target.globalKnownHostsFiles];
  const ignored: IgnoredLine[] = [];
  const entries = await readKnownHosts(knownFiles, ignored);
  const auth = options.hostKeyOnly ? [] : await authMethods(target);
  if (!options.hostKeyOnly && auth.length === 0) {
    throw fail(
      "auth",
      `no usable private key (tried ${target.identityFiles.join(", ")}) and no ssh-agent ` +
        "(SSH_AUTH_SOCK); set IdentityFile in ~/.ssh/config or start ssh-agent",
    );
  }

  // Loaded before the socket exists: nothing may be awaited between opening the socket and
  // handing it to ssh2, or an early socket error would have no listener.
  const { Client: SshClient } = await loadSsh2();
  let jump: SshConnection | undefined;
  let stream: Duplex;
  let socket: net.Socket;
  if (target.jump) {
    jump = await connectSsh(target.jump, {
      ...options,
      hostKeyOnly: false,
      timeoutMs: Math.max(1, deadline - Date.now()),
    });
    const via = jump;
    socket = via.socket;
    try {
      stream = await new Promise<Duplex>((resolve, reject) =>
        via.client.forwardOut(
          "127.0.0.1",
          0,
          target.hostName,
          target.port,
          (err, channel) => err ? reject(err) : resolve(channel),
        )
      );
    } catch (cause) {
      via.close();
      throw fail(
        "connect",
        `the jump host ${target.jump.label} could not open a connection to ` +
          `${target.hostName}:${target.port} (${(cause as Error).message})`,
        cause,
      );
    }
  } else {
    socket = net.connect({ host: target.hostName, port: target.port });
    socket.setNoDelay(true);
    stream = socket;
  }

  const client = new SshClient();
  client.on("error", () => {}); // errors after the handshake are seen through "close"
  let check: HostKeyCheck | undefined;
  let hostKey = new Uint8Array();
  const prefer = knownTypesFor(entries, name).flatMap((t) => ALGORITHMS_OF[t] ?? []);

  const close = (): void => {
    client.end();
    client.destroy();
    socket.destroy();
    jump?.close();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(fail("connect", `no answer within ${options.timeoutMs} ms`));
      }, Math.max(1, deadline - Date.now()));
      const onAbort = (): void => reject(fail("timeout", "the connection attempt was aborted"));
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      const done = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      client.once("ready", () => {
        done();
        resolve();
      });
      client.once("error", (err: Error & { level?: string }) => {
        done();
        reject(describeError(target, name, knownFiles, check, hostKey, err, options, ignored));
      });
      client.once("close", () => {
        done();
        reject(fail("connect", "the server closed the connection during the handshake"));
      });
      client.connect(
        {
          sock: stream,
          username: target.user,
          readyTimeout: options.timeoutMs,
          keepaliveInterval: 0,
          ...(prefer.length > 0 ? { algorithms: { serverHostKey: { prepend: prefer } } } : {}),
          hostVerifier: (key: Buffer): boolean => {
            hostKey = new Uint8Array(key);
            check = checkTarget(entries, target, hostKey);
            return !options.hostKeyOnly && check.status === "known";
          },
          authHandler: auth,
        } as Parameters<Client["connect"]>[0],
      );
    });
  } catch (e) {
    close();
    if (options.hostKeyOnly && hostKey.length > 0) {
      return { client, socket, hostKey, close };
    }
    throw e;
  }
  return { client, socket, hostKey, close };
}

/**
 * The error for a failed handshake.
 */
function describeError(
  target: SshTarget,
  name: string,
  knownFiles: readonly string[],
  check: HostKeyCheck | undefined,
  hostKey: Uint8Array,
  err: Error & { level?: string },
  options: ConnectOptions,
  ignored: readonly IgnoredLine[],
): TransportError {
  const skipped = ignored.length === 0
    ? ""
    : `; lines ignored (as OpenSSH ignores them): ${
      ignored.slice(0, 3).map((l) => `${l.file}:${l.line} (${l.reason})`).join(", ")
    }${ignored.length > 3 ? ` and ${ignored.length - 3} more` : ""}`;
  const key = `${keyTypeOf(hostKey)} ${fingerprintOf(hostKey)}`;
  const trust = `drover systems trust ${options.systemName ?? "NAME"}`;
  const of = (failure: TransportError["failure"], detail: string): TransportError =>
    new TransportError(target.label, failure, detail, { cause: err });
  if (check?.status === "unknown") {
    return of(
      "host-key-unknown",
      `the host key of ${name} (${key}) is not in ${knownFiles.join(" or ")}; ` +
        `if you trust it, run \`${trust}\`${skipped}`,
    );
  }
  if (check?.status === "mismatch") {
    const known = check.known.map((k) => `${k.keyType} ${k.fingerprint} (${k.file}:${k.line})`)
      .join(", ");
    return of(
      "host-key-mismatch",
      `the host key of ${name} has CHANGED: the server shows ${key}, known_hosts has ` +
        `${known}; someone may be intercepting the connection, or the host was reinstalled ` +
        `(if you are sure, run \`${trust} --replace\`)${skipped}`,
    );
  }
  if (check?.status === "revoked") {
    return of(
      "host-key-mismatch",
      `the host key of ${name} (${key}) is marked @revoked in ${check.file}:${check.line}`,
    );
  }
  if (err.level === "client-authentication") {
    return of(
      "auth",
      `the server refused every key for ${target.user} (tried ${
        target.identityFiles.join(", ")
      } and the ssh-agent)`,
    );
  }
  if (err.level === "client-timeout") return of("connect", "the SSH handshake timed out");
  return of("connect", err.message);
}

/**
 * The authentication methods to try: each readable unencrypted identity file, then the
 * agent (with `IdentitiesOnly`, the agent only when no file was usable).
 *
 * @param target The target.
 * @returns The methods, in order.
 */
async function authMethods(target: SshTarget): Promise<AuthMethod[]> {
  const methods: AuthMethod[] = [];
  for (const file of target.identityFiles) {
    let data: Uint8Array;
    try {
      data = await Deno.readFile(file);
    } catch {
      continue;
    }
    const parsed = (await loadSsh2()).utils.parseKey(Buffer.from(data));
    if (parsed instanceof Error) continue; // encrypted (the agent may hold it) or not a key
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    methods.push({ type: "publickey", username: target.user, key });
  }
  const agent = target.identityAgent ?? Deno.env.get("SSH_AUTH_SOCK");
  if (agent && agent !== "none" && !(target.identitiesOnly && methods.length > 0)) {
    methods.push({ type: "agent", username: target.user, agent });
  }
  return methods;
}
