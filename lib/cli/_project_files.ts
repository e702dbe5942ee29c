/**
 * Private to lib/cli: the files `drover init` writes into a new project (deno.json,
 * drover.yaml, an example workflow, .gitignore) and how the project finds drover.
 *
 * @module
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

/** One file of a new project: its name in the project directory and its text. */
export interface ProjectFile {
  /** File name, relative to the project directory. */
  readonly name: string;
  /** What `drover init` prints next to the name. */
  readonly about: string;
  /** The file's content. */
  readonly text: string;
}

/** The directory of this drover (the one holding mod.ts, cli.ts and deno.json). */
export const DROVER_ROOT: URL = new URL("../../", import.meta.url);

/** The build scripts Deno would warn about in a box ("Ignored build scripts for packages"). */
const DENIED_SCRIPTS = ["npm:ssh2", "npm:cpu-features"];

/**
 * The files of a new project in `projectDir` that uses the drover at `droverRoot`.
 *
 * A local drover (a `file:` URL with a deno.json naming the package) is a linked package:
 * `"links"` holds its path relative to the project and `"drover"` maps to its JSR name, so
 * the project keeps working unchanged (minus `"links"`) once drover is published. Any other
 * drover is mapped by URL.
 *
 * @param projectDir The project directory, absolute.
 * @param droverRoot The drover directory, ending in "/".
 * @returns The files, in the order they are written.
 *
 * @example
 * ```ts
 * import { projectFiles } from "./_project_files.ts";
 * import assert from "node:assert/strict";
 * const files = projectFiles("/p", new URL("https://example.org/drover/"));
 * assert.deepEqual(files.map((f) => f.name), ["deno.json", "drover.yaml", "workflow.ts", ".gitignore"]);
 * const config = JSON.parse(files[0].text);
 * assert.equal(config.imports.drover, "https://example.org/drover/mod.ts");
 * assert.equal(config.tasks.drover, "deno run -A https://example.org/drover/cli.ts");
 * ```
 */
export function projectFiles(projectDir: string, droverRoot: URL = DROVER_ROOT): ProjectFile[] {
  const link = linkedPackage(projectDir, droverRoot);
  const config = link
    ? {
      links: [link.path],
      imports: { drover: `jsr:${link.name}@${link.range}` },
      tasks: { drover: `deno run -A jsr:${link.name}@${link.range}/cli` },
      allowScripts: { deny: DENIED_SCRIPTS },
    }
    : {
      imports: { drover: new URL("mod.ts", droverRoot).href },
      tasks: { drover: `deno run -A ${new URL("cli.ts", droverRoot).href}` },
      allowScripts: { deny: DENIED_SCRIPTS },
    };
  return [
    {
      name: "deno.json",
      about: link
        ? `imports "drover" (linked to ${link.path}), task "drover"`
        : `imports "drover" from ${droverRoot.href}, task "drover"`,
      text: `${JSON.stringify(config, null, 2)}\n`,
    },
    { name: "drover.yaml", about: "systems: local, cluster (Slurm)", text: SYSTEMS_YAML },
    { name: "workflow.ts", about: "an example workflow", text: WORKFLOW_TS },
    { name: ".gitignore", about: "ignores .drover/", text: ".drover/\n" },
  ];
}

interface LinkedPackage {
  readonly path: string;
  readonly name: string;
  readonly range: string;
}

function linkedPackage(projectDir: string, droverRoot: URL): LinkedPackage | undefined {
  if (droverRoot.protocol !== "file:") return undefined;
  let config: { name?: unknown; version?: unknown };
  try {
    config = JSON.parse(Deno.readTextFileSync(new URL("deno.json", droverRoot)));
  } catch {
    return undefined;
  }
  const version = typeof config.version === "string"
    ? /^(\d+)\.(\d+)\.\d+/.exec(config.version)
    : null;
  if (typeof config.name !== "string" || !version) return undefined;
  const root = fileURLToPath(droverRoot).replace(/\/$/, "");
  // Relative when the two share a directory below "/" (a project next to its drover checkout
  // keeps working when both move together), else absolute.
  const shared = root.split("/")[1] !== undefined &&
    root.split("/")[1] === projectDir.split("/")[1];
  const path = shared ? relative(projectDir, root) || "." : root;
  return {
    path,
    name: config.name,
    range: version[1] === "0" ? `^0.${version[2]}` : `^${version[1]}`,
  };
}

const SYSTEMS_YAML =
  `# drover.yaml: the systems this project can send step calls to. drover reads it next to
# .drover/ (merged over ~/.config/drover/systems.yaml). Nothing here runs by itself: calls
# go to a system only when remote info routes them there, e.g.
#
#   DROVER_REMOTE_INFO='{"workflow.ts::square": {"system": "local", "inputsPerJob": 2}}' \\
#     deno run -A workflow.ts
#
# See what a system can do with: deno task drover systems check local
systems:
  # Jobs run as background processes on this machine: try routing here first.
  local:
    scheduler: local
    rundir: ~/.drover-runs # staging, objects and job directories

  # A Slurm cluster: this machine's Slurm while host is absent, else reached over SSH.
  cluster:
    scheduler: slurm # slurm | sge | local (pbs: scripts and status parsing only)
    # host: me@login.hpc.example.org # an ~/.ssh/config alias works too
    rundir: ~/.drover-runs # must be on a file system the compute nodes share
    partitions:
      - { name: debug, coresPerNode: 4, maxTime: "1:00:00", memory: 8G }
    setup: [] # shell lines before each job body, e.g. ["module load gcc"]
    deno: upload # copy this Deno there once, or give the path of deno on the system
    maxJobs: 100 # array elements in flight
    pollMs: 2000 # first poll interval; backs off when nothing changes
    access: private # private (0700/0600 whatever the umask) | group (0750/0640)
`;

const WORKFLOW_TS = `/**
 * An example workflow made by \`drover init\`. Every call of a step is cached in .drover/
 * by the step's code and its arguments: run it twice and the second run computes nothing.
 *
 *   deno run -A workflow.ts
 *   deno task drover status
 *
 * Send the \`square\` calls to a system of drover.yaml as jobs, with the script unchanged:
 *
 *   DROVER_REMOTE_INFO='{"workflow.ts::square": {"system": "local", "inputsPerJob": 2}}' \\
 *     deno run -A workflow.ts
 *
 * @module
 */
import { map, step } from "drover";

/** A step: called like a function, cached by its code and its arguments. */
export const square = step("square", ({ x }: { x: number }): number => {
  return x * x;
}, { version: "1" });

// Jobs import this module to find its steps: the workflow itself stays inside this block.
if (import.meta.main) {
  const inputs = [1, 2, 3, 4].map((x) => ({ x }));
  const result = await map(square, inputs);
  console.log(result.unwrap().join(" ")); // 1 4 9 16
}
`;
