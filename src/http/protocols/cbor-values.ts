import { addExtension, Decoder, Encoder } from "cbor-x";
import { decode as decodeStreamingCbor } from "cbor2";

/**
 * A CBOR tag 1 as AWS CBOR 1.1 (the Java SDK's Kinesis protocol) uses it: the tagged value is
 * an INTEGER of epoch MILLISECONDS, not the seconds RFC 8949 says. Jackson, which the Java
 * SDK parses with, reads a float there as a malformed timestamp, so we always write an integer.
 */
export class CborEpochMillis {
  constructor(readonly value: unknown) {}
}

const EPOCH_TAG = 1;

// cbor-x turns tag 1 into a Date of seconds by default; keep the raw value instead. The
// registration is process-wide, which is fine: this module is cbor-x's only user.
addExtension({
  Class: CborEpochMillis,
  tag: EPOCH_TAG,
  // A BigInt is written as a CBOR integer of the size it needs; cbor-x writes a number above
  // 2^32 (every epoch in ms) as a float64.
  encode: (timestamp: CborEpochMillis, encode: (value: unknown) => Uint8Array) => encode(BigInt(timestamp.value as number)),
  decode: (value: unknown) => new CborEpochMillis(value),
});

const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export function encodeCbor(value: unknown): Buffer {
  return encoder.encode(value);
}

/**
 * cbor-x is fast but refuses indefinite-length (chunked) text and byte strings, which Jackson
 * writes for long strings, and words that refusal differently by where it meets them; cbor2
 * reads every valid CBOR item, ten times slower. Take the fast path, and the complete one
 * whenever the fast one fails: a body neither can read is malformed.
 */
export function decodeCbor(bytes: Buffer): unknown {
  try {
    return decoder.decode(bytes);
  } catch {
    return decodeStreamingCbor(bytes, {
      tags: new Map([[EPOCH_TAG, (tag: { contents: unknown }) => new CborEpochMillis(tag.contents)]]),
    });
  }
}
