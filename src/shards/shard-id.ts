/** Shard ids are `shardId-` and a 12-digit index; the KPL parses the number back out. */
const SHARD_ID = /^shardId-(\d{12})$/;

export function shardIdOf(index: number): string {
  return `shardId-${String(index).padStart(12, "0")}`;
}

/** The index in a shard id, or undefined when it is not one of ours. */
export function shardIndexOf(shardId: string): number | undefined {
  const match = SHARD_ID.exec(shardId);
  return match ? Number(match[1]) : undefined;
}

/**
 * The index a client's ShardId argument names. The service is lenient here: it reads the part
 * after the first '-' (or the whole text), which must be digits no larger than 2^31 - 1, so
 * `shardId-5`, `shard-5` and `5` all name shard 5.
 */
export function shardIndexOfArgument(shardId: string): number | undefined {
  const dash = shardId.indexOf("-");
  const digits = dash === -1 ? shardId : shardId.slice(dash + 1);
  if (!/^\d+$/.test(digits)) return undefined;
  const index = Number(digits);
  return index <= 2147483647 ? index : undefined;
}
