import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonPieces } from "../../src/http/protocols/json-pieces.js";

/** What JSON.parse says of a text: its value, or that it refuses it. */
function reference(text: string): { value: unknown } | "refused" {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return "refused";
  }
}

function pieces(text: string, pieceBytes: number): { value: unknown } | "refused" {
  try {
    return { value: parseJsonPieces(Buffer.from(text), pieceBytes) };
  } catch (error) {
    expect(error).toBeInstanceOf(SyntaxError);
    return "refused";
  }
}

// Tiny pieces, so that every container of these small texts is split.
const TINY = 1;

describe("JSON parsed in pieces", () => {
  it("gives what JSON.parse gives, for any JSON value, split at every level", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 1, max: 40 }), (value, pieceBytes) => {
        const text = JSON.stringify(value, null, pieceBytes % 3 === 0 ? 1 : undefined);
        expect(pieces(text, pieceBytes)).toEqual(reference(text));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses what JSON.parse refuses, and accepts what it accepts, for mangled texts", () => {
    const texts = fc.tuple(fc.json(), fc.nat(), fc.constantFrom("", ",", ":", "]", "}", "[", "{", '"', "\\", " ", "x")).map(([text, at, insert]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + insert + text.slice(i + (at % 2));
    });
    fc.assert(
      fc.property(texts, (text) => {
        expect(pieces(text, TINY)).toEqual(reference(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("handles the edge cases by hand: trailing commas, empty members, escapes, __proto__, blank containers, multi-byte text", () => {
    const cases = [
      "[1,]",
      "[,1]",
      '{"a":1,}',
      '{"a" 1}',
      '{"a":}',
      '{,"a":1}',
      "[1]]",
      "[[1]",
      '["a\\"],"]',
      '["a\\\\",1]',
      '{"__proto__":{"x":1},"b":2}',
      '{"a":1,"a":2}',
      "[   ]",
      "{   }",
      '{"ü✓🚀":["ünï", "\\ud83d\\ude80"]}',
      " [1, 2] ",
      "",
      "   ",
    ];
    for (const text of cases) expect([text, pieces(text, TINY)]).toEqual([text, reference(text)]);
    const proto = parseJsonPieces(Buffer.from('{"__proto__":{"x":1}}'), TINY) as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(["__proto__"]);
  });

  it("parses a PutRecords body of 500 records of 1 KiB as JSON.parse does", () => {
    const records = Array.from({ length: 500 }, (_, i) => ({ Data: Buffer.alloc(1024, i).toString("base64"), PartitionKey: `pk-${i}-ü` }));
    const text = JSON.stringify({ StreamName: "s", Records: records });
    expect(parseJsonPieces(Buffer.from(text))).toEqual(JSON.parse(text));
  });
});
