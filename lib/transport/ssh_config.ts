/**
 * Resolving a system's `host` (`hpc`, `me@login.example.org`, `me@10.0.0.5:2222`) into an
 * SSH connection target through the OpenSSH client config: `~/.ssh/config`, or the file
 * named by `DROVER_SSH_CONFIG`.
 *
 * @module
 */
import { homedir, userInfo } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import {
  parseSshConfig,
  type SshConfig,
  type SshConfigDirective,
  SshConfigError,
} from "./_ssh_config_parse.ts";
import { type JumpHop, resolveDirectives } from "./_ssh_config_resolve.ts";

export {
  parseSshConfig,
  safeParseSshConfig,
  type SshConfig,
  type SshConfigDirective,
  SshConfigError,
  type SshConfigParseResult,
} from "./_ssh_config_parse.ts";

/** Where and how to connect to one host, the OpenSSH client config applied. */
export interface SshTarget {
  /** The host string as given: `hpc`, `me@login.example.org:2222`. */
  readonly destination: string;
  /** Its host part as typed, which `Host` patterns were matched against: `hpc`. */
  readonly alias: string;
  /** The real host name or address to connect to (`HostName`). */
  readonly hostName: string;
  /** The remote user. */
  readonly user: string;
  /** The TCP port. */
  readonly port: number;
  /** `user@hostName:port`: the transport's label and the key of shared connections. */
  readonly label: string;
  /** Private key files to try, in order (`IdentityFile`, else OpenSSH's default names). */
  readonly identityFiles: readonly string[];
  /** The same as written in the config, before `~` and `%` expansion (as `ssh -G` shows them). */
  readonly identityFilesAsWritten?: readonly string[];
  /** Use only `identityFiles`, not every key in the agent (`IdentitiesOnly`). */
  readonly identitiesOnly: boolean;
  /** The agent socket (`IdentityAgent`); `"none"` for no agent; unset: `$SSH_AUTH_SOCK`. */
  readonly identityAgent?: string;
  /** The user's known_hosts files; new keys are added to the first. */
  readonly userKnownHostsFiles: readonly string[];
  /** The system-wide known_hosts files. */
  readonly globalKnownHostsFiles: readonly string[];
  /** The name to look up in known_hosts instead of the host name (`HostKeyAlias`). */
  readonly hostKeyAlias?: string;
  /** `ProxyJump` as `ssh -G` prints it (`hop,...,user@host:port`). */
  readonly proxyJump?: string;
  /** The host to connect through (`ProxyJump`), already resolved. */
  readonly jump?: SshTarget;
  /** A `ProxyCommand` (not supported: connecting refuses it). */
  readonly proxyCommand?: string;
  /** `ConnectTimeout` in ms. */
  readonly connectTimeoutMs?: number;
  /** `ServerAliveInterval` in ms. */
  readonly serverAliveIntervalMs?: number;
  /** `ServerAliveCountMax`. */
  readonly serverAliveCountMax?: number;
  /** `HashKnownHosts`: new known_hosts lines are written hashed. */
  readonly hashKnownHosts?: boolean;
  /** Remarks on the resolution (none at present: what drover cannot evaluate is an error). */
  readonly notes: readonly string[];
}

/** Options of {@linkcode resolveSshTarget}. */
export interface ResolveSshTargetOptions {
  /**
   * The config file, read alone (as `ssh -F FILE`). Default: `$DROVER_SSH_CONFIG`, else
   * `~/.ssh/config` followed by {@linkcode ResolveSshTargetOptions.systemConfigFile} (as
   * `ssh` reads them; missing files are fine).
   */
  readonly configFile?: string;
  /**
   * The system-wide config, read after `~/.ssh/config` when no `configFile` is given.
   * Default: `/etc/ssh/ssh_config`.
   */
  readonly systemConfigFile?: string;
  /** The local home directory. Default: `$HOME`. */
  readonly homeDir?: string;
  /** The local user name (the default remote user). Default: `$USER`, else the OS's. */
  readonly localUser?: string;
}

/** `user@host:port`, `user@[::1]:port`, `host`, `ssh://user@host:port`; no leading `-`. */
const DESTINATION =
  /^(?:ssh:\/\/)?(?:([^\s@:/\[\]-][^\s@/]*)@)?(?:\[([0-9A-Fa-f:.]+)\]|([^\s@:/\[\]-][^\s@:/\[\]]*))(?::(\d{1,5}))?$/;

