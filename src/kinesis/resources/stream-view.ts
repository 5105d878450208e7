import type { StreamMetadata } from "../../jetstream/stream-metadata.js";
import type { RequestContext } from "../context.js";
import type { EnhancedMetrics, StreamDescriptionSummary } from "../generated/model.js";
import { statusOf, streamArnOf } from "./stream-ref.js";

type StreamBasics = Omit<StreamDescriptionSummary, "OpenShardCount" | "ConsumerCount" | "MaxRecordSizeInKiB">;

/** What DescribeStream and DescribeStreamSummary both say about a stream. */
export function streamBasics(stream: StreamMetadata, ctx: RequestContext): StreamBasics {
  return {
    StreamName: stream.name,
    StreamARN: streamArnOf(ctx.settings, stream.name),
    StreamStatus: statusOf(stream, ctx.now),
    StreamModeDetails: { StreamMode: stream.mode },
    RetentionPeriodHours: stream.retentionHours,
    StreamCreationTimestamp: new Date(stream.createdAt),
    EnhancedMonitoring: [{ ShardLevelMetrics: [...stream.shardLevelMetrics] as EnhancedMetrics["ShardLevelMetrics"] }],
    EncryptionType: stream.encryptionKeyId === undefined ? "NONE" : "KMS",
    ...(stream.encryptionKeyId !== undefined && { KeyId: stream.encryptionKeyId }),
  };
}
