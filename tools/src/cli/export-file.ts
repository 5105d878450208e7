import { createHash } from "node:crypto";
import type { _Record, Shard } from "@aws-sdk/client-kinesis";
import type { LineageShard } from "./lineage.js";

/**
 * The JSON-lines file of `export` and `import`: a first line describing the stream's shards
 * (ids, parents, hash-key ranges), then one line per record, shard after shard in lineage
 * order, each shard's records in their order.
 */

export interface ExportedShard {
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
  readonly startingHashKey: string;
  readonly endingHashKey: string;
}

export interface ExportHeader {
  readonly format: "kinesis-nats-export";
  readonly version: 1;
  readonly stream: string;
  readonly exportedAt: string;
  readonly shards: readonly ExportedShard[];
}

export interface ExportedRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** GetRecords never says whether a record was put with one; a file written by hand may give it. */
  readonly explicitHashKey?: string;
  /** Base64. */
  readonly data: string;
  readonly arrival: string;
}

export function exportedShard(shard: Shard): ExportedShard {
  return {
    shardId: shard.ShardId!,
    ...(shard.ParentShardId && { parentShardId: shard.ParentShardId }),
    ...(shard.AdjacentParentShardId && { adjacentParentShardId: shard.AdjacentParentShardId }),
    startingHashKey: shard.HashKeyRange!.StartingHashKey!,
    endingHashKey: shard.HashKeyRange!.EndingHashKey!,
  };
}

/** An exported shard with the names of ListShards' answer, for the lineage functions. */
export const asLineage = (shard: ExportedShard): LineageShard & { exported: ExportedShard } => ({
  ShardId: shard.shardId,
  ParentShardId: shard.parentShardId,
  AdjacentParentShardId: shard.adjacentParentShardId,
  exported: shard,
});

export function exportedRecord(shardId: string, record: _Record): ExportedRecord {
  return {
    shardId,
    sequenceNumber: record.SequenceNumber!,
    partitionKey: record.PartitionKey!,
    data: Buffer.from(record.Data ?? []).toString("base64"),
    arrival: (record.ApproximateArrivalTimestamp ?? new Date(0)).toISOString(),
  };
}

export function parseHeader(line: string | undefined): ExportHeader {
  const header = line ? (JSON.parse(line) as Partial<ExportHeader>) : undefined;
  if (header?.format !== "kinesis-nats-export" || header.version !== 1 || !Array.isArray(header.shards)) {
    throw new Error("not a kinesis-nats export: its first line must describe the stream (format kinesis-nats-export, version 1)");
  }
  return header as ExportHeader;
}

/** The hash key a partition key maps to: MD5 as a 128-bit number, as Kinesis routes. */
const hashOf = (partitionKey: string): bigint => BigInt(`0x${createHash("md5").update(partitionKey, "utf8").digest("hex")}`);

/**
 * A hash key inside the record's original shard, so it lands in the shard that holds that
 * range: the one it gives, else its partition key's own hash when inside (every record put
 * without one), else the range's start.
 */
export function placementHashKey(record: ExportedRecord, shard: ExportedShard): string {
  if (record.explicitHashKey !== undefined) return record.explicitHashKey;
  const start = BigInt(shard.startingHashKey);
  const hash = hashOf(record.partitionKey);
  return hash >= start && hash <= BigInt(shard.endingHashKey) ? hash.toString() : shard.startingHashKey;
}
