/**
 * Private to lib/transport: the OpenSSH client config file format (`~/.ssh/config`), read
 * into directives with their file and line. Values of the keywords drover uses are checked
 * here, so a bad `Port` is reported with its line before any connection is tried.
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";

/** One `Keyword value...` line of an SSH client config file. */
export interface SshConfigDirective {
  /** The keyword, lowercased: `host`, `hostname`, `identityfile`. */
  readonly keyword: string;
  /** Its arguments, unquoted. */
  readonly args: readonly string[];
  /** The text after the keyword as written (the command of `ProxyCommand`). */
  readonly rest: string;
  /** Whether OpenSSH knows the keyword (an unknown one is an error unless `IgnoreUnknown`). */
  readonly known: boolean;
  /** The file it is in. */
  readonly file: string;
  /** Its line number (from 1). */
  readonly line: number;
  /** For `Include`: the files it brought in, once loaded (empty when only parsed). */
  readonly included?: readonly SshConfig[];
}

/** A parsed SSH client config file. */
export interface SshConfig {
  /** The file's name. */
  readonly file: string;
  /** Its directives, in order. */
  readonly directives: readonly SshConfigDirective[];
}

/** The outcome of {@linkcode safeParseSshConfig}. */
export type SshConfigParseResult =
  | { readonly success: true; readonly data: SshConfig }
  | { readonly success: false; readonly error: SshConfigError };

/**
 * An SSH client config file cannot be read or has a line drover cannot use. The message is
 * one line naming the file and line:
 * `Cannot read SSH config "/home/me/.ssh/config": line 3: Port must be a whole number from
 * 1 to 65535 (got "x")`.
 *
 * @example
 * ```ts
 * import { SshConfigError } from "./_ssh_config_parse.ts";
 * import assert from "node:assert/strict";
 * const e = new SshConfigError("/c", 3, "Port must be a whole number from 1 to 65535");
 * assert.equal(e.line, 3);
 * assert.equal(e.message, 'Cannot read SSH config "/c": line 3: Port must be a whole number from 1 to 65535');
 * ```
 */
export class SshConfigError extends Error {
  /** The file. */
  readonly file: string;
  /** The line (from 1); 0 for the whole file. */
  readonly line: number;

  /**
   * Creates an instance.
   *
   * @param file The file.
   * @param line The line (from 1), or 0 for the whole file.
   * @param detail What is wrong.
   * @param options The underlying error.
   */
  constructor(file: string, line: number, detail: string, options?: ErrorOptions) {
    super(
      `Cannot read SSH config "${file}": ${line > 0 ? `line ${line}: ` : ""}${detail}`,
      options,
    );
    this.name = "SshConfigError";
    this.file = file;
    this.line = line;
  }
}

/** One host of a `ProxyJump` list. */
export interface JumpHop {
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
}

/** `[user@]host[:port]`, `[user@][v6]:port`. */
const USER_HOST_PORT = /^(?:([^@]+)@)?(?:\[([^\]]+)\]|([^\[\]:@]+))(?::(\d+))?$/;
/** `ssh://[user@]host[:port]` as OpenSSH 9.2 takes it in ProxyJump. */
const SSH_URI = /^ssh:\/\/(?:([^@/]+)@)?([^\[\]:@/]+)(?::(\d+))?$/;

/**
 * Parses one `ProxyJump` host as OpenSSH's `parse_ssh_uri` / `parse_user_host_port` do.
 *
 * @param text `ssh://user@host:port`, `user@host:port`, `host`.
 * @returns The hop, or undefined when it is not of those forms.
 */
export function parseJumpHop(text: string): JumpHop | undefined {
  const uri = SSH_URI.exec(text);
  const m = uri ? undefined : USER_HOST_PORT.exec(text);
  if (!uri && !m) return undefined;
  const user = uri ? uri[1] : m![1];
  const host = uri ? uri[2] : (m![2] ?? m![3]);
  const portText = uri ? uri[3] : m![4];
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return {
    ...(user === undefined ? {} : { user }),
    host,
    ...(port === undefined ? {} : { port }),
  };
}

