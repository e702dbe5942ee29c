/**
 * Private to lib/routing: the zod schema of remote info, and the compile-time check that
 * what the route and resources schemas produce is exactly {@linkcode Route} and
 * {@linkcode Resources} (the whole is typed by its final transform, which builds the rules).
 *
 * Every issue message is the expected thing; lib/systems' describeIssue adds path and value.
 *
 * @module
 */
import { z } from "npm:zod@^3.25.0";
import {
  MEMORY_FORMS,
  type Resources,
  safeParseMemory,
  safeParseWalltime,
  WALLTIME_FORMS,
} from "../systems/mod.ts";
import type { ResourcesFunction, Route, RouteRule } from "./remote_info.ts";
import { ARRAY_INDEX_VARIABLE, RESOURCE_VARIABLES } from "../scheduler/mod.ts";
import { formatRoutePattern, ROUTE_KEY_FORMS, safeParseRouteKey } from "./route_key.ts";
import type { Assert, Equals, Plain } from "../_type_check.ts";

function expect(message: string): { message: string } {
  return { message };
}

function wholeNumber(min: number): z.ZodNumber {
  const message = expect(`a whole number, ${min} or more`);
  return z.number(message).int(message).min(min, message);
}

function parsedWith(
  parse: (text: string) => { success: boolean; data?: number },
  expected: string,
  numberText: (n: number) => string | undefined,
): z.ZodEffects<z.ZodUnknown, number, unknown> {
  return z.unknown().transform((value, ctx): number => {
    const source = typeof value === "number" ? numberText(value) : value;
    const parsed = typeof source === "string" ? parse(source) : undefined;
    const data = parsed?.success ? parsed.data : undefined;
    if (data === undefined || !(data > 0) || data === Infinity) {
      ctx.addIssue({ code: "custom", message: expected });
      return z.NEVER;
    }
    return data;
  });
}

/** What a target element time looks like, for error messages. */
const TARGET_TIME_FORMS = `a duration such as 5m, 90s, 1h or ${
  WALLTIME_FORMS.replace(/^a Slurm time such as /, "")
}`;

/** `5m`, `90s`, `1.5h`, or a walltime form (whole minutes, `30:00`, ...). */
function safeParseTargetTime(text: string): { success: boolean; data?: number } {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)$/.exec(text.trim());
  if (m === null) return safeParseWalltime(text);
  return { success: true, data: Math.round(Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5 }[m[2]]!) };
}

const RESOURCE_KEYS = ["nodes", "cores", "time", "memory", "partition", "gpus"];

/** Resources as JSON gives them; also what a resources function must return. */
export const RESOURCES = z.object({
  nodes: wholeNumber(1).optional(),
  cores: wholeNumber(1).optional(),
  time: parsedWith(
    safeParseWalltime,
    `${WALLTIME_FORMS}, more than 0 and not UNLIMITED`,
    (n) => Number.isInteger(n) ? String(n) : undefined,
  ).optional(),
  memory: parsedWith(safeParseMemory, `${MEMORY_FORMS}, more than 0`, String).optional(),
  partition: z.string(expect("a partition name")).regex(/^[^\s,]+$/, expect("a partition name"))
    .optional(),
  gpus: wholeNumber(0).optional(),
}, expect(`a mapping of ${RESOURCE_KEYS.join(", ")} (or, in code, a function of the attempt)`))
  .strict(expect(`one of ${RESOURCE_KEYS.join(", ")}`)).readonly();

const RESOURCES_OR_FUNCTION = z.unknown().transform(
  (value, ctx): Resources | ResourcesFunction => {
    if (typeof value === "function") return value as ResourcesFunction;
    const parsed = RESOURCES.safeParse(value ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue(issue as z.IssueData);
      return z.NEVER;
    }
    return parsed.data;
  },
);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_VALUE = "text, a number or true/false";

