/**
 * `deno task lint:graph`: checks the folder graph of lib/ (modelled on std's
 * `_tools/check_circular_package_dependencies.ts`).
 *
 * Every lib/ file's relative imports are read with the TypeScript parser: `import … from`,
 * `import type`, `export … from`, side-effect imports, `import("…")` with a literal specifier
 * and `import("…")` types. Each file belongs to its lib folder (`lib/step/x.ts` is in `step`;
 * files directly in lib/ are in `_root`). The check reports:
 *
 * - `bypass`: an import from one folder into another folder's file other than its `mod.ts`
 *   (any `_root` file counts as an entry point: it is a one-file module);
 * - `outside`: an import from lib/ into a file outside lib/;
 * - `cycle`: every cycle of the folder graph, one line per hop with an example import.
 *   Type-only imports are edges too: a type-only cycle is still a cycle;
 * - `layer` (only with `--layers`): an edge the {@linkcode LAYERING} below does not allow.
 *
 * Exemption: `// lint-graph-ignore: <reason>` on the import's specifier line, or on the line
 * just above the import, waives `bypass`, `outside` and `layer` for that import. It never
 * waives a cycle, and an exemption that waives nothing is itself a problem.
 *
 * Usage: `deno run --allow-read --allow-env=TSC_*,NODE_*,VSCODE_* scripts/lint_graph.ts
 * [--layers] [project-dir]` (the `typescript` package reads a few env variables when it
 * loads). Exit 0 with a summary line, 1 with one line per problem, 2 on a usage error.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkGraph } from "./lint_graph.ts";
 *
 * const report = checkGraph(
 *   new Map([
 *     ["lib/a/mod.ts", 'export { b } from "../b/mod.ts";'],
 *     ["lib/b/mod.ts", "export const b = 1;"],
 *   ]),
 * );
 * assert.deepEqual(report.problems, []);
 * ```
 *
 * @module
 */

import ts from "typescript";
import { posix } from "node:path";

/** The bottom layer: folders every other folder may use. */
const BASE: readonly string[] = ["codec", "units", "_validation", "_root"];

/**
 * The intended layering (runtime-review.md, "Folder DAG"), checked only with `--layers`.
 * Each folder lists the folders it may import directly; it may also import everything those
 * may import (the closure). A folder missing here is reported when `--layers` is on.
 * Edit this list as the layering changes.
 */
export const LAYERING: Readonly<Record<string, readonly string[]>> = {
  cli: ["step", "identity", "queue", "calcjob"], // so any folder except worker
  queue: ["step"], // and what step uses
  worker: ["step", "identity"],
  flow: ["step"],
  step: ["runtime", "identity"],
  identity: ["store", "codec"], // beside runtime
  calcjob: ["runtime", "scheduler", "transport", "systems", "store", ...BASE],
  runtime: ["scheduler", "transport", "routing", "systems", "store", ...BASE],
  // The review puts these five in one layer; the code orders them inside it:
  // scheduler -> {transport, systems}, routing -> systems, systems -> store.
  scheduler: ["transport", "systems", ...BASE],
  routing: ["systems", ...BASE],
  transport: BASE,
  systems: ["store", ...BASE],
  store: BASE,
  codec: ["_root"],
  units: ["_root"],
  _validation: ["_root"],
  _root: [],
};

/** The folder of files directly in lib/. */
export const ROOT_FOLDER = "_root";

/** Why an import is reported. */
export type ProblemKind = "bypass" | "outside" | "cycle" | "layer" | "exemption";

/** One import from a lib/ file to another file. */
export interface ImportEdge {
  /** Importing file, relative to the project (`lib/step/session.ts`). */
  readonly file: string;
  /** 1-based line of the specifier. */
  readonly line: number;
  /** The specifier as written. */
  readonly specifier: string;
  /** The imported file, relative to the project. */
  readonly target: string;
  /** Folder of `file`. */
  readonly from: string;
  /** Folder of `target`, or `undefined` when it lies outside lib/. */
  readonly to: string | undefined;
  /** `import type`, `export type` or an `import("…")` type: no runtime edge, still a graph edge. */
  readonly typeOnly: boolean;
  /** The reason of a `lint-graph-ignore` comment that covers this import. */
  readonly exemption: string | undefined;
}

/** One reported problem. */
export interface GraphProblem {
  /** Why it is reported. */
  readonly kind: ProblemKind;
  /** File, relative to the project. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** The import's specifier (empty for an exemption comment on no import). */
  readonly specifier: string;
  /** Source folder. */
  readonly from: string;
  /** Target folder (`lib/..` outside lib/). */
  readonly to: string;
  /** The explanation printed after the colon. */
  readonly why: string;
}

