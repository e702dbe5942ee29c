/**
 * Map specs: which inputs of a step are mapped over, along which axes, and the axes of its
 * outputs (`"V_left[a], V_right[b] -> electrostatics[a, b]"`), a superset of pipefunc's.
 *
 * - Inputs sharing an index letter are zipped; distinct letters form an outer product.
 * - An input without brackets is passed whole to every element.
 * - `:` in an input is a partial reduction: `x[i, :] -> row_sum[i]` gives each element a row.
 * - Several outputs share the same axes: `x[i] -> lo[i], hi[i]`.
 * - A trailing `j*` in the outputs is a ragged axis: each element returns a list of its own
 *   length (`content[i] -> char[i, j*]`).
 *
 * @module
 */

/** One axis of a spec item: an index (ragged when new in the outputs) or a reduction `:`. */
export type MapAxis =
  | { readonly kind: "index"; readonly name: string; readonly ragged: boolean }
  | { readonly kind: "reduce" };

/** One input or output of a spec: a name and its axes (`null` when it has no brackets). */
export interface MapSpecItem {
  /** The data name. */
  readonly name: string;
  /** Its axes, or `null` for an input passed whole. */
  readonly axes: readonly MapAxis[] | null;
}

/** A parsed map spec. */
export interface MapSpec {
  /** Inputs, in written order. */
  readonly inputs: readonly MapSpecItem[];
  /** Outputs, in written order; all have the same index names in the same order. */
  readonly outputs: readonly MapSpecItem[];
}

/**
 * A map spec that cannot be parsed or is inconsistent. The message's first line says what
 * is wrong; the next two lines show the spec with a caret under the offending character.
 *
 * @example
 * ```ts
 * import { MapSpecError, parseMapSpec } from "./map_spec.ts";
 * import assert from "node:assert/strict";
 * try {
 *   parseMapSpec("x[i] -> y[i, k]");
 *   assert.fail("no error");
 * } catch (e) {
 *   assert.ok(e instanceof MapSpecError);
 *   assert.equal(e.offset, 13);
 *   assert.equal(e.message.split("\n")[2], "               ^");
 * }
 * ```
 */
