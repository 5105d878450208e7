import { describe, expect, it } from "vitest";
import { checkConstraints } from "../../src/http/protocols/constraints.js";
import { kinesisModel } from "../../src/kinesis/model.js";

const message = (shape: string, input: Record<string, unknown>): string | undefined => {
  try {
    checkConstraints(kinesisModel, shape, input);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

describe("model constraints in the service's words", () => {
  it("report required members as null, and check patterns before lengths", () => {
    expect(message("GetShardIteratorInput", {})).toBe(
      "2 validation errors detected: Value null at 'shardId' failed to satisfy constraint: Member must not be null; Value null at 'shardIteratorType' failed to satisfy constraint: Member must not be null",
    );
    expect(message("DescribeStreamInput", { StreamName: "" })).toBe(
      "2 validation errors detected: Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it("report nested members with their path, and map rules once on the map", () => {
    expect(message("CreateStreamInput", { StreamName: "s", StreamModeDetails: {} })).toBe(
      "1 validation error detected: Value null at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must not be null",
    );
    expect(message("CreateStreamInput", { StreamName: "s", Tags: { a: "1", ["k".repeat(129)]: "v" } })).toBe(
      `1 validation error detected: Value '{a=1, ${"k".repeat(129)}=v}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]`,
    );
  });

  it("stop at ten errors", () => {
    const records = Array.from({ length: 20 }, () => ({ PartitionKey: "", Data: Buffer.alloc(1) }));
    const text = message("PutRecordsInput", { StreamName: "s", Records: records })!;
    expect(text.startsWith("10 validation errors detected: ")).toBe(true);
    expect(text.split("; ")).toHaveLength(10);
    expect(text).toContain("at 'records.10.member.partitionKey'");
  });

  it("take the record size limit of the stream when given one", () => {
    expect(message("PutRecordInput", { StreamName: "s", PartitionKey: "k", Data: Buffer.alloc(2 * 1024 * 1024) })).toBeUndefined();
    expect(() =>
      checkConstraints(kinesisModel, "PutRecordInput", { StreamName: "s", PartitionKey: "k", Data: Buffer.alloc(1025) }, { maxBlobBytes: 1024 }),
    ).toThrow(
      "Value 'java.nio.HeapByteBuffer[pos=0 lim=1025 cap=1025]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 1024",
    );
  });
});

describe("structures in messages, as Java prints them", () => {
  const namesIn = (text: string): string[] => [...text.matchAll(/com\.amazonaws\.kinesis\.v20131202\.PutRecordsRequestEntry@([0-9a-f]+)/g)].map((m) => m[1]!);

  it("print equal entries alike and different ones apart, whatever the order of their members", () => {
    const entry = { PartitionKey: "k", Data: Buffer.from("x") };
    const reordered = { Data: Buffer.from("x"), PartitionKey: "k" };
    const other = { PartitionKey: "k", Data: Buffer.from("y") };
    const records = [...Array.from({ length: 499 }, () => ({ ...entry })), reordered, other];
    const text = message("PutRecordsInput", { StreamName: "s", Records: records })!;
    expect(text).toMatch(
      /^1 validation error detected: Value '\[(com\.amazonaws\.kinesis\.v20131202\.PutRecordsRequestEntry@[0-9a-f]+, ){500}com\.amazonaws\.kinesis\.v20131202\.PutRecordsRequestEntry@[0-9a-f]+\]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500$/,
    );
    const names = namesIn(text);
    expect(names).toHaveLength(501);
    expect(new Set(names.slice(0, 500)).size).toBe(1);
    expect(names[500]).not.toBe(names[0]);
  });
});
