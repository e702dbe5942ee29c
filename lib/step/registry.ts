/**
 * The process-wide registry of step definitions by name. It lives on `globalThis` under
 * a registered symbol so that every copy of drover loaded in one process (and the
 * isolate worker) sees the same steps.
 *
 * @module
 */
import type { CallSite } from "../routing/mod.ts";

/** What the registry knows of a step. */
export interface RegisteredStep {
  /** Step name. */
  readonly name: string;
  /** The user function. */
  // deno-lint-ignore no-explicit-any
  readonly fn: (inputs: any) => unknown;
  /** Where `step(...)` was written. */
  readonly site: CallSite | undefined;
}

const KEY = Symbol.for("drover.steps");

function registry(): Map<string, RegisteredStep> {
  const g = globalThis as unknown as Record<symbol, Map<string, RegisteredStep>>;
  return (g[KEY] ??= new Map());
}

/**
 * Adds a step. The same name defined again at the same place (a module loaded twice) is
 * accepted; at another place it is a mistake.
 *
 * @param entry The step.
 * @throws {TypeError} when the name is already used by a different step.
 *
 * @example
 * ```ts
 * import { registerStep, lookupStep } from "./registry.ts";
 * import assert from "node:assert/strict";
 * const site = { file: "/w.ts", line: 3, column: 1 };
 * registerStep({ name: "doc-example", fn: () => 1, site });
 * assert.equal(lookupStep("doc-example")?.site, site);
 * assert.throws(() => registerStep({ name: "doc-example", fn: () => 2, site: { ...site, line: 9 } }), TypeError);
 * ```
 */
export function registerStep(entry: RegisteredStep): void {
  const steps = registry();
  const old = steps.get(entry.name);
  if (old && old.fn !== entry.fn && !sameSite(old.site, entry.site)) {
    throw new TypeError(
      `Cannot define step "${entry.name}": the name is already used by the step defined at ${
        where(old.site)
      } (this one is at ${where(entry.site)}); step names must be unique`,
    );
  }
  steps.set(entry.name, entry);
}

/**
 * Finds a step by name.
 *
 * @param name Step name.
 * @returns The step, or undefined.
 */
export function lookupStep(name: string): RegisteredStep | undefined {
  return registry().get(name);
}

function sameSite(a: CallSite | undefined, b: CallSite | undefined): boolean {
  return !!a && !!b && a.file === b.file && a.line === b.line && a.column === b.column;
}

function where(site: CallSite | undefined): string {
  return site ? `${site.file}:${site.line}:${site.column}` : "an unknown place";
}

/**
 * Every registered step, by name.
 *
 * @returns The registered steps.
 *
 * @example
 * ```ts
 * import { listSteps, registerStep } from "./registry.ts";
 * import assert from "node:assert/strict";
 * registerStep({ name: "doc-listed", fn: () => 1, site: undefined });
 * assert.ok(listSteps().some((s) => s.name === "doc-listed"));
 * ```
 */
export function listSteps(): RegisteredStep[] {
  return [...registry().values()];
}
