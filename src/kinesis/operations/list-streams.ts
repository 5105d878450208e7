import { InvalidArgumentException } from "../errors.js";
import { defineOperation } from "../operation.js";
import { streamBasics } from "../resources/stream-view.js";

/** ListStreams returns at most this many names per call, whatever the Limit. */
const MAX_STREAMS_PER_PAGE = 100;

interface ListStreamsToken {
  readonly after: string;
}

export const listStreams = defineOperation("ListStreams", {
  async handler(input, ctx) {
    let after = input.ExclusiveStartStreamName;
    if (input.NextToken !== undefined) {
      if (after !== undefined) throw new InvalidArgumentException("NextToken and ExclusiveStartStreamName cannot be provided together.");
      after = ctx.pageTokens.decode<ListStreamsToken>("ListStreams", input.NextToken, ctx.now, (t) => typeof t.after === "string").after;
    }
    const candidates = ctx.engine.catalog.list(ctx.now).filter((stream) => after === undefined || stream.name > after);
    const page = candidates.slice(0, Math.min(input.Limit ?? MAX_STREAMS_PER_PAGE, MAX_STREAMS_PER_PAGE));
    const hasMore = candidates.length > page.length;
    const last = page[page.length - 1];
    return {
      StreamNames: page.map((stream) => stream.name),
      HasMoreStreams: hasMore,
      ...(hasMore && last && { NextToken: ctx.pageTokens.encode("ListStreams", { after: last.name } satisfies ListStreamsToken, ctx.now) }),
      StreamSummaries: page.map((stream) => {
        const basics = streamBasics(stream, ctx);
        return {
          StreamName: basics.StreamName,
          StreamARN: basics.StreamARN,
          StreamStatus: basics.StreamStatus,
          StreamModeDetails: basics.StreamModeDetails,
          StreamCreationTimestamp: basics.StreamCreationTimestamp,
        };
      }),
    };
  },
});
