import type { StoredRecord } from "../../jetstream/record-format.js";

/** The most record data, encoded, one SubscribeToShardEvent carries (at least one record, whatever its size). */
export const MAX_EVENT_BYTES = 10 * 1024 * 1024;
/** Per record besides its data: sequence number, timestamp, partition key framing. */
const RECORD_OVERHEAD_BYTES = 160;

/**
 * A record's share of an event's size on the wire, counted as base64 (the JSON protocol's
 * blobs, the larger of the wire formats) so the bound holds whatever the client speaks.
 */
export function encodedRecordBytes(record: StoredRecord): number {
  return Math.ceil(record.data.length / 3) * 4 + record.partitionKey.length * 3 + RECORD_OVERHEAD_BYTES;
}

/** Records gathered for one event: at most MAX_EVENT_BYTES of them, but always at least one. */
export class EventBatch {
  private records: StoredRecord[] = [];
  private bytes = 0;

  get length(): number {
    return this.records.length;
  }

  /** Adds a record; returns the records that must go out first to make room for it, if any. */
  add(record: StoredRecord): StoredRecord[] | undefined {
    const size = encodedRecordBytes(record);
    const full = this.records.length > 0 && this.bytes + size > MAX_EVENT_BYTES ? this.take() : undefined;
    this.records.push(record);
    this.bytes += size;
    return full;
  }

  /** The first records whose data adds up to at most `dataBytes`, and always the first one. */
  takeUpTo(dataBytes: number): StoredRecord[] {
    let count = 1;
    let total = this.records[0]?.data.length ?? 0;
    while (count < this.records.length && total + this.records[count]!.data.length <= dataBytes) total += this.records[count++]!.data.length;
    const taken = this.records.splice(0, count);
    this.bytes -= taken.reduce((sum, record) => sum + encodedRecordBytes(record), 0);
    return taken;
  }

  take(): StoredRecord[] {
    const records = this.records;
    this.records = [];
    this.bytes = 0;
    return records;
  }
}

/**
 * Whether a reader of a closed shard has seen all of it: it read up to the shard's last
 * possible position, or JetStream has nothing more for it and all it sent has arrived.
 */
export function shardEndReached(
  endingPosition: bigint,
  lastReceived: bigint,
  pending: { readonly count: number; readonly sentUpTo: bigint } | undefined,
): boolean {
  if (lastReceived >= endingPosition) return true;
  return pending !== undefined && pending.count === 0 && pending.sentUpTo <= lastReceived;
}
