import type { StreamMetadata, StreamStatus } from "../../jetstream/stream-metadata.js";
import { effectiveStatus } from "../../jetstream/stream-metadata.js";
import type { RequestContext, ServiceSettings } from "../context.js";
import { InvalidArgumentException } from "../errors.js";
import { streamNotFound } from "../messages.js";

export function streamArnOf(settings: ServiceSettings, streamName: string): string {
  return `arn:aws:kinesis:${settings.region}:${settings.accountId}:stream/${streamName}`;
}

/** Operations name a stream by StreamName, StreamARN, or both. */
export interface StreamReference {
  readonly StreamName?: string;
  readonly StreamARN?: string;
}

const ARN = /^arn:aws[^:]*:kinesis:([^:]*):(\d{12}):stream\/(.+)$/;

/** The stream name a request refers to; throws the error Kinesis gives for a bad reference. */
export function streamNameOf(ref: StreamReference, settings: ServiceSettings): string {
  if (ref.StreamARN === undefined) {
    if (ref.StreamName === undefined) throw new InvalidArgumentException("Either StreamName or StreamARN should be provided.");
    return ref.StreamName;
  }
  const match = ARN.exec(ref.StreamARN);
  const [, region, account, name] = match ?? [];
  if (!match || !name || !/^[a-zA-Z0-9_.-]{1,128}$/.test(name)) throw new InvalidArgumentException(`Invalid StreamARN ${ref.StreamARN}.`);
  if (region !== settings.region || account !== settings.accountId) {
    throw streamNotFound({ accountId: account ?? "" }, name);
  }
  if (ref.StreamName !== undefined && ref.StreamName !== name) {
    throw new InvalidArgumentException(`StreamARN ${ref.StreamARN} and StreamName ${ref.StreamName} refer to different streams.`);
  }
  return name;
}

/** The stream in any state (Describe*, Delete); throws ResourceNotFoundException when there is none. */
export async function findStream(ctx: RequestContext, name: string): Promise<StreamMetadata> {
  const stream = await ctx.engine.catalog.find(name, ctx.now);
  if (!stream) throw streamNotFound(ctx.settings, name);
  return stream;
}

/** The status a client sees now. */
export function statusOf(stream: StreamMetadata, now: number): StreamStatus {
  const status = effectiveStatus(stream, now);
  return status === "GONE" ? "DELETING" : status;
}

/**
 * A stream that takes and serves records: ACTIVE or UPDATING. A stream still CREATING or
 * already DELETING is "not found" to the data plane, as on the real service.
 */
export async function findWritableStream(ctx: RequestContext, name: string): Promise<StreamMetadata> {
  const stream = await findStream(ctx, name);
  const status = statusOf(stream, ctx.now);
  if (status === "CREATING" || status === "DELETING") throw streamNotFound(ctx.settings, name);
  return stream;
}
