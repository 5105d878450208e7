import { encode } from "cbor-x";
import { describe, expect, it } from "vitest";
import { SerializationException } from "../../src/http/errors.js";
import { checkCborBounds, checkJsonBounds } from "../../src/http/protocols/body-bounds.js";

const bounds = { maxDepth: 5, maxMembers: 3, maxItems: 6 };
const json = (text: string) => () => checkJsonBounds(Buffer.from(text), bounds);
const cbor = (value: unknown) => () => checkCborBounds(encode(value), bounds);

describe("JSON bodies are bounded before they are parsed", () => {
  it("lets through what fits, strings and escapes included", () => {
    for (const text of ['{"a":[1,2,3],"b":{}}', "[[[[[]]]]]", '{"a":"[[[[[[[[,,,,,,"}', '["\\"[[[[[[,,,,"]', "[ ]", "{}"]) expect(json(text)).not.toThrow();
  });
  it("refuses nesting past the depth", () => {
    expect(json("[[[[[[]]]]]]")).toThrow(SerializationException);
  });
  it("refuses a container with too many members, and too many items in all", () => {
    expect(json("[1,2,3,4]")).toThrow(SerializationException);
    expect(json('{"a":1,"b":2,"c":3,"d":4}')).toThrow(SerializationException);
    expect(json("[[1,2,3],[1,2,3],[1]]")).toThrow(SerializationException);
    expect(json("[[1,2],[1,2]]")).not.toThrow();
  });
  it("scans 16.8 MB of [[[[ in well under a second", () => {
    const body = Buffer.alloc(16_800_000, "[");
    const started = performance.now();
    expect(() => checkJsonBounds(body)).toThrow(SerializationException);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe("CBOR bodies too", () => {
  it("lets through what fits", () => {
    for (const value of [{ a: [1, 2, 3], b: {} }, [[[[[]]]]], { a: "x".repeat(1000) }, new Uint8Array(70_000)]) expect(cbor(value)).not.toThrow();
    // Indefinite-length map, text in chunks, a tag: bf 61 61 7f 61 62 61 63 ff c1 1a 00 00 00 01 ff
    expect(() => checkCborBounds(Buffer.from("bf61617f61626163ffc11a00000001ff", "hex"), bounds)).not.toThrow();
  });
  it("refuses nesting past the depth, tags included", () => {
    expect(cbor([[[[[[]]]]]])).toThrow(SerializationException);
    expect(() => checkCborBounds(Buffer.from("c1c1c1c1c1c101", "hex"), bounds)).toThrow(SerializationException);
    expect(() => checkCborBounds(Buffer.alloc(16_800_000, 0x81))).toThrow(SerializationException);
  });
  it("refuses a declared length over the bounds before reading it, and indefinite ones as they grow", () => {
    expect(() => checkCborBounds(Buffer.from("9bffffffffffffffff", "hex"), bounds)).toThrow(SerializationException);
    expect(cbor({ a: 1, b: 2, c: 3, d: 4 })).toThrow(SerializationException);
    expect(() => checkCborBounds(Buffer.from("9f0102030405ff", "hex"), bounds)).toThrow(SerializationException);
    expect(cbor([[1, 2, 3], [1, 2, 3], [1]])).toThrow(SerializationException);
  });
  it("refuses a string longer than the body", () => {
    expect(() => checkCborBounds(Buffer.from("7a7fffffff61", "hex"), bounds)).toThrow(SerializationException);
  });
});
