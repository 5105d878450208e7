import { selectShards, type ShardSelection } from "../../shards/shard-filter.js";
import { shardIndexOfArgument } from "../../shards/shard-id.js";
import type { RequestContext } from "../context.js";
import { InvalidArgumentException } from "../errors.js";
import type { ListShardsInput } from "../generated/model.js";
import { defineOperation } from "../operation.js";
import { wireShard } from "../resources/shard-view.js";
import { findStream, statusOf, streamNameOf } from "../resources/stream-ref.js";
import { streamNotFound } from "../messages.js";

const MAX_SHARDS_PER_PAGE = 1000;

/** What a NextToken carries: enough to list the next page with no other input. */
interface ListShardsToken {
  readonly stream: string;
  readonly createdAt: number;
  readonly selection: ShardSelection;
  readonly afterIndex: number;
}

function checkExclusive(input: ListShardsInput): void {
  if (input.NextToken === undefined) {
    if (input.StreamName === undefined && input.StreamARN === undefined) {
      throw new InvalidArgumentException("Either NextToken or StreamName should be provided.");
    }
    return;
  }
  const conflicts: [unknown, string][] = [
    [input.StreamName ?? input.StreamARN, "StreamName"],
    [input.ExclusiveStartShardId, "ExclusiveStartShardId"],
    [input.ShardFilter, "ShardFilter"],
    [input.StreamCreationTimestamp, "StreamCreationTimestamp"],
  ];
  for (const [value, name] of conflicts) {
    if (value !== undefined) throw new InvalidArgumentException(`NextToken and ${name} cannot be provided together.`);
  }
}

function selectionOf(filter: ListShardsInput["ShardFilter"]): ShardSelection {
  if (!filter) return { type: "FROM_TRIM_HORIZON" };
  const { Type: type, ShardId: shardId, Timestamp: timestamp } = filter;
  if (shardId !== undefined && type !== "AFTER_SHARD_ID") {
    throw new InvalidArgumentException(`ShardId can only be used with ShardFilter type AFTER_SHARD_ID, not ${type}.`);
  }
  if (timestamp !== undefined && type !== "AT_TIMESTAMP" && type !== "FROM_TIMESTAMP") {
    throw new InvalidArgumentException(`Timestamp can only be used with ShardFilter types AT_TIMESTAMP and FROM_TIMESTAMP, not ${type}.`);
  }
  switch (type) {
    case "AFTER_SHARD_ID": {
      if (shardId === undefined) throw new InvalidArgumentException("ShardFilter type AFTER_SHARD_ID requires a ShardId.");
      return { type, afterIndex: shardIndexOfArgument(shardId) ?? -1 };
    }
    case "AT_TIMESTAMP":
    case "FROM_TIMESTAMP":
      if (timestamp === undefined) throw new InvalidArgumentException(`ShardFilter type ${type} requires a Timestamp.`);
      return { type, at: timestamp.getTime() };
    default:
      return { type };
  }
}

const decodeToken = (ctx: RequestContext, text: string): ListShardsToken =>
  ctx.pageTokens.decode<ListShardsToken>("ListShards", text, ctx.now, (t) => typeof t.stream === "string" && typeof t.afterIndex === "number");

/** Where this call starts: from the token, or from the request itself. */
function startOf(input: ListShardsInput, ctx: RequestContext): Omit<ListShardsToken, "createdAt"> & { createdAt?: number } {
  if (input.NextToken !== undefined) return decodeToken(ctx, input.NextToken);
  const start = input.ExclusiveStartShardId;
  return {
    stream: streamNameOf(input, ctx.settings),
    createdAt: input.StreamCreationTimestamp?.getTime(),
    selection: selectionOf(input.ShardFilter),
    afterIndex: start === undefined ? -1 : (shardIndexOfArgument(start) ?? -1),
  };
}

export const listShards = defineOperation("ListShards", {
  async handler(input, ctx) {
    checkExclusive(input);
    const start = startOf(input, ctx);
    const stream = await findStream(ctx, start.stream);
    if (start.createdAt !== undefined && Math.floor(start.createdAt / 1000) !== Math.floor(stream.createdAt / 1000)) {
      throw streamNotFound(ctx.settings, start.stream);
    }
    if (statusOf(stream, ctx.now) === "CREATING") return { Shards: [] };
    const times = { now: ctx.now, streamCreatedAt: stream.createdAt, retentionMs: stream.retentionHours * 3_600_000 };
    const candidates = selectShards(stream.shards, start.selection, times).filter((shard) => shard.index > start.afterIndex);
    const page = candidates.slice(0, Math.min(input.MaxResults ?? MAX_SHARDS_PER_PAGE, MAX_SHARDS_PER_PAGE));
    const last = page[page.length - 1];
    const next: ListShardsToken | undefined =
      candidates.length > page.length && last
        ? { stream: stream.name, createdAt: stream.createdAt, selection: start.selection, afterIndex: last.index }
        : undefined;
    return { Shards: page.map(wireShard), ...(next && { NextToken: ctx.pageTokens.encode("ListShards", next, ctx.now) }) };
  },
});