/**
 * Splits `user@host:port` into its parts.
 *
 * @param destination The host string.
 * @returns User (if given), host, port (if given).
 * @throws {TypeError} When it is not of that form.
 */
function splitDestination(destination: string): { user?: string; host: string; port?: number } {
  const m = DESTINATION.exec(destination);
  const port = m?.[4] === undefined ? undefined : Number(m[4]);
  if (!m || (port !== undefined && (port < 1 || port > 65535))) {
    throw new TypeError(
      `Cannot resolve SSH host ${
        JSON.stringify(destination)
      }: expected an SSH host alias or user@host[:port]`,
    );
  }
  return { user: m[1], host: m[2] ?? m[3], port };
}

/**
 * Reads (synchronously: it is small, and callers want a transport without awaiting) a
 * config file and the files its `Include` lines name (relative to `~/.ssh`,
 * `*` and `?` allowed in the last part); a missing file is an empty config.
 *
 * @param file The file.
 * @param homeDir The local home directory.
 * @param includeDir Where relative `Include` names are: `~/.ssh` for user configs,
 * `/etc/ssh` for the system one.
 * @param depth Include depth so far.
 * @returns The config, includes loaded.
 */
function loadConfig(file: string, homeDir: string, includeDir: string, depth = 0): SshConfig {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound) return { file, directives: [] };
    throw new SshConfigError(file, 0, (cause as Error).message, { cause });
  }
  const config = parseSshConfig(text, file);
  const directives: SshConfigDirective[] = [];
  for (const d of config.directives) {
    if (d.keyword !== "include") {
      directives.push(d);
      continue;
    }
    if (depth >= 16) throw new SshConfigError(file, d.line, "Include nests deeper than 16 files");
    const included: SshConfig[] = [];
    for (const arg of d.args) {
      const path = expandHome(arg, homeDir);
      for (const name of globFiles(isAbsolute(path) ? path : join(includeDir, path))) {
        included.push(loadConfig(name, homeDir, includeDir, depth + 1));
      }
    }
    directives.push({ ...d, included });
  }
  return { file, directives };
}

/**
 * Files matching a path whose last part may hold `*` and `?`, sorted.
 *
 * @param path The path.
 * @returns The matching files (the path itself when it has no wildcard).
 */
function globFiles(path: string): string[] {
  const base = path.slice(dirname(path).length + 1);
  if (!/[*?]/.test(base)) return [path];
  const re = new RegExp(
    `^${base.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`,
  );
  const names: string[] = [];
  try {
    for (const entry of Deno.readDirSync(dirname(path))) {
      if (entry.isFile && re.test(entry.name)) names.push(join(dirname(path), entry.name));
    }
  } catch {
    return [];
  }
  return names.sort();
}

/**
 * Replaces a leading `~` with the home directory.
 *
 * @param path The path.
 * @param homeDir The home directory.
 * @returns The path.
 */
function expandHome(path: string, homeDir: string): string {
  return path === "~" ? homeDir : path.startsWith("~/") ? homeDir + path.slice(1) : path;
}

