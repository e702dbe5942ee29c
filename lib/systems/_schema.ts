/**
 * Private to lib/systems: the zod schema of a systems config file, and the compile-time
 * check that what it produces is exactly {@linkcode SystemsConfig}.
 *
 * Every issue message is the expected thing; validation_problem.ts adds path and value.
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import { MEMORY_FORMS, safeParseMemory } from "./memory.ts";
import {
  DEFAULT_MAX_JOBS,
  DEFAULT_POLL_MS,
  DEFAULT_RUNDIR,
  MIN_POLL_MS,
  SCHEDULER_NAMES,
  type SchedulerName,
  type SystemsConfig,
} from "./system.ts";
import { safeParseWalltime, WALLTIME_FORMS } from "./walltime.ts";
import type { Assert, Equals, Plain } from "../_type_check.ts";

/** Names of systems: they end up in job names and directories. */
const SYSTEM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** `alias`, `host`, `user@host`, `user@host:port`, `user@[::1]:port`; no leading `-`. */
const HOST =
  /^(?:[^\s@:/\[\]-][^\s@:/\[\]]*@)?(?:\[[0-9A-Fa-f:.]+\]|[^\s@:/\[\]-][^\s@:/\[\]]*)(?::(\d{1,5}))?$/;

const HOST_EXPECTED = "an SSH host alias or user@host[:port]";

function expect(message: string): { message: string } {
  return { message };
}

/**
 * A whole number, `min` or more.
 *
 * @param min The smallest value.
 * @returns The schema.
 */
function wholeNumber(min: number): z.ZodNumber {
  const message = expect(`a whole number, ${min} or more`);
  return z.number(message).int(message).min(min, message);
}

/**
 * A string with something other than whitespace in it.
 *
 * @param expected The expected thing, for messages.
 * @returns The schema.
 */
function text(expected: string): z.ZodString {
  return z.string(expect(expected)).regex(/\S/, expect(expected));
}

/**
 * A Slurm time string (or a whole number of minutes) parsed to ms; positive.
 *
 * @param expected The expected thing, for messages.
 * @returns The schema.
 */
function walltime(
  expected = `${WALLTIME_FORMS}, more than 0`,
): z.ZodEffects<z.ZodUnknown, number, unknown> {
  return z.unknown().transform((value, ctx): number => {
    const source = typeof value === "number" && Number.isInteger(value) ? String(value) : value;
    const parsed = typeof source === "string" ? safeParseWalltime(source) : undefined;
    if (parsed === undefined || !parsed.success || parsed.data <= 0) {
      ctx.addIssue({ code: "custom", message: expected });
      return z.NEVER;
    }
    return parsed.data;
  });
}

/**
 * A memory size (or a number of MB) parsed to bytes; positive.
 *
 * @param expected The expected thing, for messages.
 * @returns The schema.
 */
function memory(
  expected = `${MEMORY_FORMS}, more than 0`,
): z.ZodEffects<z.ZodUnknown, number, unknown> {
  return z.unknown().transform((value, ctx): number => {
    const source = typeof value === "number" ? String(value) : value;
    const parsed = typeof source === "string" ? safeParseMemory(source) : undefined;
    if (parsed === undefined || !parsed.success || parsed.data <= 0) {
      ctx.addIssue({ code: "custom", message: expected });
      return z.NEVER;
    }
    return parsed.data;
  });
}

/** A list of lines, or one string of lines (a YAML block scalar); blank trailing lines dropped. */
function lines(
  expected: string,
  line: string,
): z.ZodEffects<z.ZodReadonly<z.ZodArray<z.ZodString>>, readonly string[], unknown> {
  return z.preprocess(
    (value) => {
      if (typeof value !== "string") return value;
      const list = value.split(/\r?\n/);
      while (list.length > 0 && list[list.length - 1].trim() === "") list.pop();
      return list;
    },
    z.array(z.string(expect(line)), expect(expected)).readonly(),
  );
}

const PARTITION_KEYS = ["name", "coresPerNode", "maxTime", "memory", "gpus"];

