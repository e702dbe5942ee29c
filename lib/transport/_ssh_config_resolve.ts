/**
 * Private to lib/transport: applying the `Host` and `Match` blocks of a parsed SSH client
 * config to one host the way OpenSSH 9.2's `ssh -G` does (readconf.c, ssh.c): first value
 * obtained wins, `IdentityFile` accumulates without duplicates, the first of `ProxyJump`
 * and `ProxyCommand` wins, `%` tokens expanded per keyword at the end.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  type JumpHop,
  parseJumpHop,
  parseSshFlag,
  parseSshTime,
  type SshConfig,
  type SshConfigDirective,
  SshConfigError,
} from "./_ssh_config_parse.ts";
import { matchPatternList, patternListMatch } from "./_ssh_patterns.ts";

/** What the command line gave, and the local facts. */
export interface ResolveInput {
  /** The user given with the host (`user@host`), which wins over `User`. */
  readonly user?: string;
  /** The host as typed (case kept). */
  readonly host: string;
  /** The port given with the host, which wins over `Port`. */
  readonly port?: number;
  /** The local home directory (`~`, `%d`). */
  readonly homeDir: string;
  /** The local user (`%u`, `Match localuser`, the default remote user). */
  readonly localUser: string;
}

/** The config applied to one host, before jump hosts are resolved. */
export interface Resolved {
  readonly hostName: string;
  readonly user: string;
  readonly port: number;
  /** `IdentityFile` values as written (what `ssh -G` prints). */
  readonly identityFilesAsWritten: string[];
  readonly identityFiles: string[];
  readonly identitiesOnly: boolean;
  readonly identityAgent?: string;
  readonly userKnownHostsFiles: string[];
  readonly globalKnownHostsFiles: string[];
  readonly hostKeyAlias?: string;
  readonly proxyJump?: {
    readonly hops: readonly JumpHop[];
    /** As `ssh -G` prints it: the hops before the last as written, the last one parsed. */
    readonly text: string;
    readonly file: string;
    readonly line: number;
  };
  readonly proxyCommand?: string;
  readonly connectTimeoutMs?: number;
  readonly serverAliveIntervalMs?: number;
  readonly serverAliveCountMax?: number;
  readonly hashKnownHosts?: boolean;
  readonly notes: string[];
}

/** OpenSSH's default identity files, in its order. */
const DEFAULT_IDENTITIES = [
  "~/.ssh/id_rsa",
  "~/.ssh/id_ecdsa",
  "~/.ssh/id_ecdsa_sk",
  "~/.ssh/id_ed25519",
  "~/.ssh/id_ed25519_sk",
  "~/.ssh/id_xmss",
  "~/.ssh/id_dsa",
];
const DEFAULT_KNOWN_HOSTS = ["~/.ssh/known_hosts", "~/.ssh/known_hosts2"];
const DEFAULT_GLOBAL_KNOWN_HOSTS = ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];

/** Match criteria drover evaluates; the others make a block that may apply an error. */
const EVALUATED = new Set(["all", "host", "originalhost", "user", "localuser"]);
const NOT_EVALUATED = new Set([
  "canonical",
  "final",
  "exec",
  "localnetwork",
  // Later OpenSSH releases:
  "tagged",
  "sessiontype",
  "command",
  "version",
]);

export type { JumpHop };

/**
 * Applies a config to one host.
 *
 * @param config The config, includes loaded.
 * @param input The host and what the command line gave.
 * @returns The settings.
 * @throws {SshConfigError} For an unknown keyword (OpenSSH's "Bad configuration option"),
 * a `Match` drover cannot evaluate that could apply, a bad `%` token or `${VAR}`.
 */
