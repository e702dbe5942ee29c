/**
 * `drover systems trust NAME`: add the SSH host key of a system to the user's known_hosts,
 * so drover (which never accepts unknown keys on its own) can connect.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "npm:@commander-js/extra-typings@^14.0.0";
import { resolveSshTarget, SshConfigError, TransportError, trustHost } from "../transport/mod.ts";
import type { Context } from "./_context.ts";
import { CommandError } from "./_errors.ts";
import { toJson } from "./_output.ts";
import { configuredSystems, sshOptions, systemNamed } from "./_remote.ts";

/**
 * Builds the `systems trust` command.
 *
 * @param ctx The invocation's context.
 * @returns The command.
 */
export function systemsTrustCommand(ctx: Context): CommandUnknownOpts {
  return new Command("trust")
    .description("add a system's SSH host key to your known_hosts")
    .argument("<name>", "the system's name")
    .option("--json", "print the key as JSON")
    .option(
      "--replace",
      "the host key CHANGED (reinstalled host): replace the old key after showing both fingerprints",
    )
    .action(async (name, options) => {
      const verb = `trust system "${name}"`;
      const system = systemNamed(configuredSystems(ctx), name, verb);
      if (system.host === undefined) {
        throw new CommandError(`Cannot ${verb}: it is this machine (no host), nothing to trust`);
      }
      let trusted;
      let label: string;
      try {
        const target = resolveSshTarget(system.host, sshOptions(ctx));
        label = target.label;
        trusted = await trustHost(target, { replace: options.replace === true });
      } catch (e) {
        if (e instanceof TransportError || e instanceof SshConfigError || e instanceof TypeError) {
          const message = e.message.replace(
            "drover systems trust NAME",
            `drover systems trust ${name}`,
          );
          throw new CommandError(`Cannot ${verb}: ${message}`, { cause: e });
        }
        throw e;
      }
      if (options.json) {
        ctx.out(toJson({ system: name, target: label, ...trusted }));
        return;
      }
      const replaced = trusted.replaced.map((k) =>
        `Replaced the ${k.keyType} key ${k.fingerprint} (${k.file}:${k.line})\n`
      ).join("");
      ctx.out(
        replaced +
          (trusted.added
            ? `Added the ${trusted.keyType} host key of ${label} to ${trusted.file}\n` +
              `Fingerprint: ${trusted.fingerprint}\n` +
              "Compare it with the fingerprint your cluster's administrators publish; if it differs, remove the line again.\n"
            : `${label} is trusted already (${trusted.keyType} in ${trusted.file})\n` +
              `Fingerprint: ${trusted.fingerprint}\n`),
      );
    });
}
