import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeSequenceNumber, encodeSequenceNumber, type SequenceNumberParts } from "../../src/kinesis/codecs/sequence-number.js";

const parts = fc.record({
  shardCreatedAtSeconds: fc.integer({ min: 1_300_000_000, max: 4_000_000_000 }),
  shardIndex: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  position: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  arrivalSeconds: fc.integer({ min: 1_300_000_000, max: 4_000_000_000 }),
});

describe("sequence numbers", () => {
  it("have the 56 decimal digits of the real service and decode back", () => {
    fc.assert(
      fc.property(parts, (p: SequenceNumberParts) => {
        const text = encodeSequenceNumber(p);
        expect(text).toMatch(/^\d{56}$/);
        expect(decodeSequenceNumber(text)).toEqual(p);
      }),
    );
  });

  it("increase with the JetStream position within a shard, whatever the arrival times", () => {
    fc.assert(
      fc.property(parts, fc.bigInt({ min: 1n, max: 1n << 40n }), fc.integer({ min: 0, max: 10_000 }), (p, step, earlier) => {
        const a = BigInt(encodeSequenceNumber(p));
        const b = BigInt(encodeSequenceNumber({ ...p, position: p.position + step, arrivalSeconds: p.arrivalSeconds - earlier }));
        if (p.position + step < 1n << 64n) expect(b > a).toBe(true);
      }),
    );
  });

  it("decode a real Kinesis number's layout", () => {
    // From the AWS documentation: shard 0, created 2015-01-14, counter 0x1d5.
    expect(decodeSequenceNumber("49546986683135544286507457936321625675700192471156785154")).toEqual({
      shardCreatedAtSeconds: 0x54b6fffe,
      shardIndex: 0,
      position: 0x1d5n,
      arrivalSeconds: 0x54b7009a,
    });
  });

  it("refuse what this server could not have made", () => {
    for (const bad of ["0", "12345", "1".repeat(56), "9".repeat(57), "4954698668313554428650745793632162567570019247115678515x"]) {
      expect(decodeSequenceNumber(bad)).toBeUndefined();
    }
  });
});
