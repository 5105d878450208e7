import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShardIteratorCodec, type ShardIterator } from "../../src/kinesis/codecs/shard-iterator.js";

const iterators = fc.record({
  streamName: fc.stringMatching(/^[a-zA-Z0-9_.-]{1,128}$/),
  streamCreatedAt: fc.integer({ min: 0, max: 2 ** 45 }),
  shardIndex: fc.integer({ min: 0, max: 2 ** 31 }),
  issuedAt: fc.integer({ min: 0, max: 2 ** 45 }),
  position: fc.oneof(
    fc.record({ kind: fc.constant("sequence" as const), sequence: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
    fc.record({ kind: fc.constant("timestamp" as const), at: fc.integer({ min: 0, max: 2 ** 45 }) }),
  ),
});

describe("shard iterators", () => {
  const codec = new ShardIteratorCodec(randomBytes(32));

  it("round-trip, stay within the model's 512 characters, and look like base64", () => {
    fc.assert(
      fc.property(iterators, (it: ShardIterator) => {
        const text = codec.encode(it);
        expect(text.length).toBeLessThanOrEqual(512);
        expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
        expect(codec.decode(text)).toEqual(it);
      }),
    );
  });

  it("are refused when any bit changes, or when signed with another key", () => {
    fc.assert(
      fc.property(iterators, fc.nat(), fc.integer({ min: 0, max: 7 }), (it, at, bit) => {
        const bytes = Buffer.from(codec.encode(it), "base64");
        const i = at % bytes.length;
        bytes[i] = bytes[i]! ^ (1 << bit);
        expect(codec.decode(bytes.toString("base64"))).toBeUndefined();
      }),
    );
    const other = new ShardIteratorCodec(randomBytes(32));
    const sample = fc.sample(iterators, 1)[0]!;
    expect(other.decode(codec.encode(sample))).toBeUndefined();
    expect(codec.decode("")).toBeUndefined();
    expect(codec.decode("not base64 at all!")).toBeUndefined();
  });
});
