/**
 * User filters (`--where`): one SQL boolean expression over a table's columns. The clause
 * is tokenized (strings, quoted identifiers, comments, parentheses) and refused unless it
 * is one expression that stays inside the parentheses the store puts around it: no `;`,
 * no unbalanced `)`, no top-level `UNION`, `SELECT`, `ORDER BY`, ..., no bound parameters.
 * What passes is still run on a read-only connection only.
 *
 * @module
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { BUSY_TIMEOUT_MS, guard } from "./database.ts";

/** A user mistake in a filter (bad `--where`), reported without touching the store. */
export class FilterError extends TypeError {
  /** The offending clause. */
  readonly where: string;
  /** What is filtered: `calls`, `jobs`. */
  readonly subject: string;
  /**
   * Creates an instance.
   *
   * @param where The clause.
   * @param detail What is wrong with it (or what SQLite said).
   * @param subject What is filtered. Default: `calls`.
   */
  constructor(where: string, detail: string, subject = "calls") {
    super(
      `Cannot filter ${subject}: the --where clause ${
        JSON.stringify(where)
      } is not valid SQL (${detail})`,
    );
    this.name = "FilterError";
    this.where = where;
    this.subject = subject;
  }
}

/** Statement words that have no place in a filter, even inside a subquery. */
const STATEMENT_WORDS = new Set([
  "insert",
  "update",
  "delete",
  "drop",
  "create",
  "alter",
  "attach",
  "detach",
  "pragma",
  "vacuum",
  "reindex",
  "analyze",
  "begin",
  "commit",
  "rollback",
  "savepoint",
  "release",
]);

/** Words that start or continue a statement or a clause; never at the top of a filter. */
const CLAUSE_WORDS = new Set([
  "select",
  "union",
  "intersect",
  "except",
  "from",
  "where",
  "group",
  "having",
  "order",
  "limit",
  "offset",
  "window",
  "values",
  "with",
  "returning",
  "explain",
  ...STATEMENT_WORDS,
]);

/** Result of {@linkcode safeParseWhereClause}. */
export type WhereParseResult =
  | { readonly success: true; readonly data: string }
  | { readonly success: false; readonly error: FilterError };

/**
 * Checks that a `--where` clause is one SQL expression that cannot escape the parentheses
 * it is put in, and returns it trimmed.
 *
 * @param where The clause as the user typed it.
 * @param subject What is filtered, for the message. Default: `calls`.
 * @returns The clause, trimmed.
 * @throws {FilterError} Naming what is wrong: a `;`, an unbalanced parenthesis, an
 * unterminated string, identifier or comment, a top-level `UNION`/`SELECT`/`ORDER`/...,
 * a statement word, a bound parameter, or nothing at all.
 *
 * @example
 * ```ts
 * import { FilterError, parseWhereClause } from "./filter.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseWhereClause(" attempts > 1 AND step = 'a;b' "), "attempts > 1 AND step = 'a;b'");
 * assert.throws(() => parseWhereClause("0) OR (1=1"), FilterError);
 * assert.throws(() => parseWhereClause("1=1 UNION SELECT key FROM calls"), FilterError);
 * ```
 */
export function parseWhereClause(where: string, subject = "calls"): string {
  const result = safeParseWhereClause(where, subject);
  if (!result.success) throw result.error;
  return result.data;
}

/**
 * Like {@linkcode parseWhereClause}, but returns the error instead of throwing it.
 *
 * @param where The clause.
 * @param subject What is filtered. Default: `calls`.
 * @returns `{ success: true, data }` or `{ success: false, error }`.
 *
 * @example
 * ```ts
 * import { safeParseWhereClause } from "./filter.ts";
 * import assert from "node:assert/strict";
 * const r = safeParseWhereClause("state = 'done'; DROP TABLE calls");
 * assert.equal(r.success, false);
 * if (!r.success) assert.match(r.error.message, /";"/);
 * ```
 */
export function safeParseWhereClause(where: string, subject = "calls"): WhereParseResult {
  const problem = findProblem(where);
  return problem === undefined
    ? { success: true, data: where.trim() }
    : { success: false, error: new FilterError(where, problem, subject) };
}

