import { z } from "zod";
import { isClosing, type Shard } from "../shards/shard.js";

export type StreamStatus = "CREATING" | "ACTIVE" | "UPDATING" | "DELETING";
export type StreamMode = "PROVISIONED" | "ON_DEMAND";

/** What the metadata store keeps about one Kinesis stream. Never mutated: changes make a copy. */
export interface StreamMetadata {
  readonly name: string;
  /** Epoch ms. Also tells incarnations of a name apart (a deleted and recreated stream). */
  readonly createdAt: number;
  /** The status as stored; see effectiveStatus for the one clients see. */
  readonly status: StreamStatus;
  /** When CREATING or UPDATING turns ACTIVE, or a DELETING stream is gone (epoch ms). */
  readonly statusUntil: number;
  readonly mode: StreamMode;
  readonly retentionHours: number;
  readonly maxRecordSizeKiB: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly shards: readonly Shard[];
  /** The KMS key id records written now are encrypted under; absent when encryption is off. */
  readonly encryptionKeyId?: string;
  /** Shard-level metrics enabled by EnableEnhancedMonitoring. */
  readonly shardLevelMetrics: readonly string[];
  /** Recorded by UpdateStreamWarmThroughput; nothing is provisioned from it. */
  readonly warmThroughputMiBps?: number;
}

/**
 * Status transitions are stored as a target time rather than driven by timers, so they happen
 * even if the server that started them dies, and every instance agrees on them.
 */
export function effectiveStatus(stream: StreamMetadata, now: number): StreamStatus | "GONE" {
  if (now < stream.statusUntil) return stream.status;
  if (stream.status === "DELETING") return "GONE";
  // A reshard stays UPDATING until its closing shards are settled (src/jetstream/shard-closing.ts).
  // A second reshard let in before then would change JetStream's subjects while the first
  // instance is still applying its own: the first could reopen a shard the second had closed.
  return stream.shards.some(isClosing) ? "UPDATING" : "ACTIVE";
}

const bigintText = z
  .string()
  .regex(/^\d+$/)
  .transform((s) => BigInt(s));

const shardSchema = z.object({
  index: z.number().int().nonnegative(),
  hashKeyRange: z.object({ start: bigintText, end: bigintText }),
  createdAt: z.number(),
  startingPosition: bigintText,
  parentIndex: z.number().int().optional(),
  adjacentParentIndex: z.number().int().optional(),
  endingPosition: bigintText.optional(),
  closedAt: z.number().optional(),
});

const metadataSchema = z.object({
  name: z.string(),
  createdAt: z.number(),
  status: z.enum(["CREATING", "ACTIVE", "UPDATING", "DELETING"]),
  statusUntil: z.number(),
  mode: z.enum(["PROVISIONED", "ON_DEMAND"]),
  retentionHours: z.number().int(),
  maxRecordSizeKiB: z.number().int(),
  tags: z.record(z.string(), z.string()),
  shards: z.array(shardSchema),
  encryptionKeyId: z.string().optional(),
  shardLevelMetrics: z.array(z.string()).default([]),
  warmThroughputMiBps: z.number().optional(),
});

export function encodeStreamMetadata(stream: StreamMetadata): Uint8Array {
  return Buffer.from(JSON.stringify(stream, (_key, value) => (typeof value === "bigint" ? value.toString() : value)));
}

/** Parses stored metadata, checking its shape: a corrupt entry is an error, not a crash later. */
export function decodeStreamMetadata(bytes: Uint8Array): StreamMetadata {
  return metadataSchema.parse(JSON.parse(Buffer.from(bytes).toString("utf8")));
}
