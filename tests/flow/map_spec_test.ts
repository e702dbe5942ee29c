import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type MapAxis,
  type MapSpec,
  MapSpecError,
  parseMapSpec,
  printMapSpec,
  safeParseMapSpec,
} from "../../lib/flow/mod.ts";

const LETTERS = ["i", "j", "k", "a", "b", "n_1"];

/** Valid specs: inputs over subsets of the output letters (plus reductions), outputs alike. */
const validSpec: fc.Arbitrary<MapSpec> = fc
  .record({
    letters: fc.shuffledSubarray(LETTERS, { minLength: 1, maxLength: 4 }),
    nInputs: fc.integer({ min: 1, max: 4 }),
    nOutputs: fc.integer({ min: 1, max: 3 }),
    ragged: fc.boolean(),
    seed: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  })
  .map(({ letters, nInputs, nOutputs, ragged, seed }) => {
    let s = 0;
    const next = (n: number): number => seed[s++ % seed.length] % n;
    const inputs = Array.from({ length: nInputs }, (_, k) => {
      const whole = k > 0 && next(3) === 0;
      if (whole) return { name: `in${k}`, axes: null };
      const axes: MapAxis[] = letters.filter(() => next(2) === 0).map((name) => ({
        kind: "index" as const,
        name,
        ragged: false,
      }));
      if (next(3) === 0) axes.splice(next(axes.length + 1), 0, { kind: "reduce" });
      if (axes.length === 0) axes.push({ kind: "reduce" });
      return { name: `in${k}`, axes };
    });
    // Every letter must be used by some input.
    (inputs[0].axes as MapAxis[]).push(
      ...letters
        .filter((l) => !inputs.some((i) => i.axes?.some((a) => a.kind === "index" && a.name === l)))
        .map((name) => ({ kind: "index" as const, name, ragged: false })),
    );
    const outAxes: MapAxis[] = letters.map((name) => ({ kind: "index", name, ragged: false }));
    if (ragged) outAxes.push({ kind: "index", name: "r", ragged: true });
    const outputs = Array.from(
      { length: nOutputs },
      (_, k) => ({ name: `out${k}`, axes: outAxes }),
    );
    return { inputs, outputs };
  });

Deno.test("parseMapSpec() round-trips every valid spec through its printed form", () => {
  fc.assert(
    fc.property(validSpec, (spec) => {
      const text = printMapSpec(spec);
      assert.deepEqual(parseMapSpec(text), spec);
      // Whitespace is free: a squeezed form parses to the same spec.
      assert.deepEqual(parseMapSpec(text.replaceAll(" ", "")), spec);
      assert.equal(printMapSpec(parseMapSpec(text.replaceAll(", ", " ,\t"))), text);
    }),
    { numRuns: 300 },
  );
});

Deno.test("parseMapSpec() errors point at a character inside the spec for any broken spec", () => {
  fc.assert(
    fc.property(
      validSpec,
      fc.nat(),
      fc.constantFrom("[", "]", ",", "*", ":", "-", "?"),
      (spec, at, ch) => {
        const text = printMapSpec(spec);
        const k = at % (text.length + 1);
        const broken = text.slice(0, k) + ch + text.slice(k);
        const r = safeParseMapSpec(broken);
        if (r.success) return; // some insertions stay valid (", :" after an input axis)
        assert.ok(r.error.offset >= 0 && r.error.offset <= broken.length);
        const [, line, caret] = r.error.message.split("\n");
        assert.equal(line, `  ${broken}`);
        assert.equal(caret.indexOf("^"), r.error.offset + 2);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("parseMapSpec() reads zip, product, whole inputs, reductions, several outputs, ragged axes", () => {
  const s = parseMapSpec("V_left[a], V_right[b], mesh -> electrostatics[a, b]");
  assert.deepEqual(s.inputs[2], { name: "mesh", axes: null });
  assert.deepEqual(s.outputs[0].axes, [
    { kind: "index", name: "a", ragged: false },
    { kind: "index", name: "b", ragged: false },
  ]);
  assert.deepEqual(parseMapSpec("x[i, :] -> row_sum[i]").inputs[0].axes?.[1], { kind: "reduce" });
  assert.deepEqual(parseMapSpec("x[i] -> lo[i], hi[i]").outputs.map((o) => o.name), ["lo", "hi"]);
  assert.deepEqual(parseMapSpec("content[i] -> char[i, j*]").outputs[0].axes?.[1], {
    kind: "index",
    name: "j",
    ragged: true,
  });
  assert.equal(printMapSpec(parseMapSpec(" x [ i ] , y[i]->z[ i ] ")), "x[i], y[i] -> z[i]");
});

function errorAt(text: string): { offset: number; problem: string } {
  try {
    parseMapSpec(text);
  } catch (e) {
    assert.ok(e instanceof MapSpecError);
    return { offset: e.offset, problem: e.problem };
  }
  throw new Error(`no error for ${text}`);
}

Deno.test("parseMapSpec() names the problem and points at it", () => {
  const cases: [string, number, RegExp][] = [
    ["x[i] -> y[i, j]", 13, /index "j" of output "y" is not in any input.*"j\*"/],
    [
      "x[i, j] -> y[i]",
      5,
      /index "j" of input "x" is not in the outputs \(reduce over it with ":"\)/,
    ],
    ["x[i] -> y[:]", 10, /reduction ":" belongs to an input/],
    ["x[i*] -> y[i]", 3, /ragged mark/],
    ["x[i] -> y[i, j*, k*]", 13, /ragged index "j\*" must be the last axis/],
    ["x[i] -> y[i*]", 10, /comes from an input, so it cannot be ragged/],
    ["x[i, i] -> y[i]", 5, /index "i" is repeated in "x"/],
    ["x[i], x[i] -> y[i]", 6, /"x" is already an input/],
    ["x[i] -> x[i]", 8, /"x" is already an input/],
    ["x[i] -> y", 8, /output "y" needs an index/],
    ["x[i] -> y[i], z", 14, /output "z" needs the axes of "y"/],
    ["a[i], b[j] -> y[i, j], z[j, i]", 23, /output "z" must have the axes of "y" \[i, j\]/],
    ["x[i -> y[i]", 4, /expected "," or "\]"/],
    ["x[i] y[i]", 5, /expected "," or "->"/],
    ["x[i] -> y[i] z", 13, /expected "," or the end/],
    ["x[i] ->", 7, /expected an output name \(got the end\)/],
    ["1x[i] -> y[i]", 0, /expected an input name \(got "1"\)/],
  ];
  for (const [text, offset, problem] of cases) {
    const e = errorAt(text);
    assert.equal(e.offset, offset, text);
    assert.match(e.problem, problem, text);
  }
});

Deno.test("MapSpecError prints the spec with a caret under the offending character", () => {
  const r = safeParseMapSpec("x[i] -> y[i, j]");
  assert.equal(r.success, false);
  if (r.success) return;
  assert.equal(
    r.error.message,
    [
      'Cannot use map spec: index "j" of output "y" is not in any input (map over it in an input, or mark a new axis ragged: "j*")',
      "  x[i] -> y[i, j]",
      "               ^",
    ].join("\n"),
  );
});
