import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CreateTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { ProcessWatch, spawnServer, stopServer } from "../server-process.js";
import { connectKinesis, createStream, deleteStream } from "./kinesis-target.js";
import { summarizeLatency } from "./stats.js";
import { count, formatTable, ms } from "./table.js";

/**
 * `bench leases`: what a KCL fleet asks of our DynamoDB. KCL renews every lease about every
 * 3 s by a conditional UpdateItem on its counter (../shared/KCL-DYNAMODB-FACTS.md §3.1), so
 * 1,000 leases are ~300 renewals/s. Renewers run that call as fast as the server answers it,
 * each on leases of its own (no conflicts, as a healthy fleet) and then all on the same few
 * leases (conflicts, as workers fighting over a lease); PutRecord with the same concurrency on
 * the same server is the Kinesis figure beside it.
 */
interface LeaseBenchOptions {
  readonly leases: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly memory: boolean;
  readonly natsUrl?: string;
}

function parse(argv: readonly string[]): LeaseBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      leases: { type: "string", default: "1000" },
      concurrency: { type: "string", default: "32" },
      seconds: { type: "string", default: "5" },
      memory: { type: "boolean", default: false },
      "nats-url": { type: "string" },
    },
  });
  return {
    leases: Number(values.leases),
    concurrency: Number(values.concurrency),
    seconds: Number(values.seconds),
    memory: values.memory,
    natsUrl: values["nats-url"],
  };
}

interface CallRun {
  readonly name: string;
  readonly calls: number;
  readonly refused: number;
  readonly seconds: number;
  readonly latencies: number[];
  readonly clientCpu: number;
  readonly serverCpu?: number;
  readonly natsCpu?: number;
}

/** `call` from `concurrency` loops for `seconds`; a call that throws ConditionalCheckFailed counts as refused. */
async function timed(name: string, watch: ProcessWatch, options: LeaseBenchOptions, call: (loop: number, n: number) => Promise<void>): Promise<CallRun> {
  const latencies: number[] = [];
  let refused = 0;
  const begin = watch.beginRun();
  const started = performance.now();
  const stopAt = started + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, loop) => {
      for (let n = 0; performance.now() < stopAt; n++) {
        const callStarted = performance.now();
        try {
          await call(loop, n);
        } catch (error) {
          if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
          refused++;
        }
        latencies.push(performance.now() - callStarted);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const { cpu } = watch.endRun(begin);
  return { name, calls: latencies.length, refused, seconds, latencies, clientCpu: cpu.client, serverCpu: cpu.server, natsCpu: cpu.nats };
}

function render(runs: readonly CallRun[]): string {
  const perCall = (cpu: number | undefined, run: CallRun): string => (cpu === undefined ? "—" : ((cpu * 1e6) / run.calls).toFixed(0));
  const rows = runs.map((run) => {
    const latency = summarizeLatency(run.latencies);
    return [
      run.name,
      count(run.calls / run.seconds),
      count(run.refused),
      ms(latency?.p50),
      ms(latency?.p99),
      perCall(run.serverCpu, run),
      perCall(run.natsCpu, run),
      perCall(run.clientCpu, run),
    ];
  });
  const headers = ["calls", "calls/s", "refused", "p50 ms", "p99 ms", "server µs/call", "nats µs/call", "client (SDK) µs/call"];
  return formatTable(headers, rows, new Set([1, 2, 3, 4, 5, 6, 7]));
}

export async function runLeaseBench(argv: readonly string[]): Promise<void> {
  const options = parse(argv);
  const dataDir = mkdtempSync(join(tmpdir(), "kinesis-lease-bench-"));
  const server = await spawnServer({ memory: options.memory, natsUrl: options.natsUrl }, dataDir);
  const watch = new ProcessWatch(server.child.pid, server.natsPid);
  // The SDK's defaults but for enough sockets for every loop, as a KCL worker's Netty pool has.
  const requestHandler = new NodeHttpHandler({ httpAgent: { maxSockets: options.concurrency, keepAlive: true } });
  const dynamo = new DynamoDBClient({
    endpoint: server.url,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    requestHandler,
  });
  const { client: kinesis } = await connectKinesis({ endpoint: server.url, region: "us-east-1", anyCredentials: true });
  const table = `bench-leases-${randomBytes(3).toString("hex")}`;
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: "leaseKey", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "leaseKey", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const counters = Array.from({ length: options.leases }, () => 0);
    const leaseKey = (n: number): string => `shardId-${String(n).padStart(12, "0")}`;
    for (let first = 0; first < options.leases; first += 50) {
      await Promise.all(
        counters.slice(first, first + 50).map((_, i) =>
          dynamo.send(
            new PutItemCommand({
              TableName: table,
              Item: { leaseKey: { S: leaseKey(first + i) }, leaseCounter: { N: "0" }, leaseOwner: { S: "bench" }, checkpoint: { S: "TRIM_HORIZON" } },
              Expected: { leaseKey: { Exists: false } },
            }),
          ),
        ),
      );
    }
    // renewLease: the counter as last seen, moved on by one.
    const renew = async (lease: number): Promise<void> => {
      const seen = counters[lease]!;
      try {
        await dynamo.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { leaseKey: { S: leaseKey(lease) } },
            Expected: { leaseCounter: { Value: { N: String(seen) } }, leaseOwner: { Value: { S: "bench" } } },
            AttributeUpdates: { leaseCounter: { Value: { N: String(seen + 1) }, Action: "PUT" } },
          }),
        );
        counters[lease] = Math.max(counters[lease]!, seen + 1);
      } catch (error) {
        // Lost to another renewer: learn the counter as KCL would by reading the lease again.
        if ((error as Error).name === "ConditionalCheckFailedException") counters[lease] = Math.max(counters[lease]!, seen + 1);
        throw error;
      }
    };
    const perLoop = Math.max(1, Math.floor(options.leases / options.concurrency));
    const runs: CallRun[] = [];
    // A warm-up, so that the first run does not pay for the JIT and the connections.
    await timed("warm-up", watch, { ...options, seconds: 1 }, (loop, n) => renew(loop * perLoop + (n % perLoop)));
    runs.push(
      await timed(`UpdateItem renew, ${count(options.leases)} leases, no conflicts`, watch, options, (loop, n) =>
        renew((loop * perLoop + (n % perLoop)) % options.leases),
      ),
    );
    runs.push(await timed("UpdateItem renew, 4 leases for all (conflicts)", watch, options, (_, n) => renew(n % 4)));
    const stream = await createStream(kinesis, `bench-leases-${randomBytes(3).toString("hex")}`, 4);
    const record = randomBytes(1024);
    try {
      runs.push(
        await timed("Kinesis PutRecord, 1 KiB", watch, options, async (loop, n) => {
          await kinesis.send(new PutRecordCommand({ StreamName: stream.name, PartitionKey: `k${loop}-${n}`, Data: record }));
        }),
      );
    } finally {
      await deleteStream(kinesis, stream.name).catch(() => undefined);
    }
    console.log(
      `Lease table bench: conditional UpdateItem as KCL renews a lease, ${options.concurrency} calls in flight, ${options.seconds} s each, ${options.memory ? "memory" : "file"} storage, one server instance`,
    );
    console.log(render(runs));
    const healthy = runs[0]!;
    console.log(
      `KCL renews a lease about every 3 s: ${count(healthy.calls / healthy.seconds)} renewals/s keep ${count((healthy.calls / healthy.seconds) * 3)} leases alive (target: 3,000/s, 10,000 leases)`,
    );
  } finally {
    dynamo.destroy();
    kinesis.destroy();
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
