import type { RequestContext } from "../context.js";
import { findConsumer } from "./consumer-ref.js";
import { InvalidArgumentException } from "../errors.js";
import { findStream, streamNameOf } from "./stream-ref.js";
import { updateActiveStream } from "../changes/stream-update.js";

/** What a ResourceARN of the tag and policy operations names: a stream, or a registered consumer. */
export type Resource =
  { readonly kind: "stream"; readonly streamName: string } | { readonly kind: "consumer"; readonly streamName: string; readonly consumerName: string };

const CONSUMER = /:stream\/[^/]+\/consumer\//;
const STREAM = /:stream\/[^/]+$/;

/** The resource an ARN names, which must exist (ResourceNotFoundException otherwise). */
export async function resourceOf(ctx: RequestContext, arn: string): Promise<Resource> {
  if (CONSUMER.test(arn)) {
    const { consumer } = await findConsumer(ctx, { ConsumerARN: arn });
    return { kind: "consumer", streamName: consumer.streamName, consumerName: consumer.name };
  }
  if (!STREAM.test(arn)) throw new InvalidArgumentException(`Invalid ResourceARN ${arn}.`);
  const streamName = streamNameOf({ StreamARN: arn }, ctx.settings);
  await findStream(ctx, streamName);
  return { kind: "stream", streamName };
}

/** The resource's tags. */
export async function tagsOf(ctx: RequestContext, resource: Resource): Promise<Readonly<Record<string, string>>> {
  if (resource.kind === "stream") return (await findStream(ctx, resource.streamName)).tags;
  return (await ctx.engine.consumers.find(resource.streamName, resource.consumerName))?.tags ?? {};
}

/** Changes the resource's tags with compare-and-set; `change` may refuse with a Kinesis error. */
export async function changeTags(
  ctx: RequestContext,
  resource: Resource,
  change: (tags: Readonly<Record<string, string>>) => Record<string, string>,
): Promise<void> {
  if (resource.kind === "stream") {
    await updateActiveStream(ctx, resource.streamName, (stream) => ({ ...stream, tags: change(stream.tags) }), { updating: false });
  } else {
    await ctx.engine.consumers.update(resource.streamName, resource.consumerName, (consumer) => ({ ...consumer, tags: change(consumer.tags) }));
  }
}

/** How the tag errors name the resource: "stream x" or "consumer y". */
export const resourceLabel = (resource: Resource): string =>
  resource.kind === "stream" ? `stream ${resource.streamName}` : `consumer ${resource.consumerName}`;
