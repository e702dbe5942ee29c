/**
 * The little language of `--where`, `where:` and `priority:`: field names, literals,
 * comparisons and boolean operators, nothing else. It is parsed into a tree and compiled to
 * SQL by {@linkcode compileWhere} / {@linkcode compileOrder}, with every literal bound as a
 * parameter and every name checked, so user text never reaches SQLite as SQL.
 *
 * Grammar: `or := and (OR and)*`, `and := not (AND not)*`, `not := NOT not | cmp`,
 * `cmp := operand [op operand | IS [NOT] NULL | [NOT] IN (literal, ...)]`,
 * `operand := literal | name | name.name | ( or )`, op one of `= == != <> < <= > >=`.
 * A literal is a number, a 'string' (doubled '' inside), TRUE, FALSE or NULL. `name` is a row
 * field; `task.field` is a field of an earlier task's result on the same row.
 *
 * @module
 */

/** A field reference: `field` (of the row) or `task.field` (of a task's result). */
export interface FieldRef {
  /** `row` or `result`. */
  readonly kind: "ref";
  /** The task whose result holds it; undefined for a row field. */
  readonly task?: string;
  /** The field name. */
  readonly field: string;
  /** Where it starts in the text (0-based). */
  readonly at: number;
}

/** A parsed expression. */
export type Expr =
  | FieldRef
  | { readonly kind: "literal"; readonly value: string | number | boolean | null }
  | { readonly kind: "not"; readonly of: Expr }
  | { readonly kind: "and" | "or"; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "compare"; readonly op: CompareOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "is-null"; readonly negated: boolean; readonly of: Expr }
  | {
    readonly kind: "in";
    readonly negated: boolean;
    readonly of: Expr;
    readonly values: readonly Expr[];
  };

/** Comparison operators, as written in SQL. */
export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

/** One `priority` term: a field and a direction. */
export interface OrderTerm {
  /** The field. */
  readonly ref: FieldRef;
  /** Ascending or descending. */
  readonly direction: "ASC" | "DESC";
}

/**
 * A mistake in a filter or a priority, with where it is. `message` is one line; `caret` is
 * the text and a `^` under the column, for a terminal.
 */
export class QueryError extends TypeError {
  /** The text as written. */
  readonly text: string;
  /** 0-based position of the problem. */
  readonly at: number;
  /**
   * Creates an instance.
   *
   * @param what What was being read: `--where`, `priority`.
   * @param text The text.
   * @param at 0-based position.
   * @param detail What is wrong there.
   */
  constructor(what: string, text: string, at: number, detail: string) {
    super(`Cannot read ${what} ${JSON.stringify(text)}: ${detail} at column ${at + 1}`);
    this.name = "QueryError";
    this.text = text;
    this.at = at;
  }

  /** Two lines: the text, and a caret under the column. */
  get caret(): string {
    return `  ${this.text}\n  ${" ".repeat(this.at)}^`;
  }
}

type Token =
  | { t: "num"; v: number; at: number; raw: string }
  | { t: "str"; v: string; at: number; raw: string }
  | { t: "word"; v: string; at: number; raw: string }
  | { t: "op"; v: string; at: number; raw: string }
  | { t: "end"; at: number; raw: string };

const OPS = ["==", "!=", "<>", "<=", ">=", "=", "<", ">", "(", ")", ",", "."];
const KEYWORDS = new Set(["and", "or", "not", "is", "null", "in", "true", "false", "asc", "desc"]);

/** A field or task name: letters, digits and `_`, not starting with a digit. */
export const NAME_PATTERN: RegExp = /^[A-Za-z_][A-Za-z0-9_]*$/;

