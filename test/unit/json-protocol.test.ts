import { describe, expect, it } from "vitest";
import { kinesisJson as jsonProtocol } from "../../src/kinesis/model.js";

/** What an AWS JSON 1.1 client reads back from an answer the server wrote. */
function roundTrip(shapeName: string, output: unknown): unknown {
  return JSON.parse(jsonProtocol.encodeOutput(shapeName, output).toString("utf8"));
}

describe("JSON answers", () => {
  it("writes any string a partition key may hold so that JSON.parse gives it back", () => {
    const keys = ["plain", 'quote " and \\ backslash', "tab\tnew\nline\u0001", "ünïcödé ✓ 🚀", "\u2028\u2029", ""];
    const output = {
      Records: keys.map((PartitionKey, i) => ({ SequenceNumber: String(i), Data: new Uint8Array([i]), PartitionKey })),
      MillisBehindLatest: 0,
    };
    const answer = roundTrip("GetRecordsOutput", output) as { Records: { PartitionKey: string; Data: string }[] };
    expect(answer.Records.map((r) => r.PartitionKey)).toEqual(keys);
    expect(answer.Records.map((r) => Buffer.from(r.Data, "base64")[0])).toEqual(keys.map((_, i) => i));
  });

  it("writes answers far larger than its first buffer, byte for byte", () => {
    const data = Buffer.alloc(100 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    const output = {
      Records: Array.from({ length: 40 }, (_, i) => ({ SequenceNumber: String(i), Data: data, PartitionKey: `pk-✓-${i}` })),
      MillisBehindLatest: 7,
    };
    const answer = roundTrip("GetRecordsOutput", output) as { Records: { Data: string; PartitionKey: string }[]; MillisBehindLatest: number };
    expect(answer.Records).toHaveLength(40);
    expect(answer.Records.every((r, i) => r.PartitionKey === `pk-✓-${i}` && Buffer.from(r.Data, "base64").equals(data))).toBe(true);
    expect(answer.MillisBehindLatest).toBe(7);
  });

  it("writes timestamps as epoch seconds, empty structures as {} and leaves absent members out", () => {
    const answer = roundTrip("DescribeStreamSummaryOutput", {
      StreamDescriptionSummary: { StreamName: "s", StreamCreationTimestamp: new Date(1_700_000_000_250), EnhancedMonitoring: [{}], RetentionPeriodHours: 24 },
    });
    expect(answer).toEqual({
      StreamDescriptionSummary: { StreamName: "s", StreamCreationTimestamp: 1_700_000_000.25, EnhancedMonitoring: [{}], RetentionPeriodHours: 24 },
    });
  });
});
