import { defineOperation } from "../operation.js";
import { findStream, streamNameOf } from "../resources/stream-ref.js";
import { tagList } from "../changes/tags.js";

/** ListTagsForStream returns at most this many tags per call. */
const MAX_TAGS_PER_PAGE = 50;

export const listTagsForStream = defineOperation("ListTagsForStream", {
  async handler(input, ctx) {
    const stream = await findStream(ctx, streamNameOf(input, ctx.settings));
    const after = input.ExclusiveStartTagKey;
    const candidates = tagList(stream.tags).filter((tag) => after === undefined || tag.Key > after);
    const page = candidates.slice(0, Math.min(input.Limit ?? MAX_TAGS_PER_PAGE, MAX_TAGS_PER_PAGE));
    return { Tags: page, HasMoreTags: candidates.length > page.length };
  },
});
