import { headers, type Msg, type MsgHdrs } from "@nats-io/transport-node";
import { headerValuesOf } from "./delivered-headers.js";
import type { RecordCipher } from "./record-cipher.js";

/**
 * How a Kinesis record is stored in a JetStream message: the data is the payload, untouched, so
 * a native NATS consumer reads exactly what the producer sent; the partition key travels as a
 * header. Partition keys are any Unicode text (even CR/LF), so the header holds them
 * URI-encoded; ordinary keys pass through unchanged. The approximate arrival time is
 * JetStream's own timestamp of the message, the moment it was stored; the server also stamps
 * the moment it received the record (the time its sequence number carries, known before the
 * write is acknowledged).
 */
export const PARTITION_KEY_HEADER = "Kinesis-Partition-Key";
/** Epoch ms at which the server received the record, in decimal. */
export const RECEIVED_HEADER = "Kinesis-Received";
/** On records stored encrypted: the KMS KeyId their data key derives from (URI-encoded). */
export const ENCRYPTION_KEY_HEADER = "Kinesis-Encryption-Key";

/** A record as read back from JetStream. */
export interface StoredRecord {
  /** JetStream stream sequence. */
  readonly sequence: bigint;
  readonly data: Uint8Array;
  readonly partitionKey: string;
  /** Epoch ms at which JetStream stored the record. */
  readonly arrivalMs: number;
  /** Epoch ms at which the server received it (its Kinesis-Received stamp; JetStream's time for records written natively). */
  readonly receivedMs: number;
  /** Whether the record is stored encrypted (its data here is decrypted). */
  readonly encrypted: boolean;
}

export function recordHeaders(partitionKey: string, receivedMs: number, encryptionKeyId?: string, messageId?: string): MsgHdrs {
  const h = headers();
  // append, not set: the headers are new, so there is nothing for set to look up and replace.
  h.append(PARTITION_KEY_HEADER, encodeURIComponent(partitionKey));
  h.append(RECEIVED_HEADER, String(receivedMs));
  if (encryptionKeyId !== undefined) h.append(ENCRYPTION_KEY_HEADER, encodeURIComponent(encryptionKeyId));
  if (messageId !== undefined) h.append("Nats-Msg-Id", messageId);
  return h;
}

/**
 * The same headers as nats.js encodes recordHeaders(...) on the wire (its MsgHdrs.toString):
 * "NATS/1.0", then "\r\nName: value" per header, then a blank line. Values are trimmed and may
 * not hold CR or LF, as nats.js requires; only the message id can (the others are URI-encoded
 * or digits).
 */
export function recordHeaderText(partitionKey: string, receivedMs: number, encryptionKeyId?: string, messageId?: string): string {
  let text = `NATS/1.0\r\n${PARTITION_KEY_HEADER}: ${encodeURIComponent(partitionKey)}\r\n${RECEIVED_HEADER}: ${receivedMs}`;
  if (encryptionKeyId !== undefined) text += `\r\n${ENCRYPTION_KEY_HEADER}: ${encodeURIComponent(encryptionKeyId)}`;
  if (messageId !== undefined) {
    if (/[\r\n]/.test(messageId)) throw new Error("invalid header: values cannot contain \\r or \\n");
    text += `\r\nNats-Msg-Id: ${messageId.trim()}`;
  }
  return `${text}\r\n\r\n`;
}

/** The Kinesis-Received stamp, or `fallback` on a message without one. */
export function receivedMsOf(h: MsgHdrs | undefined, fallback: number): number {
  const stamp = Number(h?.get(RECEIVED_HEADER) || Number.NaN);
  return Number.isFinite(stamp) ? stamp : fallback;
}

const RECORD_HEADER_NAMES = [PARTITION_KEY_HEADER, RECEIVED_HEADER, ENCRYPTION_KEY_HEADER].map((name) => name.toLowerCase());

/** A delivered message as a record, its data decrypted when it was stored encrypted. */
export function storedRecordOf(msg: Msg, sequence: bigint, arrivalMs: number, cipher: RecordCipher): StoredRecord {
  const [partitionKey = "", received = "", encryptionKey] = headerValuesOf(msg, RECORD_HEADER_NAMES);
  const keyId = encryptionKey ? decodeURIComponent(encryptionKey) : undefined;
  const stamp = Number(received || Number.NaN);
  return {
    sequence,
    data: keyId === undefined ? msg.data : cipher.decrypt(keyId, msg.data),
    // Most keys have nothing encoded: skip the decoder for them.
    partitionKey: partitionKey.includes("%") ? decodeURIComponent(partitionKey) : partitionKey,
    arrivalMs,
    receivedMs: Number.isFinite(stamp) ? stamp : arrivalMs,
    encrypted: keyId !== undefined,
  };
}
