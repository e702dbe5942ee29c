import assert from "node:assert/strict";
import { z } from "zod";
import {
  compileWhere,
  DuplicateRowError,
  ImportError,
  parseCsv,
  QueryError,
  readRows,
  RowError,
  table,
} from "../../lib/queue/mod.ts";
import { openStore, type Store } from "../../lib/store/mod.ts";

async function tempStore(): Promise<{ store: Store } & AsyncDisposable> {
  const dir = await Deno.makeTempDir();
  const store = openStore({ dir: `${dir}/.drover` });
  return {
    store,
    async [Symbol.asyncDispose](): Promise<void> {
      store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const Pathway = z.object({ id: z.number().int(), nsites: z.number(), length: z.number() });

Deno.test("table() inserts checked rows and reads them filtered and ordered", async () => {
  await using t = await tempStore();
  const pathways = table("pathways", Pathway);
  assert.equal(
    pathways.insert([
      { id: 1, nsites: 200, length: 3 },
      { id: 2, nsites: 40, length: 9 },
      { id: 3, nsites: 40, length: 2 },
    ], { store: t.store }),
    3,
  );
  const ids = (where?: string, orderBy?: string): number[] =>
    pathways.rows({ store: t.store, where, orderBy }).map((r) => r.id);
  assert.deepEqual(ids("nsites <= 150", "nsites ASC, length ASC"), [3, 2]);
  assert.deepEqual(ids("NOT (nsites = 40) OR length IN (2)"), [1, 3]);
  assert.deepEqual(ids(undefined, "length DESC"), [2, 1, 3]);
  assert.deepEqual(ids("id IS NOT NULL AND length >= 2.5"), [1, 2]);
});

Deno.test("table() refuses a bad row and a duplicate key, writing nothing", async () => {
  await using t = await tempStore();
  const pathways = table("pathways", Pathway);
  assert.throws(
    () =>
      pathways.insert([{ id: 1, nsites: 1, length: 1 }, { id: 2.5, nsites: 1, length: 1 }], {
        store: t.store,
      }),
    (e: RowError) => e instanceof RowError && e.index === 1 && /row 2 .*id:/.test(e.message),
  );
  assert.deepEqual(pathways.rows({ store: t.store }), []);
  pathways.insert([{ id: 1, nsites: 1, length: 1 }], { store: t.store });
  assert.throws(
    () => pathways.insert([{ id: 1, nsites: 5, length: 1 }], { store: t.store }),
    DuplicateRowError,
  );
  pathways.insert([{ id: 1, nsites: 5, length: 1 }], { store: t.store, onConflict: "replace" });
  assert.deepEqual(pathways.rows({ store: t.store }), [{ id: 1, nsites: 5, length: 1 }]);
});

Deno.test("compileWhere() refuses SQL outside the grammar with the column of the problem", () => {
  const scope = { table: "pathways", fields: ["nsites", "id"], tasks: ["rough"] };
  const bad: [string, number, RegExp][] = [
    ["nsites <= 150; DROP TABLE calls", 13, /";" is not allowed/],
    ["nsites <= 150) OR (1=1", 13, /expected AND, OR or the end/],
    ["nsites <== 150", 9, /expected a field or a value \(got "="\)/],
    ["nsite < 1", 0, /unknown field "nsite" of table "pathways"/],
    ["cheap.x < 1", 0, /unknown task "cheap"/],
    ["id = (SELECT 1)", 13, /expected "\)" \(got "1"\)/],
    ["name = 'x", 7, /'string' is not closed/],
    ["", 0, /expected a filter/],
    ["nsites < ?", 9, /"\?" is not allowed/],
  ];
  for (const [text, at, message] of bad) {
    assert.throws(() => compileWhere(text, scope), (e: QueryError) => {
      assert.ok(e instanceof QueryError, text);
      assert.match(e.message, message, text);
      assert.equal(e.at, at, text);
      assert.equal(e.caret.split("\n")[1]!.indexOf("^"), at + 2, text);
      return true;
    });
  }
  const ok = compileWhere("nsites <= 150 AND name_is_not_here IS NULL OR TRUE", {
    ...scope,
    fields: [...scope.fields, "name_is_not_here"],
  });
  assert.deepEqual(ok.params, [150, 1]);
});

Deno.test("readRows() names every bad row by its line in CSV, JSON and YAML", () => {
  const fields = [
    { name: "id", type: "integer", optional: false },
    { name: "nsites", type: "number", optional: false },
    { name: "tag", type: "string", optional: true },
  ] as const;
  const csv = 'id,nsites,tag\n1,10,a\n2,x,b\n\n3,"4\n5",c\n4,5\n';
  assert.throws(() => readRows("p.csv", csv, "csv", fields), (e: ImportError) => {
    assert.deepEqual(e.problems.map((p) => p.line), [3, 5, 7]);
    assert.equal(
      e.message,
      'Cannot import "p.csv": line 3: nsites must be a number (got "x") (and 2 more bad rows)',
    );
    return true;
  });
  const json =
    '[\n  {"id": 1, "nsites": 2},\n  {"id": "two", "nsites": 2},\n  {"id": 3, "nsites": 2, "extra": 1}\n]';
  assert.throws(() => readRows("p.json", json, "json", fields), (e: ImportError) => {
    assert.deepEqual(e.problems.map((p) => [p.line, p.detail]), [
      [3, 'id must be a whole number (got "two")'],
      [4, "extra is not a field of the table (fields: id, nsites, tag)"],
    ]);
    return true;
  });
  const yaml = "- id: 1\n  nsites: 2\n- id: 2\n- id: 3\n  nsites: 4\n";
  assert.throws(
    () => readRows("p.yaml", yaml, "yaml", fields),
    (e: ImportError) =>
      e.problems.length === 1 && e.problems[0]!.line === 3 &&
      e.problems[0]!.detail === "nsites is missing",
  );
  assert.deepEqual(readRows("p.yaml", "- {id: 1, nsites: 2.5}\n", "yaml", fields).rows, [{
    id: 1,
    nsites: 2.5,
  }]);
  assert.deepEqual(parseCsv("a\r\n\r\nb").lines, [1, 3]);
});
