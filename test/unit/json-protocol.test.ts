import { describe, expect, it } from "vitest";
import { decodeJsonInput } from "../../src/http/protocols/json-input.js";
import { kinesisJson as jsonProtocol, kinesisModel } from "../../src/kinesis/model.js";

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

/** What the protocol makes of a body: the input, or the error a client would be sent. */
function decoded(shapeName: string, body: string): unknown {
  try {
    return jsonProtocol.decodeInput(shapeName, jsonProtocol.parseBody(Buffer.from(body)));
  } catch (error) {
    return { type: (error as { type?: string }).type, message: (error as Error).message };
  }
}

/** The same from JSON.parse's strings, as every body was decoded before long strings were left as bytes. */
function reference(shapeName: string, body: string): unknown {
  try {
    return decodeJsonInput(kinesisModel, shapeName, JSON.parse(body));
  } catch (error) {
    return { type: (error as { type?: string }).type ?? "SerializationException", message: error instanceof SyntaxError ? "" : (error as Error).message };
  }
}

const putRecordBody = (data: string): string => `{"StreamName":"s","PartitionKey":"k","Data":"${data}"}`;

describe("JSON requests with long strings (over 4 KiB, left as bytes; over a piece of 48 KiB)", () => {
  it("decodes a blob from the body's bytes as it decodes a short one, at every size around the pieces", () => {
    // 3,072 bytes are 4,096 characters of base64: around the size past which strings stay bytes.
    for (const size of [
      0, 1, 2, 3, 3_068, 3_069, 3_070, 3_071, 3_072, 3_073, 3_074, 3_075, 36_863, 36_864, 36_865, 49_151, 49_152, 49_153, 98_303, 98_304, 98_305, 102_400,
      1_048_576,
    ]) {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = (i * 131 + size) & 0xff;
      const input = decoded("PutRecordInput", putRecordBody(data.toString("base64"))) as { Data: Uint8Array };
      expect([size, Buffer.from(input.Data).equals(data)]).toEqual([size, true]);
    }
  });

  it("refuses bad base64 in a long blob with the error and message a short one gets", () => {
    for (const length of [6_000, 60_000]) {
      const good = Buffer.alloc(length, 7).toString("base64");
      const at = (share: number): number => Math.floor((good.length * share) / 4) * 4;
      const cases = {
        "url alphabet": good.slice(0, 100) + "-_" + good.slice(102),
        "a character outside base64": good.slice(0, at(0.6)) + "*" + good.slice(at(0.6) + 1),
        "padding inside": good.slice(0, at(0.8)) + "==" + good.slice(at(0.8) + 2),
        "a length not a multiple of 4": good + "A",
        "padding after bits left over": good.slice(0, -4) + "AAB=",
        "a raw control character": good.slice(0, at(0.85)) + "\t" + good.slice(at(0.85) + 1),
        "multi-byte text": good.slice(0, at(0.85)) + "ü" + good.slice(at(0.85) + 2),
      };
      for (const [name, text] of Object.entries(cases)) {
        const body = putRecordBody(text);
        const answer = decoded("PutRecordInput", body);
        expect([length, name, answer]).toEqual([length, name, reference("PutRecordInput", body)]);
        expect([length, name, (answer as { type?: string }).type]).toEqual([length, name, "SerializationException"]);
      }
    }
  });

  it("decodes a PutRecords body of 500 records of 10 KiB as JSON.parse's strings decode", () => {
    const records = Array.from({ length: 500 }, (_, i) => ({
      Data: Buffer.alloc(10_240, i).toString("base64"),
      PartitionKey: `key-${i}`,
      ExplicitHashKey: `${i}`,
    }));
    const body = JSON.stringify({ StreamName: "s", Records: records });
    // Blobs as base64 text: a deep comparison of 5 MB of bytes, byte by byte, takes seconds.
    const asText = (input: unknown) => {
      const { Records, ...rest } = input as { Records: { Data: Uint8Array }[] };
      return { ...rest, Records: Records.map((r) => ({ ...r, Data: Buffer.from(r.Data).toString("base64") })) };
    };
    expect(asText(decoded("PutRecordsInput", body))).toEqual(asText(reference("PutRecordsInput", body)));
    expect(asText(decoded("PutRecordsInput", body)).Records).toEqual(records);
  });

  it("gives a long string where a boolean or a number belongs the error a short one gets", () => {
    const long = "x".repeat(5_000);
    for (const body of [`{"StreamName":"s","EnforceConsumerDeletion":"${long}"}`, `{"StreamName":"s","EnforceConsumerDeletion":"${long}true"}`]) {
      expect(decoded("DeleteStreamInput", body)).toEqual(reference("DeleteStreamInput", body));
    }
    const withNumber = `{"StreamName":"s","RetentionPeriodHours":"${long}"}`;
    expect(decoded("IncreaseStreamRetentionPeriodInput", withNumber)).toEqual(reference("IncreaseStreamRetentionPeriodInput", withNumber));
    expect(decoded("IncreaseStreamRetentionPeriodInput", withNumber)).toMatchObject({ type: "SerializationException" });
  });

  it("takes escapes in a long string as JSON.parse does", () => {
    const bytes = Buffer.alloc(60_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i & 0xff;
    // Some encoders write "/" as "\/": the same text, so the same bytes.
    const escaped = bytes.toString("base64").replaceAll("/", "\\/");
    const input = decoded("PutRecordInput", putRecordBody(escaped)) as { Data: Uint8Array };
    expect(Buffer.from(input.Data).equals(bytes)).toBe(true);
  });

  it("gives a long string member its text, as JSON.parse does, to be checked against its limits", () => {
    const name = "n".repeat(60_000);
    const body = `{"StreamName":"${name}","PartitionKey":"k","Data":""}`;
    expect(decoded("PutRecordInput", body)).toEqual(reference("PutRecordInput", body));
    expect((decoded("PutRecordInput", body) as { StreamName: string }).StreamName).toBe(name);
    const withTab = `{"StreamName":"${name}\t${name}","PartitionKey":"k","Data":""}`;
    expect(decoded("PutRecordInput", withTab)).toEqual(reference("PutRecordInput", withTab));
  });

  it("writes blobs of every size around its pieces byte for byte", () => {
    for (const size of [49_151, 49_152, 49_153, 65_536, 98_304, 98_305, 150_000]) {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = (i * 7 + 3) & 0xff;
      const answer = roundTrip("GetRecordsOutput", {
        Records: [
          { SequenceNumber: "1", Data: data, PartitionKey: "k" },
          { SequenceNumber: "2", Data: data.subarray(1), PartitionKey: "k" },
        ],
        MillisBehindLatest: 0,
      }) as {
        Records: { Data: string }[];
      };
      expect([size, answer.Records.map((r) => r.Data)]).toEqual([size, [data.toString("base64"), data.subarray(1).toString("base64")]]);
    }
  });
});
