import assert from "node:assert/strict";
import fc from "fast-check";
import { formatMemory, parseMemory, safeParseMemory } from "../../lib/systems/mod.ts";
import { parseMemorySize } from "../../lib/units/mod.ts";

const K = 1024;
const MB = K ** 2;
const GB = K ** 3;
const TB = K ** 4;

Deno.test("parseMemory() reads Slurm sizes in binary units when given K, M, G or T", () => {
  const cases: [string, number][] = [
    ["4G", 4 * GB],
    ["500M", 500 * MB],
    ["1.5T", 1.5 * TB],
    ["1K", K],
    ["4g", 4 * GB],
    ["4GB", 4 * GB],
    ["4GiB", 4 * GB],
    [" 2 G ", 2 * GB],
    ["0.5K", 512],
    ["0.1K", 103],
  ];
  for (const [text, bytes] of cases) assert.equal(parseMemory(text), bytes, text);
});

Deno.test("parseMemory() reads megabytes when given a bare number", () => {
  assert.equal(parseMemory("4096"), 4096 * MB);
  assert.equal(parseMemory("0"), 0);
});

Deno.test("parseMemory() throws RangeError naming the forms when the text is not a size", () => {
  for (const text of ["", "lots", "-1G", "4X", "4 GB B", "1e3M", "G", "4B", ".5G"]) {
    assert.throws(() => parseMemory(text), {
      name: "RangeError",
      message: `Cannot parse memory size ${
        JSON.stringify(text)
      }: expected a size such as 4G, 500M, 1.5T or 4096 (MB)`,
    }, text);
  }
});

Deno.test("safeParseMemory() returns the error instead of throwing when the text is bad", () => {
  const result = safeParseMemory("4X");
  assert.equal(result.success, false);
  assert.deepEqual(safeParseMemory("2M"), { success: true, data: 2 * MB });
});

Deno.test("formatMemory() uses the largest unit that holds the size exactly", () => {
  assert.equal(formatMemory(4 * GB), "4G");
  assert.equal(formatMemory(2 * TB), "2T");
  assert.equal(formatMemory(1.5 * TB), "1536G");
  assert.equal(formatMemory(500 * MB), "500M");
  assert.equal(formatMemory(3 * K), "3K");
  assert.equal(formatMemory(0), "0K");
});

Deno.test("formatMemory() rounds up to a whole KiB when bytes are not a multiple of 1024", () => {
  assert.equal(formatMemory(1), "1K");
  assert.equal(formatMemory(K + 1), "2K");
});

Deno.test("formatMemory() throws RangeError when bytes are negative or not finite", () => {
  for (const bad of [-1, NaN, Infinity]) assert.throws(() => formatMemory(bad), RangeError);
});

Deno.test("parseMemory() inverts formatMemory() for any multiple of 1024 bytes", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 42 }), (kib) => {
      assert.equal(parseMemory(formatMemory(kib * K)), kib * K);
    }),
  );
});

Deno.test("formatMemory() never gives less memory than asked for any byte count", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (bytes) => {
      const back = parseMemory(formatMemory(bytes));
      assert.ok(back >= bytes && back - bytes < K, `${bytes} -> ${back}`);
    }),
  );
});

Deno.test("parseMemory() of a size written in any unit equals the number times the unit", () => {
  const unit = fc.constantFrom(["K", K], ["M", MB], ["G", GB], ["T", TB], ["", MB]);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 8000 }), unit, (n, [suffix, size]) => {
      const text = `${n}${suffix}`;
      assert.equal(parseMemory(text), n * (size as number), text);
      assert.equal(parseMemory(formatMemory(parseMemory(text))), parseMemory(text), text);
    }),
  );
});

Deno.test("parseMemorySize() reads a bare number as bytes where parseMemory() reads megabytes", () => {
  assert.equal(parseMemory("512"), 512 * MB);
  assert.equal(parseMemorySize("512"), 512);
  assert.equal(parseMemorySize("512b"), 512);
  assert.throws(() => parseMemory("512b"), RangeError);
  assert.equal(parseMemorySize("3.50M"), parseMemory("3.50M"));
});
