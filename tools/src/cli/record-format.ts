import type { _Record } from "@aws-sdk/client-kinesis";

/** How a record's data is printed. */
export const DATA_FORMATS = ["text", "base64", "hex"] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

export const isDataFormat = (text: string): text is DataFormat => (DATA_FORMATS as readonly string[]).includes(text);

export function formatData(data: Uint8Array | undefined, format: DataFormat): string {
  const bytes = Buffer.from(data ?? []);
  return format === "text" ? bytes.toString("utf8") : bytes.toString(format);
}

/** A record as `tail --json` prints it, one object a line. */
export interface PrintedRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly arrival: string;
  readonly data: string;
}

export function printedRecord(shardId: string, record: _Record, format: DataFormat): PrintedRecord {
  return {
    shardId,
    sequenceNumber: record.SequenceNumber!,
    partitionKey: record.PartitionKey!,
    arrival: (record.ApproximateArrivalTimestamp ?? new Date(0)).toISOString(),
    data: formatData(record.Data, format),
  };
}

/** The human line: shard, partition key and data, tab-separated (cut -f3 keeps the data). */
export const recordLine = (r: PrintedRecord): string => `${r.shardId}\t${r.partitionKey}\t${r.data}`;
