import assert from "node:assert/strict";
import {
  decode,
  defineEncoding,
  encode,
  EncodeError,
  hashValue,
  preview,
  TaggedValue,
} from "../../lib/codec/mod.ts";

class Atoms {
  constructor(readonly symbols: string[], readonly positions: Float64Array) {}
  get count(): number {
    return this.symbols.length;
  }
}
defineEncoding(Atoms, {
  name: "test.Atoms",
  encode: (a) => ({ symbols: a.symbols, positions: a.positions }),
  decode: (p) => new Atoms(p.symbols, p.positions),
});

Deno.test("defineEncoding() lets instances round-trip as their class", () => {
  const atoms = new Atoms(["Si", "Si"], new Float64Array([0, 0, 0, 0.25, 0.25, 0.25]));
  const back = decode(encode({ structure: atoms, list: [atoms] })) as {
    structure: Atoms;
    list: Atoms[];
  };
  assert.ok(back.structure instanceof Atoms);
  assert.equal(back.structure.count, 2);
  assert.deepEqual(back.structure, atoms);
  assert.ok(back.list[0] instanceof Atoms);
  assert.notEqual(back.list[0], back.structure);
});

Deno.test("defineEncoding() instances hash by their encoded plain value", () => {
  const a = new Atoms(["H"], new Float64Array([1, 2, 3]));
  const b = new Atoms(["H"], new Float64Array([1, 2, 3]));
  assert.equal(hashValue(a), hashValue(b));
  assert.notEqual(hashValue(a), hashValue(new Atoms(["He"], new Float64Array([1, 2, 3]))));
  assert.notEqual(
    hashValue(a),
    hashValue({ symbols: ["H"], positions: new Float64Array([1, 2, 3]) }),
  );
});

Deno.test("defineEncoding() encodings may nest other declared encodings", () => {
  class Frame {
    constructor(readonly atoms: Atoms, readonly step: number) {}
  }
  defineEncoding(Frame, {
    name: "test.Frame",
    encode: (f): [Atoms, number] => [f.atoms, f.step],
    decode: ([atoms, step]) => new Frame(atoms, step),
  });
  const frame = new Frame(new Atoms(["O"], new Float64Array(3)), 7);
  const back = decode(encode(frame)) as Frame;
  assert.ok(back instanceof Frame && back.atoms instanceof Atoms);
  assert.deepEqual(back, frame);
});

Deno.test("defineEncoding() reports errors inside the plain value at the instance's path", () => {
  class Holder {
    constructor(readonly fn: () => void) {}
  }
  defineEncoding(Holder, {
    name: "test.Holder",
    encode: (h) => ({ fn: h.fn }),
    decode: () => new Holder(() => {}),
  });
  assert.throws(() => encode({ h: new Holder(() => {}) }, { root: "args" }), {
    name: "EncodeError",
    message: "Cannot encode args.h.fn: functions cannot be encoded",
  });
});

Deno.test("defineEncoding() reports a cycle when encode returns the instance itself", () => {
  class Selfish {}
  defineEncoding(Selfish, { name: "test.Selfish", encode: (s) => s, decode: () => new Selfish() });
  assert.throws(() => encode([new Selfish()]), (e: unknown) => {
    assert.ok(e instanceof EncodeError);
    assert.equal(e.reason, "cycle");
    assert.equal(e.message, "Cannot encode value[0]: cycle back to value[0]");
    return true;
  });
});

Deno.test("defineEncoding() does not apply to subclasses", () => {
  class Slab extends Atoms {}
  assert.throws(() => encode(new Slab([], new Float64Array())), {
    message:
      "Cannot encode value: instance of class Slab has no declared encoding (see defineEncoding)",
  });
});

Deno.test("defineEncoding() throws TypeError when the name is used by another class", () => {
  class Other {}
  assert.throws(
    () => defineEncoding(Other, { name: "test.Atoms", encode: () => 0, decode: () => new Other() }),
    {
      name: "TypeError",
      message:
        'Cannot define encoding for class Other: name "test.Atoms" is already used by class Atoms',
    },
  );
});

Deno.test("defineEncoding() throws TypeError when the class is registered under another name", () => {
  assert.throws(
    () =>
      defineEncoding(Atoms, {
        name: "test.Atoms2",
        encode: (a) => a.symbols,
        decode: (s) => new Atoms(s, new Float64Array()),
      }),
    {
      name: "TypeError",
      message: 'Cannot define encoding for class Atoms: it is already registered as "test.Atoms"',
    },
  );
});

Deno.test("defineEncoding() accepts registering the same class under the same name again", () => {
  class Again {
    constructor(readonly v: number) {}
  }
  defineEncoding(Again, { name: "test.Again", encode: (a) => a.v, decode: (v) => new Again(v) });
  defineEncoding(Again, {
    name: "test.Again",
    encode: (a) => a.v * 2,
    decode: (v) => new Again(v / 2),
  });
  assert.deepEqual(encode(new Again(1)).at(-1), 2);
  assert.deepEqual(decode(encode(new Again(1))), new Again(1));
});

Deno.test("defineEncoding() throws TypeError for bad arguments and built-in types", () => {
  class Ok {}
  const fns = { encode: () => 0, decode: () => new Ok() };
  assert.throws(() => defineEncoding(Ok, { name: "", ...fns }), {
    name: "TypeError",
    message: "Cannot define encoding for class Ok: name must be a non-empty string",
  });
  assert.throws(
    () => defineEncoding(Ok, { name: "test.Ok", encode: 1, decode: fns.decode } as never),
    {
      name: "TypeError",
      message: "Cannot define encoding for class Ok: encode and decode must be functions",
    },
  );
  assert.throws(() => defineEncoding((() => {}) as never, { name: "test.Arrow", ...fns }), {
    name: "TypeError",
    message: "Cannot define encoding: cls must be a class",
  });
  for (const cls of [Map, Date, Float64Array, Array, Object, TaggedValue]) {
    assert.throws(
      () => defineEncoding(cls as never, { name: `test.${cls.name}`, ...fns }),
      {
        name: "TypeError",
        message:
          `Cannot define encoding for class ${cls.name}: the codec stores ${cls.name} values itself`,
      },
    );
  }
});

Deno.test("decode() keeps tag 27 with an unregistered name as a TaggedValue", () => {
  const bytes = encode(new TaggedValue(27, ["test.Unknown", { a: 1 }]));
  assert.deepEqual(decode(bytes), new TaggedValue(27, ["test.Unknown", { a: 1 }]));
  assert.equal(preview(decode(bytes)), 'TaggedValue {tag: 27, value: ["test.Unknown", {a: 1}]}');
});

Deno.test("defineEncoding() canonical form counts in hashes, not in the stored form", () => {
  class Located {
    constructor(readonly where: string, readonly what: string) {}
  }
  defineEncoding(Located, {
    name: "test.Located",
    encode: (l) => [l.where, l.what],
    decode: ([where, what]: string[]) => new Located(where, what),
    canonical: (l) => l.what,
  });
  const a = new Located("a", "x");
  const b = new Located("b", "x");
  assert.equal(hashValue(a), hashValue(b));
  assert.notEqual(hashValue(a), hashValue(new Located("a", "y")));
  assert.notDeepEqual(encode(a), encode(b));
  assert.deepEqual(decode(encode(b)), b);
  assert.throws(
    () =>
      defineEncoding(class Bad {}, {
        name: "test.Bad",
        encode: () => 0,
        decode: () => ({}),
        canonical: 1 as unknown as () => unknown,
      }),
    /canonical must be a function/,
  );
});