/** The first reason the clause is not acceptable, or undefined. */
function findProblem(sql: string): string | undefined {
  let depth = 0;
  let tokens = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      if (end < 0) return "a /* comment is not closed";
      i = end + 2;
      continue;
    }
    tokens++;
    if (ch === "'" || ch === '"' || ch === "`") {
      const end = closingQuote(sql, i, ch);
      if (end < 0) {
        return ch === "'" ? "a 'string' is not closed" : `a ${ch}quoted name${ch} is not closed`;
      }
      i = end + 1;
      continue;
    }
    if (ch === "[") {
      const end = sql.indexOf("]", i + 1);
      if (end < 0) return "a [name] is not closed";
      i = end + 1;
      continue;
    }
    if (ch === ";") return `";" ends a statement; give one expression`;
    if (ch === "(") {
      depth++;
      i++;
      continue;
    }
    if (ch === ")") {
      depth--;
      if (depth < 0) return `")" closes a parenthesis it did not open`;
      i++;
      continue;
    }
    if (ch === "?" || ch === ":" || ch === "@" || ch === "$") {
      return `"${ch}" starts a bound parameter; write the value itself`;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i, i + 64))?.[0];
    if (word !== undefined) {
      const lower = word.toLowerCase();
      // X'..' is a blob literal.
      if (lower === "x" && sql[i + 1] === "'") {
        const end = closingQuote(sql, i + 1, "'");
        if (end < 0) return "a X'blob' is not closed";
        i = end + 1;
        continue;
      }
      if (STATEMENT_WORDS.has(lower)) {
        return `${word.toUpperCase()} is a statement, not part of an expression`;
      }
      if (depth === 0 && CLAUSE_WORDS.has(lower)) {
        return `${word.toUpperCase()} would add a clause or a query; give one expression (a subquery goes in parentheses)`;
      }
      i += sqlWordLength(sql, i);
      continue;
    }
    i++;
  }
  if (depth > 0) return `${depth === 1 ? "a" : depth} "(" not closed`;
  if (tokens === 0) return "it is empty";
  return undefined;
}

/** Index of the quote closing the one at `start` (doubled quotes are escapes), or -1. */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i;
    }
    i++;
  }
  return -1;
}

function sqlWordLength(sql: string, start: number): number {
  let i = start;
  while (i < sql.length && /[A-Za-z0-9_]/.test(sql[i])) i++;
  return i - start;
}

/**
 * Whether user SQL contains a `;` outside quotes (a second statement). Kept for callers
 * that only need this test; {@linkcode parseWhereClause} checks everything.
 *
 * @param sql The clause.
 * @returns True when it would end the statement.
 *
 * @example
 * ```ts
 * import { hasStatementBreak } from "./filter.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hasStatementBreak("step = 'a;b'"), false);
 * assert.equal(hasStatementBreak("1; DROP TABLE calls"), true);
 * ```
 */
export function hasStatementBreak(sql: string): boolean {
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === ";") {
      return true;
    }
  }
  return false;
}

/**
 * Runs a query that embeds a user's `--where` clause on a read-only connection of its own,
 * so the clause can never change the store and a slow one holds no write lock. The clause
 * is checked first ({@linkcode parseWhereClause}); SQLite's complaints about it (an unknown
 * column, a syntax error) become {@linkcode FilterError}s too.
 *
 * @param dbPath The store database.
 * @param where The user's clause, already embedded in `query` as `(${where})`.
 * @param query The whole SELECT.
 * @param params Values for the query's `?` placeholders.
 * @param subject What is filtered, for messages. Default: `calls`.
 * @returns The rows.
 * @throws {FilterError} When the clause is not acceptable or SQLite rejects it.
 * @throws {StoreLockedError} When the database stays locked past the busy timeout.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { queryWithFilter } from "./filter.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const db = new DatabaseSync(`${dir}/d.db`);
 * db.exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2)");
 * db.close();
 * const rows = queryWithFilter(`${dir}/d.db`, "x > 1", "SELECT x FROM t WHERE (x > 1)", []);
 * assert.deepEqual(rows.map((r) => r.x), [2]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function queryWithFilter(
  dbPath: string,
  where: string,
  query: string,
  params: readonly SQLInputValue[],
  subject = "calls",
): Record<string, SQLInputValue>[] {
  parseWhereClause(where, subject);
  const ro = guard(dbPath, () => new DatabaseSync(dbPath, { readOnly: true }));
  try {
    ro.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return guard(dbPath, () => {
      try {
        return ro.prepare(query).all(...params);
      } catch (e) {
        if (isSqliteError(e) && !/database is (locked|busy)/i.test(e.message)) {
          throw new FilterError(where, e.message, subject);
        }
        throw e;
      }
    });
  } finally {
    ro.close();
  }
}

function isSqliteError(e: unknown): e is Error {
  return e instanceof Error && (e as { code?: string }).code === "ERR_SQLITE_ERROR";
}
