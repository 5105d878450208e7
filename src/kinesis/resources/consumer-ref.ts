import { effectiveConsumerStatus, type ConsumerMetadata, type ConsumerStatus } from "../../jetstream/consumer-metadata.js";
import type { StreamMetadata } from "../../jetstream/stream-metadata.js";
import type { RequestContext, ServiceSettings } from "../context.js";
import { InvalidArgumentException, ResourceInUseException, ResourceNotFoundException } from "../errors.js";
import type { Consumer } from "../generated/model.js";
import { streamArnOf, streamNameOf } from "./stream-ref.js";
import { streamNotFound } from "../messages.js";

/** Consumer operations name a consumer by ConsumerARN, or by StreamARN and ConsumerName (or all three, agreeing). */
export interface ConsumerReference {
  readonly StreamARN?: string;
  readonly ConsumerName?: string;
  readonly ConsumerARN?: string;
}

interface ConsumerTarget {
  readonly streamName: string;
  readonly consumerName: string;
  /** From a ConsumerARN: the creation second, which tells registrations of one name apart. */
  readonly createdSeconds?: number;
}

/** Kinesis builds it from the stream's ARN, the name and the creation time in epoch seconds. */
export function consumerArnOf(settings: ServiceSettings, consumer: ConsumerMetadata): string {
  return `${streamArnOf(settings, consumer.streamName)}/consumer/${consumer.name}:${Math.floor(consumer.createdAt / 1000)}`;
}

const CONSUMER_ARN = /^arn:aws[^:]*:kinesis:([^:]*):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})\/consumer\/([a-zA-Z0-9_.-]{1,128}):(\d+)$/;

export const consumerNotFound = (settings: ServiceSettings, streamName: string, consumerName: string): ResourceNotFoundException =>
  new ResourceNotFoundException(`Consumer ${consumerName} under stream ${streamName} and account ${settings.accountId} not found.`);

/** The service's words when a consumer is CREATING or DELETING (seen from SubscribeToShard). */
export const consumerNotActive = (settings: ServiceSettings, consumer: ConsumerMetadata): ResourceInUseException =>
  new ResourceInUseException(
    `Consumer ${consumer.name} with creation timestamp ${Math.floor(consumer.createdAt / 1000)} under stream: ${consumer.streamName} , account ${settings.accountId} is not in ACTIVE status.`,
  );

function targetOfArn(ref: ConsumerReference, settings: ServiceSettings): ConsumerTarget {
  const arn = ref.ConsumerARN!;
  const match = CONSUMER_ARN.exec(arn);
  const [, region, account, streamName, consumerName, seconds] = match ?? [];
  if (!match || !streamName || !consumerName) throw new InvalidArgumentException(`Invalid ConsumerARN ${arn}.`);
  if (region !== settings.region || account !== settings.accountId) {
    throw new ResourceNotFoundException(`Consumer ${consumerName} under stream ${streamName} and account ${account} not found.`);
  }
  if (ref.StreamARN !== undefined && streamNameOf({ StreamARN: ref.StreamARN }, settings) !== streamName) {
    throw new InvalidArgumentException(`ConsumerARN ${arn} and StreamARN ${ref.StreamARN} refer to different streams.`);
  }
  if (ref.ConsumerName !== undefined && ref.ConsumerName !== consumerName) {
    throw new InvalidArgumentException(`ConsumerARN ${arn} and ConsumerName ${ref.ConsumerName} refer to different consumers.`);
  }
  return { streamName, consumerName, createdSeconds: Number(seconds) };
}

/** The stream and consumer a request names; throws the error Kinesis gives for a bad reference. */
export function consumerTargetOf(ref: ConsumerReference, settings: ServiceSettings): ConsumerTarget {
  if (ref.ConsumerARN !== undefined) return targetOfArn(ref, settings);
  if (ref.StreamARN === undefined || ref.ConsumerName === undefined) {
    throw new InvalidArgumentException("Either ConsumerARN or both StreamARN and ConsumerName should be provided.");
  }
  return { streamName: streamNameOf({ StreamARN: ref.StreamARN }, settings), consumerName: ref.ConsumerName };
}

export interface FoundConsumer {
  readonly stream: StreamMetadata;
  readonly consumer: ConsumerMetadata;
  readonly status: ConsumerStatus;
}

/** The registration a request names, in any state but gone; ResourceNotFoundException otherwise. */
export async function findConsumer(ctx: RequestContext, ref: ConsumerReference): Promise<FoundConsumer> {
  const target = consumerTargetOf(ref, ctx.settings);
  const stream = await ctx.engine.catalog.find(target.streamName, ctx.now);
  if (!stream) throw streamNotFound(ctx.settings, target.streamName);
  const consumer = await ctx.engine.consumers.find(target.streamName, target.consumerName);
  const status = consumer && effectiveConsumerStatus(consumer, stream, ctx.now);
  const sameRegistration = target.createdSeconds === undefined || (consumer && Math.floor(consumer.createdAt / 1000) === target.createdSeconds);
  if (!consumer || !status || status === "GONE" || !sameRegistration) throw consumerNotFound(ctx.settings, target.streamName, target.consumerName);
  return { stream, consumer, status };
}

/** The registrations of this incarnation of the stream that still exist, in any state. */
export function registeredConsumers(ctx: RequestContext, stream: StreamMetadata): ConsumerMetadata[] {
  return ctx.engine.consumers.registrations(stream.name).filter((consumer) => effectiveConsumerStatus(consumer, stream, ctx.now) !== "GONE");
}

/** A consumer as RegisterStreamConsumer and ListStreamConsumers show it. */
export function wireConsumer(ctx: RequestContext, consumer: ConsumerMetadata, status: ConsumerStatus): Consumer {
  return {
    ConsumerName: consumer.name,
    ConsumerARN: consumerArnOf(ctx.settings, consumer),
    ConsumerStatus: status,
    ConsumerCreationTimestamp: new Date(consumer.createdAt),
  };
}
