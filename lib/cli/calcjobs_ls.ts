/**
 * `drover calcjobs ls` and `drover calcjobs tree`: the added calcjobs as a table, or grouped
 * by system and code, with state icons; `--where` takes SQL over the `calcjobs` columns.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import {
  CALCJOB_TRANSITIONS,
  type CalcJobRecord,
  type CalcJobState,
  CalcJobStore,
} from "../calcjob/mod.ts";
import type { Context } from "./_context.ts";
import { renderTable, type Style, toJson } from "./_output.ts";

const STATES = Object.keys(CALCJOB_TRANSITIONS) as CalcJobState[];

const ICONS: Readonly<Record<CalcJobState, string>> = {
  created: "○",
  uploading: "↑",
  submitting: "↑",
  submitted: "▶",
  retrying: "↻",
  downloading: "↓",
  completed: "✔",
  failed: "✘",
};

/**
 * A calcjob's state with its icon, colored: `✔ completed`.
 *
 * @param style Styling.
 * @param c The calcjob.
 * @returns The text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createStyle } from "./_output.ts";
 * assert.equal(calcjobStateText(createStyle(false), { state: "failed", reason: "timeout" }),
 *   "✘ failed (timeout)");
 * ```
 */
export function calcjobStateText(
  style: Style,
  c: Pick<CalcJobRecord, "state" | "reason">,
): string {
  const text = `${ICONS[c.state] ?? "?"} ${c.state}${c.reason ? ` (${c.reason})` : ""}`;
  return c.state === "completed"
    ? style.green(text)
    : c.state === "failed"
    ? style.red(text)
    : c.state === "created"
    ? text
    : style.yellow(text);
}

/**
 * The JSON form of a calcjob, as `ls --json` and `show --json` print it.
 *
 * @param c The calcjob.
 * @returns A plain object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const json = calcjobJson({ id: "u", seq: 1, state: "created" } as never);
 * assert.equal(json.id, "u");
 * ```
 */
export function calcjobJson(c: CalcJobRecord): Record<string, unknown> {
  return { ...c };
}

function select(
  ctx: Context,
  options: { where?: string; system?: string; state?: string[] },
): CalcJobRecord[] {
  using store = ctx.openStore();
  return new CalcJobStore(store).list({
    where: options.where,
    system: options.system,
    states: options.state as CalcJobState[] | undefined,
  });
}

/**
 * Builds the `calcjobs ls` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function calcjobsLsCommand(ctx: Context): CommandUnknownOpts {
  return new Command("ls").description("list calcjobs in the order added")
    .option("--where <sql>", "only calcjobs matching this SQL condition over the calcjobs columns")
    .option("--system <name>", "only this system's calcjobs")
    .addOption(new Option("--state <state...>", "only in these states").choices(STATES))
    .option("--json", "print JSON")
    .action(
      (options) => {
        const list = select(ctx, options);
        if (options.json) return ctx.out(toJson(list.map(calcjobJson)));
        if (list.length === 0) return ctx.out("No calcjobs.\n");
        ctx.out(renderTable(
          ["#", "STATE", "SYSTEM", "CODE", "LABEL", "ID"],
          list.map((c) => [
            String(c.seq),
            calcjobStateText(ctx.style, c),
            c.system,
            c.code,
            c.label,
            c.id.slice(0, 8),
          ]),
          { right: [0], style: ctx.style },
        ));
      },
    );
}

/**
 * Renders calcjobs grouped by system and code as a tree.
 *
 * @param list The calcjobs.
 * @param style Styling.
 * @returns The text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createStyle } from "./_output.ts";
 * const c = (seq: number, code: string) =>
 *   ({ seq, code, system: "hpc", label: `j${seq}`, state: "created", reason: null }) as never;
 * assert.equal(renderCalcjobTree([c(1, "echo"), c(2, "echo"), c(3, "sum")], createStyle(false)),
 *   "hpc\n├── echo\n│   ├── 1 j1 ○ created\n│   └── 2 j2 ○ created\n└── sum\n    └── 3 j3 ○ created\n");
 * ```
 */
export function renderCalcjobTree(list: readonly CalcJobRecord[], style: Style): string {
  const bySystem = new Map<string, Map<string, CalcJobRecord[]>>();
  for (const c of list) {
    const codes = bySystem.get(c.system) ?? new Map<string, CalcJobRecord[]>();
    bySystem.set(c.system, codes);
    codes.set(c.code, [...(codes.get(c.code) ?? []), c]);
  }
  let out = "";
  for (const [system, codes] of bySystem) {
    out += `${system}\n`;
    const entries = [...codes];
    entries.forEach(([code, members], i) => {
      const lastCode = i === entries.length - 1;
      out += `${lastCode ? "└── " : "├── "}${code}\n`;
      members.forEach((c, j) => {
        const last = j === members.length - 1;
        out += `${lastCode ? "    " : "│   "}${last ? "└── " : "├── "}${c.seq} ${c.label || "-"} ${
          calcjobStateText(style, c)
        }\n`;
      });
    });
  }
  return out;
}

/**
 * Builds the `calcjobs tree` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function calcjobsTreeCommand(ctx: Context): CommandUnknownOpts {
  return new Command("tree").description("show calcjobs grouped by system and code")
    .option("--where <sql>", "only calcjobs matching this SQL condition over the calcjobs columns")
    .option("--system <name>", "only this system's calcjobs")
    .addOption(new Option("--state <state...>", "only in these states").choices(STATES))
    .option("--json", "print JSON")
    .action(
      (options) => {
        const list = select(ctx, options);
        if (options.json) {
          const tree: Record<string, Record<string, unknown[]>> = {};
          for (const c of list) ((tree[c.system] ??= {})[c.code] ??= []).push(calcjobJson(c));
          return ctx.out(toJson(tree));
        }
        ctx.out(list.length === 0 ? "No calcjobs.\n" : renderCalcjobTree(list, ctx.style));
      },
    );
}
