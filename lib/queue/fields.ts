/**
 * A table's fields as the store keeps them: a name and a simple type per field, read from a
 * zod object schema when the table is defined in code, and used to check rows imported from
 * files (where no code is at hand).
 *
 * @module
 */
import { NAME_PATTERN } from "./expr.ts";

/** The type of a field, as far as the store checks it. */
export type FieldType = "number" | "integer" | "string" | "boolean" | "json";

/** One field of a table. */
export interface FieldSpec {
  /** Its name (letters, digits, `_`). */
  readonly name: string;
  /** Its type. */
  readonly type: FieldType;
  /** Whether a row may leave it out. */
  readonly optional: boolean;
}

/** A zod object schema, as far as tables need it (`z.object({...})` fits). */
export interface TableSchema<T> {
  /** The fields' schemas. */
  readonly shape: Readonly<Record<string, unknown>>;
  /** zod-style safe parse. */
  safeParse(data: unknown):
    | { success: true; data: T }
    | {
      success: false;
      error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
    };
}

/**
 * Reads the fields of a zod object schema.
 *
 * @param schema A `z.object({...})`.
 * @returns One spec per field, in order.
 * @throws {TypeError} When a field name is not letters, digits and `_`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "npm:zod@^3.25.0";
 * import { fieldsOf } from "./fields.ts";
 * assert.deepEqual(fieldsOf(z.object({ id: z.number().int(), tag: z.string().optional() })), [
 *   { name: "id", type: "integer", optional: false },
 *   { name: "tag", type: "string", optional: true },
 * ]);
 * ```
 */
export function fieldsOf(schema: TableSchema<unknown>): FieldSpec[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    if (!NAME_PATTERN.test(name)) {
      throw new TypeError(
        `Cannot define a table with field ${
          JSON.stringify(name)
        }: field names use letters, digits and _`,
      );
    }
    return { name, ...typeOf(field) };
  });
}

interface ZodLike {
  readonly _def?: {
    readonly typeName?: string;
    readonly innerType?: unknown;
    readonly checks?: readonly { kind: string }[];
  };
}

function typeOf(field: unknown, optional = false): { type: FieldType; optional: boolean } {
  const def = (field as ZodLike)?._def;
  switch (def?.typeName) {
    case "ZodOptional":
    case "ZodNullable":
    case "ZodDefault":
      return typeOf(def.innerType, true);
    case "ZodNumber":
      return { type: def.checks?.some((c) => c.kind === "int") ? "integer" : "number", optional };
    case "ZodString":
      return { type: "string", optional };
    case "ZodBoolean":
      return { type: "boolean", optional };
    default:
      return { type: "json", optional };
  }
}

/**
 * Guesses fields from rows read from a file for a new table: a column whose values are all
 * whole numbers is `integer`, all numbers `number`, all booleans `boolean`, all strings
 * `string`, else `json`; a column missing from some rows is optional.
 *
 * @param rows The rows.
 * @returns The fields, in first-seen order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inferFields } from "./fields.ts";
 * assert.deepEqual(inferFields([{ a: 1, b: "x" }, { a: 2.5 }]).map((f) => [f.type, f.optional]), [
 *   ["number", false],
 *   ["string", true],
 * ]);
 * ```
 */
export function inferFields(rows: readonly Record<string, unknown>[]): FieldSpec[] {
  const names: string[] = [];
  for (const row of rows) for (const k of Object.keys(row)) if (!names.includes(k)) names.push(k);
  return names.map((name) => {
    const values = rows.map((r) => r[name]).filter((v) => v !== undefined && v !== null);
    const optional = values.length < rows.length;
    const all = (p: (v: unknown) => boolean): boolean => values.length > 0 && values.every(p);
    const type: FieldType = all(Number.isInteger)
      ? "integer"
      : all((v) => typeof v === "number")
      ? "number"
      : all((v) => typeof v === "boolean")
      ? "boolean"
      : all((v) => typeof v === "string")
      ? "string"
      : "json";
    return { name, type, optional };
  });
}

/**
 * Checks one row against fields: every required field present, every value of its type,
 * no unknown field.
 *
 * @param row The row.
 * @param fields The table's fields.
 * @returns The first problem (`nsites must be a number (got "abc")`), or undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkRow } from "./fields.ts";
 * const fields = [{ name: "n", type: "integer", optional: false }] as const;
 * assert.equal(checkRow({ n: 3 }, fields), undefined);
 * assert.equal(checkRow({ n: 2.5 }, fields), "n must be a whole number (got 2.5)");
 * assert.equal(checkRow({}, fields), "n is missing");
 * ```
 */
export function checkRow(
  row: Readonly<Record<string, unknown>>,
  fields: readonly FieldSpec[],
): string | undefined {
  for (const f of fields) {
    const v = row[f.name];
    if (v === undefined || v === null) {
      if (!f.optional) return `${f.name} is missing`;
      continue;
    }
    const bad = (what: string): string => `${f.name} must be ${what} (got ${JSON.stringify(v)})`;
    if (f.type === "integer" && !Number.isInteger(v)) return bad("a whole number");
    if (f.type === "number" && (typeof v !== "number" || !Number.isFinite(v))) {
      return bad("a number");
    }
    if (f.type === "string" && typeof v !== "string") return bad("a string");
    if (f.type === "boolean" && typeof v !== "boolean") return bad("true or false");
  }
  const unknown = Object.keys(row).find((k) => !fields.some((f) => f.name === k));
  if (unknown !== undefined) {
    return `${unknown} is not a field of the table (fields: ${
      fields.map((f) => f.name).join(", ")
    })`;
  }
  return undefined;
}
