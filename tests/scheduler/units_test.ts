import assert from "node:assert/strict";
import fc from "fast-check";
import {
  formatPbsWalltime,
  formatSgeWalltime,
  formatSlurmWalltime,
  parseMemorySize,
  parseSlurmDuration,
  toMebibytes,
} from "../../lib/scheduler/mod.ts";

Deno.test("formatSlurmWalltime() writes D-HH:MM:SS rounded up to seconds", () => {
  assert.equal(formatSlurmWalltime(1), "0-00:00:01");
  assert.equal(formatSlurmWalltime(59_999), "0-00:01:00");
  assert.equal(formatSlurmWalltime(86_400_000), "1-00:00:00");
  assert.equal(formatSlurmWalltime(10 * 86_400_000 + 3_723_000), "10-01:02:03");
});

Deno.test("formatPbsWalltime() and formatSgeWalltime() write HH:MM:SS with hours past 24", () => {
  assert.equal(formatPbsWalltime(3 * 86_400_000 + 1000), "72:00:01");
  assert.equal(formatSgeWalltime(600_000), "00:10:00");
  assert.equal(formatPbsWalltime(200 * 3_600_000), "200:00:00");
});

Deno.test("format*Walltime() throws RangeError for zero, negative and non-finite durations", () => {
  for (const format of [formatSlurmWalltime, formatPbsWalltime, formatSgeWalltime]) {
    for (const bad of [0, -1, NaN, Infinity]) assert.throws(() => format(bad), RangeError);
  }
});

Deno.test("parseSlurmDuration() inverts every walltime formatter (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 400 * 86_400_000 }), (ms) => {
      const whole = Math.ceil(ms / 1000) * 1000;
      assert.equal(parseSlurmDuration(formatSlurmWalltime(ms)), whole);
      assert.equal(parseSlurmDuration(formatPbsWalltime(ms)), whole);
      assert.equal(parseSlurmDuration(formatSgeWalltime(ms)), whole);
    }),
  );
});

Deno.test("parseSlurmDuration() reads every form Slurm accepts", () => {
  const cases: [string, number][] = [
    ["30", 30 * 60_000],
    ["01:30", 90_000],
    ["01:02:03", 3_723_000],
    ["2-12", 2.5 * 86_400_000],
    ["2-12:30", 2.5 * 86_400_000 + 1_800_000],
    ["2-00:00:01", 2 * 86_400_000 + 1000],
    ["00:01.500", 1500],
  ];
  for (const [text, ms] of cases) assert.equal(parseSlurmDuration(text), ms, text);
});

Deno.test("parseSlurmDuration() throws RangeError for text that is not a duration", () => {
  for (const bad of ["", "UNLIMITED", "1:2:3:4", "-5", "1-", "a:b"]) {
    assert.throws(() => parseSlurmDuration(bad), RangeError, bad);
  }
});

Deno.test("toMebibytes() rounds up to whole MiB", () => {
  assert.equal(toMebibytes(1024 ** 2), 1);
  assert.equal(toMebibytes(1024 ** 2 + 1), 2);
  assert.throws(() => toMebibytes(0), RangeError);
});

Deno.test("parseMemorySize() reads Slurm, PBS and SGE sizes with binary units", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["512", 512],
    ["48232K", 48232 * 1024],
    ["48232kb", 48232 * 1024],
    ["2.5M", 2.5 * 1024 ** 2],
    ["412.309M", Math.ceil(412.309 * 1024 ** 2)],
    ["3gb", 3 * 1024 ** 3],
    ["1T", 1024 ** 4],
  ];
  for (const [text, bytes] of cases) assert.equal(parseMemorySize(text), bytes, text);
  for (const bad of ["", "K", "12Q", "-1K", "1.2.3M"]) {
    assert.throws(() => parseMemorySize(bad), RangeError, bad);
  }
});

Deno.test("parseMemorySize() inverts toMebibytes() for whole MiB (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10_000_000 }), (mib) => {
      assert.equal(parseMemorySize(`${toMebibytes(mib * 1024 ** 2)}M`), mib * 1024 ** 2);
    }),
  );
});
