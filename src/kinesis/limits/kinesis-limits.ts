import type { Usage, UsageExchange } from "../../jetstream/usage-exchange.js";
import type { ServiceSettings } from "../context.js";
import type { OperationName } from "../generated/model.js";
import { accountRateExceeded, shardRateExceeded, streamRateExceeded, subscribeRateExceeded } from "../messages.js";
import { CALL_RATES, LIMITS_BY_NAME, SHARD_LIMITS } from "./rates.js";
import { SharedBuckets, type Limit } from "./shared-buckets.js";

type Settings = Pick<ServiceSettings, "accountId">;

/** The stream a control-plane input names, by StreamName, StreamARN or ConsumerARN. */
function streamNamed(input: Record<string, unknown>): string | undefined {
  if (typeof input.StreamName === "string") return input.StreamName;
  const arn = input.StreamARN ?? input.ConsumerARN;
  return typeof arn === "string" ? /:stream\/([^/]+)/.exec(arn)?.[1] : undefined;
}

const callLimits = new Map<string, Limit>(Object.keys(CALL_RATES).map((operation) => [operation, LIMITS_BY_NAME.get(operation)!]));

/**
 * The service's rate limits (--enforce-limits), in its words: each check spends from buckets
 * shared with the other instances (shared-buckets.ts) and throws the error Kinesis answers.
 */
export class KinesisLimits {
  private readonly buckets: SharedBuckets;

  constructor(
    private readonly settings: Settings,
    openExchange: (listener: (usage: Usage) => void) => UsageExchange,
  ) {
    this.buckets = new SharedBuckets(LIMITS_BY_NAME, openExchange);
  }

  /** A control-plane call: LimitExceededException past its documented rate. */
  admitCall(operation: OperationName, input: Record<string, unknown>, now: number): void {
    const rate = CALL_RATES[operation];
    if (!rate) return;
    const stream = streamNamed(input);
    const scope = rate.scope === "stream" ? `${stream ?? ""}` : "account";
    if (this.buckets.trySpend([{ limit: callLimits.get(operation)!, scope, cost: 1 }], now)) return;
    throw stream === undefined ? accountRateExceeded(this.settings) : streamRateExceeded(this.settings, stream);
  }

  /** One record of `bytes` (data and partition key) into a shard: false past 1,000 records or 1 MiB a second. */
  admitWrite(stream: string, shardId: string, bytes: number, now: number): boolean {
    const scope = `${stream}/${shardId}`;
    return this.buckets.trySpend(
      [
        { limit: SHARD_LIMITS.writeRecords, scope, cost: 1 },
        { limit: SHARD_LIMITS.writeBytes, scope, cost: bytes },
      ],
      now,
    );
  }

  /** Whether a GetRecords call may run: at most 5 calls a second, and not while the bytes read before are not paid off. */
  readAllowed(stream: string, shardId: string, now: number): boolean {
    const scope = `${stream}/${shardId}`;
    return this.buckets.available(SHARD_LIMITS.readBytes, scope, now) > 0 && this.buckets.trySpend([{ limit: SHARD_LIMITS.readCalls, scope, cost: 1 }], now);
  }

  /** What a GetRecords call returned, charged once known: past 2 MiB a second, later calls wait. */
  chargeRead(stream: string, shardId: string, bytes: number, now: number): void {
    this.buckets.spend({ limit: SHARD_LIMITS.readBytes, scope: `${stream}/${shardId}`, cost: bytes }, now);
  }

  /** A GetShardIterator call: 5 a second per shard. */
  admitShardIterator(stream: string, shardId: string, now: number): void {
    if (this.buckets.trySpend([{ limit: SHARD_LIMITS.shardIterators, scope: `${stream}/${shardId}`, cost: 1 }], now)) return;
    throw shardRateExceeded(this.settings, stream, shardId);
  }

  /** A SubscribeToShard call: one a second per consumer and shard. */
  admitSubscribe(consumerArn: string, shardId: string, now: number): void {
    if (this.buckets.trySpend([{ limit: SHARD_LIMITS.subscribeCalls, scope: `${consumerArn}/${shardId}`, cost: 1 }], now)) return;
    throw subscribeRateExceeded(consumerArn, shardId);
  }

  /** Bytes pushed to a consumer on a shard; answers how long to hold the next event back to stay within 2 MiB a second. */
  pushed(consumerArn: string, shardId: string, bytes: number, now: number): number {
    const scope = `${consumerArn}/${shardId}`;
    this.buckets.spend({ limit: SHARD_LIMITS.pushBytes, scope, cost: bytes }, now);
    return this.buckets.msUntilClear(SHARD_LIMITS.pushBytes, scope, now);
  }

  /** What may be pushed to a consumer on a shard now (bytes; negative while it is over its rate). */
  pushAllowance(consumerArn: string, shardId: string, now: number): number {
    return this.buckets.available(SHARD_LIMITS.pushBytes, `${consumerArn}/${shardId}`, now);
  }

  close(): void {
    this.buckets.close();
  }
}
