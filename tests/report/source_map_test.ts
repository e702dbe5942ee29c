import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeVlq,
  mapBundleStack,
  rebaseSourceMap,
  SourceMapIndex,
  type SourceMapV3,
} from "../../lib/report/mod.ts";
import { tempDir } from "../_helpers/temp.ts";

const FIXTURE = new URL("./fixtures/stack/", import.meta.url);
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The reference encoder of the source map spec, to check the decoder against. */
function encodeVlq(values: readonly number[]): string {
  let out = "";
  for (const v of values) {
    let n = v < 0 ? -v * 2 + 1 : v * 2;
    do {
      let digit = n % 32;
      n = Math.floor(n / 32);
      if (n > 0) digit += 32;
      out += BASE64[digit];
    } while (n > 0);
  }
  return out;
}

Deno.test("decodeVlq() reads what the spec's encoder writes", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 })), (values) => {
      assert.deepEqual(decodeVlq(encodeVlq(values)), values);
    }),
  );
});

Deno.test("decodeVlq() decodes known segments and rejects malformed ones", () => {
  assert.deepEqual(decodeVlq("AAAA"), [0, 0, 0, 0]);
  assert.deepEqual(decodeVlq("SAAQ"), [9, 0, 0, 8]);
  assert.deepEqual(decodeVlq("2HwBA"), [123, 24, 0]);
  assert.deepEqual(decodeVlq("B"), [0], "negative zero reads as 0");
  assert.throws(() => decodeVlq("A*"), {
    name: "SyntaxError",
    message: 'Cannot decode VLQ "A*": "*" is not base64',
  });
  assert.throws(() => decodeVlq("AAg"), { name: "SyntaxError", message: /cut short/ });
  assert.throws(() => decodeVlq("gggggggggB"), { name: "SyntaxError", message: /too large/ });
});

Deno.test("SourceMapIndex.from() rejects what is not a version 3 map", () => {
  for (
    const bad of [null, {}, { version: 2, sources: [], mappings: "" }, { version: 3, sections: [] }]
  ) {
    assert.throws(() => SourceMapIndex.from(bad as unknown as SourceMapV3), {
      name: "TypeError",
      message: "Cannot read source map: expected a version 3 map with sources and mappings",
    });
  }
  assert.throws(
    () => SourceMapIndex.from({ version: 3, sources: ["a"], mappings: "AA" }),
    { name: "SyntaxError", message: "Cannot read source map: a segment has 2 fields at 2" },
  );
  assert.throws(
    () => SourceMapIndex.from({ version: 3, sources: ["a"], mappings: "AAAA;A*AA" }),
    { name: "SyntaxError", message: 'Cannot read source map: "*" at 6 is not base64' },
  );
  assert.throws(
    () => SourceMapIndex.from({ version: 3, sources: ["a"], mappings: "AAAg,AAAA" }),
    { name: "SyntaxError", message: "Cannot read source map: a number is cut short at 4" },
  );
});

Deno.test("SourceMapIndex.from() finds every segment of a random map where it was encoded", () => {
  const segment = fc.record({
    column: fc.nat({ max: 500 }),
    source: fc.nat({ max: 3 }),
    line: fc.nat({ max: 2000 }),
    col: fc.nat({ max: 200 }),
  });
  fc.assert(
    fc.property(
      fc.array(fc.uniqueArray(segment, { selector: (s) => s.column, maxLength: 6 }), {
        maxLength: 8,
      }),
      (lines) => {
        let source = 0, line = 0, col = 0;
        const mappings = lines.map((segs) => {
          let column = 0;
          return [...segs].sort((a, b) => a.column - b.column).map((s) => {
            const text = encodeVlq([
              s.column - column,
              s.source - source,
              s.line - line,
              s.col - col,
            ]);
            column = s.column;
            source = s.source;
            line = s.line;
            col = s.col;
            return text;
          }).join(",");
        }).join(";");
        const map = SourceMapIndex.from({ version: 3, sources: ["a", "b", "c", "d"], mappings });
        lines.forEach((segs, i) => {
          for (const s of segs) {
            assert.deepEqual(map.originalPosition(i + 1, s.column + 1), {
              source: "abcd"[s.source],
              line: s.line + 1,
              column: s.col + 1,
              name: undefined,
            });
          }
        });
      },
    ),
  );
});

