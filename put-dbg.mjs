import { KinesisClient, CreateStreamCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
const k = new KinesisClient({ endpoint: process.argv[2], region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, ...(process.env.H1 && { requestHandler: new NodeHttpHandler() }) });
const stream = process.argv[3];
if (process.argv[5] === "create") await k.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
const n = Number(process.argv[4]);
for (let o = 0; o < n; o += 500) {
  const Records = Array.from({ length: Math.min(500, n - o) }, (_, i) => ({ PartitionKey: `pk-${(o + i) % 37}`, Data: Buffer.alloc(100, o + i) }));
  await k.send(new PutRecordsCommand({ StreamName: stream, Records }));
}
k.destroy();