/**
 * A time value as OpenSSH's `convtime` reads it: digits with an optional unit (s, m, h, d,
 * w, any case), repeated: `30`, `5s`, `1h30m`.
 *
 * @param text The value.
 * @returns Seconds, or undefined when it is not a time.
 */
export function parseSshTime(text: string): number | undefined {
  if (!/^(\d+[smhdwSMHDW]?)+$/.test(text)) return undefined;
  const unit: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, n, u] of text.matchAll(/(\d+)([smhdwSMHDW]?)/g)) {
    total += Number(n) * unit[u.toLowerCase()];
  }
  return total;
}

/**
 * A yes/no flag as OpenSSH reads it (`yes`, `no`, `true`, `false`, any case).
 *
 * @param text The value.
 * @returns The flag, or undefined.
 */
export function parseSshFlag(text: string): boolean | undefined {
  const v = text.toLowerCase();
  return v === "yes" || v === "true" ? true : v === "no" || v === "false" ? false : undefined;
}

/** A decimal number as OpenSSH's `strtonum` reads it (an optional sign, digits). */
const DECIMAL = /^[+]?\d+$/;
const PORT = z.string().regex(DECIMAL).refine((v) => Number(v) >= 1 && Number(v) <= 65535);
const SECONDS = z.string().refine((v) => parseSshTime(v) !== undefined);
const COUNT = z.string().regex(DECIMAL);
const YES_NO = z.string().refine((v) => parseSshFlag(v) !== undefined);

/** Keywords whose values drover reads: canonical name, count, value schema, expectation. */
const CHECKS: Record<
  string,
  { name: string; one: boolean; schema?: z.ZodTypeAny; expected: string }
> = {
  host: { name: "Host", one: false, expected: "one or more host patterns" },
  match: { name: "Match", one: false, expected: "criteria (all, host, originalhost, user...)" },
  include: { name: "Include", one: false, expected: "one or more file names" },
  hostname: { name: "HostName", one: true, expected: "a host name" },
  user: { name: "User", one: true, expected: "a user name" },
  port: {
    name: "Port",
    one: true,
    schema: PORT,
    expected: "a whole number from 1 to 65535",
  },
  identityfile: { name: "IdentityFile", one: true, expected: "a file name" },
  identitiesonly: {
    name: "IdentitiesOnly",
    one: true,
    schema: YES_NO,
    expected: "yes or no",
  },
  identityagent: { name: "IdentityAgent", one: true, expected: "a socket path or none" },
  userknownhostsfile: {
    name: "UserKnownHostsFile",
    one: false,
    expected: "one or more file names",
  },
  globalknownhostsfile: {
    name: "GlobalKnownHostsFile",
    one: false,
    expected: "one or more file names",
  },
  hostkeyalias: { name: "HostKeyAlias", one: true, expected: "a host name" },
  proxyjump: {
    name: "ProxyJump",
    one: true,
    schema: z.string().refine((v) =>
      v.toLowerCase() === "none" || v.split(",").every((hop) => parseJumpHop(hop) !== undefined)
    ),
    expected: "[user@]host[:port] or ssh://[user@]host[:port], comma-separated, or none",
  },
  proxycommand: { name: "ProxyCommand", one: true, expected: "a command or none" },
  ignoreunknown: { name: "IgnoreUnknown", one: true, expected: "a list of keyword patterns" },
  hashknownhosts: { name: "HashKnownHosts", one: true, schema: YES_NO, expected: "yes or no" },
  connecttimeout: {
    name: "ConnectTimeout",
    one: true,
    schema: SECONDS,
    expected: "a time (seconds, or 30s, 5m, 1h...)",
  },
  serveraliveinterval: {
    name: "ServerAliveInterval",
    one: true,
    schema: SECONDS,
    expected: "a time (seconds, or 30s, 5m, 1h...)",
  },
  serveralivecountmax: {
    name: "ServerAliveCountMax",
    one: true,
    schema: COUNT,
    expected: "a whole number",
  },
};

