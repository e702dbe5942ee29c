/**
 * Private to lib/cli: what a call key is made of and how two of them differ, for
 * `drover explain`.
 *
 * @module
 */
import { shortHash } from "./_output.ts";
import { escapeLine } from "./_terminal_text.ts";

/** The parts of one call key (or of a step's code alone, with no arguments). */
export interface KeyDescription {
  /** The full key, when describing a call. */
  readonly key: string | null;
  /** Step name. */
  readonly step: string;
  /** Version salt. */
  readonly version: string;
  /** Code identity hash. */
  readonly codeHash: string;
  /** Code part name -> hash; null when the store has no record of the parts. */
  readonly codeParts: Readonly<Record<string, string>> | null;
  /** Argument name -> hash. */
  readonly argHashes: Readonly<Record<string, string>>;
}

/** How one named part changed. */
export type Change = "added" | "removed" | "changed";

/** One difference between two keys. */
export type Difference =
  | { readonly kind: "step"; readonly before: string; readonly after: string }
  | { readonly kind: "version"; readonly before: string; readonly after: string }
  | { readonly kind: "code"; readonly before: string; readonly after: string }
  | {
    readonly kind: "code-part" | "argument";
    readonly name: string;
    readonly change: Change;
    readonly before: string | null;
    readonly after: string | null;
    /** For arguments: a preview of the value before, when the inputs are stored. */
    readonly beforeValue?: string;
    /** For arguments: a preview of the value after, when the inputs are stored. */
    readonly afterValue?: string;
  };

/**
 * Compares two name -> hash records.
 *
 * @param kind Which record this is.
 * @param before The older record.
 * @param after The newer record.
 * @returns One difference per added, removed or changed name, sorted by name.
 */
export function diffRecords(
  kind: "code-part" | "argument",
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): Difference[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: Difference[] = [];
  for (const name of names) {
    const b = before[name] ?? null;
    const a = after[name] ?? null;
    if (b === a) continue;
    const change: Change = b === null ? "added" : a === null ? "removed" : "changed";
    out.push({ kind, name, change, before: b, after: a });
  }
  return out;
}

/**
 * Compares two code identities: part by part when both are known, else by hash.
 *
 * @param before Older hash and parts.
 * @param after Newer hash and parts.
 * @returns The differences (none when the hashes are equal).
 */
export function diffCode(
  before: Pick<KeyDescription, "codeHash" | "codeParts">,
  after: Pick<KeyDescription, "codeHash" | "codeParts">,
): Difference[] {
  if (before.codeHash === after.codeHash) return [];
  const parts = before.codeParts && after.codeParts
    ? diffRecords("code-part", before.codeParts, after.codeParts)
    : [];
  return parts.length > 0
    ? parts
    : [{ kind: "code", before: before.codeHash, after: after.codeHash }];
}

/**
 * Compares every part of two keys.
 *
 * @param before The first key.
 * @param after The second key.
 * @returns The differences, empty when the keys are made of the same parts.
 */
export function diffKeys(before: KeyDescription, after: KeyDescription): Difference[] {
  const out: Difference[] = [];
  if (before.step !== after.step) {
    out.push({ kind: "step", before: before.step, after: after.step });
  }
  if (before.version !== after.version) {
    out.push({ kind: "version", before: before.version, after: after.version });
  }
  out.push(...diffCode(before, after));
  out.push(...diffRecords("argument", before.argHashes, after.argHashes));
  return out;
}

/**
 * Says a difference in one line: `helper:work.ts::norm changed`, `version changed: "1" ->
 * "2"`, `argument fmax added`.
 *
 * @param d The difference.
 * @returns The sentence.
 */
export function describeDifference(d: Difference): string {
  switch (d.kind) {
    case "step":
      return `step name changed: ${d.before} -> ${d.after}`;
    case "version":
      return `version changed: ${JSON.stringify(d.before)} -> ${JSON.stringify(d.after)}`;
    case "code":
      return `code changed: ${shortHash(d.before)} -> ${shortHash(d.after)} (parts not recorded)`;
    case "code-part":
    case "argument": {
      const what = d.kind === "argument" ? `argument ${escapeLine(d.name)}` : escapeLine(d.name);
      if (d.change === "added") {
        return `${what} added${d.afterValue === undefined ? "" : `: ${escapeLine(d.afterValue)}`}`;
      }
      if (d.change === "removed") {
        return `${what} removed${
          d.beforeValue === undefined ? "" : ` (was ${escapeLine(d.beforeValue)})`
        }`;
      }
      const hashes = `${shortHash(d.before!)} -> ${shortHash(d.after!)}`;
      if (d.beforeValue !== undefined && d.afterValue !== undefined) {
        return `${what} changed: ${escapeLine(d.beforeValue)} -> ${
          escapeLine(d.afterValue)
        } (${hashes})`;
      }
      return `${what} changed: ${hashes}`;
    }
  }
}

/**
 * Adds value previews to argument differences.
 *
 * @param differences As from {@linkcode diffKeys}.
 * @param before Argument name -> preview of its value in the first call (when stored).
 * @param after The same for the second call.
 * @returns The differences, argument ones with `beforeValue` / `afterValue` where known.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const [d] = withArgumentValues(
 *   [{ kind: "argument", name: "fmax", change: "changed", before: "aa", after: "bb" }],
 *   { fmax: "0.01" },
 *   { fmax: "0.05" },
 * );
 * assert.equal(describeDifference(d), "argument fmax changed: 0.01 -> 0.05 (aa -> bb)");
 * ```
 */
export function withArgumentValues(
  differences: readonly Difference[],
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): Difference[] {
  return differences.map((d) => {
    if (d.kind !== "argument") return d;
    return {
      ...d,
      ...(d.name in before ? { beforeValue: before[d.name] } : {}),
      ...(d.name in after ? { afterValue: after[d.name] } : {}),
    };
  });
}
