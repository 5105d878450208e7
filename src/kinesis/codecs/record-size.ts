/**
 * A record travels as one NATS message: its data as the payload, its partition key (at most
 * 256 characters, URI-encoded: up to 3 KiB) and arrival time as headers. Leave that much room.
 */
const HEADER_ROOM_BYTES = 4096;

/** The largest record, in KiB, that fits the NATS server's max_payload. */
export function largestRecordKiB(maxPayload: number): number {
  return Math.floor((maxPayload - HEADER_ROOM_BYTES) / 1024);
}

/** Bytes a record counts against the record and request size limits: data plus partition key. */
export function recordSize(data: Uint8Array, partitionKey: string): number {
  return data.length + Buffer.byteLength(partitionKey, "utf8");
}
