import type { Shard } from "../../shards/shard.js";
import { shardIdOf } from "../../shards/shard-id.js";
import type { RequestContext } from "../context.js";
import { InvalidArgumentException } from "../errors.js";
import { sequenceNumberUse } from "../messages.js";
import type { GetShardIteratorInput } from "../generated/model.js";
import { decodeSequenceNumber } from "../codecs/sequence-number.js";
import type { ReadStart } from "../../jetstream/read-consumer.js";

const COMBINATION_RULE =
  "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber.";

/** The JetStream position a StartingSequenceNumber names, after checking it belongs to this shard. */
function positionOfSequenceNumber(input: GetShardIteratorInput, streamName: string, shard: Shard, ctx: RequestContext, operation: string): bigint {
  const text = input.StartingSequenceNumber!;
  const where = sequenceNumberUse(ctx.settings, operation, streamName, shardIdOf(shard.index));
  const parts = decodeSequenceNumber(text);
  if (!parts) throw new InvalidArgumentException(`StartingSequenceNumber ${text} ${where} is invalid.`);
  if (parts.shardIndex !== shard.index) {
    throw new InvalidArgumentException(
      `Invalid StartingSequenceNumber. It encodes ${shardIdOf(parts.shardIndex)}, while it was used in a call to a shard with ${shardIdOf(shard.index)}`,
    );
  }
  if (parts.shardCreatedAtSeconds !== Math.floor(shard.createdAt / 1000)) {
    throw new InvalidArgumentException(`StartingSequenceNumber ${text} ${where} is invalid because it did not come from this stream.`);
  }
  return parts.position;
}

/** Where a read of the shard starts; SubscribeToShard shares the rules and the error texts. */
export async function positionOf(
  input: GetShardIteratorInput,
  streamName: string,
  shard: Shard,
  ctx: RequestContext,
  operation = "GetShardIterator",
): Promise<ReadStart> {
  const type = input.ShardIteratorType;
  const bySequence = type === "AT_SEQUENCE_NUMBER" || type === "AFTER_SEQUENCE_NUMBER";
  if (bySequence && input.StartingSequenceNumber === undefined) {
    throw new InvalidArgumentException(`${COMBINATION_RULE} Request specified ${type} and no StartingSequenceNumber.`);
  }
  if ((type === "TRIM_HORIZON" || type === "LATEST") && input.StartingSequenceNumber !== undefined) {
    throw new InvalidArgumentException(`${COMBINATION_RULE} Request specified ${type} and also a StartingSequenceNumber.`);
  }
  switch (type) {
    case "TRIM_HORIZON":
      return { kind: "sequence", sequence: shard.startingPosition + 1n };
    case "LATEST":
      // After a closed shard's last record is where its children take over.
      if (shard.endingPosition !== undefined) return { kind: "sequence", sequence: shard.endingPosition + 1n };
      return { kind: "sequence", sequence: (await ctx.engine.storage.lastSequence(streamName)) + 1n };
    case "AT_SEQUENCE_NUMBER":
      return { kind: "sequence", sequence: positionOfSequenceNumber(input, streamName, shard, ctx, operation) };
    case "AFTER_SEQUENCE_NUMBER":
      return { kind: "sequence", sequence: positionOfSequenceNumber(input, streamName, shard, ctx, operation) + 1n };
    case "AT_TIMESTAMP": {
      if (input.Timestamp === undefined) {
        throw new InvalidArgumentException(
          "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.",
        );
      }
      const at = input.Timestamp.getTime();
      if (at > ctx.now) {
        throw new InvalidArgumentException(
          `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${at}, currentTimestampInMillis: ${ctx.now}`,
        );
      }
      return { kind: "timestamp", at };
    }
  }
}
