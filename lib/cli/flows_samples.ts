/**
 * `drover flows samples ID OUTPUT`: one row per element of a mapped output of a flow run,
 * with the flow inputs that produced it, its value and its state (the tutorial's
 * `input_samples`), as a table, CSV or JSON.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Option } from "npm:@commander-js/extra-typings@^14.0.0";
import { FlowArray, inputSamples, loadFlowRun, type SampleRow } from "../flow/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { requireRun } from "./_flow_exec.ts";
import { renderTable, toJson } from "./_output.ts";
import { parseRunId } from "./runs_show.ts";

/**
 * Formats one cell: numbers, booleans and text as they are, missing as empty, anything
 * else as JSON.
 *
 * @param v The value.
 * @returns The text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(cellText(1.5), "1.5");
 * assert.equal(cellText(undefined), "");
 * assert.equal(cellText([1, 2]), "[1,2]");
 * ```
 */
export function cellText(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v instanceof FlowArray) return JSON.stringify(v.values);
  return JSON.stringify(v);
}

/**
 * Renders sample rows as CSV (RFC 4180): one column per axis, per input, then value and
 * state.
 *
 * @param axes The output's axis names.
 * @param rows The rows.
 * @param output The output's name (the value column).
 * @returns The CSV text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const csv = samplesCsv(["i"], [{ index: [0], state: "ok", inputs: { x: "a,b" }, value: 2 }], "y");
 * assert.equal(csv, 'i,x,y,state\n0,"a,b",2,ok\n');
 * ```
 */
export function samplesCsv(
  axes: readonly string[],
  rows: readonly SampleRow[],
  output: string,
): string {
  const { header, cells } = samplesGrid(axes, rows, output);
  const q = (s: string): string => /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  return [header, ...cells].map((r) => r.map(q).join(",")).join("\n") + "\n";
}

function samplesGrid(
  axes: readonly string[],
  rows: readonly SampleRow[],
  output: string,
): { header: string[]; cells: string[][] } {
  const names: string[] = [];
  for (const r of rows) {
    for (const k of Object.keys(r.inputs)) if (!names.includes(k)) names.push(k);
  }
  return {
    header: [...axes, ...names, output, "state"],
    cells: rows.map((r) => [
      ...r.index.map(String),
      ...names.map((n) => cellText(r.inputs[n])),
      cellText(r.value),
      r.state,
    ]),
  };
}

/**
 * Builds the `flows samples` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function flowsSamplesCommand(ctx: Context): CommandUnknownOpts {
  return new Command("samples")
    .description("list the elements of a mapped output with the inputs that produced them")
    .argument("<id>", "the flow run id (see drover flows ls)", parseRunId)
    .argument("<name>", "a mapped output of the flow")
    .addOption(
      new Option("--format <format>", "table, csv or json")
        .choices(["table", "csv", "json"] as const)
        .default("table" as const),
    )
    .option("--json", "same as --format json")
    .action((id, output, options) => {
      using store = ctx.openStore();
      requireRun(store, id, "list samples of");
      const view = loadFlowRun(store, id);
      const data = view.data.get(output);
      if (!(data?.value instanceof FlowArray)) {
        const step = view.nodes.find((n) => n.outputs.includes(output));
        const mapped = view.nodes.filter((n) => n.spec).flatMap((n) => n.outputs).join(", ");
        throw new CommandError(
          `Cannot list samples of "${output}" in flow run ${id}: ${
            !step
              ? "the flow has no such output"
              : !step.spec
              ? "it is not a mapped output"
              : "its step has not ended"
          } (mapped outputs: ${mapped || "none"})`,
        );
      }
      const rows = inputSamples(view, output);
      const format = options.json ? "json" : options.format;
      if (format === "json") ctx.out(toJson(rows));
      else if (format === "csv") ctx.out(samplesCsv(data.value.axes, rows, output));
      else {
        const { header, cells } = samplesGrid(data.value.axes, rows, output);
        ctx.out(renderTable(header, cells, { style: ctx.style }));
      }
    });
}
