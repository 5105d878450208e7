/**
 * Sequence numbers in the real service's layout: 56 decimal digits that are, in hex,
 *   2 | shard creation seconds (9) | shard index mod 16 (1) | counter (16) |
 *   record arrival seconds (11) | shard index (8) | 2
 * Our counter is the JetStream stream sequence of the record, so a sequence number decodes
 * back to its shard and its JetStream position, and it increases within a shard (everything
 * before the counter is constant for a shard). The arrival-seconds field holds the second this
 * server received the record, stamped on the message when it is published, so PutRecord(s),
 * GetRecords and SubscribeToShard give the same number and a client that decodes the time (to
 * estimate lag) reads the record's own second. A shard's starting number holds its creation
 * second, its ending number its closing second.
 */
export interface SequenceNumberParts {
  readonly shardCreatedAtSeconds: number;
  readonly shardIndex: number;
  /** JetStream stream sequence (0 for a shard's starting sequence number). */
  readonly position: bigint;
  readonly arrivalSeconds: number;
}

const VERSION = 2n;

export function encodeSequenceNumber(parts: SequenceNumberParts): string {
  return (
    (VERSION << 184n) |
    (BigInt(parts.shardCreatedAtSeconds) << 148n) |
    (BigInt(parts.shardIndex & 0xf) << 144n) |
    (parts.position << 80n) |
    (BigInt(parts.arrivalSeconds) << 36n) |
    (BigInt(parts.shardIndex) << 4n) |
    VERSION
  ).toString();
}

/** Everything of a shard's sequence numbers but the counter and the arrival time; see sequenceNumberFrom. */
export function shardSequenceBase(shardCreatedAtSeconds: number, shardIndex: number): bigint {
  return BigInt(encodeSequenceNumber({ shardCreatedAtSeconds, shardIndex, position: 0n, arrivalSeconds: 0 }));
}

/** The sequence number at a JetStream position of the shard whose base this is, for a record that arrived in that second. */
export function sequenceNumberFrom(base: bigint, position: bigint, arrivalSeconds: number): string {
  return (base | (position << 80n) | (BigInt(arrivalSeconds) << 36n)).toString();
}

const field = (value: bigint, shift: bigint, bits: bigint): bigint => (value >> shift) & ((1n << bits) - 1n);

/** The parts of a sequence number, or undefined when it is not one this server could have made. */
export function decodeSequenceNumber(text: string): SequenceNumberParts | undefined {
  if (!/^\d{56}$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value >> 184n !== VERSION || field(value, 0n, 4n) !== VERSION) return undefined;
  const shardIndex = field(value, 4n, 32n);
  if (field(value, 144n, 4n) !== (shardIndex & 0xfn)) return undefined;
  return {
    shardCreatedAtSeconds: Number(field(value, 148n, 36n)),
    shardIndex: Number(shardIndex),
    position: field(value, 80n, 64n),
    arrivalSeconds: Number(field(value, 36n, 44n)),
  };
}
