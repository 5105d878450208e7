import { randomBytes } from "node:crypto";

/**
 * What the bench writes into every record, so that any reader can tell, from the data alone,
 * when it was sent, which run it belongs to and which record of the run it is: the send time
 * (ns on the process's monotonic clock, shared by its threads), the run, the index, then
 * random padding up to the record size.
 */
export interface RecordStamp {
  readonly sentNs: bigint;
  readonly run: number;
  readonly index: number;
}

/** The smallest record that holds a stamp. */
export const STAMP_BYTES = 16;

const nowNs = (): bigint => process.hrtime.bigint();

/** Record data of one size: random padding shared by every record, the stamp written per record. */
export class RecordMaker {
  private readonly padding: Buffer;

  constructor(readonly size: number) {
    if (size < STAMP_BYTES) throw new Error(`records must be at least ${STAMP_BYTES} bytes to carry the bench's stamp`);
    this.padding = randomBytes(size);
  }

  make(run: number, index: number): Buffer {
    const data = Buffer.allocUnsafe(this.size);
    this.padding.copy(data, STAMP_BYTES, STAMP_BYTES);
    data.writeBigUInt64BE(nowNs(), 0);
    data.writeUInt32BE(run, 8);
    data.writeUInt32BE(index, 12);
    return data;
  }
}

/** The stamp of a record, or undefined when the data is too short to be one of ours. */
export function readStamp(bytes: Uint8Array): RecordStamp | undefined {
  if (bytes.byteLength < STAMP_BYTES) return undefined;
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { sentNs: data.readBigUInt64BE(0), run: data.readUInt32BE(8), index: data.readUInt32BE(12) };
}

/** Milliseconds from a stamp's send time to now. */
export const msSince = (sentNs: bigint): number => Number(nowNs() - sentNs) / 1e6;

/** A partition key per record, so records spread over every shard as MD5 routing would spread real keys. */
export const partitionKey = (run: number, index: number): string => `pk-${run}-${index}`;
