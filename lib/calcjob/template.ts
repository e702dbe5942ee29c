/**
 * Job script and input file templates: a small interface over a Jinja-compatible engine
 * (nunjucks), strict about undefined names.
 *
 * Strictness goes past nunjucks' own `throwOnUndefined` (which only checks what is
 * printed): every name and attribute looked up must exist, in `{% if %}` and `{% for %}`
 * too. A missing one is a {@linkcode TemplateError} naming the dotted path and the line and
 * column of the expression. (So `is defined` and `| default` cannot test for a missing
 * name: give optional values in the parameters, e.g. through a YAML merge key.)
 *
 * Filters added to the engine's own: `shquote` (one POSIX shell word) and `tojson`.
 *
 * @module
 */
import nunjucks from "npm:nunjucks@^3.2.4";
import { shellQuote } from "../scheduler/mod.ts";

/** Where and why a template could not be rendered. */
export class TemplateError extends Error {
  /** The template's name (`codes[0].script`). */
  readonly template: string;
  /** 1-based line in the template, when known. */
  readonly line: number | undefined;
  /** 1-based column in the template, when known. */
  readonly column: number | undefined;
  /** The undefined name's dotted path (`calc.parameters.x`), for undefined-name errors. */
  readonly variable: string | undefined;
  /** The engine's reason, without position (`undefined variable calc.parameters.x`). */
  readonly reason: string;

  /**
   * Creates an instance.
   *
   * @param template The template's name.
   * @param reason What went wrong.
   * @param at Line, column and undefined name when known.
   */
  constructor(
    template: string,
    reason: string,
    at: { line?: number; column?: number; variable?: string } = {},
  ) {
    const where = at.line === undefined
      ? ""
      : ` at line ${at.line}${at.column === undefined ? "" : `, column ${at.column}`}`;
    super(`Cannot render ${template}${where}: ${reason}`);
    this.name = "TemplateError";
    this.template = template;
    this.line = at.line;
    this.column = at.column;
    this.variable = at.variable;
    this.reason = reason;
  }
}

/** A compiled template. */
export interface Template {
  /**
   * Renders with one context.
   *
   * @throws {TemplateError} On an undefined name or an engine error.
   */
  render(context: Readonly<Record<string, unknown>>): string;
}

/** A template engine: compile once, render many times. */
export interface TemplateEngine {
  /**
   * Compiles a template.
   *
   * @param source The template text.
   * @param name A name for messages (`codes[0].script`).
   * @throws {TemplateError} On a syntax error.
   */
  compile(source: string, name: string): Template;
}

// Keys read by the engine, JSON.stringify or the runtime itself, never by a template author.
const QUIET_KEYS = new Set([
  "toJSON",
  "then",
  "constructor",
  "__keywords",
  "__proto__",
  "valueOf",
  "toString",
  "length",
  "inspect",
]);

interface NunjucksTemplate {
  render(ctx: object): string;
}
interface NunjucksEnvironment {
  addFilter(name: string, fn: (...args: unknown[]) => unknown): void;
  globals: Record<string, unknown>;
}
interface NunjucksModule {
  Environment: new (loader: null, options: object) => NunjucksEnvironment;
  compile(src: string, env: NunjucksEnvironment, path?: string, eager?: boolean): NunjucksTemplate;
}
const engineModule = nunjucks as unknown as NunjucksModule;

/**
 * Creates the nunjucks-backed engine with strict lookups and drover's filters.
 *
 * @returns The engine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTemplateEngine, TemplateError } from "./template.ts";
 * const engine = createTemplateEngine();
 * const t = engine.compile("echo {{ calc.parameters.s | shquote }}\n", "job");
 * assert.equal(t.render({ calc: { parameters: { s: "it's" } } }), `echo 'it'"'"'s'\n`);
 * const bad = engine.compile("a\n  {% if calc.nope %}x{% endif %}", "job");
 * assert.throws(() => bad.render({ calc: {} }), (e) => {
 *   assert.ok(e instanceof TemplateError);
 *   assert.equal(e.message, "Cannot render job at line 2, column 9: undefined variable calc.nope");
 *   return true;
 * });
 * ```
 */
