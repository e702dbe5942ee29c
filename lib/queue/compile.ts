/**
 * Compiling checked filters and priorities ({@linkcode parseFilter}, {@linkcode parseOrder})
 * to SQL over the queue tables: a row field `f` becomes `json_extract(r.data, '$.f')`, a task
 * result field `t.f` becomes `json_extract(d_t.result, '$.f')` with a join on that task's
 * finished items of the same row. Literals are bound parameters; names are checked against
 * the table's fields and the known tasks and only then written into the SQL.
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import {
  type Expr,
  type FieldRef,
  NAME_PATTERN,
  type OrderTerm,
  parseFilter,
  parseOrder,
  QueryError,
} from "./expr.ts";

/** What names a filter may use. */
export interface QueryScope {
  /** The table the rows come from (for messages). */
  readonly table: string;
  /** Its fields. */
  readonly fields: readonly string[];
  /** Tasks whose results may be referenced (`task.field`). */
  readonly tasks: readonly string[];
}

/** SQL for one filter or priority, to put after `FROM queue_rows r`. */
export interface CompiledQuery {
  /** The expression (a boolean, or an ORDER BY list). */
  readonly sql: string;
  /** Its `?` values, in order. */
  readonly params: SQLInputValue[];
  /** Tasks joined as `d_<task>` ({@linkcode joinsFor}). */
  readonly tasks: readonly string[];
  /** A priority's terms one by one (from {@linkcode compileOrder}). */
  readonly terms?: readonly { readonly sql: string; readonly descending: boolean }[];
}

/**
 * Parses and compiles a filter.
 *
 * @param text The filter.
 * @param scope Fields and tasks it may name.
 * @param what What it is, for messages. Default: `--where`.
 * @returns The SQL.
 * @throws {QueryError} For a syntax error or an unknown name, with its column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileWhere } from "./compile.ts";
 * const q = compileWhere("n <= 150 AND rough.e < 0.5", { table: "t", fields: ["n"], tasks: ["rough"] });
 * assert.equal(q.sql, "((json_extract(r.data, '$.n') <= ?) AND (json_extract(d_rough.result, '$.e') < ?))");
 * assert.deepEqual(q.params, [150, 0.5]);
 * assert.throws(() => compileWhere("m = 1", { table: "t", fields: ["n"], tasks: [] }), /unknown field "m"/);
 * ```
 */
export function compileWhere(text: string, scope: QueryScope, what = "--where"): CompiledQuery {
  const tree = parseFilter(text, what);
  const params: SQLInputValue[] = [];
  const tasks = new Set<string>();
  const sql = exprSql(tree, { scope, text, what, params, tasks });
  return { sql, params, tasks: [...tasks] };
}

/**
 * Parses and compiles a priority into an ORDER BY list (NULLs last).
 *
 * @param text The priority, e.g. `nsites ASC, length DESC`.
 * @param scope Fields and tasks it may name.
 * @param what What it is, for messages. Default: `priority`.
 * @returns The SQL.
 * @throws {QueryError} For a syntax error or an unknown name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileOrder } from "./compile.ts";
 * const q = compileOrder("n DESC", { table: "t", fields: ["n"], tasks: [] });
 * assert.equal(q.sql, "json_extract(r.data, '$.n') DESC NULLS LAST");
 * ```
 */
export function compileOrder(text: string, scope: QueryScope, what = "priority"): CompiledQuery {
  const terms: OrderTerm[] = parseOrder(text, what);
  const tasks = new Set<string>();
  const ctx = { scope, text, what, params: [], tasks };
  const compiled = terms.map((t) => ({
    sql: refSql(t.ref, ctx),
    descending: t.direction === "DESC",
  }));
  const sql = compiled.map((t) => `${t.sql} ${t.descending ? "DESC" : "ASC"} NULLS LAST`).join(
    ", ",
  );
  return { sql, params: [], tasks: [...tasks], terms: compiled };
}

/**
 * The joins that make `d_<task>` available: each task's finished item of the row `r`.
 *
 * @param tasks Task names (checked names only).
 * @returns SQL to put after `FROM queue_rows r`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { joinsFor } from "./compile.ts";
 * assert.match(joinsFor(["rough"]), /LEFT JOIN queue_items d_rough ON d_rough.task = 'rough'/);
 * ```
 */
export function joinsFor(tasks: readonly string[]): string {
  return tasks.map((t) => {
    if (!NAME_PATTERN.test(t)) throw new TypeError(`Cannot join task ${JSON.stringify(t)}`);
    return ` LEFT JOIN queue_items d_${t} ON d_${t}.task = '${t}' AND d_${t}.row_seq = r.seq` +
      ` AND d_${t}.state = 'done'`;
  }).join("");
}

interface Ctx {
  readonly scope: QueryScope;
  readonly text: string;
  readonly what: string;
  readonly params: SQLInputValue[];
  readonly tasks: Set<string>;
}

function exprSql(e: Expr, ctx: Ctx): string {
  switch (e.kind) {
    case "ref":
      return refSql(e, ctx);
    case "literal":
      if (e.value === null) return "NULL";
      ctx.params.push(typeof e.value === "boolean" ? (e.value ? 1 : 0) : e.value);
      return "?";
    case "not":
      return `(NOT ${exprSql(e.of, ctx)})`;
    case "and":
    case "or":
      return `(${exprSql(e.left, ctx)} ${e.kind.toUpperCase()} ${exprSql(e.right, ctx)})`;
    case "compare":
      return `(${exprSql(e.left, ctx)} ${e.op} ${exprSql(e.right, ctx)})`;
    case "is-null":
      return `(${exprSql(e.of, ctx)} IS ${e.negated ? "NOT " : ""}NULL)`;
    case "in":
      return `(${exprSql(e.of, ctx)} ${e.negated ? "NOT " : ""}IN (${
        e.values.map((v) => exprSql(v, ctx)).join(", ")
      }))`;
  }
}

function refSql(ref: FieldRef, ctx: Ctx): string {
  const { scope } = ctx;
  if (ref.task === undefined) {
    if (!scope.fields.includes(ref.field)) {
      throw new QueryError(
        ctx.what,
        ctx.text,
        ref.at,
        `unknown field "${ref.field}" of table "${scope.table}" (fields: ${
          scope.fields.join(", ") || "none"
        })`,
      );
    }
    return `json_extract(r.data, '$.${ref.field}')`;
  }
  if (!scope.tasks.includes(ref.task) || !NAME_PATTERN.test(ref.field)) {
    throw new QueryError(
      ctx.what,
      ctx.text,
      ref.at,
      `unknown task "${ref.task}" (tasks: ${scope.tasks.join(", ") || "none"})`,
    );
  }
  ctx.tasks.add(ref.task);
  return `json_extract(d_${ref.task}.result, '$.${ref.field}')`;
}
