/**
 * Private to lib/cli: reaching systems from a command. Reading the systems config,
 * naming a system, connecting to it (one shared connection per host, all closed when the
 * command ends), and saying why a system could not be reached.
 *
 * @module
 */
import { dirname } from "node:path";
import { SystemLink } from "../runtime/mod.ts";
import { driverFor, SchedulerCommandError, SchedulerOutputError } from "../scheduler/mod.ts";
import { ConfigError, loadSystems, type System } from "../systems/mod.ts";
import {
  closeAllTransports,
  type ResolveSshTargetOptions,
  SshConfigError,
  type Transport,
  TransportError,
  transportFor,
} from "../transport/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";

/**
 * The configured systems: the project's `drover.yaml` over the user's systems file.
 *
 * @param ctx The invocation's context.
 * @returns Systems by name.
 * @throws {CommandError} When a config file is invalid.
 */
export function configuredSystems(ctx: Context): Readonly<Record<string, System>> {
  try {
    return loadSystems({
      cwd: ctx.io.cwd,
      env: ctx.io.env,
      projectDir: dirname(ctx.storeDir()),
    }).systems;
  } catch (e) {
    if (e instanceof ConfigError) throw new CommandError(e.message, { cause: e });
    throw e;
  }
}

/**
 * The file each configured system was read from.
 *
 * @param ctx The invocation's context.
 * @returns File path by system name.
 * @throws {CommandError} When a config file is invalid.
 */
export function systemSources(ctx: Context): Readonly<Record<string, string>> {
  try {
    return loadSystems({
      cwd: ctx.io.cwd,
      env: ctx.io.env,
      projectDir: dirname(ctx.storeDir()),
    }).sources;
  } catch (e) {
    if (e instanceof ConfigError) throw new CommandError(e.message, { cause: e });
    throw e;
  }
}

/**
 * One configured system by name.
 *
 * @param systems The configured systems.
 * @param name Its name.
 * @param verb What the command was doing, for the message (`check system "x"`).
 * @returns The system.
 * @throws {CommandError} When no system has that name.
 */
export function systemNamed(
  systems: Readonly<Record<string, System>>,
  name: string,
  verb: string,
): System {
  const system = systems[name];
  if (system) return system;
  const known = Object.keys(systems).sort();
  throw new CommandError(
    `Cannot ${verb}: system "${name}" is not configured (${
      known.length ? `configured: ${known.join(", ")}` : "no systems are configured"
    })`,
  );
}

/**
 * Connects to a system: its shared transport and its scheduler driver. Nothing is sent
 * until the first command.
 *
 * @param ctx The invocation's context (its environment locates the SSH config).
 * @param system The system.
 * @returns The link.
 * @throws {CommandError} When drover cannot drive the system's scheduler.
 */
export function linkTo(ctx: Context, system: System): SystemLink {
  let driver;
  try {
    driver = driverFor(system.scheduler);
  } catch (e) {
    if (e instanceof RangeError) throw new CommandError(e.message, { cause: e });
    throw e;
  }
  return new SystemLink(system, sharedTransport(ctx, system), driver);
}

/**
 * The shared transport of a system, its SSH settings read as the invocation's environment
 * says (`DROVER_SSH_CONFIG`, `HOME`, `USER`). Nothing connects until the first command.
 *
 * @param ctx The invocation's context.
 * @param system The system.
 * @returns The transport.
 * @throws {CommandError} When the SSH client config cannot be used for the system's host.
 */
export function sharedTransport(ctx: Context, system: System): Transport {
  try {
    return transportFor(system, sshOptions(ctx));
  } catch (e) {
    if (e instanceof SshConfigError || e instanceof TypeError) {
      throw new CommandError(
        `Cannot reach system "${system.name}": ${e.message}`,
        { cause: e },
      );
    }
    throw e;
  }
}

/**
 * Where the SSH client config, home and user come from for this invocation.
 *
 * @param ctx The invocation's context.
 * @returns Options for resolving SSH targets.
 */
export function sshOptions(ctx: Context): ResolveSshTargetOptions {
  const env = ctx.io.env;
  return { configFile: env.DROVER_SSH_CONFIG, homeDir: env.HOME, localUser: env.USER };
}

/**
 * Runs a command body that may connect to systems, closing every connection afterwards so
 * the process can exit.
 *
 * @param fn The body.
 * @returns What it returns.
 */
export async function withConnections<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await closeAllTransports();
  }
}

/**
 * Why a system could not be reached, as one line, or undefined when the error is not
 * about reaching it.
 *
 * @param e The error.
 * @param system The system's name, for the hint on unknown host keys.
 * @returns The reason.
 */
export function unreachableReason(e: unknown, system: string): string | undefined {
  if (!(e instanceof TransportError)) return undefined;
  return e.failure === "host-key-unknown" && !e.message.includes("systems trust")
    ? `${e.message} (run "drover systems trust ${system}" to add its key)`
    : e.message;
}

/**
 * Why a command on a system failed, as one line, when the failure is the system's (it
 * cannot be reached, its scheduler refused or answered nonsense, drover cannot drive it),
 * or undefined for anything else (a bug).
 *
 * @param e The error.
 * @param system The system's name.
 * @returns The reason.
 */
export function remoteProblem(e: unknown, system: string): string | undefined {
  if (e instanceof SchedulerCommandError || e instanceof SchedulerOutputError) return e.message;
  if (e instanceof CommandError) return e.message;
  return unreachableReason(e, system);
}