const ENV = z.record(
  z.string(),
  z.unknown().transform((value, ctx): string => {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      return String(value);
    }
    ctx.addIssue({ code: "custom", message: ENV_VALUE });
    return z.NEVER;
  }),
  expect("a mapping from variable names to values"),
).superRefine((env, ctx) => {
  for (const name of Object.keys(env)) {
    if (!ENV_NAME.test(name)) {
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: "a variable name of letters, digits and _, not starting with a digit",
        params: {
          text:
            "is not a valid variable name: use letters, digits and _, not starting with a digit",
        },
      });
    } else if (name === ARRAY_INDEX_VARIABLE || RESOURCE_VARIABLES.includes(name)) {
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: "a variable drover does not set itself",
        params: {
          text: `is set by drover from the job (refer to it as \${${name}} instead)`,
        },
      });
    }
  }
}).readonly();

const PER_JOB = expect('a whole number, 1 or more, or "auto"');

const ROUTE_KEYS = [
  "system",
  "jobName",
  "resources",
  "inputsPerJob",
  "targetElementTime",
  "inputFiles",
  "env",
  "setup",
  "maxRestarts",
];

const ROUTE = z.object({
  system: z.string(expect("the name of a system")).regex(/\S/, expect("the name of a system")),
  jobName: z.string(expect("a job name of letters, digits, _ . -")).regex(
    /^[A-Za-z0-9_.-]+$/,
    expect("a job name of letters, digits, _ . -"),
  ).optional(),
  resources: RESOURCES_OR_FUNCTION,
  inputsPerJob: z.union([z.literal("auto"), z.number().int(PER_JOB).min(1, PER_JOB)], {
    errorMap: () => PER_JOB,
  }).default(1),
  targetElementTime: parsedWith(
    safeParseTargetTime,
    `${TARGET_TIME_FORMS}, more than 0`,
    (n) => Number.isInteger(n) ? String(n) : undefined,
  ).optional(),
  inputFiles: z.array(
    z.string(expect("a path of a file or directory, or a glob")).regex(
      /\S/,
      expect("a path of a file or directory, or a glob"),
    ),
    expect("a list of paths of files or directories, or globs"),
  ).readonly().default([]),
  env: ENV.default({}),
  setup: z.array(
    z.string(expect("a line of shell")).regex(/^[^\r\n\0]*$/, expect("a line of shell")),
    expect("a list of shell lines"),
  ).readonly().optional(),
  maxRestarts: wholeNumber(0).default(2),
  restartBy: z.enum(["runtime", "caller"], expect('"runtime" or "caller"')).optional(),
}, expect("a mapping with at least a system")).strict(expect(`one of ${ROUTE_KEYS.join(", ")}`))
  .readonly();

/** The whole of remote info: keys (call-stack patterns or labels) to routes. */
export const REMOTE_INFO = z.record(
  z.string(),
  ROUTE,
  expect("a mapping from call-stack patterns or labels to routes"),
).transform((routes, ctx): { rules: readonly RouteRule[] } => {
  const rules: RouteRule[] = [];
  const seen = new Map<string, string>();
  for (const [key, route] of Object.entries(routes)) {
    const subject = `key ${JSON.stringify(key)}`;
    const pattern = safeParseRouteKey(key);
    if (!pattern.success) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: ROUTE_KEY_FORMS,
        params: { subject, text: pattern.error },
      });
      return z.NEVER;
    }
    const canonical = `${pattern.data.kind}:${formatRoutePattern(pattern.data)}`;
    const twin = seen.get(canonical);
    if (twin !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: "a key whose pattern no other key repeats",
        params: { subject, text: `is the same pattern as key ${JSON.stringify(twin)}` },
      });
      return z.NEVER;
    }
    seen.set(canonical, key);
    rules.push({ key, pattern: pattern.data, route });
  }
  return { rules };
});

/** Fails to compile when the schemas' output and the hand-written interfaces drift apart. */
type _RouteMatchesInterface = Assert<Equals<Plain<z.output<typeof ROUTE>>, Plain<Route>>>;
type _ResourcesMatchInterface = Assert<Equals<Plain<z.output<typeof RESOURCES>>, Plain<Resources>>>;
