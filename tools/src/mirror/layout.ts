import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  MergeShardsCommand,
  ResourceNotFoundException,
  SplitShardCommand,
  type KinesisClient,
  type Shard,
} from "@aws-sdk/client-kinesis";
import { sleep, withThrottleRetry } from "./backoff.js";
import type { HashRange } from "./writer.js";

/** A shard as the mirror needs it: its range, its parents, whether it is closed. */
export interface ShardInfo {
  readonly id: string;
  readonly range: HashRange;
  readonly parents: readonly string[];
  readonly closed: boolean;
}

const infoOf = (s: Shard): ShardInfo => ({
  id: s.ShardId!,
  range: { start: BigInt(s.HashKeyRange!.StartingHashKey!), end: BigInt(s.HashKeyRange!.EndingHashKey!) },
  parents: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => p !== undefined),
  closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
});

const sameRange = (a: HashRange, b: HashRange): boolean => a.start === b.start && a.end === b.end;
const byStart = (a: ShardInfo, b: ShardInfo): number => (a.range.start < b.range.start ? -1 : a.range.start > b.range.start ? 1 : 0);
const noThrottleLog = (): void => undefined;

/** Every shard the stream still holds, open and closed, in the service's order. */
export async function listShards(client: KinesisClient, stream: string): Promise<ShardInfo[]> {
  const shards: ShardInfo[] = [];
  let token: string | undefined;
  do {
    // A page token replaces the stream's name: Kinesis refuses both together.
    const input = token === undefined ? { StreamName: stream } : { NextToken: token };
    const out = await withThrottleRetry(() => client.send(new ListShardsCommand(input)), noThrottleLog);
    shards.push(...(out.Shards ?? []).map(infoOf));
    token = out.NextToken;
  } while (token !== undefined);
  return shards;
}

/** The shards to read first: those whose parents are not among `shards` (trimmed, or outside the start). */
export const rootsOf = (shards: readonly ShardInfo[]): ShardInfo[] => shards.filter((s) => !s.parents.some((p) => shards.some((o) => o.id === p)));

const ACTIVE_TIMEOUT_MS = 300_000;

/** Waits until the stream is ACTIVE again: Kinesis refuses a reshard while one is under way. */
export async function waitActive(client: KinesisClient, stream: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (let pause = 20; ; pause = Math.min(1000, pause * 2)) {
    const out = await withThrottleRetry(() => client.send(new DescribeStreamSummaryCommand({ StreamName: stream })), noThrottleLog);
    if (out.StreamDescriptionSummary?.StreamStatus === "ACTIVE") return;
    if (Date.now() > deadline) throw new Error(`stream ${stream} did not become ACTIVE within ${ACTIVE_TIMEOUT_MS / 1000} s`);
    await sleep(pause);
  }
}

export async function streamExists(client: KinesisClient, stream: string): Promise<boolean> {
  try {
    await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

const openSorted = async (client: KinesisClient, stream: string): Promise<ShardInfo[]> =>
  (await listShards(client, stream)).filter((s) => !s.closed).sort(byStart);

async function split(client: KinesisClient, stream: string, shardId: string, at: bigint): Promise<void> {
  await client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: shardId, NewStartingHashKey: at.toString() }));
  await waitActive(client, stream);
}

async function merge(client: KinesisClient, stream: string, lower: string, upper: string): Promise<void> {
  await client.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: lower, AdjacentShardToMerge: upper }));
  await waitActive(client, stream);
}

/** Splits and merges the open shards of `stream` until their ranges are `wanted`'s. */
async function alignRanges(client: KinesisClient, stream: string, wanted: readonly HashRange[]): Promise<void> {
  for (const range of wanted) {
    const open = await openSorted(client, stream);
    if (open.some((s) => s.range.start === range.start)) continue;
    const holder = open.find((s) => s.range.start < range.start && range.start <= s.range.end)!;
    await split(client, stream, holder.id, range.start);
  }
  for (;;) {
    const open = await openSorted(client, stream);
    const extra = open.findIndex((s, i) => i > 0 && !wanted.some((w) => w.start === s.range.start));
    if (extra < 0) return;
    await merge(client, stream, open[extra - 1]!.id, open[extra]!.id);
  }
}

/**
 * The target's open shard for each root of the source, by identical range. A missing target is
 * created with as many shards as there are roots and reshaped to their ranges when they are not
 * the even split CreateStream makes.
 */
export async function prepareTarget(client: KinesisClient, stream: string, roots: readonly ShardInfo[]): Promise<Map<string, string>> {
  if (!(await streamExists(client, stream))) {
    await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: roots.length }));
    await waitActive(client, stream);
    await alignRanges(
      client,
      stream,
      roots.map((r) => r.range),
    );
  }
  const open = await openSorted(client, stream);
  const mapping = new Map<string, string>();
  for (const root of roots) {
    const twin = open.find((s) => sameRange(s.range, root.range));
    if (!twin) throw new Error(`stream ${stream} has no open shard with the hash-key range of source shard ${root.id}: its layout differs from the source's`);
    mapping.set(root.id, twin.id);
  }
  return mapping;
}

/**
 * Applies to the target the reshard that made the source shard `child` (a split of its one
 * parent, or a merge of its two), unless it is applied already, and answers the target shard
 * that copies `child`. `targetOf` gives the target shard of each source parent.
 */
export async function followReshard(
  client: KinesisClient,
  stream: string,
  child: ShardInfo,
  siblings: readonly ShardInfo[],
  targetOf: (sourceShardId: string) => string,
): Promise<string> {
  const parents = child.parents.map(targetOf);
  let shards = await listShards(client, stream);
  const stillOpen = (id: string): boolean => shards.some((s) => s.id === id && !s.closed);
  if (parents.length === 1 && stillOpen(parents[0]!)) {
    const upper = [...siblings].sort(byStart).at(-1)!;
    await split(client, stream, parents[0]!, upper.range.start);
    shards = await listShards(client, stream);
  } else if (parents.length === 2 && (stillOpen(parents[0]!) || stillOpen(parents[1]!))) {
    const [lower, upper] = shards.filter((s) => parents.includes(s.id)).sort(byStart);
    await merge(client, stream, lower!.id, upper!.id);
    shards = await listShards(client, stream);
  }
  const twin = shards.find((s) => sameRange(s.range, child.range) && s.parents.length === parents.length && s.parents.every((p) => parents.includes(p)));
  if (!twin)
    throw new Error(`no shard of ${stream} answers source shard ${child.id} (parents ${child.parents.join(", ")}): the source's reshard could not be repeated`);
  return twin.id;
}
