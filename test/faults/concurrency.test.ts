import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { sdkClient, startTestServer, uniqueStreamName } from "../support/server.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

describe("16 clients writing to the same shards at once", () => {
  it("never get the same sequence number twice, lose nothing, and read back each shard in order", async () => {
    const setup = sdkClient(server);
    const stream = uniqueStreamName();
    await setup.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    const clients = Array.from({ length: 16 }, () => sdkClient(server));
    const acknowledged = new Map<string, string>();
    await Promise.all(
      clients.map(async (kinesis, c) => {
        for (let batch = 0; batch < 10; batch++) {
          const records = Array.from({ length: 50 }, (_, i) => ({ PartitionKey: `key-${i % 4}`, Data: Buffer.from(`${c}.${batch}.${i}`) }));
          const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
          expect(out.FailedRecordCount).toBe(0);
          out.Records!.forEach((r, i) => acknowledged.set(r.SequenceNumber!, `${c}.${batch}.${i}`));
        }
      }),
    );
    expect(acknowledged.size).toBe(16 * 10 * 50);

    const read = new Map<string, string>();
    for (const shardId of ["shardId-000000000000", "shardId-000000000001"]) {
      const numbers: bigint[] = [];
      let iterator = (await setup.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
      for (;;) {
        const out = await setup.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        for (const r of out.Records ?? []) {
          read.set(r.SequenceNumber!, Buffer.from(r.Data!).toString());
          numbers.push(BigInt(r.SequenceNumber!));
        }
        if (!out.Records?.length) break;
        iterator = out.NextShardIterator;
      }
      expect(numbers).toEqual([...numbers].sort((a, b) => (a < b ? -1 : 1)));
    }
    expect(read).toEqual(acknowledged);
    [setup, ...clients].forEach((c) => c.destroy());
  }, 60_000);
});