export function createTemplateEngine(): TemplateEngine {
  const env = new engineModule.Environment(null, { throwOnUndefined: true, autoescape: false });
  env.addFilter("shquote", (value) => shellQuote(typeof value === "string" ? value : text(value)));
  env.addFilter("tojson", (value) => JSON.stringify(value));
  // nunjucks copies the top-level context, so names missing from it are caught here: it
  // looks a name up in the globals whenever the context lacks it.
  const globals = env.globals;
  env.globals = new Proxy(globals, {
    has: (): boolean => true,
    get(target, key, receiver): unknown {
      if (typeof key === "symbol" || Object.hasOwn(target, key)) {
        return Reflect.get(target, key, receiver);
      }
      current.path = key;
      throw new UndefinedNameError(key);
    },
  });
  let current: { path?: string } = {};
  return {
    compile(source: string, name: string): Template {
      let compiled: NunjucksTemplate;
      try {
        compiled = engineModule.compile(source, env, undefined, true);
      } catch (e) {
        throw toTemplateError(name, source, e, undefined);
      }
      return {
        render(context: Readonly<Record<string, unknown>>): string {
          const missing: { path?: string } = {};
          current = missing;
          try {
            return compiled.render(strict(context, "", missing));
          } catch (e) {
            throw toTemplateError(name, source, e, missing.path);
          }
        },
      };
    },
  };
}

function text(value: unknown): string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

function strict(value: object, path: string, missing: { path?: string }): object {
  return new Proxy(value, {
    get(target, key, receiver): unknown {
      if (typeof key === "symbol" || QUIET_KEYS.has(key)) return Reflect.get(target, key, receiver);
      if (!Object.hasOwn(target, key) && !(Array.isArray(target) && key in target)) {
        missing.path = path === "" ? key : `${path}.${key}`;
        throw new UndefinedNameError(missing.path);
      }
      const v = Reflect.get(target, key, receiver);
      return typeof v === "object" && v !== null
        ? strict(v, path === "" ? key : `${path}.${key}`, missing)
        : v;
    },
  });
}

class UndefinedNameError extends Error {
  constructor(path: string) {
    super(`undefined variable ${path}`);
  }
}

const POSITION = /\[Line (\d+), Column (\d+)\]/;

function toTemplateError(
  name: string,
  source: string,
  e: unknown,
  variable: string | undefined,
): TemplateError {
  const message = e instanceof Error ? e.message : String(e);
  const m = POSITION.exec(message);
  const lines = message.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  let reason = (lines.at(-1) ?? message).replace(/^(Template render error: |Error: )+/, "");
  if (/attempted to output null or undefined value/.test(reason)) {
    reason = "the expression is null or undefined";
  }
  if (variable === undefined) {
    return new TemplateError(name, reason, m ? { line: Number(m[1]), column: Number(m[2]) } : {});
  }
  return new TemplateError(name, `undefined variable ${variable}`, {
    ...locate(source, variable),
    variable,
  });
}

/**
 * Where an undefined path is first written inside a `{{ }}` or `{% %}` tag: the whole dotted
 * path, else its shorter tails (a loop variable stands for the head), else the last name.
 */
function locate(source: string, path: string): { line?: number; column?: number } {
  const names = path.split(".");
  const tags = [...source.matchAll(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g)];
  for (let from = 0; from < names.length; from++) {
    const tail = names.slice(from);
    if (/^\d+$/.test(tail[0])) continue;
    const pattern = new RegExp(
      `(?<![\\w${from === 0 ? "." : ""}])${tail.map(escapeRegExp).join("\\s*\\.\\s*")}(?!\\w)`,
    );
    for (const tag of tags) {
      const hit = pattern.exec(tag[0]);
      if (hit) return position(source, tag.index! + hit.index);
    }
  }
  return {};
}

function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
