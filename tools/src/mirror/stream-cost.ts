import { parseArgs } from "node:util";
import { renderCost } from "../bench/cost-comparison.js";
import { UsageError } from "../bench/options.js";
import { connectSource } from "./clients.js";
import { listShards } from "./layout.js";
import { observeStream, trafficCost } from "./report.js";
import { pollingReader } from "./source-reader.js";
import { Traffic } from "./traffic.js";

/**
 * `bench cost --from-stream NAME`: prices a stream's real traffic without mirroring it: reads
 * what arrived on every shard in the last `--window` seconds (GetRecords from AT_TIMESTAMP)
 * and runs it through the same cost model as `mirror --report`.
 */
export async function runStreamCostCommand(argv: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: false,
      options: { "from-stream": { type: "string" }, endpoint: { type: "string" }, region: { type: "string" }, window: { type: "string", default: "60" } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  const tokens = argv;
  const stream = values["from-stream"];
  if (typeof stream !== "string") throw new UsageError("--from-stream names the stream to price");
  const windowSeconds = Number(values.window);
  if (!(windowSeconds > 0)) throw new UsageError(`--window must be a number of seconds above 0, not ${JSON.stringify(values.window)}`);
  const own = new Set(["--from-stream", "--endpoint", "--region", "--window"]);
  const costArgv = tokens.filter((t, i) => !own.has(t) && !own.has(tokens[i - 1] ?? ""));
  const endpoint = values.endpoint as string | undefined;
  const region = values.region as string | undefined;
  const { client } = await connectSource({
    ...(endpoint !== undefined && { sourceEndpoint: endpoint }),
    ...(region !== undefined && { region }),
  });
  try {
    const traffic = new Traffic();
    const from = { type: "AT_TIMESTAMP" as const, timestamp: new Date(Date.now() - windowSeconds * 1000).toISOString() };
    const context = { client, stream, pollMs: 0, signal: new AbortController().signal, onThrottle: () => void traffic.throttled++ };
    // Closed shards too: a reshard within the window leaves part of its traffic in the parents.
    const shards = await listShards(client, stream);
    await Promise.all(
      shards.map(async (shard) => {
        const reader = pollingReader(context, shard.id, from);
        for (;;) {
          const batch = await reader.next();
          traffic.copied(batch.records);
          // Read to the tip: an empty answer with lag left is a gap in the shard, not its end.
          if (batch.ended || (batch.records.length === 0 && (batch.millisBehindLatest ?? 0) === 0)) return;
        }
      }),
    );
    const observed = await observeStream(client, stream);
    const comparison = trafficCost(traffic, observed, costArgv, windowSeconds);
    console.log(costArgv.includes("--json") ? JSON.stringify(comparison, null, 2) : renderCost(comparison));
  } finally {
    client.destroy();
  }
}