Deno.test("SourceMapIndex originalPosition() picks the last segment at or before the column", () => {
  const map = SourceMapIndex.from({
    version: 3,
    sourceRoot: "src",
    sources: ["a.ts", "b.ts"],
    names: ["foo"],
    // line 1: col 0 -> a.ts 1:0; col 10 -> b.ts 5:4 name foo; col 20 unmapped
    // line 2: empty; line 3: col 2 -> b.ts 6:0
    mappings: "AAAA,UCIIA,U;;EACJ",
  }, { mapUrl: "file:///out/bundle.js.map" });
  assert.equal(map.originalPosition(1, 1)?.source, "file:///out/src/a.ts");
  assert.deepEqual(map.originalPosition(1, 15), {
    source: "file:///out/src/b.ts",
    line: 5,
    column: 5,
    name: "foo",
  });
  assert.equal(map.originalPosition(1, 21), undefined, "a one-field segment maps nothing");
  assert.equal(map.originalPosition(2, 1), undefined);
  assert.equal(map.originalPosition(3, 1), undefined, "before the first segment");
  assert.deepEqual(map.originalPosition(3, 9), {
    source: "file:///out/src/b.ts",
    line: 6,
    column: 1,
    name: undefined,
  });
  assert.equal(map.originalPosition(99, 1), undefined);
});

async function deno(args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  assert.equal(out.code, 0, text.decode(out.stderr));
  return text.decode(out.stdout);
}

Deno.test("mapBundleStack() maps a real deno bundle's stack back to the sources, as Deno does", async () => {
  {
    await using tmp = await tempDir("drover-report-");
    const dir = tmp.path;
    const entry = new URL("entry.ts", FIXTURE).pathname;
    await deno([
      "bundle",
      "--quiet",
      "--no-config",
      "--sourcemap=external",
      `--output=${dir}/ext/bundle.js`,
      entry,
    ]);
    await deno([
      "bundle",
      "--quiet",
      "--no-config",
      "--sourcemap=linked",
      `--output=${dir}/linked/bundle.js`,
      entry,
    ]);
    const external = await Deno.readTextFile(`${dir}/ext/bundle.js`);
    assert.ok(!external.includes("sourceMappingURL"), "external maps leave the bundle unchanged");
    const map = JSON.parse(await Deno.readTextFile(`${dir}/ext/bundle.js.map`)) as SourceMapV3;

    // As in a job: the bundle runs under its object name, elsewhere, without its map.
    const hash = "0123456789abcdef".repeat(4);
    await Deno.mkdir(`${dir}/objects/01`, { recursive: true });
    await Deno.copyFile(`${dir}/ext/bundle.js`, `${dir}/objects/01/${hash}`);
    await Deno.writeTextFile(`${dir}/objects/01/main.js`, `import "./${hash}";\n`);
    const remote = (await deno(["run", `${dir}/objects/01/main.js`])).trimEnd();
    assert.match(
      remote,
      new RegExp(`at Relaxer.step \\(file://${dir}/objects/01/${hash}:\\d+:\\d+\\)`),
    );

    const mapped = mapBundleStack(remote, map, { mapUrl: `file://${dir}/ext/bundle.js.map` });
    const src = new URL("relaxer.ts", FIXTURE).href;
    const entryUrl = new URL("entry.ts", FIXTURE).href;
    assert.equal(
      mapped,
      [
        "RangeError: forces exploded: 10000",
        `    at Relaxer.step (${src}:7:28)`,
        `    at ${src}:15:35`,
        "    at Array.map (<anonymous>)",
        `    at relax (${src}:15:22)`,
        `    at ${entryUrl}:5:3`,
      ].join("\n"),
    );
    // Deno applies a linked map itself: the same positions.
    await Deno.writeTextFile(`${dir}/linked/main.js`, `import "./bundle.js";\n`);
    const local = (await deno(["run", `${dir}/linked/main.js`])).trimEnd();
    // What bundle.ts would keep: absolute sources, no content; no map URL needed then.
    const kept = rebaseSourceMap(map, `file://${dir}/ext/bundle.js.map`);
    assert.equal(kept.sourcesContent, undefined);
    assert.equal(mapBundleStack(remote, kept), mapped);
    // The two runs differ only in whether V8 marks the top-level frame "async"; positions agree.
    assert.equal(mapped, local.replace("    at async ", "    at "));
  }
});

Deno.test("mapBundleStack() leaves frames outside the bundle and unmapped positions alone", () => {
  const map = { version: 3, sources: ["file:///u/a.ts"], mappings: "AAAA" };
  const stack = [
    "Error: x",
    "    at f (file:///job/bundle.js:1:5)",
    "    at g (file:///job/bundle.js:7:1)",
    "    at h (file:///u/other.js:1:1)",
    "    at file:///job/bundle.js:1:1",
  ].join("\n");
  assert.equal(
    mapBundleStack(stack, map),
    [
      "Error: x",
      "    at f (file:///u/a.ts:1:1)",
      "    at g (file:///job/bundle.js:7:1)",
      "    at h (file:///u/other.js:1:1)",
      "    at file:///u/a.ts:1:1",
    ].join("\n"),
  );
  assert.equal(
    mapBundleStack("    at f (file:///job/x.mjs:1:1)", map, {
      isBundle: (f) => f.endsWith("x.mjs"),
    }),
    "    at f (file:///u/a.ts:1:1)",
  );
});
