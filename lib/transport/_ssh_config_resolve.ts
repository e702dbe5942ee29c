/**
 * Private to lib/transport: applying the `Host` and `Match` blocks of a parsed SSH client
 * config to one host, the OpenSSH way (first value obtained wins, `IdentityFile`
 * accumulates, `%` tokens expanded at the end).
 *
 * @module
 */
import type { SshConfig } from "./_ssh_config_parse.ts";
import { patternListMatch } from "./_ssh_patterns.ts";

/** What the command line gave, and the local facts. */
export interface ResolveInput {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
  readonly homeDir: string;
  readonly localUser: string;
}

/** The config applied to one host, before jump hosts are resolved. */
export interface Resolved {
  readonly hostName: string;
  readonly user: string;
  readonly port: number;
  readonly identityFiles: string[];
  readonly identitiesOnly: boolean;
  readonly identityAgent?: string;
  readonly userKnownHostsFiles: string[];
  readonly globalKnownHostsFiles: string[];
  readonly hostKeyAlias?: string;
  readonly proxyJump?: { readonly hops: string[]; readonly file: string; readonly line: number };
  readonly proxyCommand?: string;
  readonly connectTimeoutMs?: number;
  readonly serverAliveIntervalMs?: number;
  readonly serverAliveCountMax?: number;
  readonly notes: string[];
}

const DEFAULT_IDENTITIES = ["~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"];
const DEFAULT_KNOWN_HOSTS = ["~/.ssh/known_hosts", "~/.ssh/known_hosts2"];
const DEFAULT_GLOBAL_KNOWN_HOSTS = ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];

/**
 * Applies a config to one host.
 *
 * @param config The config, includes loaded.
 * @param input The host and what the command line gave.
 * @returns The settings.
 */
export function resolveDirectives(config: SshConfig, input: ResolveInput): Resolved {
  const values = new Map<string, { args: readonly string[]; file: string; line: number }>();
  const identityFiles: string[] = [];
  const notes: string[] = [];

  const matchCriteria = (args: readonly string[], file: string, line: number): boolean => {
    let result = true;
    for (let i = 0; i < args.length; i++) {
      const negate = args[i].startsWith("!");
      const criterion = args[i].slice(negate ? 1 : 0).toLowerCase();
      if (criterion === "all") continue;
      const arg = args[++i];
      let hit: boolean;
      if (arg === undefined) {
        notes.push(`${file}:${line}: Match ${criterion} has no argument; block skipped`);
        return false;
      }
      const patterns = arg.split(",");
      if (criterion === "host") {
        hit = patternListMatch(patterns, values.get("hostname")?.args[0] ?? input.host);
      } else if (criterion === "originalhost") hit = patternListMatch(patterns, input.host);
      else if (criterion === "user") {
        hit = patternListMatch(
          patterns,
          input.user ?? values.get("user")?.args[0] ?? input.localUser,
        );
      } else if (criterion === "localuser") hit = patternListMatch(patterns, input.localUser);
      else {
        notes.push(`${file}:${line}: Match ${criterion} is not evaluated by drover; block skipped`);
        return false;
      }
      if (hit === negate) result = false;
    }
    return result;
  };

  const walk = (c: SshConfig, active: boolean): void => {
    for (const d of c.directives) {
      if (d.keyword === "host") active = patternListMatch(d.args, input.host);
      else if (d.keyword === "match") active = matchCriteria(d.args, d.file, d.line);
      else if (!active) continue;
      else if (d.keyword === "include") { for (const sub of d.included ?? []) walk(sub, true); }
      else if (d.keyword === "identityfile") identityFiles.push(d.args[0]);
      else if (!values.has(d.keyword)) values.set(d.keyword, d);
    }
  };
  walk(config, true);

  const one = (keyword: string): string | undefined => values.get(keyword)?.args[0];
  const hostName = (one("hostname") ?? input.host).replace(
    /%(.)/g,
    (all, c: string) => c === "h" ? input.host : c === "%" ? "%" : all,
  );
  const user = input.user ?? one("user") ?? input.localUser;
  const port = input.port ?? Number(one("port") ?? 22);
  const tokens: Record<string, string> = {
    "%": "%",
    d: input.homeDir,
    h: hostName,
    n: input.host,
    p: String(port),
    r: user,
    u: input.localUser,
  };
  const expand = (path: string): string => {
    const t = path
      .replace(/%(.)/g, (all, c: string) => tokens[c] ?? all)
      .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => Deno.env.get(name) ?? "");
    return t === "~" ? input.homeDir : t.startsWith("~/") ? input.homeDir + t.slice(1) : t;
  };
  const list = (keyword: string, fallback: readonly string[]): string[] =>
    (values.get(keyword)?.args ?? fallback).filter((f) => f.toLowerCase() !== "none").map(expand);
  const seconds = (keyword: string): number | undefined => {
    const v = one(keyword);
    return v === undefined ? undefined : Number(v) * 1000;
  };
  const jump = values.get("proxyjump");
  const command = values.get("proxycommand");
  const agent = one("identityagent");
  const alias = one("hostkeyalias");
  const countMax = one("serveralivecountmax");
  return {
    hostName,
    user,
    port,
    identityFiles: (identityFiles.length > 0 ? identityFiles : DEFAULT_IDENTITIES).map(expand),
    identitiesOnly: one("identitiesonly")?.toLowerCase() === "yes",
    ...(agent === undefined ? {} : { identityAgent: agent === "none" ? "none" : expand(agent) }),
    userKnownHostsFiles: list("userknownhostsfile", DEFAULT_KNOWN_HOSTS),
    globalKnownHostsFiles: list("globalknownhostsfile", DEFAULT_GLOBAL_KNOWN_HOSTS),
    ...(alias === undefined ? {} : { hostKeyAlias: alias }),
    ...(jump && jump.args[0].toLowerCase() !== "none"
      ? { proxyJump: { hops: jump.args[0].split(","), file: jump.file, line: jump.line } }
      : {}),
    ...(command && command.args[0].toLowerCase() !== "none"
      ? { proxyCommand: command.args.join(" ") }
      : {}),
    ...(one("connecttimeout") === undefined ? {} : { connectTimeoutMs: seconds("connecttimeout") }),
    ...(one("serveraliveinterval") === undefined
      ? {}
      : { serverAliveIntervalMs: seconds("serveraliveinterval") }),
    ...(countMax === undefined ? {} : { serverAliveCountMax: Number(countMax) }),
    notes,
  };
}