/**
 * Every keyword OpenSSH 9.2's client knows (readconf.c, deprecated and unsupported ones
 * included: OpenSSH accepts those silently), lowercased; then the few later releases added
 * (`Tag`, `ObscureKeystrokeTiming`, `ChannelTimeout`, `RefuseConnection`, `WarnWeakCrypto`)
 * and Apple's `UseKeychain`, so that a config the user's own, newer ssh accepts is not
 * refused by drover.
 */
const OPENSSH_KEYWORDS = new Set(
  (
    "addkeystoagent addressfamily afstokenpassing batchmode bindaddress bindinterface " +
    "canonicaldomains canonicalizefallbacklocal canonicalizehostname canonicalizemaxdots " +
    "canonicalizepermittedcnames casignaturealgorithms certificatefile " +
    "challengeresponseauthentication checkhostip cipher ciphers clearallforwardings " +
    "compression compressionlevel connectionattempts connecttimeout controlmaster " +
    "controlpath controlpersist dsaauthentication dynamicforward enableescapecommandline " +
    "enablesshkeysign escapechar exitonforwardfailure fallbacktorsh fingerprinthash " +
    "forkafterauthentication forwardagent forwardx11 forwardx11timeout forwardx11trusted " +
    "gatewayports globalknownhostsfile globalknownhostsfile2 gssapiauthentication " +
    "gssapiclientidentity gssapidelegatecredentials gssapikexalgorithms gssapikeyexchange " +
    "gssapirenewalforcesrekey gssapiserveridentity gssapitrustdns hashknownhosts host " +
    "hostbasedacceptedalgorithms hostbasedauthentication hostbasedkeytypes " +
    "hostkeyalgorithms hostkeyalias hostname identitiesonly identityagent identityfile " +
    "identityfile2 ignoreunknown include ipqos kbdinteractiveauthentication " +
    "kbdinteractivedevices keepalive kerberosauthentication kerberostgtpassing " +
    "kexalgorithms knownhostscommand localcommand localforward loglevel logverbose macs " +
    "match nohostauthenticationforlocalhost numberofpasswordprompts " +
    "passwordauthentication permitlocalcommand permitremoteopen pkcs11provider port " +
    "preferredauthentications protocol protocolkeepalives proxycommand proxyjump " +
    "proxyusefdpass pubkeyacceptedalgorithms pubkeyacceptedkeytypes " +
    "pubkeyauthentication rekeylimit remotecommand remoteforward requesttty " +
    "requiredrsasize revokedhostkeys rhostsauthentication rhostsrsaauthentication " +
    "rsaauthentication securitykeyprovider sendenv serveralivecountmax " +
    "serveraliveinterval sessiontype setenv setuptimeout skeyauthentication " +
    "smartcarddevice stdinnull streamlocalbindmask streamlocalbindunlink " +
    "stricthostkeychecking syslogfacility tcpkeepalive tisauthentication tunnel " +
    "tunneldevice updatehostkeys useblacklistedkeys useprivilegedport user " +
    "userknownhostsfile userknownhostsfile2 useroaming usersh verifyhostkeydns " +
    "visualhostkey xauthlocation " +
    "tag obscurekeystroketiming channeltimeout refuseconnection warnweakcrypto usekeychain"
  ).split(" "),
);

/** Keywords whose value is the rest of the line as written (OpenSSH's parse_command). */
const COMMANDS = new Set(["proxycommand", "localcommand", "remotecommand", "knownhostscommand"]);

/**
 * Splits the arguments of a line into words as OpenSSH's `argv_split` does: spaces and
 * tabs separate, double or single quotes group, a backslash escapes a quote, a backslash
 * or (unquoted) a space, and a word starting with `#` ends the line.
 *
 * @param text The line after its keyword.
 * @returns The words, or undefined when a quote is not closed.
 */
function splitWords(text: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === " " || text[i] === "\t") {
      i++;
      continue;
    }
    if (text[i] === "#") break;
    let word = "";
    let quote = "";
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === "\\") {
        const next = text[i + 1];
        if (next === "'" || next === '"' || next === "\\" || (quote === "" && next === " ")) {
          word += next;
          i++;
        } else word += c;
      } else if (quote === "" && (c === " " || c === "\t")) break;
      else if (quote === "" && (c === '"' || c === "'")) quote = c;
      else if (quote !== "" && c === quote) quote = "";
      else word += c;
    }
    if (quote !== "") return undefined;
    words.push(word);
  }
  return words;
}

