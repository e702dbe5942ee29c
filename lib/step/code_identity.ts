/**
 * The code identity of a step: a hash of the step function's own source and
 * of the project code it calls, used in every call's cache key.
 *
 * @module
 */

import type ts from "npm:typescript@^5.9.0";
import { dirname, resolve } from "node:path";
import type { CallSite } from "../routing/mod.ts";
import { IdentityCollector } from "./_identity_walk.ts";
import { resolveName } from "./_identity_scope.ts";
import { loadTypeScript, normalizedText, sha256Hex, type TypeScript } from "./_identity_source.ts";

/** What a step's code identity is made of. */
export interface CodeIdentity {
  /** sha256 hex over the sorted parts. */
  readonly hash: string;
  /**
   * Part name -> sha256 hex of normalised source, or version text for
   * dependencies. Names: `step`, `helper:<file>::<name>`, `module:<file>` and
   * `dep:<specifier>`, with files relative to the project root.
   */
  readonly parts: Readonly<Record<string, string>>;
  /** Absolute path of every local file read -> sha256 hex of its contents. */
  readonly files: Readonly<Record<string, string>>;
}

/** Options of {@linkcode computeCodeIdentity}. */
export interface CodeIdentityOptions {
  /**
   * Reads a text file; it should reject when the file does not exist.
   * Default: `Deno.readTextFile`.
   */
  readonly readFile?: (path: string) => Promise<string>;
}

/** Thrown when the `step(...)` call a code identity is asked for cannot be found. */
export class CodeIdentityError extends Error {
  /** Absolute path of the file that was searched. */
  readonly file: string;
  /** Line of the call site, 1-based. */
  readonly line: number;
  /** Column of the call site, 1-based. */
  readonly column: number;
  /** Name of the step. */
  readonly stepName: string;

