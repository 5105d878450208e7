import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { ShardIteratorCodec } from "../../src/kinesis/codecs/shard-iterator.js";

/**
 * The iterator codec with the key a server shares through KV: lets a test make iterators the
 * server would have made at another time (expired ones). A forger without the key cannot.
 */
export async function iteratorCodecOf(natsUrl: string, namespace: string): Promise<ShardIteratorCodec> {
  const nc = await connect({ servers: natsUrl });
  try {
    const kv = await new Kvm(nc).open(`${namespace}-metadata`);
    const entry = await kv.get("secrets.token-key");
    if (!entry) throw new Error("no token key in KV");
    return new ShardIteratorCodec(entry.value);
  } finally {
    await nc.close();
  }
}