/**
 * Splits a line into keyword and the rest as OpenSSH's `strdelim` does: the keyword ends
 * at whitespace, `"` or `=`, and one `=` with whitespace around it separates.
 *
 * @param line The line.
 * @returns Keyword (empty for blank and comment lines) and the rest.
 */
function splitKeyword(line: string): { keyword: string; rest: string } {
  const s = line.replace(/[ \t\r\n\f]+$/, "").replace(/^[ \t\r\n]+/, "");
  if (s.startsWith('"')) {
    const close = s.indexOf('"', 1);
    if (close < 0) return { keyword: "", rest: "" };
    return { keyword: s.slice(1, close), rest: s.slice(close + 1).replace(/^[ \t\r\n]+/, "") };
  }
  const end = s.search(/[ \t\r\n"=]/);
  if (end < 0) return { keyword: s, rest: "" };
  let i = end + 1;
  const skip = (): void => {
    while (i < s.length && " \t\r\n".includes(s[i])) i++;
  };
  skip();
  if (s[end] !== "=" && s[i] === "=") {
    i++;
    skip();
  }
  return { keyword: s.slice(0, end), rest: s.slice(i) };
}

/**
 * Parses the text of an SSH client config file; `Include` lines are kept, not followed.
 *
 * @param text The file's text.
 * @param file The file's name, for messages.
 * @returns The directives, or the first problem.
 */
export function safeParseSshConfig(text: string, file: string): SshConfigParseResult {
  const directives: SshConfigDirective[] = [];
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const fail = (detail: string): SshConfigParseResult => ({
      success: false,
      error: new SshConfigError(file, n + 1, detail),
    });
    const { keyword: word, rest } = splitKeyword(lines[n]);
    if (word === "" || word.startsWith("#")) continue;
    const keyword = word.toLowerCase();
    const args = COMMANDS.has(keyword) ? (rest === "" ? [] : [rest]) : splitWords(rest);
    if (args === undefined) return fail("invalid quotes");
    if (
      (keyword === "userknownhostsfile" || keyword === "globalknownhostsfile") &&
      args.length > 1 && args.includes("none")
    ) {
      return fail(`keyword ${keyword} "none" argument must appear alone`);
    }
    const check = CHECKS[keyword];
    if (check) {
      if (args.some((a) => a === "")) return fail(`${check.name}: Missing argument`);
      if (args.length === 0 || (check.one && args.length > 1)) {
        const got = args.length === 0 ? "nothing" : JSON.stringify(args.join(" "));
        return fail(`${check.name} must be ${check.expected} (got ${got})`);
      }
      if (check.schema && !check.schema.safeParse(args[0]).success) {
        return fail(`${check.name} must be ${check.expected} (got ${JSON.stringify(args[0])})`);
      }
    }
    directives.push({
      keyword,
      args,
      rest,
      known: OPENSSH_KEYWORDS.has(keyword),
      file,
      line: n + 1,
    });
  }
  return { success: true, data: { file, directives } };
}

/**
 * Parses the text of an SSH client config file; `Include` lines are kept, not followed.
 *
 * @param text The file's text.
 * @param file The file's name, for messages.
 * @returns The directives.
 * @throws {SshConfigError} When a line cannot be used.
 *
 * @example
 * ```ts
 * import { parseSshConfig } from "./_ssh_config_parse.ts";
 * import assert from "node:assert/strict";
 * const config = parseSshConfig('Host hpc\n  HostName = "login.example.org"\n', "config");
 * assert.deepEqual(config.directives.map((d) => [d.keyword, d.args, d.line]), [
 *   ["host", ["hpc"], 1],
 *   ["hostname", ["login.example.org"], 2],
 * ]);
 * ```
 */
export function parseSshConfig(text: string, file: string): SshConfig {
  const result = safeParseSshConfig(text, file);
  if (!result.success) throw result.error;
  return result.data;
}