export function resolveDirectives(config: SshConfig, input: ResolveInput): Resolved {
  const values = new Map<string, SshConfigDirective>();
  const identityFiles: string[] = [];
  let jumpSet: SshConfigDirective | undefined;
  let commandSet: SshConfigDirective | undefined;
  const first = (keyword: string): string | undefined => values.get(keyword)?.args[0];

  const matchCriteria = (d: SshConfigDirective): boolean => {
    const args = d.args;
    let result = true;
    const unevaluated: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const negate = args[i].startsWith("!");
      const criterion = args[i].slice(negate ? 1 : 0).toLowerCase();
      if (criterion === "all" && i < args.length - 1) {
        throw new SshConfigError(
          d.file,
          d.line,
          "'all' cannot be combined with other Match attributes",
        );
      }
      if (criterion === "all" || criterion === "canonical" || criterion === "final") {
        if (criterion !== "all") unevaluated.push(criterion);
        else if (negate) result = false;
        continue;
      }
      if (!EVALUATED.has(criterion) && !NOT_EVALUATED.has(criterion)) {
        throw new SshConfigError(d.file, d.line, `Unsupported Match attribute ${criterion}`);
      }
      const arg = args[++i];
      if (arg === undefined) {
        throw new SshConfigError(d.file, d.line, `Match ${criterion} has no argument`);
      }
      if (NOT_EVALUATED.has(criterion)) {
        unevaluated.push(criterion);
        continue;
      }
      let hit: boolean;
      if (criterion === "host") {
        const hostName = first("hostname");
        const host = hostName === undefined
          ? input.host
          : expandHostName(hostName, input.host, values.get("hostname")!);
        hit = matchPatternList(host.toLowerCase(), arg, true);
      } else if (criterion === "originalhost") {
        hit = matchPatternList(input.host.toLowerCase(), arg, true);
      } else if (criterion === "user") {
        hit = matchPatternList(input.user ?? first("user") ?? input.localUser, arg, false);
      } else hit = matchPatternList(input.localUser, arg, false);
      if (hit === negate) result = false;
    }
    if (result && unevaluated.length > 0) {
      throw new SshConfigError(
        d.file,
        d.line,
        `Match ${unevaluated.join(", ")} cannot be evaluated by drover and could apply to ` +
          `host "${input.host}"; make the block's other criteria exclude it, or resolve it ` +
          "without this block",
      );
    }
    return result;
  };

  const walk = (c: SshConfig, startActive: boolean, neverMatch: boolean): void => {
    let active = startActive;
    for (const d of c.directives) {
      if (!d.known) {
        const ignore = first("ignoreunknown");
        if (ignore === undefined || !matchPatternList(d.keyword, ignore, true)) {
          throw new SshConfigError(d.file, d.line, `Bad configuration option: ${d.keyword}`);
        }
        continue;
      }
      if (d.keyword === "host") {
        active = !neverMatch && patternListMatch(d.args, input.host);
        continue;
      }
      if (d.keyword === "match") {
        active = !neverMatch && matchCriteria(d);
        continue;
      }
      if (d.keyword === "include") {
        for (const sub of d.included ?? []) walk(sub, active, neverMatch || !active);
        continue;
      }
      if (!active) continue;
      if (d.keyword === "identityfile") {
        if (!identityFiles.includes(d.args[0])) identityFiles.push(d.args[0]);
      } else if (d.keyword === "proxyjump") {
        if (jumpSet === undefined && commandSet === undefined) {
          jumpSet = d;
          if (d.args[0].toLowerCase() !== "none") commandSet = d;
        }
      } else if (d.keyword === "proxycommand") {
        commandSet ??= d;
      } else if (!values.has(d.keyword)) values.set(d.keyword, d);
    }
  };
  walk(config, true, false);

  const hostNameDirective = values.get("hostname");
  const hostName =
    (hostNameDirective
      ? expandHostName(hostNameDirective.args[0], input.host, hostNameDirective)
      : input.host).toLowerCase();
  const user = input.user ?? first("user") ?? input.localUser;
  const port = input.port ?? Number(first("port") ?? 22);
  const alias = first("hostkeyalias")?.toLowerCase();
  const tokens = clientTokens({ ...input, hostName, user, port, alias });
  const expand = (path: string, d: SshConfigDirective | undefined): string =>
    expandPath(path, input.homeDir, tokens, d);
  const knownHostsDirective = values.get("userknownhostsfile");
  const countMax = first("serveralivecountmax");
  const agent = values.get("identityagent");
  const jumpHops = jumpSet && jumpSet.args[0].toLowerCase() !== "none"
    ? jumpSet.args[0].split(",").map((text) => {
      const hop = parseJumpHop(text);
      if (!hop) {
        throw new SshConfigError(jumpSet!.file, jumpSet!.line, `Invalid ProxyJump "${text}"`);
      }
      return hop;
    })
    : undefined;
  const command = commandSet?.keyword === "proxycommand" &&
      commandSet.args[0] !== "none"
    ? commandSet.args[0]
    : undefined;
  const seconds = (keyword: string): number | undefined => {
    const v = first(keyword);
    return v === undefined ? undefined : parseSshTime(v)! * 1000;
  };
  const connectTimeoutMs = seconds("connecttimeout");
  const serverAliveIntervalMs = seconds("serveraliveinterval");
  const identities = identityFiles.length > 0 ? identityFiles : DEFAULT_IDENTITIES;
  return {
    hostName,
    user,
    port,
    identityFilesAsWritten: identities,
    identityFiles: identities.map((f) =>
      expand(f, identityFiles.length > 0 ? identityDirective(config, f) : undefined)
    ),
    identitiesOnly: parseSshFlag(first("identitiesonly") ?? "no") === true,
    ...(agent === undefined ? {} : {
      identityAgent: agent.args[0] === "none" || agent.args[0] === "SSH_AUTH_SOCK"
        ? agent.args[0]
        : expand(agent.args[0], agent),
    }),
    userKnownHostsFiles: (knownHostsDirective?.args ?? DEFAULT_KNOWN_HOSTS)
      .filter((f) => f !== "none")
      .map((f) => expand(f, knownHostsDirective)),
    globalKnownHostsFiles: (values.get("globalknownhostsfile")?.args ?? DEFAULT_GLOBAL_KNOWN_HOSTS)
      .filter((f) => f !== "none"),
    ...(alias === undefined ? {} : { hostKeyAlias: alias }),
    ...(jumpHops
      ? {
        proxyJump: {
          hops: jumpHops,
          text: jumpText(jumpSet!.args[0], jumpHops[jumpHops.length - 1]),
          file: jumpSet!.file,
          line: jumpSet!.line,
        },
      }
      : {}),
    ...(command === undefined ? {} : { proxyCommand: command }),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
    ...(serverAliveIntervalMs === undefined ? {} : { serverAliveIntervalMs }),
    ...(countMax === undefined ? {} : { serverAliveCountMax: Number(countMax) }),
    ...(first("hashknownhosts") === undefined
      ? {}
      : { hashKnownHosts: parseSshFlag(first("hashknownhosts")!) === true }),
    notes: [],
  };
}