  /**
   * @param message Full message.
   * @param stepName Name of the step.
   * @param site Where the step was expected.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, stepName: string, site: CallSite, options?: ErrorOptions) {
    super(message, options);
    this.name = "CodeIdentityError";
    this.file = site.file;
    this.line = site.line;
    this.column = site.column;
    this.stepName = stepName;
  }
}

/** Bumped when the algorithm changes, so that old identities stop matching. */
const FORMAT = "drover-code-identity/1";

/**
 * Computes the code identity of the step `name` whose `step(name, fn)` call is
 * at `site`.
 *
 * The identity covers the step function's own tokens (whitespace and comments
 * do not count), the top-level declarations of the same file it refers to,
 * transitively, the exports it uses from local modules (whole modules for
 * namespace and default imports), and the resolved version of each dependency
 * (from deno.json and deno.lock). Unrelated code in the same file (other
 * steps, the `import.meta.main` block) does not count.
 *
 * @param name The step name: the string literal first argument of the call.
 * @param site Where the call is, as from `callerSite(1)` inside `step()`.
 * @param options How to read files.
 * @returns The identity, its parts and the files read.
 * @throws {CodeIdentityError} When the file cannot be read or holds no such call.
 * @throws {TypeError} When `name` is empty.
 * @throws {RangeError} When `site.line` or `site.column` is not a positive integer.
 *
 * @example A step and the same-file helper it calls
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const sources: Record<string, string> = {
 *   "/p/flow.ts": [
 *     'const double = step("double", (x: number) => twice(x));',
 *     "function twice(x: number): number { return 2 * x; }",
 *     "function unrelated(): void {}",
 *   ].join("\n"),
 * };
 * const readFile = (path: string): Promise<string> =>
 *   path in sources ? Promise.resolve(sources[path]) : Promise.reject(new Deno.errors.NotFound(path));
 *
 * const site = { file: "/p/flow.ts", line: 1, column: 16 };
 * const identity = await computeCodeIdentity("double", site, { readFile });
 * assert.deepEqual(Object.keys(identity.parts), ["helper:flow.ts::twice", "step"]);
 * assert.match(identity.hash, /^[0-9a-f]{64}$/);
 * ```
 */
export async function computeCodeIdentity(
  name: string,
  site: CallSite,
  options: CodeIdentityOptions = {},
): Promise<CodeIdentity> {
  if (typeof name !== "string" || name === "") {
    throw new TypeError("Cannot compute code identity: step name must be a non-empty string");
  }
  for (const field of ["line", "column"] as const) {
    if (!Number.isInteger(site[field]) || site[field] < 1) {
      throw new RangeError(
        `Cannot compute code identity of step "${name}": site.${field} must be an integer >= 1 (got ${
          site[field]
        })`,
      );
    }
  }
  const ts = await loadTypeScript();
  const file = resolve(site.file);
  const where = `${file}:${site.line}:${site.column}`;
  const collector = new IdentityCollector(
    ts,
    options.readFile ?? ((path) => Deno.readTextFile(path)),
  );
  const sourceFile = (await collector.load(file))?.sourceFile;
  if (sourceFile === undefined) {
    throw new CodeIdentityError(
      `Cannot compute code identity of step "${name}": cannot read ${where} as a script module`,
      name,
      { ...site, file },
    );
  }
  collector.root = (await collector.config(dirname(file)))?.dir ?? dirname(file);

  const call = findStepCall(ts, sourceFile, name, site);
  const fn = call?.arguments[1];
  if (call === undefined || fn === undefined) {
    const found = call === undefined
      ? "found no call with that first argument"
      : "found no function";
    throw new CodeIdentityError(
      `Cannot compute code identity of step "${name}": expected a call step("${name}", <function>) at ${where} (${found})`,
      name,
      { ...site, file },
    );
  }
  let body: ts.Node = fn;
  if (ts.isIdentifier(fn)) {
    const resolution = resolveName(ts, fn, fn);
    if (resolution.kind === "declaration") body = resolution.node;
  }
  collector.markDone(body);
  collector.parts.set("step", sha256Hex(normalizedText(ts, body, sourceFile)));
  await collector.addReferences(body, sourceFile);
  return finish(collector);
}

function finish(collector: IdentityCollector): CodeIdentity {
  const parts = sortedRecord(collector.parts);
  const files = sortedRecord(collector.files);
  const hash = sha256Hex(`${FORMAT}\n${JSON.stringify(Object.entries(parts))}`);
  return Object.freeze({ hash, parts, files });
}

function sortedRecord(map: ReadonlyMap<string, string>): Readonly<Record<string, string>> {
  const keys = [...map.keys()].sort();
  return Object.freeze(Object.fromEntries(keys.map((key) => [key, map.get(key) as string])));
}

/**
 * The call `name(...)` nearest to the site: one whose callee spans the site's
 * position, else one on the site's line (at/after the column first), else the
 * nearest in the file.
 */
function findStepCall(
  ts: TypeScript,
  sourceFile: ts.SourceFile,
  name: string,
  site: CallSite,
): ts.CallExpression | undefined {
  const calls: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const first = node.arguments[0];
      if (first !== undefined && ts.isStringLiteralLike(first) && first.text === name) {
        calls.push(node);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  if (calls.length === 0) return undefined;

  const lineStarts = sourceFile.getLineStarts();
  const lineStart = lineStarts[site.line - 1];
  const position = lineStart === undefined ? -1 : lineStart + site.column - 1;
  const lineOf = (pos: number): number => sourceFile.getLineAndCharacterOfPosition(pos).line + 1;

  const spanning = calls.filter((call) =>
    call.getStart(sourceFile) <= position && position <= call.expression.end
  );
  if (spanning.length > 0) return spanning[spanning.length - 1];

  const onLine = calls.filter((call) =>
    lineOf(call.getStart(sourceFile)) <= site.line && site.line <= lineOf(call.expression.end)
  );
  if (onLine.length > 0) {
    return onLine.find((call) => call.getStart(sourceFile) >= position) ??
      onLine[onLine.length - 1];
  }

  const withFunction = calls.filter((call) => {
    const fn = call.arguments[1];
    return fn !== undefined &&
      (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) || ts.isIdentifier(fn));
  });
  const candidates = withFunction.length > 0 ? withFunction : calls;
  const distance = (call: ts.CallExpression): number =>
    Math.abs(lineOf(call.getStart(sourceFile)) - site.line);
  return candidates.reduce((best, call) => distance(call) < distance(best) ? call : best);
}
