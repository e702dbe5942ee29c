/**
 * `drover table ls|show|import|export`: the tables of table queues.
 *
 * @module
 */
import {
  Command,
  type CommandUnknownOpts,
  InvalidArgumentError,
  Option,
} from "npm:@commander-js/extra-typings@^14.0.0";
import { basename, resolve } from "node:path";
import {
  defineTable,
  formatOfPath,
  getTable,
  insertRows,
  listTables,
  type OnConflict,
  readRows,
  requireTable,
  ROW_FORMATS,
  type RowFormat,
  selectRows,
  writeRows,
} from "../queue/mod.ts";
import { parseCount } from "./_args.ts";
import type { Context } from "./_context.ts";
import { CommandError, UsageError } from "./_errors.ts";
import { plural, renderTable, toJson } from "./_output.ts";
import { withQueueErrors } from "./_queue_errors.ts";

function parseFormat(value: string): RowFormat {
  if (!(ROW_FORMATS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${ROW_FORMATS.join(", ")}`);
  }
  return value as RowFormat;
}

function parseConflict(value: string): OnConflict {
  if (value !== "error" && value !== "replace" && value !== "ignore") {
    throw new InvalidArgumentError("expected one of error, replace, ignore");
  }
  return value;
}

/**
 * Builds the `table` command group.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function tableCommand(ctx: Context): CommandUnknownOpts {
  return new Command("table")
    .description("list, show, import and export the tables of table queues")
    .helpCommand(false)
    .addCommand(lsCommand(ctx))
    .addCommand(showCommand(ctx))
    .addCommand(importCommand(ctx))
    .addCommand(exportCommand(ctx));
}

function lsCommand(ctx: Context): CommandUnknownOpts {
  return new Command("ls")
    .description("list the tables with their fields and row counts")
    .option("--json", "print them as JSON")
    .action((options) => {
      using store = ctx.openStore();
      const tables = listTables(store);
      if (options.json) return ctx.out(toJson(tables));
      if (tables.length === 0) return ctx.out("No tables\n");
      ctx.out(renderTable(
        ["TABLE", "ROWS", "KEY", "FIELDS"],
        tables.map((t) => [
          t.name,
          String(t.rows),
          t.keyField ?? "-",
          t.fields.map((f) => `${f.name}:${f.type}${f.optional ? "?" : ""}`).join(" "),
        ]),
        { right: [1], style: ctx.style },
      ));
    });
}

function showCommand(ctx: Context): CommandUnknownOpts {
  return new Command("show")
    .description("show a table's rows")
    .argument("<name>", "the table")
    .option(
      "--where <filter>",
      'only rows passing a filter: "nsites <= 150 AND rough.barrier < 0.5"',
    )
    .option("--order-by <order>", 'an order: "nsites ASC, length DESC"')
    .addOption(new Option("--limit <n>", "at most N rows").argParser(parseCount).default(50))
    .option("--json", "print the rows as JSON")
    .action((name, options) =>
      withQueueErrors(ctx, () => {
        using store = ctx.openStore();
        const info = requireTable(store, name);
        const rows = selectRows(store, info, {
          where: options.where,
          orderBy: options.orderBy,
          limit: options.limit,
        });
        if (options.json) return ctx.out(toJson(rows.map((r) => r.data)));
        if (rows.length === 0) return ctx.out(`No rows in table "${name}" match\n`);
        const names = info.fields.map((f) => f.name);
        ctx.out(renderTable(
          names.map((n) => n.toUpperCase()),
          rows.map((r) => names.map((n) => cellText(r.data[n]))),
          { style: ctx.style },
        ));
      })
    );
}

function cellText(v: unknown): string {
  return v === undefined || v === null ? "-" : typeof v === "string" ? v : JSON.stringify(v);
}

function importCommand(ctx: Context): CommandUnknownOpts {
  return new Command("import")
    .description("import rows from a CSV, JSON or YAML file, each row checked against the table")
    .argument("<file>", "the file (.csv, .json, .yaml)")
    .argument("[name]", "the table (default: the file's name without extension)")
    .addOption(new Option("--format <format>", "the file's format").argParser(parseFormat))
    .addOption(
      new Option("--on-conflict <what>", "a row whose key is there: error, replace, ignore")
        .argParser(parseConflict).default("error" as OnConflict),
    )
    .action((file, name, options) =>
      withQueueErrors(ctx, async () => {
        const format = options.format ?? formatOfPath(file);
        if (format === undefined) {
          throw new UsageError(
            `Cannot import "${file}": its format is not known from its name; pass --format csv|json|yaml`,
          );
        }
        const tableName = name ?? basename(file).replace(/\.[^.]*$/, "");
        let text: string;
        try {
          text = await Deno.readTextFile(resolve(ctx.io.cwd, file));
        } catch (e) {
          throw new CommandError(`Cannot import "${file}": ${(e as Error).message}`);
        }
        using store = ctx.openStore();
        const existing = getTable(store, tableName);
        const { rows, fields } = readRows(file, text, format, existing?.fields);
        const written = store.transaction(() => {
          if (existing === undefined) {
            const key = fields.some((f) => f.name === "id") ? "id" : undefined;
            defineTable(store, tableName, fields, key);
          }
          return insertRows(store, requireTable(store, tableName), rows, options.onConflict);
        });
        ctx.out(`Imported ${plural(written, "row")} into table "${tableName}"\n`);
      })
    );
}

function exportCommand(ctx: Context): CommandUnknownOpts {
  return new Command("export")
    .description("write a table's rows as CSV, JSON or YAML to standard output")
    .argument("<name>", "the table")
    .addOption(
      new Option("--format <format>", "csv, json or yaml").argParser(parseFormat).default(
        "csv" as RowFormat,
      ),
    )
    .option("--where <filter>", "only rows passing a filter")
    .option("--order-by <order>", "an order")
    .action((name, options) =>
      withQueueErrors(ctx, () => {
        using store = ctx.openStore();
        const info = requireTable(store, name);
        const rows = selectRows(store, info, { where: options.where, orderBy: options.orderBy });
        ctx.io.stdout(writeRows(rows.map((r) => r.data), info.fields, options.format));
      })
    );
}
