import assert from "node:assert/strict";
import fc from "fast-check";
import { formatWalltime, parseWalltime, safeParseWalltime } from "../../lib/systems/mod.ts";
import { formatSlurmWalltime, parseSlurmDuration } from "../../lib/units/mod.ts";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

const pad = (n: number): string => String(n).padStart(2, "0");

Deno.test("parseWalltime() reads every Slurm form when given MM to D-HH:MM:SS", () => {
  const cases: [string, number][] = [
    ["30", 30 * M],
    ["90", 90 * M],
    ["30:15", 30 * M + 15 * S],
    ["120:00", 120 * M],
    ["12:00:00", 12 * H],
    ["36:30:05", 36 * H + 30 * M + 5 * S],
    ["2-12", 2 * D + 12 * H],
    ["2-12:30", 2 * D + 12 * H + 30 * M],
    ["2-00:00:00", 2 * D],
    ["0-00:00:01", S],
    ["  1:00:00 ", H],
    ["007", 7 * M],
  ];
  for (const [text, ms] of cases) assert.equal(parseWalltime(text), ms, text);
});

Deno.test("parseWalltime() returns Infinity when given UNLIMITED or INFINITE in any case", () => {
  assert.equal(parseWalltime("UNLIMITED"), Infinity);
  assert.equal(parseWalltime("infinite"), Infinity);
});

Deno.test("parseWalltime() throws RangeError naming the forms when the text is not a Slurm time", () => {
  for (
    const text of [
      "",
      "1h",
      "1:60",
      "1:00:60",
      "1:60:00",
      "1-24",
      "1-1:60",
      "-5",
      "1.5",
      "1:2:3:4",
      "1-",
      "a-1",
    ]
  ) {
    assert.throws(() => parseWalltime(text), {
      name: "RangeError",
      message: `Cannot parse walltime ${
        JSON.stringify(text)
      }: expected a Slurm time such as 30 (minutes), 30:00, 12:00:00, 2-12 or 2-00:00:00`,
    }, text);
  }
});

Deno.test("safeParseWalltime() returns the error instead of throwing when the text is bad", () => {
  const result = safeParseWalltime("soon");
  assert.equal(result.success, false);
  if (!result.success) assert.ok(result.error instanceof RangeError);
  assert.deepEqual(safeParseWalltime("1"), { success: true, data: M });
});

Deno.test("formatWalltime() writes HH:MM:SS under a day and D-HH:MM:SS from a day on", () => {
  assert.equal(formatWalltime(0), "00:00:00");
  assert.equal(formatWalltime(59 * S), "00:00:59");
  assert.equal(formatWalltime(23 * H + 59 * M + 59 * S), "23:59:59");
  assert.equal(formatWalltime(D), "1-00:00:00");
  assert.equal(formatWalltime(12 * D + 3 * H + 4 * M + 5 * S), "12-03:04:05");
  assert.equal(formatWalltime(Infinity), "UNLIMITED");
});

Deno.test("formatWalltime() rounds partial seconds up when ms is not whole seconds", () => {
  assert.equal(formatWalltime(1), "00:00:01");
  assert.equal(formatWalltime(60_001), "00:01:01");
});

Deno.test("formatWalltime() throws RangeError when ms is negative or NaN", () => {
  assert.throws(() => formatWalltime(-1), RangeError);
  assert.throws(() => formatWalltime(NaN), RangeError);
});

Deno.test("parseWalltime() inverts formatWalltime() for any whole number of seconds", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10_000 * 86_400 }), (seconds) => {
      assert.equal(parseWalltime(formatWalltime(seconds * S)), seconds * S);
    }),
  );
});

Deno.test("formatWalltime() of parseWalltime() gives the canonical form of any Slurm time", () => {
  const days = fc.integer({ min: 0, max: 400 });
  const hours = fc.integer({ min: 0, max: 23 });
  const sixty = fc.integer({ min: 0, max: 59 });
  fc.assert(
    fc.property(days, hours, sixty, sixty, (d, h, m, s) => {
      const ms = d * D + h * H + m * M + s * S;
      const forms = [`${d}-${pad(h)}:${pad(m)}:${pad(s)}`, `${d * 24 + h}:${pad(m)}:${pad(s)}`];
      if (s === 0) forms.push(`${d}-${h}:${pad(m)}`, `${(d * 24 + h) * 60 + m}`);
      if (s === 0 && m === 0) forms.push(`${d}-${h}`);
      if (d === 0 && h === 0) forms.push(`${m}:${pad(s)}`);
      for (const form of forms) {
        assert.equal(parseWalltime(form), ms, form);
        assert.equal(formatWalltime(parseWalltime(form)), formatWalltime(ms), form);
      }
    }),
  );
});

Deno.test("formatWalltime() never gives less time than asked for any ms", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (ms) => {
      const back = parseWalltime(formatWalltime(ms));
      assert.ok(back >= ms && back - ms < S, `${ms} -> ${back}`);
    }),
  );
});

Deno.test("parseSlurmDuration() reads fractional seconds and rejects UNLIMITED where parseWalltime() does the opposite", () => {
  assert.equal(parseSlurmDuration("00:01.500"), 1500);
  assert.throws(() => parseWalltime("00:01.500"), RangeError);
  assert.equal(parseWalltime("UNLIMITED"), Infinity);
  assert.throws(() => parseSlurmDuration("UNLIMITED"), RangeError);
  assert.throws(() => parseSlurmDuration("1.5"), RangeError);
});

Deno.test("formatSlurmWalltime() and formatWalltime() write the same clock for any duration", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 400 * 86_400_000 }), (ms) => {
      const slurm = formatSlurmWalltime(ms);
      assert.equal(parseWalltime(slurm), parseWalltime(formatWalltime(ms)));
      assert.equal(slurm.replace(/^0-/, ""), formatWalltime(ms));
    }),
  );
});
