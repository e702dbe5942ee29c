import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DURATION_UNITS,
  formatDurationText,
  parseDuration,
  safeParseDuration,
} from "../../lib/cli/_duration.ts";

const UNIT_MS = new Map(DURATION_UNITS);

Deno.test("parseDuration() reads one or more groups of a whole number and a unit", () => {
  assert.equal(parseDuration("7d"), 7 * 86_400_000);
  assert.equal(parseDuration("12h"), 12 * 3_600_000);
  assert.equal(parseDuration("30m"), 1_800_000);
  assert.equal(parseDuration("45s"), 45_000);
  assert.equal(parseDuration("2w"), 14 * 86_400_000);
  assert.equal(parseDuration("1d12h"), 36 * 3_600_000);
  assert.equal(parseDuration(" 1h30m "), 5_400_000);
});

Deno.test("parseDuration() throws a RangeError saying what is expected when the text is not an age", () => {
  for (
    const bad of [
      "",
      "7",
      "d",
      "7 d",
      "7days",
      "1.5h",
      "-1h",
      "7D",
      "1h1h",
      "30m1h",
      "0d",
      "0h0m",
      "1y",
    ]
  ) {
    assert.throws(
      () => parseDuration(bad),
      (e) => e instanceof RangeError && /like 7d, 12h, 30m|too long/.test(e.message),
      JSON.stringify(bad),
    );
  }
  assert.deepEqual(safeParseDuration("7 days"), {
    ok: false,
    error:
      'expected a duration like 7d, 12h, 30m or 1d12h (units w, d, h, m, s, largest first) (got "7 days")',
  });
  assert.match(
    (safeParseDuration("1y") as { error: string }).error,
    /^"y" is not a unit; /,
  );
});

Deno.test("parseDuration() adds up the groups for any durations written largest unit first", () => {
  const group = fc.record({
    counts: fc.array(fc.nat({ max: 10_000 }), { minLength: 5, maxLength: 5 }),
    used: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  }).filter(({ used, counts }) => used.some((u, i) => u && counts[i] > 0));
  fc.assert(fc.property(group, ({ counts, used }) => {
    let text = "";
    let ms = 0;
    DURATION_UNITS.forEach(([unit, size], i) => {
      if (!used[i]) return;
      text += `${counts[i]}${unit}`;
      ms += counts[i] * size;
    });
    assert.equal(parseDuration(text), ms);
  }));
});

Deno.test("formatDurationText() writes what parseDuration() reads back, for whole seconds", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 10 ** 9 }), (seconds) => {
    const text = formatDurationText(seconds * 1000);
    assert.equal(parseDuration(text), seconds * 1000);
    assert.match(text, /^(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/);
  }));
});

Deno.test("safeParseDuration() never throws, and accepts exactly the texts parseDuration() accepts", () => {
  const alphabet = fc.constantFrom(..."0123456789wdhmsyx .-");
  fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 12 }), (text) => {
    const r = safeParseDuration(text);
    if (r.ok) {
      assert.ok(r.ms > 0 && Number.isSafeInteger(r.ms));
      assert.equal(parseDuration(text), r.ms);
      for (const [, unit] of text.trim().matchAll(/\d+([a-z])/g)) assert.ok(UNIT_MS.has(unit));
    } else {
      assert.throws(() => parseDuration(text), RangeError);
    }
  }));
});
