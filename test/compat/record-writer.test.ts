import { randomBytes } from "node:crypto";
import { connect, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RecordCipher } from "../../src/jetstream/record-cipher.js";
import { recordHeaders } from "../../src/jetstream/record-format.js";
import { outcomeOfAck, plainAck, RecordWriter, type OutgoingRecord } from "../../src/jetstream/record-writer.js";

/**
 * The record writer builds its HPUB frames itself, a batch at a time: what nats-server and a
 * native consumer see must be what nats.js's own publish of the same record sends.
 */
let nc: NatsConnection;
let jsm: JetStreamManager;
const stream = `writer_${randomBytes(4).toString("hex")}`;
const subjectOf = (shard: number): string => `${stream}.shard.${shard}`;
const cipher = new RecordCipher(randomBytes(32));

beforeAll(async () => {
  nc = await connect({ servers: inject("natsUrl") });
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [`${stream}.shard.*`], duplicate_window: 60_000_000_000 });
});
afterAll(async () => {
  await jsm?.streams.delete(stream).catch(() => undefined);
  await nc?.close();
});

/** The messages published to `subject` while `publish` runs, as a core subscriber gets them. */
async function captured(subject: string, count: number, publish: () => Promise<unknown>): Promise<Msg[]> {
  const messages: Msg[] = [];
  const sub = nc.subscribe(subject, { max: count });
  const done = (async () => {
    for await (const msg of sub) messages.push(msg);
  })();
  await nc.flush();
  await publish();
  await done;
  return messages;
}

const records: OutgoingRecord[] = [
  { shardIndex: 0, data: new TextEncoder().encode("plain"), partitionKey: "key", receivedMs: 1_700_000_000_123 },
  { shardIndex: 0, data: new Uint8Array(0), partitionKey: "ünïcødé 键 \r\n: with CRLF", receivedMs: 1 },
  { shardIndex: 0, data: randomBytes(300_000), partitionKey: "large", receivedMs: 2, messageId: " retry-ü:key:2 " },
  { shardIndex: 0, data: randomBytes(70_000), partitionKey: "after the large one", receivedMs: 3, messageId: "id:3" },
];

describe("RecordWriter", () => {
  it("sends each record with the bytes nats.js's publish sends: payload, headers, order", async () => {
    const writer = new RecordWriter(nc, 5_000, cipher);
    try {
      const ours = await captured(subjectOf(0), records.length, () => writer.publish(records, subjectOf));
      const theirs = await captured(subjectOf(0), records.length, async () => {
        for (const r of records) nc.publish(subjectOf(0), r.data, { headers: recordHeaders(r.partitionKey, r.receivedMs, undefined, r.messageId) });
        await nc.flush();
      });
      expect(ours.map((m) => m.headers?.toString())).toEqual(theirs.map((m) => m.headers?.toString()));
      expect(ours.map((m) => Buffer.from(m.data).toString("hex"))).toEqual(theirs.map((m) => Buffer.from(m.data).toString("hex")));
      expect(ours.map((m) => m.headers?.get("Kinesis-Partition-Key"))).toEqual(records.map((r) => encodeURIComponent(r.partitionKey)));
    } finally {
      writer.close();
    }
  });

  it("answers every record with its sequence, in order, and a retry with the first write's", async () => {
    const writer = new RecordWriter(nc, 5_000, cipher);
    try {
      const batch = Array.from({ length: 600 }, (_, i): OutgoingRecord => ({
        shardIndex: i % 3,
        data: randomBytes(1024),
        partitionKey: `pk-${i}`,
        receivedMs: 5,
        messageId: `call-${stream}:${i}`,
      }));
      const first = await writer.publish(batch, subjectOf);
      const sequences = first.map((outcome) => (outcome.failure === undefined ? outcome.sequence : -1n));
      expect(sequences.every((seq, i) => seq > 0n && (i === 0 || seq === sequences[i - 1]! + 1n))).toBe(true);
      expect(first.every((outcome) => outcome.failure === undefined && !outcome.duplicate)).toBe(true);
      const retry = await writer.publish(batch, subjectOf);
      expect(retry).toEqual(sequences.map((sequence) => ({ sequence, duplicate: true })));
      const stored = await jsm.streams.getMessage(stream, { seq: Number(sequences[7]) });
      expect(Buffer.from(stored!.data).equals(Buffer.from(batch[7]!.data))).toBe(true);
      expect(stored!.subject).toBe(subjectOf(7 % 3));
    } finally {
      writer.close();
    }
  });

  it("stores encrypted data under the key's header and refuses a message id with CR or LF", async () => {
    const writer = new RecordWriter(nc, 5_000, cipher);
    try {
      const data = new TextEncoder().encode("secret");
      const [encrypted, refused] = await writer.publish(
        [
          { shardIndex: 1, data, partitionKey: "k", receivedMs: 9, encryptionKeyId: "alias/my key" },
          { shardIndex: 1, data, partitionKey: "k", receivedMs: 9, messageId: "a\r\nb" },
        ],
        subjectOf,
      );
      expect(refused).toMatchObject({ failure: "rejected" });
      if (encrypted?.failure !== undefined) throw new Error(encrypted?.description);
      const stored = await jsm.streams.getMessage(stream, { seq: Number(encrypted!.sequence) });
      expect(stored!.header.get("Kinesis-Encryption-Key")).toBe("alias%2Fmy%20key");
      expect(Buffer.from(cipher.decrypt("alias/my key", stored!.data)).toString()).toBe("secret");
    } finally {
      writer.close();
    }
  });

  it("fails records on a subject no stream takes as no-stream", async () => {
    const writer = new RecordWriter(nc, 5_000, cipher);
    try {
      const outcomes = await writer.publish([records[0]!, records[0]!], () => `nostream_${stream}.x`);
      expect(outcomes.map((o) => o.failure)).toEqual(["no-stream", "no-stream"]);
    } finally {
      writer.close();
    }
  });
});