/** The result of {@linkcode checkGraph}. */
export interface GraphReport {
  /** Problems: non-cycle ones sorted by file and line, then each cycle hop by hop. */
  readonly problems: readonly GraphProblem[];
  /** Every folder seen, sorted. */
  readonly folders: readonly string[];
  /** Distinct folder edges (`from -> to`), sorted. */
  readonly folderEdges: readonly string[];
  /** Cross-folder imports, exempted ones included. */
  readonly imports: number;
  /** How many of them are type-only. */
  readonly typeOnlyImports: number;
  /** Cycles found, counting at most 1000 (at most `maxCycles` are listed in `problems`). */
  readonly cycles: number;
}

/** Options of {@linkcode checkGraph}. */
export interface CheckGraphOptions {
  /** Also check edges against this layering (see {@linkcode LAYERING}). Default: off. */
  readonly layering?: Readonly<Record<string, readonly string[]>>;
  /** The lib folder, relative to the project. Default: `"lib"`. */
  readonly libDir?: string;
  /** Most cycles listed. Default: 50. */
  readonly maxCycles?: number;
}

/** Most cycles searched for. */
const CYCLE_LIMIT = 1000;

const IGNORE_PATTERN = /\/\/\s*lint-graph-ignore\b(?::(.*))?$/;

/**
 * Checks the folder graph of lib/ files given with their source text.
 *
 * @param files Source by path relative to the project (`lib/step/session.ts`); other paths
 *   are ignored.
 * @param options Layering, lib folder and cycle cap.
 * @returns The problems and the graph's size.
 *
 * @example A bypass of mod.ts
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkGraph, formatProblem } from "./lint_graph.ts";
 *
 * const report = checkGraph(
 *   new Map([
 *     ["lib/runtime/poll.ts", 'import { E } from "../step/errors.ts";'],
 *     ["lib/step/errors.ts", "export class E extends Error {}"],
 *   ]),
 * );
 * assert.equal(
 *   formatProblem(report.problems[0]!),
 *   'lib/runtime/poll.ts:1: imports "../step/errors.ts" (runtime -> step): ' +
 *     "bypasses step/mod.ts",
 * );
 * ```
 */
export function checkGraph(
  files: ReadonlyMap<string, string>,
  options: CheckGraphOptions = {},
): GraphReport {
  const libDir = posix.normalize(options.libDir ?? "lib");
  const folders = new Set<string>();
  const problems: GraphProblem[] = [];
  const cross: ImportEdge[] = [];
  for (const [file, source] of [...files].sort(([a], [b]) => compare(a, b))) {
    const from = folderOf(file, libDir);
    if (from === undefined) continue;
    folders.add(from);
    const { edges, unusedIgnores } = parseImports(file, source, libDir);
    for (const edge of edges) {
      const crossing = edge.to !== from;
      if (crossing) cross.push(edge);
      if (edge.to !== undefined) folders.add(edge.to);
      const whys = crossing ? edgeProblems(edge, libDir, options.layering) : [];
      const waived = edge.exemption !== undefined && edge.exemption !== "";
      if (edge.exemption === "") {
        problems.push(problemOf(edge, "exemption", "lint-graph-ignore needs a reason"));
      }
      if (!waived) { for (const why of whys) problems.push(problemOf(edge, why.kind, why.why)); }
      if (whys.length === 0 && waived) {
        problems.push(problemOf(edge, "exemption", "lint-graph-ignore waives nothing here"));
      }
    }
    for (const line of unusedIgnores) {
      problems.push({
        kind: "exemption",
        file,
        line,
        specifier: "",
        from,
        to: from,
        why: "lint-graph-ignore is not next to an import",
      });
    }
  }
  problems.sort((a, b) => compare(a.file, b.file) || a.line - b.line);
  const graph = folderGraph(cross);
  const cycles = findCycles(graph);
  for (const cycle of cycles.slice(0, options.maxCycles ?? 50)) {
    const path = [...cycle, cycle[0]!].join(" -> ");
    cycle.forEach((from, i) => {
      const edge = graph.get(from)!.get(cycle[(i + 1) % cycle.length]!)!;
      const typeOnly = edge.typeOnly
        ? " (type-only import: a type-only cycle is still a cycle in the folder graph)"
        : "";
      problems.push(problemOf(edge, "cycle", `folder cycle ${path}${typeOnly}`));
    });
  }
  const folderEdges = [...graph].flatMap(([from, tos]) =>
    [...tos.keys()].map((to) => `${from} -> ${to}`)
  );
  return {
    problems,
    folders: [...folders].sort(compare),
    folderEdges: folderEdges.sort(compare),
    imports: cross.length,
    typeOnlyImports: cross.filter((edge) => edge.typeOnly).length,
    cycles: cycles.length,
  };
}

