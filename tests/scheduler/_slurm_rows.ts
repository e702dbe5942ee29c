/** Arbitraries and renderers for Slurm output rows, shared by the parser tests. */
import fc from "fast-check";
import { SLURM_JOB_STATES, type SqueueRow, type TaskRange } from "../../lib/scheduler/mod.ts";

export function range(first: number, last = first): TaskRange {
  return { first, last, step: 1 };
}

export const taskRange: fc.Arbitrary<TaskRange> = fc
  .tuple(fc.nat(5000), fc.nat(300), fc.integer({ min: 1, max: 7 }))
  .map(([first, length, step]) => ({ first, last: first + length, step: length === 0 ? 1 : step }));

/** Name text: anything on one line, `|` included. */
export const oneLine = fc.string({ unit: "grapheme", maxLength: 30 })
  .filter((s) => !/[\r\n]/.test(s));

export const squeueRow: fc.Arbitrary<SqueueRow> = fc.record({
  jobId: fc.nat(10_000_000).map(String),
  tasks: fc.oneof(
    fc.constant({ arrayTasks: null, throttle: null }),
    fc.nat(5000).map((i) => ({ arrayTasks: [range(i)], throttle: null })),
    fc.record({
      arrayTasks: fc.array(taskRange, { minLength: 1, maxLength: 4 }),
      throttle: fc.option(fc.integer({ min: 1, max: 500 }), { nil: null }),
    }),
  ),
  state: fc.constantFrom(...SLURM_JOB_STATES),
  reason: fc.option(
    fc.stringMatching(/^[A-Za-z(][A-Za-z0-9_ ,:()[\]-]{0,30}$/)
      .filter((r) => r !== "None" && r !== "(null)"),
    { nil: null },
  ),
  name: oneLine,
}).map(({ tasks, ...rest }) => ({ ...rest, ...tasks }));

export function renderRange(r: TaskRange): string {
  if (r.first === r.last) return String(r.first);
  return r.step === 1 ? `${r.first}-${r.last}` : `${r.first}-${r.last}:${r.step}`;
}

export function renderJobId(row: Pick<SqueueRow, "jobId" | "arrayTasks" | "throttle">): string {
  const t = row.arrayTasks;
  if (t === null) return row.jobId;
  if (t.length === 1 && t[0].first === t[0].last && row.throttle === null) {
    return `${row.jobId}_${t[0].first}`;
  }
  const throttle = row.throttle === null ? "" : `%${row.throttle}`;
  return `${row.jobId}_[${t.map(renderRange).join(",")}${throttle}]`;
}

export function normalize(row: SqueueRow): SqueueRow {
  return { ...row, arrayTasks: row.arrayTasks?.map(canonicalRange) ?? null };
}

export function canonicalRange(r: TaskRange): TaskRange {
  return r.first === r.last ? { ...r, step: 1 } : r;
}
