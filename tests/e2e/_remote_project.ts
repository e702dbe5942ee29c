/**
 * A throwaway project for the remote end-to-end tests: the e2e workflow, a drover.yaml
 * with a Slurm system (direct, and through the test sshd when given), and an `sbatch`
 * shim on PATH that logs every submission, so tests count what drover really submitted.
 */
import { openStore, type Store } from "../../mod.ts";
import { REPO_ROOT, type TempDir, tempDir } from "../_helpers/temp.ts";
import { runScript, type ScriptResult, writeProjectConfig } from "../_helpers/project.ts";

/** The test sshd, as tests/_helpers/sshd.ts describes it. */
export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly key: string;
  readonly knownHosts: string;
}

/** A remote test project. */
export interface RemoteProject extends AsyncDisposable {
  /** The project directory. */
  readonly path: string;
  /** Environment for scripts run in it. */
  readonly env: Record<string, string>;
  /** Runs a script of the project with remote info routing `e2e.square` (or `route`). */
  run(
    script: string,
    options?: { env?: Record<string, string>; route?: Record<string, unknown>; args?: string[] },
  ): Promise<ScriptResult>;
  /** Spawns the workflow without waiting. */
  spawn(
    script: string,
    options?: { env?: Record<string, string>; route?: Record<string, unknown> },
  ): Deno.ChildProcess;
  /** Lines of arguments `sbatch` was called with (through the shim). */
  sbatchCalls(): string[];
  /** Opens the project's store. */
  store(): Store;
}

/** Remote info that routes the e2e workflow's step to `system`. */
export function routeSquare(
  system: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { "remote_workflow.ts::e2e.square": { system, inputsPerJob: 10, ...extra } };
}

/**
 * Creates a remote test project.
 *
 * @param slurmConf SLURM_CONF of the running test cluster ("" when there is none: only the
 * `local`-scheduler system `here` works then).
 * @param ssh The test sshd, for a system reached over SSH.
 */
export async function remoteProject(slurmConf: string, ssh?: SshTarget): Promise<RemoteProject> {
  const dir: TempDir = await tempDir("drover-e2e-");
  const path = dir.path;
  await writeProjectConfig(path);
  await Deno.copyFile(
    `${REPO_ROOT}/tests/e2e/fixtures/remote_workflow.ts`,
    `${path}/remote_workflow.ts`,
  );
  await Deno.copyFile(`${REPO_ROOT}/examples/remote_relax.ts`, `${path}/remote_relax.ts`);
  await Deno.mkdir(`${path}/bin`);
  const realSbatch = new TextDecoder().decode(
    (await new Deno.Command("sh", { args: ["-c", "command -v sbatch"], stdout: "piped" }).output())
      .stdout,
  ).trim() || "/usr/bin/sbatch";
  await Deno.writeTextFile(
    `${path}/bin/sbatch`,
    `#!/bin/sh\necho "$@" >> '${path}/sbatch.log'\nexec '${realSbatch}' "$@"\n`,
    { mode: 0o755 },
  );
  const systems = [
    `  slurm: { scheduler: slurm, rundir: ${path}/runs, pollMs: 50 }`,
    `  here: { scheduler: local, rundir: ${path}/local-runs, pollMs: 20 }`,
  ];
  const env: Record<string, string> = {
    ...(slurmConf ? { SLURM_CONF: slurmConf } : {}),
    PATH: `${path}/bin:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
  };
  if (ssh) {
    systems.push(
      `  viassh: { host: drover-test, scheduler: slurm, rundir: ${path}/ssh-runs, pollMs: 50, deno: ${Deno.execPath()} }`,
    );
    await Deno.writeTextFile(
      `${path}/ssh_config`,
      [
        "Host drover-test",
        `  HostName ${ssh.host}`,
        `  Port ${ssh.port}`,
        `  User ${ssh.user}`,
        `  IdentityFile ${ssh.key}`,
        `  UserKnownHostsFile ${ssh.knownHosts}`,
        "",
      ].join("\n"),
    );
    env.DROVER_SSH_CONFIG = `${path}/ssh_config`;
  }
  await Deno.writeTextFile(`${path}/drover.yaml`, `systems:\n${systems.join("\n")}\n`);
  const withRoute = (
    o: { env?: Record<string, string>; route?: Record<string, unknown> } = {},
  ) => ({
    ...env,
    ...(o.route ? { DROVER_REMOTE_INFO: JSON.stringify(o.route) } : {}),
    ...o.env,
  });
  return {
    path,
    env,
    run: (script, o = {}) => runScript(path, script, withRoute(o), o.args ?? []),
    spawn: (script, o = {}) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", script],
        cwd: path,
        env: { NO_COLOR: "1", ...withRoute(o) },
        stdout: "piped",
        stderr: "piped",
      }).spawn(),
    sbatchCalls: () => {
      try {
        return Deno.readTextFileSync(`${path}/sbatch.log`).split("\n").filter(Boolean);
      } catch {
        return [];
      }
    },
    store: () => openStore({ dir: `${path}/.drover` }),
    [Symbol.asyncDispose]: async () => {
      // Leave nothing of this project queued on the shared test cluster.
      await new Deno.Command("sh", {
        args: [
          "-c",
          `command -v scancel >/dev/null || exit 0; for d in '${path}'/runs/jobs/* '${path}'/ssh-runs/jobs/*; do [ -d "$d" ] && scancel --name="\${d##*/}"; done; true`,
        ],
        env,
        stdout: "null",
        stderr: "null",
      }).output().catch(() => {});
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** Waits (polling every 20 ms, up to `ms`) until `cond` holds. */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 120_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