describe("RecordWriter's acknowledgements", () => {
  it("times out the records nothing answers, and takes the first answer of a record answered twice", async () => {
    const writer = new RecordWriter(nc, 300, cipher);
    const silent = nc.subscribe(`silent_${stream}`);
    let answered = 0;
    const twice = nc.subscribe(`twice_${stream}`, {
      callback: (_error, msg) => {
        const seq = ++answered;
        msg.respond(JSON.stringify({ stream, seq }));
        msg.respond(JSON.stringify({ stream, seq: seq + 1000 }));
      },
    });
    try {
      const [quiet, doubled] = await Promise.all([
        writer.publish([records[0]!, records[1]!], () => `silent_${stream}`),
        writer.publish([records[0]!, records[1]!, records[3]!], () => `twice_${stream}`),
      ]);
      expect(quiet.map((o) => o.failure)).toEqual(["timeout", "timeout"]);
      expect(doubled).toEqual([1n, 2n, 3n].map((sequence) => ({ sequence, duplicate: false })));
    } finally {
      silent.unsubscribe();
      twice.unsubscribe();
      writer.close();
    }
  });

  it("fails what is still due when it closes", async () => {
    const writer = new RecordWriter(nc, 60_000, cipher);
    const silent = nc.subscribe(`silent2_${stream}`);
    const outcomes = writer.publish([records[0]!], () => `silent2_${stream}`);
    await nc.flush();
    writer.close();
    expect((await outcomes).map((o) => o.failure)).toEqual(["timeout"]);
    silent.unsubscribe();
  });
});

describe("outcomeOfAck", () => {
  it("reads nats-server's own acknowledgements without JSON.parse", async () => {
    const h = recordHeaders("k", 1, undefined, `plain-${stream}`);
    const first = await nc.request(subjectOf(2), "x", { headers: h, timeout: 5_000 });
    const retry = await nc.request(subjectOf(2), "x", { headers: h, timeout: 5_000 });
    expect(plainAck(first.data)).toMatchObject({ duplicate: false });
    expect(plainAck(retry.data)).toEqual({ ...plainAck(first.data), duplicate: true });
  });

  const ack = (text: string) => outcomeOfAck(new TextEncoder().encode(text));
  it("reads plain acknowledgements, duplicates, errors and anything else JSON", () => {
    expect(ack('{"stream":"s","seq":42}')).toEqual({ sequence: 42n, duplicate: false });
    // As nats-server writes them.
    expect(ack('{"stream":"s", "seq":40}')).toEqual({ sequence: 40n, duplicate: false });
    expect(ack('{"stream":"s", "seq":41,"duplicate": true}')).toEqual({ sequence: 41n, duplicate: true });
    expect(ack('{"stream":"s","seq":43,"duplicate":true}')).toEqual({ sequence: 43n, duplicate: true });
    expect(ack('{"stream":"s","domain":"d","seq":44}')).toEqual({ sequence: 44n, duplicate: false });
    expect(ack('{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"s","seq":0}')).toEqual({
      failure: "rejected",
      description: "maximum messages exceeded",
    });
    expect(ack('{"stream":"a\\"b","seq":45}')).toEqual({ sequence: 45n, duplicate: false });
    expect(ack('{"stream":"s","seq":46,"duplicate":false}')).toEqual({ sequence: 46n, duplicate: false });
    expect(ack('{"stream":"s","seq":9007199254740993}')).toMatchObject({ duplicate: false });
    expect(ack("not json")).toEqual({ failure: "rejected", description: "invalid acknowledgement" });
    expect(ack('{"stream":"s","seq":}')).toEqual({ failure: "rejected", description: "invalid acknowledgement" });
  });
});
