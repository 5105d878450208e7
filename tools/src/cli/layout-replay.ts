import { CreateStreamCommand, MergeShardsCommand, SplitShardCommand, type KinesisClient, type Shard } from "@aws-sdk/client-kinesis";
import { waitActive } from "./common.js";
import type { ExportedShard } from "./export-file.js";
import { listedParents } from "./lineage.js";
import { listAllShards } from "./streams.js";

/**
 * Rebuilds an exported stream's shard history in a new stream: the same first shards, then the
 * same splits and merges, each once the records of the shards it closes are in. The exported
 * shards then have counterparts with the same hash-key ranges and the same parents.
 */
export class LayoutReplay {
  /** Exported shard id → the new stream's shard id. */
  readonly counterpart = new Map<string, string>();
  private readonly listed: Set<string>;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    private readonly shards: readonly ExportedShard[],
  ) {
    this.listed = new Set(shards.map((s) => s.shardId));
  }

  private parentsOf(shard: ExportedShard): string[] {
    return listedParents({ ShardId: shard.shardId, ParentShardId: shard.parentShardId, AdjacentParentShardId: shard.adjacentParentShardId }, this.listed);
  }

  /** Finds the new stream's shard for each exported one (of `among`) by its range, and its parents' counterparts. */
  private async match(among: readonly ExportedShard[]): Promise<void> {
    const current = await listAllShards(this.kinesis, this.streamName);
    for (const shard of among) {
      const parents = this.parentsOf(shard).map((p) => this.counterpart.get(p));
      const found = current.find(
        (s: Shard) =>
          s.HashKeyRange?.StartingHashKey === shard.startingHashKey &&
          s.HashKeyRange.EndingHashKey === shard.endingHashKey &&
          !s.SequenceNumberRange?.EndingSequenceNumber &&
          parents.every((p) => p === s.ParentShardId || p === s.AdjacentParentShardId),
      );
      if (!found) throw new Error(`no shard of the new stream matches ${shard.shardId} (${shard.startingHashKey}..${shard.endingHashKey})`);
      this.counterpart.set(shard.shardId, found.ShardId!);
    }
  }

  /** Creates the stream with the export's first shards (those with no listed parent). */
  async create(): Promise<void> {
    const roots = this.shards.filter((s) => this.parentsOf(s).length === 0);
    await this.kinesis.send(new CreateStreamCommand({ StreamName: this.streamName, ShardCount: roots.length }));
    await waitActive(this.kinesis, this.streamName);
    await this.match(roots).catch((error: unknown) => {
      throw new Error(
        `the export's first shards are not an even split of the hash-key space, as CreateStream makes: create the stream yourself, then import into it (${(error as Error).message})`,
      );
    });
  }

  /** Applies the reshard that made `shard` (and its sibling, for a split) out of its parents, which have counterparts. */
  async reshardMaking(shard: ExportedShard): Promise<void> {
    const parent = this.parentsOf(shard)[0]!;
    const children = this.shards.filter((s) => this.parentsOf(s).includes(parent));
    const [first, second] = children;
    const parents = this.parentsOf(first!);
    if (children.length === 1 && parents.length === 2) {
      await this.kinesis.send(
        new MergeShardsCommand({
          StreamName: this.streamName,
          ShardToMerge: this.counterpart.get(first!.parentShardId!),
          AdjacentShardToMerge: this.counterpart.get(first!.adjacentParentShardId!),
        }),
      );
    } else if (children.length === 2 && parents.length === 1 && this.parentsOf(second!).length === 1) {
      const later = BigInt(first!.startingHashKey) < BigInt(second!.startingHashKey) ? second! : first!;
      await this.kinesis.send(
        new SplitShardCommand({ StreamName: this.streamName, ShardToSplit: this.counterpart.get(parents[0]!), NewStartingHashKey: later.startingHashKey }),
      );
    } else {
      throw new Error(
        `the reshard that made ${children.map((c) => c.shardId).join(", ")} is neither a split nor a merge: create the stream yourself, then import into it`,
      );
    }
    await waitActive(this.kinesis, this.streamName);
    await this.match(children);
  }
}
