/**
 * Private to lib/routing: translating a wfl `RemoteInfo`'s files, environment, commands
 * and the fields drover ignores (see expyre_info.ts for the table).
 *
 * @module
 */
import {
  ARRAY_INDEX_VARIABLE,
  RESOURCE_VARIABLE_ALIASES,
  RESOURCE_VARIABLES,
} from "../scheduler/mod.ts";
import { readShellValue } from "./_shell_value.ts";
import type { ExpyreRoute, Translation } from "./_expyre_schema.ts";

/** input_files -> inputFiles; refuses output_files, post_cmds, header_extra. */
export function translateFiles(r: ExpyreRoute, t: Translation): void {
  const files = r.input_files ?? [];
  files.forEach((file, i) => {
    const parts = file.split("/");
    if (file.startsWith("/") || parts.includes("..")) {
      t.refuse(
        ["input_files", i],
        "a path inside the working directory",
        `${
          JSON.stringify(file)
        } cannot be honoured: drover stages files from inside the working directory, keeping their relative path`,
      );
    }
    if (parts.slice(0, -1).some((p) => /[*?[]/.test(p)) || /\[/.test(parts[parts.length - 1])) {
      t.refuse(
        ["input_files", i],
        "a path, or a glob with * or ? in its last part",
        `${JSON.stringify(file)} cannot be honoured: drover globs only the last part, with * and ?`,
      );
    }
  });
  if (files.length > 0) {
    t.route.inputFiles = files;
    t.note(
      "input_files",
      `${JSON.stringify(files)} -> inputFiles (directories are staged with everything in them)`,
    );
  }
  for (const field of ["output_files", "post_cmds", "header_extra"] as const) {
    const list = r[field] ?? [];
    if (list.length === 0) continue;
    const why = {
      output_files:
        "drover returns the step's value, not files: return what the job makes (or write it to a shared path)",
      post_cmds: "drover runs nothing after the step: do that work in the step",
      header_extra: "put scheduler directives in the system's header in drover.yaml",
    }[field];
    t.refuse([field], "an empty list", `cannot be honoured: ${why}`);
  }
}

/** env_vars -> env, or setup lines where only a shell can read them. */
export function translateEnv(r: ExpyreRoute, t: Translation): void {
  (r.env_vars ?? []).forEach((entry, i) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(entry);
    if (!m) {
      t.refuse(
        ["env_vars", i],
        '"NAME=value"',
        `${
          JSON.stringify(entry)
        } must be "NAME=value": drover does not copy variables from this machine into jobs`,
      );
    }
    const [, name, text] = m;
    if (name === ARRAY_INDEX_VARIABLE || RESOURCE_VARIABLES.includes(name)) {
      t.refuse(
        ["env_vars", i],
        "a variable drover does not set",
        `sets ${name}, which drover sets`,
      );
    }
    if (/[\r\n\0]/.test(entry)) {
      t.refuse(["env_vars", i], "one line", `${JSON.stringify(entry)} must be one line`);
    }
    const read = readShellValue(text);
    const field = `env_vars[${i}]`;
    if (read.kind === "value") {
      t.env[name] = read.value;
      t.note(field, `${JSON.stringify(entry)} -> env.${name} ${JSON.stringify(read.value)}`);
    } else {
      t.setup.push(`export ${entry}`);
      t.note(
        field,
        `${JSON.stringify(entry)} -> setup line "export ${entry}" (${read.reason})`,
      );
    }
  });
}

/** pre_cmds -> setup. */
export function translateLines(r: ExpyreRoute, t: Translation): void {
  const pre = r.pre_cmds ?? [];
  pre.forEach((line, i) => {
    if (/[\r\n\0]/.test(line)) {
      t.refuse(["pre_cmds", i], "one line", `${JSON.stringify(line)} must be one line`);
    }
  });
  if (pre.length > 0) {
    // wfl runs pre_cmds before it exports env_vars.
    t.setup.unshift(...pre);
    t.note(
      "pre_cmds",
      `(${pre.length} ${
        pre.length === 1 ? "line" : "lines"
      }) -> setup, run after the system's setup`,
    );
  }
}

/** Shell lines that use ExPyRe's variables get them, from drover's, first. */
export function exportAliases(t: Translation): void {
  const used = Object.keys(RESOURCE_VARIABLE_ALIASES).filter((alias) =>
    t.setup.some((line) => new RegExp(`\\b${alias}\\b`).test(line))
  );
  if (used.length === 0) return;
  t.setup.unshift(
    ...used.map((alias) => `export ${alias}="$${RESOURCE_VARIABLE_ALIASES[alias]}"`),
  );
  t.note(
    "setup",
    `uses ${used.join(", ")} -> exported from ${
      used.map((a) => RESOURCE_VARIABLE_ALIASES[a]).join(", ")
    } before it`,
  );
}

/** resubmit_killed_jobs -> maxRestarts; notes for what drover ignores. */
export function translateRest(r: ExpyreRoute, t: Translation): void {
  if (r.resubmit_killed_jobs !== undefined) {
    t.route.maxRestarts = r.resubmit_killed_jobs ? 2 : 0;
    t.note(
      "resubmit_killed_jobs",
      `${r.resubmit_killed_jobs} -> maxRestarts ${
        r.resubmit_killed_jobs ? 2 : 0
      } (restarts after a timeout, node failure or preemption)`,
    );
  }
  const ignored: [keyof ExpyreRoute, string][] = [
    ["exact_fit", "drover asks for exactly the nodes and cores given"],
    ["partial_node", "drover asks for exactly the nodes and cores given"],
    ["timeout", "drover waits for jobs until they end"],
    ["check_interval", "drover polls at the system's pollMs in drover.yaml"],
    [
      "ignore_failed_jobs",
      "map() keeps failures apart from values; a single call throws its failure",
    ],
    ["hash_ignore", "declare ignored arguments on the step: step(name, fn, { ignore: [...] })"],
  ];
  for (const [field, why] of ignored) {
    if (r[field] === undefined) continue;
    t.note(field, `${JSON.stringify(r[field])} -> ignored (${why})`);
  }
  for (const field of ["output_files", "post_cmds", "header_extra"] as const) {
    if (r[field] !== undefined) t.note(field, "[] -> nothing to do");
  }
}
