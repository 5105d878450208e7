import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  UpdateShardCountCommand,
  paginateListStreams,
  type KinesisClient,
  type Shard,
} from "@aws-sdk/client-kinesis";
import { emit, kinesisClient, parseVerbArgs, runVerb, UsageError, waitActive, wholeNumber } from "./common.js";

export const STREAMS_USAGE = `usage: kinesis-nats streams ls
       kinesis-nats streams create NAME [--shards N] [--no-wait]
       kinesis-nats streams describe NAME
       kinesis-nats streams delete NAME
       kinesis-nats streams reshard NAME --shards N [--no-wait]

create and reshard wait until the stream is ACTIVE unless --no-wait. reshard is UpdateShardCount
with UNIFORM_SCALING (at most double, at least half the open shards at a time).`;

const OPTIONS = { shards: { type: "string" }, "no-wait": { type: "boolean", default: false } } as const;

/** Every shard of a stream, following ListShards' pages. */
export async function listAllShards(kinesis: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const page = await kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName }));
    shards.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token);
  return shards;
}

async function list(kinesis: KinesisClient, json: boolean): Promise<void> {
  const names: string[] = [];
  for await (const page of paginateListStreams({ client: kinesis }, {})) names.push(...(page.StreamNames ?? []));
  emit(json, names, () => names.join("\n"));
}

async function describe(kinesis: KinesisClient, name: string, json: boolean): Promise<void> {
  const { StreamDescriptionSummary: summary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
  const shards = await listAllShards(kinesis, name);
  emit(json, { ...summary, Shards: shards }, () => {
    const lines = [
      `${summary!.StreamName}  ${summary!.StreamStatus}  ${summary!.StreamModeDetails?.StreamMode ?? "PROVISIONED"}`,
      `  ARN        ${summary!.StreamARN}`,
      `  created    ${summary!.StreamCreationTimestamp?.toISOString()}`,
      `  retention  ${summary!.RetentionPeriodHours} h`,
      `  shards     ${summary!.OpenShardCount} open, ${shards.length} in all`,
      `  consumers  ${summary!.ConsumerCount ?? 0}`,
    ];
    for (const shard of shards) {
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber ? "closed" : "open";
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter(Boolean).join("+");
      lines.push(
        `  ${shard.ShardId}  ${closed.padEnd(6)}  ${shard.HashKeyRange?.StartingHashKey}..${shard.HashKeyRange?.EndingHashKey}${parents ? `  from ${parents}` : ""}`,
      );
    }
    return lines.join("\n");
  });
}

async function create(kinesis: KinesisClient, name: string, shards: number, wait: boolean, json: boolean): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  if (wait) await waitActive(kinesis, name);
  emit(
    json,
    { StreamName: name, ShardCount: shards, StreamStatus: wait ? "ACTIVE" : "CREATING" },
    () => `created ${name} with ${shards} shard${shards === 1 ? "" : "s"}`,
  );
}

async function reshard(kinesis: KinesisClient, name: string, shards: number, wait: boolean, json: boolean): Promise<void> {
  const answer = await kinesis.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: shards, ScalingType: "UNIFORM_SCALING" }));
  if (wait) await waitActive(kinesis, name);
  const result = { StreamName: name, CurrentShardCount: answer.CurrentShardCount, TargetShardCount: answer.TargetShardCount };
  emit(json, result, () => `${name}: ${answer.CurrentShardCount} → ${answer.TargetShardCount} open shards${wait ? "" : " (UPDATING)"}`);
}

async function streams(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseVerbArgs(argv, OPTIONS);
  const [action, name, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
  if (!action) throw new UsageError("streams: which action? ls, create, describe, delete or reshard");
  if (action !== "ls" && !name) throw new UsageError(`streams ${action}: which stream?`);
  const kinesis = kinesisClient(values.endpoint);
  try {
    const wait = !values["no-wait"];
    if (action === "ls") await list(kinesis, values.json);
    else if (action === "describe") await describe(kinesis, name!, values.json);
    else if (action === "create") await create(kinesis, name!, wholeNumber(values.shards, "--shards") ?? 1, wait, values.json);
    else if (action === "delete") {
      await kinesis.send(new DeleteStreamCommand({ StreamName: name!, EnforceConsumerDeletion: true }));
      emit(values.json, { StreamName: name, StreamStatus: "DELETING" }, () => `deleting ${name}`);
    } else if (action === "reshard") {
      const shards = wholeNumber(values.shards, "--shards");
      if (shards === undefined) throw new UsageError("streams reshard: --shards N is required");
      await reshard(kinesis, name!, shards, wait, values.json);
    } else throw new UsageError(`streams: unknown action ${action}`);
  } finally {
    kinesis.destroy();
  }
}

/** `kinesis-nats streams ...`. */
export const runStreams = (argv: readonly string[]): Promise<void> => runVerb(STREAMS_USAGE, argv, streams);
