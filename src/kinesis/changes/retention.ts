import type { RequestContext } from "../context.js";
import { InvalidArgumentException } from "../errors.js";
import { settleClosingShards } from "../../jetstream/shard-closing.js";
import { updateActiveStream } from "./stream-update.js";

const MIN_HOURS = 24;
const MAX_HOURS = 8760;

/**
 * Changes how long a stream keeps records: the metadata first, then the JetStream stream's
 * max_age, so JetStream itself drops what is older. `direction` is the operation's: a change
 * the other way is refused with the service's advice to call the other operation.
 */
export async function changeRetention(ctx: RequestContext, name: string, hours: number, direction: "increase" | "decrease"): Promise<void> {
  if (hours < MIN_HOURS) {
    throw new InvalidArgumentException(`Minimum allowed retention period is ${MIN_HOURS} hours. Requested retention period (${hours} hours) is too short.`);
  }
  if (hours > MAX_HOURS) {
    throw new InvalidArgumentException(`Maximum allowed retention period is ${MAX_HOURS} hours. Requested retention period (${hours} hours) is too long.`);
  }
  let changed = false;
  const updated = await updateActiveStream(
    ctx,
    name,
    (stream) => {
      const current = stream.retentionHours;
      // The period it already has is accepted and changes nothing (the stream stays ACTIVE):
      // Terraform's AWS provider asks for it on every stream it creates or updates.
      changed = hours !== current;
      if (!changed) return stream;
      const requested = `Requested retention period (${hours} hours) for stream ${name}`;
      if (direction === "increase" && hours < current) {
        throw new InvalidArgumentException(
          `${requested} can not be shorter than existing retention period (${current} hours). Use DecreaseRetentionPeriod API.`,
        );
      }
      if (direction === "decrease" && hours > current) {
        throw new InvalidArgumentException(
          `${requested} can not be longer than existing retention period (${current} hours). Use IncreaseRetentionPeriod API.`,
        );
      }
      return { ...stream, retentionHours: hours };
    },
    { updating: true },
  );
  // Applied as the latest metadata, not `updated`: a reshard let in once this change is ACTIVE
  // would otherwise see its closed shards reopened by this call's older shard list.
  if (changed) await settleClosingShards(ctx.engine.catalog, ctx.engine.storage, updated.name);
}
