import { createHmac, timingSafeEqual } from "node:crypto";
import type { ReadStart } from "../../jetstream/read-consumer.js";

export interface ShardIterator {
  readonly streamName: string;
  /** Creation time (epoch ms) of the stream the iterator belongs to: a recreated stream refuses it. */
  readonly streamCreatedAt: number;
  readonly shardIndex: number;
  /** A JetStream stream sequence (inclusive; other shards' records in between are skipped) or an arrival time. */
  readonly position: ReadStart;
  /** Epoch ms; iterators expire five minutes after this. */
  readonly issuedAt: number;
}

const FORMAT_VERSION = 1;
const MAC_BYTES = 16;
const FIXED_BYTES = 1 + 8 + 8 + 4 + 1 + 8 + 1;

/**
 * Shard iterators are opaque to clients and tamper-proof: the fields, then a truncated
 * HMAC-SHA256 under a key every server instance shares, all in base64. Any instance can check
 * and read an iterator another one issued, with no shared state per iterator.
 */
export class ShardIteratorCodec {
  constructor(private readonly key: Uint8Array) {}

  encode(iterator: ShardIterator): string {
    const name = Buffer.from(iterator.streamName, "utf8");
    const body = Buffer.alloc(FIXED_BYTES + name.length);
    let at = body.writeUInt8(FORMAT_VERSION, 0);
    at = body.writeBigUInt64BE(BigInt(iterator.issuedAt), at);
    at = body.writeBigUInt64BE(BigInt(iterator.streamCreatedAt), at);
    at = body.writeUInt32BE(iterator.shardIndex, at);
    const { position } = iterator;
    at = body.writeUInt8(position.kind === "sequence" ? 0 : 1, at);
    at = body.writeBigUInt64BE(position.kind === "sequence" ? position.sequence : BigInt(position.at), at);
    at = body.writeUInt8(name.length, at);
    name.copy(body, at);
    return Buffer.concat([body, this.mac(body)]).toString("base64");
  }

  /** The iterator, or undefined when the text was not made by a server holding our key. */
  decode(text: string): ShardIterator | undefined {
    const bytes = Buffer.from(text, "base64");
    if (bytes.length < FIXED_BYTES + MAC_BYTES || bytes.toString("base64") !== text) return undefined;
    const body = bytes.subarray(0, bytes.length - MAC_BYTES);
    if (!timingSafeEqual(this.mac(body), bytes.subarray(body.length))) return undefined;
    if (body.readUInt8(0) !== FORMAT_VERSION) return undefined;
    const nameLength = body.readUInt8(FIXED_BYTES - 1);
    if (body.length !== FIXED_BYTES + nameLength) return undefined;
    const kind = body.readUInt8(21);
    const value = body.readBigUInt64BE(22);
    return {
      issuedAt: Number(body.readBigUInt64BE(1)),
      streamCreatedAt: Number(body.readBigUInt64BE(9)),
      shardIndex: body.readUInt32BE(17),
      position: kind === 0 ? { kind: "sequence", sequence: value } : { kind: "timestamp", at: Number(value) },
      streamName: body.subarray(FIXED_BYTES).toString("utf8"),
    };
  }

  private mac(body: Uint8Array): Buffer {
    return createHmac("sha256", this.key).update(body).digest().subarray(0, MAC_BYTES);
  }
}
