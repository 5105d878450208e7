import { randomBytes } from "node:crypto";
import { connect, headers, Match, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { headerValuesOf, statusCodeOf } from "../../src/jetstream/delivered-headers.js";
import { RecordCipher } from "../../src/jetstream/record-cipher.js";
import { recordHeaders, storedRecordOf } from "../../src/jetstream/record-format.js";
import { pull } from "../../src/jetstream/pull.js";

/**
 * Reads of records take headers and status codes from a message's bytes rather than from
 * nats.js's header objects: on real messages from nats-server both must say the same.
 */
let nc: NatsConnection;
let jsm: JetStreamManager;
const stream = `headers_${randomBytes(4).toString("hex")}`;
const cipher = new RecordCipher(randomBytes(32));

beforeAll(async () => {
  nc = await connect({ servers: inject("natsUrl") });
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
});
afterAll(async () => {
  await jsm?.streams.delete(stream).catch(() => undefined);
  await nc?.close();
});

/** One message published as given, as a core subscriber receives it. */
async function delivered(publish: (subject: string) => void): Promise<Msg> {
  const subject = `${stream}.core.${randomBytes(4).toString("hex")}`;
  const sub = nc.subscribe(subject, { max: 1 });
  const first = (async () => {
    for await (const msg of sub) return msg;
    throw new Error("no message");
  })();
  await nc.flush();
  publish(subject);
  return first;
}

const NAMES = ["kinesis-partition-key", "kinesis-received", "kinesis-encryption-key"];

/** What nats.js's own header object says of the same names, in any case: the first value. */
function byNatsJs(msg: Msg): (string | undefined)[] {
  return NAMES.map((name) => (msg.headers?.has(name, Match.IgnoreCase) ? msg.headers.get(name, Match.IgnoreCase) : undefined));
}

describe("headers read from a delivered message's bytes", () => {
  it("find what nats.js finds: record headers, other cases, repeats, spaces, no headers", async () => {
    const repeated = headers();
    repeated.append("kinesis-partition-key", "  lower case, padded  ");
    repeated.append("Kinesis-Partition-Key", "second");
    repeated.append("Other", "x: y");
    repeated.append("Kinesis-Received", "17");
    const cases = [
      recordHeaders("ünïcødé 键 \r\n: with CRLF", 1_700_000_000_123, "arn:aws:kms:us-east-1:1:key/a b", "id:1"),
      recordHeaders("plain", 5),
      repeated,
      undefined,
    ];
    for (const h of cases) {
      const msg = await delivered((subject) => nc.publish(subject, "data", h ? { headers: h } : {}));
      const ours = headerValuesOf(msg, NAMES);
      expect(statusCodeOf(msg)).toBe(0);
      // Read from the bytes: nats.js's header object was never built.
      expect((msg as unknown as { _headers?: unknown })._headers).toBeUndefined();
      expect(ours).toEqual(byNatsJs(msg));
    }
  });

  it("a stored record reads back the same through them", async () => {
    const subject = `${stream}.record`;
    await jsm.streams.purge(stream, { filter: subject });
    const js = (await import("@nats-io/jetstream")).jetstream(nc);
    await js.publish(subject, "payload", { headers: recordHeaders("key %41 ü", 1_700_000_000_456) });
    const consumer = await jsm.consumers.add(stream, { ack_policy: "none", filter_subject: subject, mem_storage: true, inactive_threshold: 30_000_000_000 });
    const messages: Msg[] = [];
    const end = await pull(
      nc,
      { stream, consumer: consumer.name, count: 10, maxBytes: 1 << 20, deadline: Date.now() + 5_000, heardBefore: false, timeoutMs: 5_000 },
      (msg) => messages.push(msg) > 0,
    );
    // The pull ends on JetStream's 404 status (nothing more), which statusCodeOf reads.
    expect(end).toBe("caught-up");
    expect(messages).toHaveLength(1);
    const record = storedRecordOf(messages[0]!, 1n, 0, cipher);
    expect(record).toMatchObject({ partitionKey: "key %41 ü", receivedMs: 1_700_000_000_456, encrypted: false });
    expect(Buffer.from(record.data).toString()).toBe("payload");
  });

  it("status codes of JetStream's status messages, as nats.js reads them", async () => {
    const consumer = await jsm.consumers.add(stream, {
      ack_policy: "none",
      filter_subject: `${stream}.none`,
      mem_storage: true,
      inactive_threshold: 30_000_000_000,
    });
    const inbox = `_INBOX.${randomBytes(6).toString("hex")}`;
    const statuses: Msg[] = [];
    const sub = nc.subscribe(inbox, { max: 2 });
    const done = (async () => {
      for await (const msg of sub) statuses.push(msg);
    })();
    await nc.flush();
    const next = `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer.name}`;
    nc.publish(next, JSON.stringify({ batch: 1, no_wait: true }), { reply: inbox }); // 404 No Messages
    nc.publish(next, JSON.stringify({ batch: 1, expires: 50_000_000 }), { reply: inbox }); // 408 Request Timeout
    await done;
    expect(statuses.map((msg) => statusCodeOf(msg))).toEqual(statuses.map((msg) => msg.headers?.code));
    expect(statuses.map((msg) => statusCodeOf(msg)).sort()).toEqual([404, 408]);
  });
});
