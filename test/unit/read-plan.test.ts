import { describe, expect, it } from "vitest";
import { recountsPendingPerMessage, scopeNearTail, STREAM_READ_BAND_BYTES, TIP_POSITIONS } from "../../src/jetstream/read-plan.js";

describe("recountsPendingPerMessage", () => {
  it("is true before 2.9.15 and false from it on", () => {
    for (const version of ["2.9.0", "2.9.10", "v2.9.14", "2.8.4", "2.9.10-RC.1"]) expect(recountsPendingPerMessage(version), version).toBe(true);
    for (const version of ["2.9.15", "2.9.25", "2.10.0", "2.10.27", "v2.11.3", "2.15.1", "3.0.0"])
      expect(recountsPendingPerMessage(version), version).toBe(false);
  });

  it("is false for a version it cannot read", () => {
    expect(recountsPendingPerMessage(undefined)).toBe(false);
    expect(recountsPendingPerMessage("nightly")).toBe(false);
  });
});

describe("scopeNearTail", () => {
  // 1,000,000 messages of 150 bytes: the band is the last ~167,000 positions.
  const tail = { lastSequence: 1_000_000n, messages: 1_000_000, bytes: 150_000_000 };
  const band = Math.floor(STREAM_READ_BAND_BYTES / 150);
  const at = (sequence: bigint) => scopeNearTail({ kind: "sequence", sequence }, tail);

  it("reads the shard's subject far from the end", () => {
    expect(at(1n)).toBe("shard");
    expect(at(tail.lastSequence - BigInt(band) - 1n)).toBe("shard");
  });

  it("reads the whole stream within the band", () => {
    expect(at(tail.lastSequence - BigInt(band) + 2n)).toBe("stream");
    expect(at(tail.lastSequence - BigInt(TIP_POSITIONS))).toBe("stream");
  });

  it("reads the shard's subject again at the tip, and past the end", () => {
    expect(at(tail.lastSequence - BigInt(TIP_POSITIONS) + 1n)).toBe("shard");
    expect(at(tail.lastSequence + 1n)).toBe("shard");
  });

  it("reads the whole stream from a time, and a short stream whole", () => {
    expect(scopeNearTail({ kind: "timestamp", at: 0 }, tail)).toBe("stream");
    expect(scopeNearTail({ kind: "sequence", sequence: 1n }, { lastSequence: 50_000n, messages: 50_000, bytes: 7_500_000 })).toBe("stream");
  });
});