/**
 * `ProxyJump` as `ssh -G` prints it: the hops before the last as written, the last as
 * `user@host:port` (parts left out when not given).
 */
function jumpText(written: string, last: JumpHop): string {
  const comma = written.lastIndexOf(",");
  const host = last.host.includes(":") ? `[${last.host}]` : last.host;
  const formatted = `${last.user === undefined ? "" : `${last.user}@`}${host}${
    last.port === undefined ? "" : `:${last.port}`
  }`;
  return comma < 0 ? formatted : `${written.slice(0, comma)},${formatted}`;
}

/**
 * The first active `IdentityFile` line with a value, for messages (any line with it will
 * do: they are equal).
 */
function identityDirective(config: SshConfig, value: string): SshConfigDirective | undefined {
  for (const d of config.directives) {
    if (d.keyword === "identityfile" && d.args[0] === value) return d;
    for (const sub of d.included ?? []) {
      const found = identityDirective(sub, value);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * `HostName` with `%h` (the host as typed) and `%%` expanded: the only tokens OpenSSH
 * allows there.
 */
function expandHostName(value: string, host: string, d: SshConfigDirective): string {
  return value.replace(/%(.?)/g, (_, c: string) => {
    if (c === "h") return host;
    if (c === "%") return "%";
    throw new SshConfigError(
      d.file,
      d.line,
      `HostName may hold only the tokens %h and %% (got "%${c}")`,
    );
  });
}

/**
 * The tokens of OpenSSH's DEFAULT_CLIENT_PERCENT_EXPAND_ARGS (OpenSSH 9.2): `%C` (hash of
 * `%l%h%p%r`), `%L` `%l` (local host name, short and full), `%i` (uid), `%k` (HostKeyAlias
 * or the host as typed), `%n` (the host as typed), `%p`, `%d`, `%h`, `%r`, `%u`.
 */
function clientTokens(
  r: ResolveInput & { hostName: string; user: string; port: number; alias?: string },
): Record<string, () => string> {
  const local = (): string => Deno.hostname();
  return {
    "%": () => "%",
    C: () => createHash("sha1").update(`${local()}${r.hostName}${r.port}${r.user}`).digest("hex"),
    L: () => local().split(".")[0],
    i: () => String(Deno.uid() ?? ""),
    k: () => r.alias ?? r.host,
    l: local,
    n: () => r.host,
    p: () => String(r.port),
    d: () => r.homeDir,
    h: () => r.hostName,
    r: () => r.user,
    u: () => r.localUser,
  };
}

/**
 * A path as OpenSSH expands `IdentityFile`, `UserKnownHostsFile` and `IdentityAgent`: a
 * leading `~` first, then `${VAR}` from the environment, then `%` tokens.
 */
function expandPath(
  path: string,
  homeDir: string,
  tokens: Record<string, () => string>,
  d: SshConfigDirective | undefined,
): string {
  const fail = (detail: string): never => {
    throw d
      ? new SshConfigError(d.file, d.line, detail)
      : new SshConfigError("(default)", 0, detail);
  };
  const tilde = expandTilde(path, homeDir, fail);
  const env = tilde.replace(/\$\{([^}]*)\}|\$\{.*$/g, (_all, name: string | undefined) => {
    if (name === undefined) return fail(`${d?.args[0] ?? path}: "\${" is not closed`);
    const value = Deno.env.get(name);
    return value ?? fail(`environment variable \${${name}} has no value`);
  });
  return env.replace(/%(.?)/g, (_, c: string) => {
    const token = tokens[c];
    return token ? token() : fail(`unknown token %${c} in "${path}"`);
  });
}

/**
 * A leading `~` or `~user` replaced with the home directory, as OpenSSH's
 * `tilde_expand_filename` does (other users' from /etc/passwd).
 */
function expandTilde(path: string, homeDir: string, fail: (detail: string) => never): string {
  const m = /^~([^/]*)(\/.*)?$/.exec(path);
  if (!m) return path;
  if (m[1] === "") return homeDir + (m[2] ?? "");
  let passwd = "";
  try {
    passwd = Deno.readTextFileSync("/etc/passwd");
  } catch {
    // no such file: no such user
  }
  const entry = passwd.split("\n").map((l) => l.split(":")).find((f) => f[0] === m[1]);
  if (!entry || entry[5] === undefined) return fail(`no such user "${m[1]}" in "${path}"`);
  return entry[5] + (m[2] ?? "");
}
