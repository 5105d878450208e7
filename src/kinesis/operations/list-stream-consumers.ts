import { effectiveConsumerStatus } from "../../jetstream/consumer-metadata.js";
import type { RequestContext } from "../context.js";
import { registeredConsumers, wireConsumer } from "../resources/consumer-ref.js";
import { InvalidArgumentException } from "../errors.js";
import { defineOperation } from "../operation.js";
import { findStream, streamNameOf } from "../resources/stream-ref.js";
import { streamNotFound } from "../messages.js";

/** ListStreamConsumers returns at most this many per call, whatever MaxResults says. */
const MAX_CONSUMERS_PER_PAGE = 100;

/** What a NextToken carries: the stream incarnation and the last name listed. */
interface ListConsumersToken {
  readonly stream: string;
  readonly createdAt: number;
  readonly after: string;
}

function decodeToken(ctx: RequestContext, text: string, streamName: string): ListConsumersToken {
  const token = ctx.pageTokens.decode<ListConsumersToken>(
    "ListStreamConsumers",
    text,
    ctx.now,
    (t) => typeof t.stream === "string" && typeof t.after === "string" && typeof t.createdAt === "number",
  );
  if (token.stream !== streamName) throw new InvalidArgumentException(`The NextToken was not issued for stream ${streamName}.`);
  return token;
}

export const listStreamConsumers = defineOperation("ListStreamConsumers", {
  async handler(input, ctx) {
    const streamName = streamNameOf({ StreamARN: input.StreamARN }, ctx.settings);
    const token = input.NextToken === undefined ? undefined : decodeToken(ctx, input.NextToken, streamName);
    const stream = await findStream(ctx, streamName);
    const wantedCreation = token?.createdAt ?? input.StreamCreationTimestamp?.getTime();
    if (wantedCreation !== undefined && Math.floor(wantedCreation / 1000) !== Math.floor(stream.createdAt / 1000)) {
      throw streamNotFound(ctx.settings, streamName);
    }
    const candidates = registeredConsumers(ctx, stream)
      .filter((consumer) => token === undefined || consumer.name > token.after)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const page = candidates.slice(0, Math.min(input.MaxResults ?? MAX_CONSUMERS_PER_PAGE, MAX_CONSUMERS_PER_PAGE));
    const last = page[page.length - 1];
    const next: ListConsumersToken | undefined =
      candidates.length > page.length && last ? { stream: streamName, createdAt: stream.createdAt, after: last.name } : undefined;
    return {
      Consumers: page.map((consumer) => {
        const status = effectiveConsumerStatus(consumer, stream, ctx.now);
        return wireConsumer(ctx, consumer, status === "GONE" ? "DELETING" : status);
      }),
      ...(next && { NextToken: ctx.pageTokens.encode("ListStreamConsumers", next, ctx.now) }),
    };
  },
});