function tokenize(what: string, text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const num = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest);
    if (num) {
      tokens.push({ t: "num", v: Number(num[0]), at: i, raw: num[0] });
      i += num[0].length;
      continue;
    }
    if (ch === "'") {
      let j = i + 1;
      let v = "";
      for (;;) {
        if (j >= text.length) throw new QueryError(what, text, i, "a 'string' is not closed");
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            v += "'";
            j += 2;
            continue;
          }
          break;
        }
        v += text[j++];
      }
      tokens.push({ t: "str", v, at: i, raw: text.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (word) {
      tokens.push({ t: "word", v: word[0], at: i, raw: word[0] });
      i += word[0].length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (op === undefined) {
      throw new QueryError(what, text, i, `${JSON.stringify(ch)} is not allowed here`);
    }
    tokens.push({ t: "op", v: op, at: i, raw: op });
    i += op.length;
  }
  tokens.push({ t: "end", at: text.length, raw: "the end" });
  return tokens;
}

class Parser {
  #i = 0;
  constructor(readonly what: string, readonly text: string, readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.#i]!;
  }
  next(): Token {
    return this.tokens[this.#i++]!;
  }
  isWord(w: string): boolean {
    const t = this.peek();
    return t.t === "word" && t.v.toLowerCase() === w;
  }
  isOp(o: string): boolean {
    const t = this.peek();
    return t.t === "op" && t.v === o;
  }
  fail(detail: string, token = this.peek()): never {
    const got = token.t === "end" ? "the end" : JSON.stringify(token.raw);
    throw new QueryError(this.what, this.text, token.at, `${detail} (got ${got})`);
  }
  expectEnd(): void {
    if (this.peek().t !== "end") this.fail("expected AND, OR or the end");
  }

  or(): Expr {
    let left = this.and();
    while (this.isWord("or")) {
      this.next();
      left = { kind: "or", left, right: this.and() };
    }
    return left;
  }
  and(): Expr {
    let left = this.not();
    while (this.isWord("and")) {
      this.next();
      left = { kind: "and", left, right: this.not() };
    }
    return left;
  }
  not(): Expr {
    if (this.isWord("not")) {
      this.next();
      return { kind: "not", of: this.not() };
    }
    return this.compare();
  }
  compare(): Expr {
    const left = this.operand();
    const t = this.peek();
    if (t.t === "op" && ["=", "==", "!=", "<>", "<", "<=", ">", ">="].includes(t.v)) {
      this.next();
      const op = (t.v === "==" ? "=" : t.v === "<>" ? "!=" : t.v) as CompareOp;
      return { kind: "compare", op, left, right: this.operand() };
    }
    if (this.isWord("is")) {
      this.next();
      const negated = this.isWord("not");
      if (negated) this.next();
      if (!this.isWord("null")) this.fail("expected NULL after IS");
      this.next();
      return { kind: "is-null", negated, of: left };
    }
    const negated = this.isWord("not");
    if (negated || this.isWord("in")) {
      if (negated) this.next();
      if (!this.isWord("in")) this.fail("expected IN after NOT");
      this.next();
      if (!this.isOp("(")) this.fail('expected "(" after IN');
      this.next();
      const values: Expr[] = [this.literal()];
      while (this.isOp(",")) {
        this.next();
        values.push(this.literal());
      }
      if (!this.isOp(")")) this.fail('expected "," or ")"');
      this.next();
      return { kind: "in", negated, of: left, values };
    }
    return left;
  }
  literal(): Expr {
    const t = this.peek();
    if (t.t === "op" && t.v === "(") this.fail("expected a literal");
    const e = this.operand();
    if (e.kind !== "literal") this.fail("expected a literal", t);
    return e;
  }
  operand(): Expr {
    const t = this.next();
    if (t.t === "num") return { kind: "literal", value: t.v };
    if (t.t === "str") return { kind: "literal", value: t.v };
    if (t.t === "op" && t.v === "(") {
      const inner = this.or();
      if (!this.isOp(")")) this.fail('expected ")"');
      this.next();
      return inner;
    }
    if (t.t === "word") {
      const lower = t.v.toLowerCase();
      if (lower === "true" || lower === "false") {
        return { kind: "literal", value: lower === "true" };
      }
      if (lower === "null") return { kind: "literal", value: null };
      if (KEYWORDS.has(lower)) this.fail("expected a field or a value", t);
      return this.refFrom(t);
    }
    this.fail("expected a field or a value", t);
  }
  refFrom(t: Token & { t: "word" }): FieldRef {
    if (!this.isOp(".")) return { kind: "ref", field: t.v, at: t.at };
    this.next();
    const f = this.next();
    if (f.t !== "word") this.fail(`expected a field name after "${t.v}."`, f);
    return { kind: "ref", task: t.v, field: f.v, at: t.at };
  }
  orderTerms(): OrderTerm[] {
    const terms: OrderTerm[] = [];
    for (;;) {
      const t = this.next();
      if (t.t !== "word" || KEYWORDS.has(t.v.toLowerCase())) this.fail("expected a field", t);
      const ref = this.refFrom(t);
      let direction: "ASC" | "DESC" = "ASC";
      if (this.isWord("asc") || this.isWord("desc")) {
        direction = (this.next() as { v: string }).v.toUpperCase() as "ASC" | "DESC";
      }
      terms.push({ ref, direction });
      if (this.peek().t === "end") return terms;
      if (!this.isOp(",")) this.fail('expected ",", ASC, DESC or the end');
      this.next();
    }
  }
}

/**
 * Parses a filter.
 *
 * @param text The filter, e.g. `nsites <= 150 AND rough.barrier < 0.5`.
 * @param what What it is, for messages. Default: `--where`.
 * @returns The tree.
 * @throws {QueryError} For anything outside the grammar, with the column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFilter, QueryError } from "./expr.ts";
 * assert.equal(parseFilter("nsites <= 150").kind, "compare");
 * assert.throws(() => parseFilter("1; DROP TABLE calls"), QueryError);
 * ```
 */
export function parseFilter(text: string, what = "--where"): Expr {
  const p = new Parser(what, text, tokenize(what, text));
  if (p.peek().t === "end") p.fail("expected a filter");
  const e = p.or();
  p.expectEnd();
  return e;
}

/**
 * Parses a priority: `field [ASC|DESC], task.field [ASC|DESC], ...`.
 *
 * @param text The priority.
 * @param what What it is, for messages. Default: `priority`.
 * @returns The terms.
 * @throws {QueryError} For anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseOrder } from "./expr.ts";
 * const [a, b] = parseOrder("nsites ASC, rough.barrier desc");
 * assert.equal(a!.ref.field, "nsites");
 * assert.deepEqual([b!.ref.task, b!.direction], ["rough", "DESC"]);
 * ```
 */
export function parseOrder(text: string, what = "priority"): OrderTerm[] {
  const p = new Parser(what, text, tokenize(what, text));
  return p.orderTerms();
}

/**
 * Every field reference in a tree.
 *
 * @param e The tree.
 * @returns The references, in text order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFilter, refsOf } from "./expr.ts";
 * assert.deepEqual(refsOf(parseFilter("a > 1 OR t.b = 2")).map((r) => r.field), ["a", "b"]);
 * ```
 */
export function refsOf(e: Expr): FieldRef[] {
  switch (e.kind) {
    case "ref":
      return [e];
    case "literal":
      return [];
    case "not":
    case "is-null":
      return refsOf(e.of);
    case "and":
    case "or":
    case "compare":
      return [...refsOf(e.left), ...refsOf(e.right)];
    case "in":
      return [...refsOf(e.of), ...e.values.flatMap(refsOf)];
  }
}