export class MapSpecError extends SyntaxError {
  /** The spec as written. */
  readonly spec: string;
  /** Offset of the offending character in `spec`. */
  readonly offset: number;
  /** What is wrong, without the spec lines. */
  readonly problem: string;
  /**
   * Creates an instance.
   *
   * @param spec The spec as written.
   * @param offset Offset of the offending character.
   * @param problem What is wrong.
   */
  constructor(spec: string, offset: number, problem: string) {
    super(`Cannot use map spec: ${problem}\n  ${spec}\n  ${" ".repeat(offset)}^`);
    this.name = "MapSpecError";
    this.spec = spec;
    this.offset = offset;
    this.problem = problem;
  }
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

interface Located {
  readonly item: MapSpecItem;
  readonly at: number;
  readonly axesAt: readonly number[];
}

class Parser {
  pos = 0;
  constructor(readonly text: string) {}
  fail(problem: string, at = this.pos): never {
    throw new MapSpecError(this.text, Math.min(at, this.text.length), problem);
  }
  skip(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }
  eat(s: string): boolean {
    this.skip();
    if (this.text.startsWith(s, this.pos)) {
      this.pos += s.length;
      return true;
    }
    return false;
  }
  ident(what: string): string {
    this.skip();
    IDENT.lastIndex = this.pos;
    const m = IDENT.exec(this.text);
    if (!m) {
      const got = this.pos < this.text.length ? `"${this.text[this.pos]}"` : "the end";
      this.fail(`expected ${what} (got ${got})`);
    }
    this.pos += m[0].length;
    return m[0];
  }
  item(side: "input" | "output"): Located {
    this.skip();
    const at = this.pos;
    const name = this.ident(`an ${side} name`);
    if (!this.eat("[")) return { item: { name, axes: null }, at, axesAt: [] };
    const axes: MapAxis[] = [];
    const axesAt: number[] = [];
    do {
      this.skip();
      axesAt.push(this.pos);
      if (this.eat(":")) {
        if (side === "output") {
          this.fail(`a reduction ":" belongs to an input, not output "${name}"`, axesAt.at(-1));
        }
        axes.push({ kind: "reduce" });
        continue;
      }
      const index = this.ident(`an index letter or ":" in "${name}[...]"`);
      const ragged = this.eat("*");
      if (ragged && side === "input") {
        this.fail(
          `a ragged mark "*" belongs to a new output axis, not input "${name}"`,
          this.pos - 1,
        );
      }
      axes.push({ kind: "index", name: index, ragged });
    } while (this.eat(","));
    if (!this.eat("]")) this.fail(`expected "," or "]" in "${name}[...]"`);
    return { item: { name, axes }, at, axesAt };
  }
  list(side: "input" | "output"): Located[] {
    const items = [this.item(side)];
    while (this.eat(",")) items.push(this.item(side));
    return items;
  }
}

/**
 * Parses a map spec and checks it: every index of an output comes from an input or is a
 * trailing ragged axis `j*`; every index of an input appears in the outputs (or is `:`);
 * outputs share their axes; no name or index is repeated where it would be ambiguous.
 *
 * @param text The spec, e.g. `"x[i, :], scale -> y[i], z[i]"`.
 * @returns The parsed spec.
 * @throws {MapSpecError} with a caret under the offending character.
 *
 * @example
 * ```ts
 * import { parseMapSpec } from "./map_spec.ts";
 * import assert from "node:assert/strict";
 * const s = parseMapSpec("V_left[a], V_right[b], mesh -> electrostatics[a, b]");
 * assert.deepEqual(s.inputs.map((i) => i.name), ["V_left", "V_right", "mesh"]);
 * assert.equal(s.inputs[2].axes, null);
 * assert.throws(() => parseMapSpec("x[i] -> y[j]"), /index "j" of output "y"/);
 * ```
 */
export function parseMapSpec(text: string): MapSpec {
  if (typeof text !== "string") throw new TypeError("Cannot parse map spec: not a string");
  const p = new Parser(text);
  const inputs = p.list("input");
  if (!p.eat("->")) p.fail(`expected "," or "->"`);
  const outputs = p.list("output");
  p.skip();
  if (p.pos < text.length) p.fail(`expected "," or the end (got "${text[p.pos]}")`);
  check(p, inputs, outputs);
  return { inputs: inputs.map((l) => l.item), outputs: outputs.map((l) => l.item) };
}

/**
 * {@linkcode parseMapSpec} returning a result instead of throwing.
 *
 * @param text The spec.
 * @returns The spec, or the error.
 *
 * @example
 * ```ts
 * import { safeParseMapSpec } from "./map_spec.ts";
 * import assert from "node:assert/strict";
 * const r = safeParseMapSpec("x[i -> y[i]");
 * assert.equal(r.success, false);
 * if (!r.success) assert.equal(r.error.offset, 4);
 * ```
 */
export function safeParseMapSpec(
  text: string,
): { success: true; data: MapSpec } | { success: false; error: MapSpecError } {
  try {
    return { success: true, data: parseMapSpec(text) };
  } catch (e) {
    if (e instanceof MapSpecError) return { success: false, error: e };
    throw e;
  }
}

function check(p: Parser, inputs: Located[], outputs: Located[]): void {
  const seen = new Map<string, string>();
  for (const [side, list] of [["input", inputs], ["output", outputs]] as const) {
    for (const l of list) {
      const before = seen.get(l.item.name);
      if (before) p.fail(`"${l.item.name}" is already an ${before}`, l.at);
      seen.set(l.item.name, side);
      const own = new Set<string>();
      l.item.axes?.forEach((a, k) => {
        if (a.kind !== "index") return;
        if (own.has(a.name)) {
          p.fail(`index "${a.name}" is repeated in "${l.item.name}"`, l.axesAt[k]);
        }
        own.add(a.name);
      });
    }
  }
  const inIndex = new Set<string>();
  for (const l of inputs) {
    for (const a of l.item.axes ?? []) if (a.kind === "index") inIndex.add(a.name);
  }
  const first = outputs[0];
  if (!first.item.axes) {
    p.fail(
      `output "${first.item.name}" needs an index (a step without one takes arrays whole: drop the spec)`,
      first.at,
    );
  }
  const names = (l: Located): string[] =>
    (l.item.axes ?? []).map((a) => (a.kind === "index" ? a.name : ":"));
  for (const l of outputs) {
    const axes = l.item.axes ?? [];
    if (!l.item.axes) {
      p.fail(`output "${l.item.name}" needs the axes of "${first.item.name}"`, l.at);
    }
    axes.forEach((a, k) => {
      if (a.kind !== "index") return;
      if (a.ragged) {
        if (inIndex.has(a.name)) {
          p.fail(
            `index "${a.name}" of output "${l.item.name}" comes from an input, so it cannot be ragged`,
            l.axesAt[k],
          );
        }
        if (k !== axes.length - 1) {
          p.fail(
            `ragged index "${a.name}*" must be the last axis of "${l.item.name}"`,
            l.axesAt[k],
          );
        }
      } else if (!inIndex.has(a.name)) {
        p.fail(
          `index "${a.name}" of output "${l.item.name}" is not in any input (map over it in an input, or mark a new axis ragged: "${a.name}*")`,
          l.axesAt[k],
        );
      }
    });
    if (l !== first && names(l).join() !== names(first).join()) {
      p.fail(
        `output "${l.item.name}" must have the axes of "${first.item.name}" [${
          names(first).join(", ")
        }]`,
        l.at,
      );
    }
  }
  const outIndex = new Set(names(first));
  for (const l of inputs) {
    l.item.axes?.forEach((a, k) => {
      if (a.kind === "index" && !outIndex.has(a.name)) {
        p.fail(
          `index "${a.name}" of input "${l.item.name}" is not in the outputs (reduce over it with ":")`,
          l.axesAt[k],
        );
      }
    });
  }
}

/**
 * Prints a spec in its canonical form: `", "` between items and axes, `" -> "` between
 * the sides. Parsing the printed form gives the same spec back.
 *
 * @param spec The spec.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { parseMapSpec, printMapSpec } from "./map_spec.ts";
 * import assert from "node:assert/strict";
 * assert.equal(printMapSpec(parseMapSpec("content[i]->char[i,j *]")), "content[i] -> char[i, j*]");
 * ```
 */
export function printMapSpec(spec: MapSpec): string {
  const item = (i: MapSpecItem): string =>
    i.axes === null
      ? i.name
      : `${i.name}[${
        i.axes.map((a) => (a.kind === "reduce" ? ":" : a.ragged ? `${a.name}*` : a.name)).join(", ")
      }]`;
  return `${spec.inputs.map(item).join(", ")} -> ${spec.outputs.map(item).join(", ")}`;
}

/**
 * The index names of a spec's outputs, in order (ragged ones included).
 *
 * @param spec The spec.
 * @returns The output axes.
 *
 * @example
 * ```ts
 * import { outputAxes, parseMapSpec } from "./map_spec.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(outputAxes(parseMapSpec("a[i], b[j] -> c[j, i]")), ["j", "i"]);
 * ```
 */
export function outputAxes(spec: MapSpec): string[] {
  return (spec.outputs[0].axes ?? []).map((a) => (a.kind === "index" ? a.name : ":"));
}
