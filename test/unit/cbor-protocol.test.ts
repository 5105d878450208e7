import { cbor } from "@smithy/core/cbor";
import { describe, expect, it } from "vitest";
import { kinesisCbor as cborProtocol } from "../../src/kinesis/model.js";

describe("CBOR event payloads (SubscribeToShardEvent)", () => {
  const event = {
    Records: [{ SequenceNumber: "1".repeat(56), ApproximateArrivalTimestamp: new Date(1_700_000_000_123), Data: new Uint8Array([1, 2, 3]), PartitionKey: "k" }],
    ContinuationSequenceNumber: "1".repeat(56),
    MillisBehindLatest: 2 ** 40,
  };

  it("writes the event as the Java SDK reads it: byte strings, integer-ms timestamps, integers, no absent members", () => {
    const payload = cborProtocol.encodeOutput("SubscribeToShardEvent", event);
    const decoded = cbor.deserialize(payload);
    expect(Object.keys(decoded)).toEqual(["Records", "ContinuationSequenceNumber", "MillisBehindLatest"]);
    expect([...decoded.Records[0].Data]).toEqual([1, 2, 3]);
    expect(decoded.Records[0].ApproximateArrivalTimestamp).toMatchObject({ tag: 1, value: 1_700_000_000_123 });
    // 2^40 as a CBOR integer (major type 0, 8 bytes), not the float64 cbor-x writes by default.
    expect(payload.includes(Buffer.from([0x1b, 0, 0, 1, 0, 0, 0, 0, 0]))).toBe(true);
    expect(decoded.MillisBehindLatest).toBe(2 ** 40);
  });
});
