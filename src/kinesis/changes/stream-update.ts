import type { StreamMetadata } from "../../jetstream/stream-metadata.js";
import type { RequestContext } from "../context.js";
import { requireActive } from "./reshard.js";
import { findStream } from "../resources/stream-ref.js";
import { streamNotFound } from "../messages.js";

/**
 * Changes an ACTIVE stream's metadata with compare-and-set; `change` sees the latest stored
 * copy and may throw a Kinesis error to refuse. With `updating`, the stream shows UPDATING for
 * the configured time, as the service does for changes that take effect over a while, unless
 * `change` gave the stream back as it was (nothing to update).
 */
export async function updateActiveStream(
  ctx: RequestContext,
  name: string,
  change: (stream: StreamMetadata) => StreamMetadata,
  options: { updating: boolean },
): Promise<StreamMetadata> {
  const current = await findStream(ctx, name);
  requireActive(ctx, current);
  return ctx.engine.catalog.update(name, (latest) => {
    if (latest.createdAt !== current.createdAt) throw streamNotFound(ctx.settings, name);
    requireActive(ctx, latest);
    const next = change(latest);
    return options.updating && next !== latest ? { ...next, status: "UPDATING", statusUntil: ctx.now + ctx.settings.updateStreamMs } : next;
  });
}
