import type { OperationName } from "../generated/model.js";
import type { Limit } from "./shared-buckets.js";

const MIB = 1024 * 1024;

/** A limit whose burst is one second of its rate: an idle client may spend a second's worth at once. */
const perSecond = (name: string, rate: number): Limit => ({ name, rate: { perSecond: rate, burst: rate } });

/** The data-plane limits of the service, per shard, and per registered consumer and shard. */
export const SHARD_LIMITS = {
  writeBytes: perSecond("write-bytes", MIB),
  writeRecords: perSecond("write-records", 1000),
  readBytes: perSecond("read-bytes", 2 * MIB),
  readCalls: perSecond("read-calls", 5),
  shardIterators: perSecond("shard-iterators", 5),
  subscribeCalls: perSecond("subscribe-calls", 1),
  pushBytes: perSecond("push-bytes", 2 * MIB),
} as const;

/** Whose calls one bucket counts: the account's, or each stream's. */
export type CallScope = "account" | "stream";

/**
 * The control-plane rates the service documents (its API reference, operation by operation).
 * Operations it gives no rate for are not limited here.
 */
export const CALL_RATES: Partial<Record<OperationName, { readonly perSecond: number; readonly scope: CallScope }>> = {
  AddTagsToStream: { perSecond: 5, scope: "account" },
  CreateStream: { perSecond: 5, scope: "account" },
  DeleteStream: { perSecond: 5, scope: "account" },
  DeregisterStreamConsumer: { perSecond: 5, scope: "stream" },
  DescribeAccountSettings: { perSecond: 5, scope: "account" },
  DescribeLimits: { perSecond: 1, scope: "account" },
  DescribeStream: { perSecond: 10, scope: "account" },
  DescribeStreamConsumer: { perSecond: 20, scope: "stream" },
  DescribeStreamSummary: { perSecond: 20, scope: "account" },
  ListShards: { perSecond: 1000, scope: "stream" },
  ListStreamConsumers: { perSecond: 5, scope: "stream" },
  ListStreams: { perSecond: 5, scope: "account" },
  ListTagsForStream: { perSecond: 5, scope: "account" },
  MergeShards: { perSecond: 5, scope: "account" },
  RegisterStreamConsumer: { perSecond: 5, scope: "account" },
  RemoveTagsFromStream: { perSecond: 5, scope: "account" },
  SplitShard: { perSecond: 5, scope: "account" },
  UpdateAccountSettings: { perSecond: 5, scope: "account" },
  UpdateShardCount: { perSecond: 10, scope: "account" },
  UpdateStreamWarmThroughput: { perSecond: 5, scope: "account" },
};

/** Every limit by name, to charge the usage other instances report. */
export const LIMITS_BY_NAME: ReadonlyMap<string, Limit> = new Map(
  [...Object.values(SHARD_LIMITS), ...Object.entries(CALL_RATES).map(([operation, { perSecond: rate }]) => perSecond(operation, rate))].map((limit) => [
    limit.name,
    limit,
  ]),
);