/**
 * Resolves a system's `host` into a connection target: parses `user@host[:port]`, applies
 * the matching `Host` / `Match` blocks of the SSH client config (first value obtained
 * wins; `IdentityFile` accumulates; `%h`, `%p`, `%r`, `%u`, `%d`, `%n`, `%%`, `~` and
 * `${VAR}` are expanded), and resolves `ProxyJump` hosts the same way.
 *
 * @param host `alias`, `host`, `user@host`, `user@host:port` or `user@[::1]:port`.
 * @param options Config file, home directory, local user.
 * @returns The target.
 * @throws {TypeError} When `host` is not of those forms.
 * @throws {SshConfigError} When the config file has a bad line or cannot be read.
 *
 * @example
 * ```ts
 * import { resolveSshTarget } from "./ssh_config.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/config`, [
 *   "Host hpc",
 *   "  HostName login.%h.example.org",
 *   "  User alice",
 *   "Host *",
 *   "  Port 2222",
 *   "  User nobody",
 *   "  IdentityFile ~/.ssh/id_%r",
 * ].join("\n"));
 * const opts = { configFile: `${dir}/config`, homeDir: "/home/me", localUser: "me" };
 * const t = resolveSshTarget("hpc", opts);
 * assert.equal(t.label, "alice@login.hpc.example.org:2222");
 * assert.deepEqual(t.identityFiles, ["/home/me/.ssh/id_alice"]);
 * assert.equal(resolveSshTarget("bob@10.0.0.5:22", opts).label, "bob@10.0.0.5:22");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function resolveSshTarget(
  host: string,
  options: ResolveSshTargetOptions = {},
): SshTarget {
  const homeDir = options.homeDir ?? Deno.env.get("HOME") ?? homedir();
  const localUser = options.localUser ?? Deno.env.get("USER") ?? userInfo().username;
  const given = options.configFile ?? Deno.env.get("DROVER_SSH_CONFIG");
  const userDir = join(homeDir, ".ssh");
  const user = loadConfig(given ?? join(userDir, "config"), homeDir, userDir);
  const config = given !== undefined ? user : {
    file: user.file,
    // Each file starts active, and values obtained from the first win over the second.
    directives: [
      user,
      loadConfig(options.systemConfigFile ?? "/etc/ssh/ssh_config", homeDir, "/etc/ssh"),
    ]
      .map((c): SshConfigDirective => ({
        keyword: "include",
        args: [c.file],
        rest: c.file,
        known: true,
        file: c.file,
        line: 0,
        included: [c],
      })),
  };
  return resolveIn(config, host, splitDestination(host), { homeDir, localUser }, 0);
}

/**
 * Resolves a host against a loaded config, jump hosts included.
 *
 * @param config The config.
 * @param destination The host string.
 * @param given Its user, host and port.
 * @param local Home directory and local user.
 * @param depth How many jump hosts deep.
 * @returns The target.
 */
function resolveIn(
  config: SshConfig,
  destination: string,
  given: JumpHop,
  local: { homeDir: string; localUser: string },
  depth: number,
): SshTarget {
  const r = resolveDirectives(config, { ...given, ...local });
  let jump: SshTarget | undefined;
  if (r.proxyJump) {
    if (depth >= 8) {
      throw new SshConfigError(
        r.proxyJump.file,
        r.proxyJump.line,
        "ProxyJump loops or nests deeper than 8 hosts",
      );
    }
    for (const hop of r.proxyJump.hops) {
      const next: SshTarget = resolveIn(config, formatHop(hop), hop, local, depth + 1);
      jump = jump ? { ...next, jump } : next;
    }
  }
  const bracket = r.hostName.includes(":") ? `[${r.hostName}]` : r.hostName;
  return {
    destination,
    alias: given.host,
    hostName: r.hostName,
    user: r.user,
    port: r.port,
    label: `${r.user}@${bracket}:${r.port}`,
    identityFiles: r.identityFiles,
    identityFilesAsWritten: r.identityFilesAsWritten,
    identitiesOnly: r.identitiesOnly,
    ...(r.identityAgent === undefined ? {} : { identityAgent: r.identityAgent }),
    userKnownHostsFiles: r.userKnownHostsFiles,
    globalKnownHostsFiles: r.globalKnownHostsFiles,
    ...(r.hostKeyAlias === undefined ? {} : { hostKeyAlias: r.hostKeyAlias }),
    ...(r.proxyJump ? { proxyJump: r.proxyJump.text } : {}),
    ...(jump ? { jump } : {}),
    ...(r.proxyCommand === undefined ? {} : { proxyCommand: r.proxyCommand }),
    ...(r.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: r.connectTimeoutMs }),
    ...(r.serverAliveIntervalMs === undefined
      ? {}
      : { serverAliveIntervalMs: r.serverAliveIntervalMs }),
    ...(r.serverAliveCountMax === undefined ? {} : { serverAliveCountMax: r.serverAliveCountMax }),
    ...(r.hashKnownHosts === undefined ? {} : { hashKnownHosts: r.hashKnownHosts }),
    notes: r.notes,
  };
}

/**
 * A `ProxyJump` host as `ssh -G` prints it.
 *
 * @param hop The hop.
 * @returns `user@host:port`, parts left out when not given.
 */
function formatHop(hop: JumpHop): string {
  const host = hop.host.includes(":") ? `[${hop.host}]` : hop.host;
  return `${hop.user === undefined ? "" : `${hop.user}@`}${host}${
    hop.port === undefined ? "" : `:${hop.port}`
  }`;
}
