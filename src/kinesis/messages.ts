import type { StreamStatus } from "../jetstream/stream-metadata.js";
import type { ServiceSettings } from "./context.js";
import {
  InvalidArgumentException,
  LimitExceededException,
  ProvisionedThroughputExceededException,
  ResourceInUseException,
  ResourceNotFoundException,
  ValidationException,
} from "./errors.js";

/**
 * The Kinesis service's words, written once: a named factory for every error message the
 * handlers share or build from the request (streams, shards and consumers "under account ..."),
 * in the real service's wording where captures of it exist. Handlers throw what these return.
 */
type Account = Pick<ServiceSettings, "accountId">;

// Streams.
export const streamNotFound = ({ accountId }: Account, stream: string): ResourceNotFoundException =>
  new ResourceNotFoundException(`Stream ${stream} under account ${accountId} not found.`);
export const streamExists = ({ accountId }: Account, stream: string): ResourceInUseException =>
  new ResourceInUseException(`Stream ${stream} under account ${accountId} already exists.`);
export const streamNotActive = ({ accountId }: Account, stream: string, status: StreamStatus): ResourceInUseException =>
  new ResourceInUseException(`Stream ${stream} under account ${accountId} not ACTIVE, instead in state ${status}`);
export const streamOnDemand = ({ accountId }: Account, stream: string): ValidationException =>
  new ValidationException(`Request is invalid. Stream ${stream} under account ${accountId} is in On-Demand mode.`);

// Shards.
/** A shard id the stream never had, as GetShardIterator, SubscribeToShard and the reshards word it. */
export const couldNotFindShard = ({ accountId }: Account, stream: string, shardId: string): ResourceNotFoundException =>
  new ResourceNotFoundException(`Could not find shard ${shardId} in stream ${stream} under account ${accountId}.`);
/** A shard an iterator names that is gone (its stream recreated, or the shard expired), as GetRecords words it. */
export const shardDoesNotExist = ({ accountId }: Account, stream: string, shardId: string): ResourceNotFoundException =>
  new ResourceNotFoundException(`Shard ${shardId} in stream ${stream} under account ${accountId} does not exist`);
export const shardAlreadyResharded = ({ accountId }: Account, stream: string, shardId: string): InvalidArgumentException =>
  new InvalidArgumentException(
    `Shard ${shardId} in stream ${stream} under account ${accountId} has already been merged or split, and thus is not eligible for merging or splitting.`,
  );
export const splitHashKeyOutOfRange = (
  { accountId }: Account,
  stream: string,
  shardId: string,
  key: string,
  start: bigint,
  end: bigint,
): InvalidArgumentException =>
  new InvalidArgumentException(
    `NewStartingHashKey ${key} used in SplitShard() on shard ${shardId} in stream ${stream} under account ${accountId} is not both greater than one plus the shard's StartingHashKey ${start} and less than the shard's EndingHashKey ${end}.`,
  );
export const shardsNotAdjacent = ({ accountId }: Account, stream: string, shardId: string, adjacentId: string): InvalidArgumentException =>
  new InvalidArgumentException(
    `Shards ${shardId} and ${adjacentId} in stream ${stream} under account ${accountId} are not an adjacent pair of shards eligible for merging`,
  );

// Sequence numbers.
/** Where a StartingSequenceNumber was used, for the messages that refuse it. */
export const sequenceNumberUse = ({ accountId }: Account, operation: string, stream: string, shardId: string): string =>
  `used in ${operation} on shard ${shardId} in stream ${stream} under account ${accountId}`;
export const exclusiveMinimumInvalid = ({ accountId }: Account, stream: string, sequenceNumber: string): InvalidArgumentException =>
  new InvalidArgumentException(`ExclusiveMinimumSequenceNumber ${sequenceNumber} used in PutRecord on stream ${stream} under account ${accountId} is invalid.`);

// Consumers and tags.
export const consumerExists = ({ accountId }: Account, stream: string, consumer: string): ResourceInUseException =>
  new ResourceInUseException(`Consumer ${consumer} under stream ${stream} and account ${accountId} already exists.`);
export const tooManyConsumers = ({ accountId }: Account, stream: string, limit: number): LimitExceededException =>
  new LimitExceededException(`Stream ${stream} under account ${accountId} already has ${limit} registered consumers, the most a stream can have.`);
/** `resource` as the service names it: "stream <name>" or "consumer <arn>"... */
export const tooManyTags = ({ accountId }: Account, resource: string, limit: number): InvalidArgumentException =>
  new InvalidArgumentException(
    `Failed to add tags to ${resource} under account ${accountId} because a given ${resource.split(" ")[0]} cannot have more than ${limit} tags associated with it.`,
  );

// Rates (--enforce-limits).
/** A shard's writes (PutRecord, and each refused PutRecords entry) or GetShardIterator calls over its rate. */
export const shardRateExceeded = ({ accountId }: Account, stream: string, shardId: string): ProvisionedThroughputExceededException =>
  new ProvisionedThroughputExceededException(`Rate exceeded for shard ${shardId} in stream ${stream} under account ${accountId}.`);
/** A shard's GetRecords calls or bytes over its rate, as the service words it today. */
export const shardReadRateExceeded = ({ accountId }: Account, stream: string, shardId: string): ProvisionedThroughputExceededException =>
  new ProvisionedThroughputExceededException(`Rate exceeded for Shard - ${accountId}/${stream}/${shardId}`);
/** A control-plane call over its rate that names a stream. */
export const streamRateExceeded = ({ accountId }: Account, stream: string): LimitExceededException =>
  new LimitExceededException(`Rate exceeded for stream ${stream} under account ${accountId}.`);
/** A control-plane call over its rate that names no stream. */
export const accountRateExceeded = ({ accountId }: Account): LimitExceededException => new LimitExceededException(`Rate exceeded for account ${accountId}.`);
/** A second SubscribeToShard within a second for one consumer and shard (our words: no capture found). */
export const subscribeRateExceeded = (consumerArn: string, shardId: string): LimitExceededException =>
  new LimitExceededException(`Rate exceeded for consumer ${consumerArn} and shard ${shardId}.`);
