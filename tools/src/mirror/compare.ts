import { createHash } from "node:crypto";
import type { _Record } from "@aws-sdk/client-kinesis";
import { listShards, type ShardInfo } from "./layout.js";
import { pollingReader, type ReaderContext } from "./source-reader.js";

/** How one shard of the source compares with its twin in the target. */
export interface ShardComparison {
  /** The hash-key range, and the ranges of its parents: what makes two shards twins. */
  readonly lineage: string;
  /** Undefined: the target has a shard the source has no twin of. */
  readonly sourceShardId?: string;
  readonly targetShardId?: string;
  readonly sourceRecords: number;
  readonly targetRecords: number;
  /** Index of the first record that differs (partition key or data), if one does. */
  readonly firstDifference?: number;
}

const rangeText = (s: ShardInfo): string => `${s.range.start}-${s.range.end}`;

/** Each shard's lineage key: its range and its parents' ranges, with a count for a key seen again. */
function lineageKeys(shards: readonly ShardInfo[]): Map<string, ShardInfo> {
  const keys = new Map<string, ShardInfo>();
  for (const shard of shards) {
    const parents = shard.parents.map((p) => shards.find((s) => s.id === p)).map((p) => (p ? rangeText(p) : "?"));
    const base = `${rangeText(shard)} from [${parents.sort().join(", ")}]`;
    let key = base;
    for (let n = 2; keys.has(key); n++) key = `${base} #${n}`;
    keys.set(key, shard);
  }
  return keys;
}

const fingerprint = (r: _Record): string => createHash("sha256").update(r.PartitionKey!).update("\0").update(r.Data!).digest("base64");

/** Every record of a shard up to its tip, in order, as fingerprints (memory: 44 bytes a record). */
async function fingerprints(ctx: ReaderContext, shardId: string): Promise<string[]> {
  const reader = pollingReader(ctx, shardId, { type: "TRIM_HORIZON" });
  const out: string[] = [];
  for (;;) {
    const batch = await reader.next();
    for (const record of batch.records) out.push(fingerprint(record));
    if (batch.ended || (batch.records.length === 0 && (batch.millisBehindLatest ?? 0) === 0)) return out;
  }
}

/**
 * Reads both streams shard by shard and compares them record by record: twins by lineage, the
 * same partition keys and data in the same order. An open shard of a live source may be ahead
 * of the target by the mirror's lag; its common prefix must still match.
 */
export async function compareStreams(source: ReaderContext, target: ReaderContext): Promise<ShardComparison[]> {
  const [sourceShards, targetShards] = await Promise.all([
    lineageKeys(await listShards(source.client, source.stream)),
    lineageKeys(await listShards(target.client, target.stream)),
  ]);
  const results: ShardComparison[] = [];
  for (const [lineage, shard] of sourceShards) {
    const twin = targetShards.get(lineage);
    const [want, got] = await Promise.all([fingerprints(source, shard.id), twin ? fingerprints(target, twin.id) : Promise.resolve([])]);
    const common = Math.min(want.length, got.length);
    let firstDifference: number | undefined;
    for (let i = 0; i < common && firstDifference === undefined; i++) if (want[i] !== got[i]) firstDifference = i;
    if (firstDifference === undefined && got.length > want.length) firstDifference = want.length;
    results.push({
      lineage,
      sourceShardId: shard.id,
      ...(twin && { targetShardId: twin.id }),
      sourceRecords: want.length,
      targetRecords: got.length,
      ...(firstDifference !== undefined && { firstDifference }),
    });
  }
  for (const [lineage, shard] of targetShards) {
    if (sourceShards.has(lineage)) continue;
    const got = await fingerprints(target, shard.id);
    results.push({ lineage, targetShardId: shard.id, sourceRecords: 0, targetRecords: got.length, ...(got.length > 0 && { firstDifference: 0 }) });
  }
  return results;
}

/** One line a shard: the same, the target behind (the mirror's lag), or where it differs. */
export function describeComparison(r: ShardComparison): string {
  const ids = `${r.sourceShardId ?? "(none)"} → ${r.targetShardId ?? "(none)"}`;
  const verdict =
    r.firstDifference !== undefined
      ? `DIFFERS at record ${r.firstDifference} (source ${r.sourceRecords}, target ${r.targetRecords})`
      : r.targetRecords < r.sourceRecords
        ? `target behind by ${r.sourceRecords - r.targetRecords} of ${r.sourceRecords} records`
        : `same ${r.sourceRecords} records`;
  return `${ids.padEnd(46)} ${verdict}   [${r.lineage}]`;
}