/**
 * Formats a problem as `file:line: imports "spec" (a -> b): why`.
 *
 * @param problem The problem.
 * @returns One line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProblem } from "./lint_graph.ts";
 *
 * assert.equal(
 *   formatProblem({
 *     kind: "bypass",
 *     file: "lib/a/x.ts",
 *     line: 3,
 *     specifier: "../b/y.ts",
 *     from: "a",
 *     to: "b",
 *     why: "bypasses b/mod.ts",
 *   }),
 *   'lib/a/x.ts:3: imports "../b/y.ts" (a -> b): bypasses b/mod.ts',
 * );
 * ```
 */
export function formatProblem(problem: GraphProblem): string {
  const what = problem.specifier === ""
    ? `(folder ${problem.from})`
    : `imports "${problem.specifier}" (${problem.from} -> ${problem.to})`;
  return `${problem.file}:${problem.line}: ${what}: ${problem.why}`;
}

/**
 * The folder of a project-relative path: `step` for `lib/step/x.ts`, {@linkcode ROOT_FOLDER}
 * for `lib/x.ts`, `undefined` outside lib/.
 *
 * @param path Path relative to the project.
 * @param libDir The lib folder. Default: `"lib"`.
 * @returns The folder name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { folderOf } from "./lint_graph.ts";
 *
 * assert.equal(folderOf("lib/step/session.ts"), "step");
 * assert.equal(folderOf("lib/_type_check.ts"), "_root");
 * assert.equal(folderOf("mod.ts"), undefined);
 * ```
 */
export function folderOf(path: string, libDir = "lib"): string | undefined {
  const parts = posix.relative(libDir, posix.normalize(path)).split("/");
  if (parts[0] === ".." || parts[0] === "" || posix.isAbsolute(parts[0]!)) return undefined;
  return parts.length === 1 ? ROOT_FOLDER : parts[0];
}

function edgeProblems(
  edge: ImportEdge,
  libDir: string,
  layering: CheckGraphOptions["layering"],
): { kind: ProblemKind; why: string }[] {
  if (edge.to === undefined) return [{ kind: "outside", why: "imports a file outside lib/" }];
  const found: { kind: ProblemKind; why: string }[] = [];
  const entry = posix.join(libDir, edge.to, "mod.ts");
  if (edge.to !== ROOT_FOLDER && edge.target !== entry) {
    found.push({ kind: "bypass", why: `bypasses ${edge.to}/mod.ts` });
  }
  if (layering === undefined) return found;
  if (!(edge.from in layering)) {
    found.push({ kind: "layer", why: `folder ${edge.from} is not declared in LAYERING` });
  } else if (!allowedFrom(edge.from, layering).has(edge.to)) {
    found.push({ kind: "layer", why: `LAYERING does not let ${edge.from} use ${edge.to}` });
  }
  return found;
}

function allowedFrom(
  folder: string,
  layering: Readonly<Record<string, readonly string[]>>,
): Set<string> {
  const seen = new Set<string>();
  const todo = [...(layering[folder] ?? [])];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    todo.push(...(layering[next] ?? []));
  }
  return seen;
}

function problemOf(edge: ImportEdge, kind: ProblemKind, why: string): GraphProblem {
  return {
    kind,
    file: edge.file,
    line: edge.line,
    specifier: edge.specifier,
    from: edge.from,
    to: edge.to ?? posix.relative(posix.dirname(edge.file), edge.target),
    why,
  };
}

