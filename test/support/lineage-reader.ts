import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, ListShardsCommand, type _Record } from "@aws-sdk/client-kinesis";

export interface ShardRead {
  readonly shardId: string;
  readonly records: _Record[];
}

/**
 * Reads a whole stream the way KCL does: the shards that have no parent from TRIM_HORIZON,
 * each to its end, and a child only once all its parents are done, found through the
 * ChildShards of each parent's last GetRecords.
 */
export async function readByLineage(kinesis: KinesisClient, stream: string): Promise<ShardRead[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const known = new Set(Shards.map((s) => s.ShardId!));
  const parentsOf = new Map<string, string[]>();
  const done = new Set<string>();
  const queue = Shards.filter((s) => !s.ParentShardId || !known.has(s.ParentShardId)).map((s) => s.ShardId!);
  const reads: ShardRead[] = [];
  while (queue.length > 0) {
    const shardId = queue.shift()!;
    const records: _Record[] = [];
    let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    for (let calls = 0; iterator; calls++) {
      if (calls > 200) throw new Error(`shard ${shardId} did not end`);
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 7 }));
      records.push(...(out.Records ?? []));
      if (out.NextShardIterator && out.ChildShards?.length) throw new Error("NextShardIterator and ChildShards together");
      if (!out.NextShardIterator) {
        if (!out.ChildShards?.length) throw new Error("neither NextShardIterator nor ChildShards");
        for (const child of out.ChildShards) parentsOf.set(child.ShardId!, child.ParentShards!);
      } else if ((out.Records ?? []).length === 0 && out.MillisBehindLatest === 0) {
        // An open shard read to its tip.
        const open = Shards.find((s) => s.ShardId === shardId && !s.SequenceNumberRange?.EndingSequenceNumber);
        if (open) break;
      }
      iterator = out.NextShardIterator;
    }
    reads.push({ shardId, records });
    done.add(shardId);
    for (const [child, parents] of parentsOf) {
      if (!done.has(child) && !queue.includes(child) && parents.every((p) => done.has(p))) queue.push(child);
    }
  }
  return reads;
}
