import type { StreamMetadata } from "../../jetstream/stream-metadata.js";
import { StreamExistsError } from "../../jetstream/stream-catalog.js";
import { evenHashKeyRanges } from "../../shards/hash-key-range.js";
import type { Shard } from "../../shards/shard.js";
import { InvalidArgumentException } from "../errors.js";
import { defineOperation } from "../operation.js";
import { checkShardLimit } from "../changes/reshard.js";
import { mergedTags } from "../changes/tags.js";
import { largestRecordKiB } from "../codecs/record-size.js";
import { streamExists } from "../messages.js";

/** Shards of a stream created without ShardCount (and of every new on-demand stream). */
const DEFAULT_SHARD_COUNT = 4;
const DEFAULT_RETENTION_HOURS = 24;
const DEFAULT_MAX_RECORD_KIB = 1024;

function initialShards(count: number, now: number): Shard[] {
  return evenHashKeyRanges(count).map((hashKeyRange, index) => ({ index, hashKeyRange, createdAt: now, startingPosition: 0n }));
}

export const createStream = defineOperation("CreateStream", {
  async handler(input, ctx) {
    const name = input.StreamName;
    const mode = input.StreamModeDetails?.StreamMode ?? "PROVISIONED";
    if (mode === "ON_DEMAND" && input.ShardCount !== undefined) {
      throw new InvalidArgumentException("ShardCount is not expected when StreamMode=ON_DEMAND");
    }
    const shardCount = input.ShardCount ?? DEFAULT_SHARD_COUNT;
    if (await ctx.engine.catalog.find(name, ctx.now)) throw streamExists(ctx.settings, name);
    checkShardLimit(ctx, shardCount);
    const maxRecordSizeKiB = input.MaxRecordSizeInKiB ?? DEFAULT_MAX_RECORD_KIB;
    const largest = largestRecordKiB(ctx.engine.maxPayload);
    if (maxRecordSizeKiB > largest) {
      throw new InvalidArgumentException(
        `MaxRecordSizeInKiB ${maxRecordSizeKiB} is larger than ${largest}, the largest record the NATS server's max_payload of ${ctx.engine.maxPayload} bytes can hold.`,
      );
    }
    const stream: StreamMetadata = {
      name,
      createdAt: ctx.now,
      status: "CREATING",
      statusUntil: ctx.now + ctx.settings.createStreamMs,
      mode,
      retentionHours: DEFAULT_RETENTION_HOURS,
      maxRecordSizeKiB,
      tags: input.Tags ? mergedTags(ctx, `stream ${name}`, {}, input.Tags) : {},
      shards: initialShards(shardCount, ctx.now),
      shardLevelMetrics: [],
    };
    try {
      await ctx.engine.catalog.create(stream);
    } catch (error) {
      throw error instanceof StreamExistsError ? streamExists(ctx.settings, name) : error;
    }
    try {
      await ctx.engine.storage.create(stream);
    } catch (error) {
      await ctx.engine.catalog.forget(name);
      throw error;
    }
  },
});