function parseImports(
  file: string,
  source: string,
  libDir: string,
): { edges: ImportEdge[]; unusedIgnores: number[] } {
  const ignores = new Map<number, string>();
  source.split("\n").forEach((text, i) => {
    const match = IGNORE_PATTERN.exec(text);
    if (match) ignores.set(i + 1, (match[1] ?? "").trim());
  });
  const used = new Set<number>();
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (node: ts.Node): number =>
    sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, literal: ts.StringLiteralLike, typeOnly: boolean): void => {
    const specifier = literal.text;
    if (!specifier.startsWith("./") && !specifier.startsWith("../")) return;
    const target = posix.normalize(posix.join(posix.dirname(file), specifier));
    const line = lineOf(literal);
    const ignoreLine = [line, lineOf(node) - 1].find((l) => ignores.has(l));
    if (ignoreLine !== undefined) used.add(ignoreLine);
    edges.push({
      file,
      line,
      specifier,
      target,
      from: folderOf(file, libDir)!,
      to: folderOf(target, libDir),
      typeOnly,
      exemption: ignoreLine === undefined ? undefined : ignores.get(ignoreLine),
    });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier, isTypeOnlyImport(node.importClause));
    } else if (
      ts.isExportDeclaration(node) && node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause)
        ? node.exportClause.elements
        : undefined;
      const typeOnly = node.isTypeOnly ||
        (named !== undefined && named.length > 0 && named.every((e) => e.isTypeOnly));
      add(node, node.moduleSpecifier, typeOnly);
    } else if (
      ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node, node.arguments[0], false);
    } else if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteralLike(node.argument.literal)
    ) {
      add(node, node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { edges, unusedIgnores: [...ignores.keys()].filter((line) => !used.has(line)) };
}

function isTypeOnlyImport(clause: ts.ImportClause | undefined): boolean {
  if (clause === undefined) return false; // import "./x.ts": runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** from -> to -> example edge (a value import before a type-only one, then by file and line). */
function folderGraph(edges: readonly ImportEdge[]): Map<string, Map<string, ImportEdge>> {
  const graph = new Map<string, Map<string, ImportEdge>>();
  for (const edge of edges) {
    if (edge.to === undefined) continue;
    const tos = graph.get(edge.from) ?? new Map<string, ImportEdge>();
    graph.set(edge.from, tos);
    const best = tos.get(edge.to);
    if (best === undefined || (best.typeOnly && !edge.typeOnly)) tos.set(edge.to, edge);
  }
  return graph;
}

/**
 * Every elementary cycle (at most {@linkcode CYCLE_LIMIT}, so a tangled graph cannot hang the
 * check), each starting at its smallest folder, shortest first.
 */
function findCycles(graph: Map<string, Map<string, ImportEdge>>): string[][] {
  const nodes = [
    ...new Set([...graph.keys(), ...[...graph.values()].flatMap((m) => [...m.keys()])]),
  ]
    .sort(compare);
  const cycles: string[][] = [];
  // Iterative deepening, so the cycles listed first (and kept at the limit) are the shortest.
  for (let length = 2; length <= nodes.length; length++) {
    for (const start of nodes) {
      const path = [start];
      const walk = (node: string): void => {
        for (const next of [...(graph.get(node)?.keys() ?? [])].sort(compare)) {
          if (cycles.length >= CYCLE_LIMIT) return;
          if (next === start && path.length === length) cycles.push([...path]);
          else if (path.length < length && compare(next, start) > 0 && !path.includes(next)) {
            path.push(next);
            walk(next);
            path.pop();
          }
        }
      };
      walk(start);
    }
  }
  return cycles;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function readLib(dir: string, libDir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for await (const entry of Deno.readDir(posix.join(dir, rel))) {
      const path = posix.join(rel, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && path.endsWith(".ts")) {
        files.set(path, await Deno.readTextFile(posix.join(dir, path)));
      }
    }
  };
  await walk(libDir);
  return files;
}

async function main(args: readonly string[]): Promise<number> {
  const flags = args.filter((a) => a.startsWith("-"));
  const dirs = args.filter((a) => !a.startsWith("-"));
  const unknown = flags.filter((f) => f !== "--layers" && f !== "--help");
  if (flags.includes("--help")) {
    console.log("Usage: lint_graph.ts [--layers] [project-dir]");
    return 0;
  }
  if (unknown.length > 0 || dirs.length > 1) {
    console.error(
      `lint:graph: Cannot parse arguments: expected [--layers] [project-dir] (got ${
        args.join(" ")
      })`,
    );
    return 2;
  }
  const dir = dirs[0] ?? ".";
  let files: Map<string, string>;
  try {
    files = await readLib(dir, "lib");
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    console.error(`lint:graph: Cannot read folder "${posix.join(dir, "lib")}": it does not exist`);
    return 2;
  }
  const report = checkGraph(files, flags.includes("--layers") ? { layering: LAYERING } : {});
  for (const problem of report.problems) console.log(formatProblem(problem));
  const size = `${report.folders.length} folders, ${report.folderEdges.length} folder edges ` +
    `from ${report.imports} cross-folder imports (${report.typeOnlyImports} type-only)`;
  if (report.problems.length === 0) {
    const layers = flags.includes("--layers") ? "; LAYERING respected" : "";
    console.log(
      `lint:graph: ok: ${size}; no cycle; every cross-folder import goes through mod.ts${layers}`,
    );
    return 0;
  }
  const counts = new Map<ProblemKind, number>();
  for (const p of report.problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  const byKind = [...counts].map(([kind, n]) =>
    kind === "cycle" ? `${n} cycle hops` : `${n} ${kind}`
  );
  console.error(
    `lint:graph: ${report.problems.length} problems (${byKind.join(", ")}), ` +
      `${report.cycles} folder cycle${report.cycles === 1 ? "" : "s"}; ${size}`,
  );
  return 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
