/**
 * Private to lib/routing: reading the value of a wfl/ExPyRe `env_vars` entry (`K=V`, which
 * ExPyRe writes into the job script as `export K=V`) the way bash would, as far as drover can
 * honour it without running a shell: quotes, backslashes and references to the job's
 * resources (`$EXPYRE_NUM_CORES_PER_NODE`, `${EXPYRE_NCORES_PER_NODE}`). Anything else the
 * shell would do (other variables, command substitution, several words, globs, `~`) makes
 * the value one that only a shell line can carry.
 *
 * @module
 */
import { resourceVariableOf } from "../scheduler/mod.ts";

/** What a value means: a drover env value (with `${DROVER_...}` references), or shell. */
export type ShellValue =
  | { readonly kind: "value"; readonly value: string }
  | { readonly kind: "shell"; readonly reason: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const UNQUOTED_SPECIAL = new Set([
  " ",
  "\t",
  ";",
  "&",
  "|",
  "<",
  ">",
  "(",
  ")",
  "*",
  "?",
  "[",
  "{",
  "}",
]);

/**
 * Reads `V` of `export K=V` as bash would.
 *
 * @param text The value as written after `=`.
 * @returns The value as drover env text, or why it needs a shell.
 */
export function readShellValue(text: string): ShellValue {
  let out = "";
  let literal = "";
  const flush = (): ShellValue | undefined => {
    for (const m of literal.matchAll(REFERENCE)) {
      if (resourceVariableOf(m[1]) !== undefined) {
        return { kind: "shell", reason: `the text ${m[0]} is quoted, so drover would expand it` };
      }
    }
    out += literal;
    literal = "";
    return undefined;
  };
  const reference = (i: number): { end: number; name: string } | { reason: string } => {
    const rest = text.slice(i + 1);
    if (rest.startsWith("(")) return { reason: "it runs a command ($(...))" };
    const braced = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(rest);
    const bare = braced ? undefined : NAME.exec(rest);
    const name = braced?.[1] ?? bare?.[0];
    if (name === undefined) {
      return rest === "" || /^[^A-Za-z_{(0-9@*#?$!'"-]/.test(rest)
        ? { end: i + 1, name: "" }
        : { reason: `it uses the shell's $${rest[0]}` };
    }
    if (resourceVariableOf(name) === undefined) {
      return { reason: `it refers to $${name}, which only the job's shell knows` };
    }
    return { end: i + 1 + (braced ? braced[0].length : name.length), name };
  };
  let i = 0;
  let quote: "'" | '"' | undefined;
  while (i < text.length) {
    const ch = text[i];
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else literal += ch;
      i++;
      continue;
    }
    if (ch === "`") return { kind: "shell", reason: "it runs a command (`...`)" };
    if (ch === "\\") {
      const next = text[i + 1];
      if (next === undefined) return { kind: "shell", reason: "it ends with a backslash" };
      if (quote === '"' && !'$`"\\'.includes(next)) literal += "\\";
      literal += next;
      i += 2;
      continue;
    }
    if (ch === "$") {
      const ref = reference(i);
      if ("reason" in ref) return { kind: "shell", reason: ref.reason };
      if (ref.name === "") {
        literal += "$";
      } else {
        const problem = flush();
        if (problem) return problem;
        out += `\${${resourceVariableOf(ref.name)}}`;
      }
      i = ref.end;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else literal += ch;
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      i++;
      continue;
    }
    if (UNQUOTED_SPECIAL.has(ch) || (ch === "~" && (i === 0 || text[i - 1] === ":"))) {
      return { kind: "shell", reason: `the shell reads its unquoted ${JSON.stringify(ch)}` };
    }
    literal += ch;
    i++;
  }
  if (quote !== undefined) return { kind: "shell", reason: `its ${quote} is not closed` };
  const problem = flush();
  return problem ?? { kind: "value", value: out };
}
