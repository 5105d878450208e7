import type { RequestContext } from "../context.js";
import { ExpiredIteratorException, InvalidArgumentException } from "../errors.js";
import { javaDateString } from "../codecs/java-date.js";
import { defineOperation } from "../operation.js";
import type { ShardIterator } from "../codecs/shard-iterator.js";
import { findReadableShard } from "../resources/shard-ref.js";
import { toWireRecords } from "../resources/record-view.js";
import { childShardsOf } from "../resources/shard-view.js";
import { isEnded, isOpen, shardId } from "../../shards/shard.js";
import { shardIdOf } from "../../shards/shard-id.js";
import { streamNameOf } from "../resources/stream-ref.js";
import { shardReadRateExceeded } from "../messages.js";
import { READ_BUDGET_MS } from "../../jetstream/record-reader.js";

const ITERATOR_LIFETIME_MS = 300_000;
/** GetRecords returns at most this much data per call. */
const MAX_RESPONSE_DATA_BYTES = 10 * 1024 * 1024;
const DEFAULT_LIMIT = 10_000;
/**
 * The least a read takes of the server's read memory: with less free, it waits its turn, for at
 * most a read's time budget, and is then throttled as Kinesis throttles a shard read too often
 * (ProvisionedThroughputExceededException, which SDKs and KCL retry after a pause). A read that
 * gets less than its 10 MiB answers fewer records, as Kinesis may. Every read past the budget
 * used to take this much anyway: 48 at once on a 2-core machine under load had nats-server
 * queue more for the server's one NATS connection than it allows, and drop the connection.
 */
const LEAST_READ_BYTES = 1024 * 1024;

function decodeIterator(text: string, ctx: RequestContext): ShardIterator {
  // The service accepts an iterator still wrapped in the quotes of a JSON string.
  const unquoted = text.length > 1 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
  const iterator = ctx.iterators.decode(unquoted);
  if (!iterator) throw new InvalidArgumentException("Invalid ShardIterator.");
  if (ctx.now - iterator.issuedAt > ITERATOR_LIFETIME_MS) {
    throw new ExpiredIteratorException(
      `Iterator expired. The iterator was created at time ${javaDateString(iterator.issuedAt)} while right now it is ${javaDateString(ctx.now)} which is further in the future than the tolerated delay of ${ITERATOR_LIFETIME_MS} milliseconds.`,
    );
  }
  return iterator;
}

/** The shard's read rate (--enforce-limits), checked before anything is read. */
function checkReadRate({ streamName, shardIndex }: ShardIterator, ctx: RequestContext): void {
  const shard = shardIdOf(shardIndex);
  if (!ctx.limits || ctx.limits.readAllowed(streamName, shard, ctx.now)) return;
  ctx.traffic.throttled(streamName, shard, "read", 1);
  throw shardReadRateExceeded(ctx.settings, streamName, shard);
}

export const getRecords = defineOperation("GetRecords", {
  async handler(input, ctx) {
    const iterator = decodeIterator(input.ShardIterator, ctx);
    if (input.StreamARN !== undefined && streamNameOf({ StreamARN: input.StreamARN }, ctx.settings) !== iterator.streamName) {
      throw new InvalidArgumentException(`The ShardIterator was not issued for stream ${input.StreamARN}.`);
    }
    checkReadRate(iterator, ctx);
    const { stream, shard } = await findReadableShard(ctx, iterator.streamName, iterator.shardIndex, iterator.streamCreatedAt);
    const position = iterator.position;
    // Held until the answer is sent: reads at once hold no more than the budget.
    const maxDataBytes = await ctx.answerMemory.takeWhenFree(MAX_RESPONSE_DATA_BYTES, LEAST_READ_BYTES, READ_BUDGET_MS);
    if (maxDataBytes === 0) {
      ctx.traffic.throttled(stream.name, shardId(shard), "read", 1);
      throw shardReadRateExceeded(ctx.settings, stream.name, shardId(shard));
    }
    const result = await ctx.engine.readShard(stream.name, shard.index, {
      start: position,
      limit: input.Limit ?? DEFAULT_LIMIT,
      maxDataBytes,
      ...(!isOpen(shard) && { closed: { firstPosition: shard.startingPosition, lastPosition: shard.endingPosition } }),
    });
    // A closed shard read to its end answers its children instead of a next iterator: the
    // shape KCL waits for (either a NextShardIterator, or ChildShards and none).
    if (isEnded(shard) && result.caughtUp && result.records.length === 0) {
      return { Records: [], MillisBehindLatest: 0, ChildShards: childShardsOf(stream, shard.index) };
    }
    const next = result.nextSequence === undefined ? position : { kind: "sequence" as const, sequence: result.nextSequence };
    // From the last message the read took, returned or passed over: a read that ran out of
    // time before it found any of the shard's records still says how far behind it is.
    const arrival = result.lastArrivalMs;
    const millisBehindLatest = result.caughtUp || arrival === undefined ? 0 : Math.max(0, ctx.now - arrival);
    const bytes = result.records.reduce((sum, record) => sum + record.data.length, 0);
    ctx.answerMemory.giveBack(maxDataBytes - bytes);
    ctx.traffic.recordsOut(stream.name, shardId(shard), result.records.length, bytes, millisBehindLatest);
    ctx.limits?.chargeRead(stream.name, shardId(shard), bytes, Date.now());
    return {
      Records: toWireRecords(shard, result.records),
      NextShardIterator: ctx.iterators.encode({ ...iterator, position: next, issuedAt: ctx.now }),
      MillisBehindLatest: millisBehindLatest,
    };
  },
});
