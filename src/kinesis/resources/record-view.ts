import type { StoredRecord } from "../../jetstream/record-format.js";
import type { Shard } from "../../shards/shard.js";
import { sequenceNumberFrom } from "../codecs/sequence-number.js";
import type { KinesisRecord } from "../generated/model.js";
import { sequenceBaseOf } from "./shard-view.js";

/** Stored records as GetRecords and SubscribeToShard answer them. */
export function toWireRecords(shard: Shard, records: readonly StoredRecord[]): KinesisRecord[] {
  const base = sequenceBaseOf(shard);
  return records.map((record) => ({
    SequenceNumber: sequenceNumberFrom(base, record.sequence, Math.floor(record.receivedMs / 1000)),
    ApproximateArrivalTimestamp: new Date(record.arrivalMs),
    Data: record.data,
    PartitionKey: record.partitionKey,
    ...(record.encrypted && { EncryptionType: "KMS" as const }),
  }));
}
