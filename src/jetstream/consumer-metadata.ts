import { z } from "zod";
import { effectiveStatus, type StreamMetadata } from "./stream-metadata.js";

export type ConsumerStatus = "CREATING" | "ACTIVE" | "DELETING";

/** What the metadata store keeps about one registered (enhanced fan-out) consumer. */
export interface ConsumerMetadata {
  readonly streamName: string;
  /** The stream incarnation it was registered with: a recreated stream does not inherit it. */
  readonly streamCreatedAt: number;
  readonly name: string;
  /** Epoch ms; its seconds are part of the ConsumerARN. */
  readonly createdAt: number;
  /** As stored: CREATING turns ACTIVE at statusUntil, DELETING is gone then. */
  readonly status: "CREATING" | "DELETING";
  readonly statusUntil: number;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The status a client sees now. Like a stream's, it is a stored target time rather than a
 * timer; a consumer also shares the fate of its stream: DELETING with it, gone with it, and
 * gone when the name now belongs to a newer stream.
 */
export function effectiveConsumerStatus(consumer: ConsumerMetadata, stream: StreamMetadata | undefined, now: number): ConsumerStatus | "GONE" {
  if (!stream || stream.createdAt !== consumer.streamCreatedAt) return "GONE";
  const streamStatus = effectiveStatus(stream, now);
  if (streamStatus === "GONE") return "GONE";
  if (streamStatus === "DELETING") return "DELETING";
  if (now < consumer.statusUntil) return consumer.status;
  return consumer.status === "DELETING" ? "GONE" : "ACTIVE";
}

const consumerSchema = z.object({
  streamName: z.string(),
  streamCreatedAt: z.number(),
  name: z.string(),
  createdAt: z.number(),
  status: z.enum(["CREATING", "DELETING"]),
  statusUntil: z.number(),
  tags: z.record(z.string(), z.string()),
});

export function encodeConsumerMetadata(consumer: ConsumerMetadata): Uint8Array {
  return Buffer.from(JSON.stringify(consumer));
}

export function decodeConsumerMetadata(bytes: Uint8Array): ConsumerMetadata {
  return consumerSchema.parse(JSON.parse(Buffer.from(bytes).toString("utf8")));
}
