import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import type { Logger } from "pino";
import type { ShardInfo } from "./layout.js";
import type { MirrorStart, PositionStore, ShardPosition } from "./position-store.js";
import { PositionSaver } from "./position-saver.js";
import type { ReadBatch, ReadFrom, ShardReader } from "./source-reader.js";
import type { Traffic } from "./traffic.js";
import { writeRecords, type WriterContext } from "./writer.js";

export interface CopyContext {
  readonly target: KinesisClient;
  readonly targetStream: string;
  readonly store: PositionStore;
  readonly start: MirrorStart;
  readonly traffic: Traffic;
  readonly log: Logger;
  readonly untilCaughtUp: boolean;
  readonly signal: AbortSignal;
  readonly writer: WriterContext;
  readReader(shardId: string, from: ReadFrom): ShardReader;
}

/** How a shard's copy ended: read to its end, read to its tip (with --until-caught-up), or stopped. */
export type CopyOutcome = "done" | "caught-up" | "stopped";

/**
 * The records the target shard holds after `after` (all of them without it): those a write
 * stored before a crash kept its position from being saved. Only the mirror writes here, so
 * they are the next source records, in order.
 */
async function writtenSince(client: KinesisClient, stream: string, shardId: string, after: string | undefined): Promise<{ count: number; last?: string }> {
  const input =
    after === undefined
      ? { ShardIteratorType: "TRIM_HORIZON" as const }
      : { ShardIteratorType: "AFTER_SEQUENCE_NUMBER" as const, StartingSequenceNumber: after };
  let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ...input }))).ShardIterator;
  let count = 0;
  let last: string | undefined;
  while (iterator) {
    const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
    const records = out.Records ?? [];
    if (records.length === 0) break;
    count += records.length;
    last = records[records.length - 1]!.SequenceNumber;
    iterator = out.NextShardIterator;
  }
  return { count, ...(last !== undefined && { last }) };
}

/**
 * A way to prove the crash window is covered: with KINESIS_NATS_MIRROR_KILL_AFTER_WRITES=N the
 * process kills itself (SIGKILL, as kill -9 does) after its Nth acknowledged write and before
 * that write's position is stored, the worst moment a crash can pick.
 */
const killAfterWrites = Number(process.env.KINESIS_NATS_MIRROR_KILL_AFTER_WRITES ?? 0);
let acknowledgedWrites = 0;
function crashPoint(): void {
  if (killAfterWrites > 0 && ++acknowledgedWrites === killAfterWrites) process.kill(process.pid, "SIGKILL");
}

/** Copies one source shard from its stored position into its target shard. */
export async function copyShard(ctx: CopyContext, shard: ShardInfo, stored: ShardPosition): Promise<CopyOutcome> {
  let position = stored;
  const unsaved = await writtenSince(ctx.target, ctx.targetStream, position.targetShardId, position.targetSequence);
  let skip = unsaved.count;
  if (skip > 0) {
    ctx.log.info({ shard: shard.id, records: skip }, "records written before the last stop: not written again");
    position = { ...position, targetSequence: unsaved.last! };
  }
  const reader = ctx.readReader(shard.id, position.sourceSequence === undefined ? ctx.start : { after: position.sourceSequence });
  const saver = new PositionSaver(ctx.store, shard.id);
  // The next read runs while this one's records are written; marked handled here, its error is still thrown where it is awaited.
  const readAhead = (): Promise<ReadBatch> => {
    const read = reader.next();
    read.catch(() => undefined);
    return read;
  };
  let nextBatch = readAhead();
  try {
    while (!ctx.signal.aborted) {
      const batch = await nextBatch;
      // A closed shard is read to its end, never left at a tip: its children start only after it.
      const caughtUp = ctx.untilCaughtUp && !shard.closed && batch.records.length === 0 && batch.millisBehindLatest === 0;
      if (!batch.ended && !caughtUp) nextBatch = readAhead();
      ctx.traffic.lag(shard.id, batch.millisBehindLatest);
      let records = batch.records;
      if (skip > 0 && records.length > 0) {
        const skipped = Math.min(skip, records.length);
        position = { ...position, sourceSequence: records[skipped - 1]!.SequenceNumber! };
        records = records.slice(skipped);
        skip -= skipped;
        if (records.length === 0) saver.set(position);
      }
      if (records.length > 0) {
        const toWrite = records;
        let counted = 0;
        await writeRecords(ctx.writer, toWrite, shard.range, (written, targetSequence) => {
          crashPoint();
          position = { ...position, sourceSequence: toWrite[written - 1]!.SequenceNumber!, ...(targetSequence !== undefined && { targetSequence }) };
          saver.set(position);
          ctx.traffic.copied(toWrite.slice(counted, written));
          counted = written;
        });
      }
      if ((batch.ended || batch.millisBehindLatest === 0) && batch.records.length === 0 && skip > 0) {
        throw new Error(
          `target shard ${position.targetShardId} holds ${skip} records more than source shard ${shard.id}: something else writes to ${ctx.targetStream}`,
        );
      }
      if (batch.ended) {
        saver.set({ ...position, done: true });
        await saver.flush();
        ctx.traffic.finished(shard.id);
        return "done";
      }
      if (caughtUp) {
        await saver.flush();
        return "caught-up";
      }
    }
    await saver.flush();
    return "stopped";
  } catch (error) {
    if (!ctx.signal.aborted) throw error;
    await saver.flush();
    return "stopped";
  } finally {
    reader.close();
  }
}