const PARTITION = z.object({
  name: z.string(expect("a partition name")).regex(/^[^\s,]+$/, expect("a partition name")),
  coresPerNode: wholeNumber(1).optional(),
  maxTime: walltime(`${WALLTIME_FORMS}, or UNLIMITED`).optional(),
  memory: memory().optional(),
  gpus: wholeNumber(0).optional(),
}, expect("a mapping with at least a name")).strict(expect(`one of ${PARTITION_KEYS.join(", ")}`))
  .transform((partition): typeof partition => {
    // UNLIMITED is no limit: leave maxTime out. Keys keep the documented order.
    const out: Record<string, unknown> = {};
    for (const key of PARTITION_KEYS) {
      const value = partition[key as keyof typeof partition];
      if (value !== undefined && value !== Infinity) out[key] = value;
    }
    return out as typeof partition;
  }).readonly();

const SYSTEM_KEYS = [
  "host",
  "scheduler",
  "rundir",
  "partitions",
  "header",
  "setup",
  "deno",
  "maxJobs",
  "pollMs",
  "access",
];

const SYSTEM = z.object({
  host: z.string(expect(HOST_EXPECTED)).refine(
    (h) => {
      const m = HOST.exec(h);
      return m !== null && (m[1] === undefined || (Number(m[1]) >= 1 && Number(m[1]) <= 65535));
    },
    expect(HOST_EXPECTED),
  ).optional(),
  scheduler: z.enum(
    SCHEDULER_NAMES as [SchedulerName, ...SchedulerName[]],
    expect(`one of ${SCHEDULER_NAMES.join(", ")}`),
  ),
  rundir: text("a directory path on the system").default(DEFAULT_RUNDIR),
  partitions: z.array(PARTITION, expect("a list of partitions")).readonly().superRefine(
    (partitions, ctx) => {
      const seen = new Set<string>();
      partitions.forEach((p, i) => {
        if (seen.has(p.name)) {
          ctx.addIssue({
            code: "custom",
            path: [i, "name"],
            message: "a name no other partition of the system has",
            params: { text: `repeats the partition name ${JSON.stringify(p.name)}` },
          });
        }
        seen.add(p.name);
      });
    },
  ).default([]),
  header: lines("a list of scheduler directive lines", "a line of text").default([]),
  setup: lines("a list of shell lines", "a line of text").default([]),
  deno: text('"upload" or the path of deno on the system').default("upload"),
  maxJobs: wholeNumber(1).default(DEFAULT_MAX_JOBS),
  pollMs: wholeNumber(MIN_POLL_MS).default(DEFAULT_POLL_MS),
  access: z.enum(["private", "group"], expect("private or group")).optional(),
}, expect("a mapping of settings with at least a scheduler")).strict(
  expect(`one of ${SYSTEM_KEYS.join(", ")}`),
);

const SYSTEMS = z.preprocess(
  (value) => value ?? {},
  z.record(z.string(), SYSTEM, expect("a mapping from system names to their settings")),
).superRefine((systems, ctx) => {
  for (const name of Object.keys(systems)) {
    if (!SYSTEM_NAME.test(name)) {
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: "a system name of letters, digits, _ . - (starting with a letter or digit)",
        params: {
          text:
            "is not a valid system name: use letters, digits, _ . - (starting with a letter or digit)",
        },
      });
    }
  }
}).transform((systems) =>
  Object.fromEntries(
    Object.entries(systems).map(([name, system]) => [name, { name, ...system }] as const),
  )
);

/**
 * The whole file. Top-level keys starting with `x-` are ignored (a place for YAML anchors);
 * an empty file has no systems.
 */
export const SYSTEMS_FILE = z.preprocess(
  (value) => {
    if (value === null || value === undefined) return {};
    if (typeof value !== "object" || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith("x-")));
  },
  z.object({ systems: SYSTEMS }, expect('a mapping with a "systems" key')).strict(
    expect('"systems", or a name starting with x- for anchors'),
  ),
);

/** Fails to compile when the schema's output and the hand-written interface drift apart. */
type _SchemaMatchesInterface = Assert<
  Equals<Plain<z.output<typeof SYSTEMS_FILE>>, Plain<SystemsConfig>>
>;
