import type { Logger } from "pino";
import type { Engine } from "../jetstream/engine.js";
import type { ShardIteratorCodec } from "./codecs/shard-iterator.js";
import type { PageTokenCodec } from "./codecs/page-token.js";
import type { KinesisLimits } from "./limits/kinesis-limits.js";
import type { AnswerMemory } from "../http/memory-budget.js";

/** How this server presents itself as a Kinesis region and account, and its limits. */
export interface ServiceSettings {
  readonly region: string;
  readonly accountId: string;
  /** How long streams stay CREATING, DELETING and UPDATING (ms). */
  readonly createStreamMs: number;
  readonly deleteStreamMs: number;
  readonly updateStreamMs: number;
  /** Open shards allowed across all streams of the account. */
  readonly shardLimit: number;
  /** How long registered consumers stay CREATING and DELETING (ms). */
  readonly registerConsumerMs: number;
  readonly deregisterConsumerMs: number;
  /** How long a SubscribeToShard stream lasts, and the longest it stays silent (ms). */
  readonly subscriptionMs: number;
  readonly subscriptionHeartbeatMs: number;
}

/** Where operations report the records they move, for the metrics. */
export interface ShardTraffic {
  recordsIn(stream: string, shardId: string, records: number, bytes: number): void;
  recordsOut(stream: string, shardId: string, records: number, bytes: number, iteratorAgeMs: number): void;
  /** Records (writes) or GetRecords calls (reads) refused for the shard's rate (--enforce-limits). */
  throttled(stream: string, shardId: string, direction: "write" | "read", count: number): void;
}

/** What an operation handler gets besides its input. */
export interface RequestContext {
  readonly engine: Engine;
  readonly settings: ServiceSettings;
  readonly iterators: ShardIteratorCodec;
  readonly pageTokens: PageTokenCodec;
  readonly traffic: ShardTraffic;
  /** The service's rate limits, with --enforce-limits; without it nothing is refused for rate. */
  readonly limits?: KinesisLimits;
  readonly log: Logger;
  /** Epoch ms at which the request arrived: one clock reading per request. */
  readonly now: number;
  /**
   * What every retry of one call shares and nothing else does: the SDK's `amz-sdk-invocation-id`
   * with a digest of the body. The id alone is not enough: hand-rolled clients and some proxies
   * send the same id on every call, and a new record under an old id must still be stored.
   */
  readonly retryKey?: string;
  /** The memory the answer's records may take, from the server's --read-memory-mib (GetRecords). */
  readonly answerMemory: AnswerMemory;
}
