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

const PORT = z.coerce.number().int().min(1).max(65535);
const SECONDS = z.coerce.number().int().min(0);
const YES_NO = z.enum(["yes", "no"]);

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
  identitiesonly: { name: "IdentitiesOnly", one: true, schema: YES_NO, expected: "yes or no" },
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
  proxyjump: { name: "ProxyJump", one: true, expected: "[user@]host[:port][,...] or none" },
  proxycommand: { name: "ProxyCommand", one: false, expected: "a command or none" },
  connecttimeout: {
    name: "ConnectTimeout",
    one: true,
    schema: SECONDS,
    expected: "a whole number of seconds",
  },
  serveraliveinterval: {
    name: "ServerAliveInterval",
    one: true,
    schema: SECONDS,
    expected: "a whole number of seconds",
  },
  serveralivecountmax: {
    name: "ServerAliveCountMax",
    one: true,
    schema: SECONDS,
    expected: "a whole number",
  },
};

/**
 * Splits the arguments of a line into words the way OpenSSH does: whitespace separates,
 * double quotes group, a backslash escapes a quote or backslash, and an unquoted word
 * starting with `#` ends the line.
 *
 * @param text The line after its keyword.
 * @returns The words, or a message when a quote is not closed.
 */
function splitWords(text: string): string[] | string {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length || text[i] === "#") break;
    let word = "";
    let quoted = false;
    while (i < text.length && (quoted || !/\s/.test(text[i]))) {
      const c = text[i];
      if (c === '"') quoted = !quoted;
      else if (c === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\")) word += text[++i];
      else word += c;
      i++;
    }
    if (quoted) return "a double quote is not closed";
    words.push(word);
  }
  return words;
}

/** `Keyword value`, `Keyword=value`, `Keyword = value`; comments and blank lines aside. */
const LINE = /^\s*([^\s=#][^\s=]*)\s*(?:=\s*)?(.*)$/;

/**
 * Parses the text of an SSH client config file; `Include` lines are kept, not followed.
 *
 * @param text The file's text.
 * @param file The file's name, for messages.
 * @returns The directives, or the first problem.
 */
export function safeParseSshConfig(text: string, file: string): SshConfigParseResult {
  const directives: SshConfigDirective[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const fail = (detail: string): SshConfigParseResult => ({
      success: false,
      error: new SshConfigError(file, n + 1, detail),
    });
    const parts = LINE.exec(lines[n]);
    if (!parts) continue;
    const keyword = parts[1].toLowerCase();
    const args = splitWords(parts[2]);
    if (typeof args === "string") return fail(args);
    const check = CHECKS[keyword];
    if (check) {
      if (args.length === 0 || (check.one && args.length > 1)) {
        const got = args.length === 0 ? "nothing" : JSON.stringify(args.join(" "));
        return fail(`${check.name} must be ${check.expected} (got ${got})`);
      }
      if (check.schema && !check.schema.safeParse(args[0]).success) {
        return fail(`${check.name} must be ${check.expected} (got ${JSON.stringify(args[0])})`);
      }
    }
    directives.push({ keyword, args, file, line: n + 1 });
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
