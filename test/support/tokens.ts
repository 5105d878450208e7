import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { PageTokenCodec } from "../../src/kinesis/codecs/page-token.js";
import { ShardIteratorCodec } from "../../src/kinesis/codecs/shard-iterator.js";

/**
 * The iterator codec with the key a server shares through KV: lets a test make iterators the
 * server would have made at another time (expired ones). A forger without the key cannot.
 */
export async function iteratorCodecOf(natsUrl: string, namespace: string): Promise<ShardIteratorCodec> {
  return new ShardIteratorCodec(await tokenKeyOf(natsUrl, namespace));
}

/** The NextToken codec with the server's key: tokens issued at another time (expired ones). */
export async function pageTokenCodecOf(natsUrl: string, namespace: string): Promise<PageTokenCodec> {
  return new PageTokenCodec(await tokenKeyOf(natsUrl, namespace));
}

async function tokenKeyOf(natsUrl: string, namespace: string): Promise<Uint8Array> {
  const nc = await connect({ servers: natsUrl });
  try {
    const kv = await new Kvm(nc).open(`${namespace}-metadata`);
    const entry = await kv.get("secrets.token-key");
    if (!entry) throw new Error("no token key in KV");
    return entry.value;
  } finally {
    await nc.close();
  }
}
