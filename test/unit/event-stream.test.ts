import { Readable } from "node:stream";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { describe, expect, it } from "vitest";
import { eventStreamFrames } from "../../src/http/event-stream.js";
import { kinesisJson as jsonProtocol, kinesisModel } from "../../src/kinesis/model.js";
import type { WireProtocol } from "../../src/http/protocols/protocol.js";

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString("utf8"),
  (text) => Buffer.from(text, "utf8"),
);

async function decodeAll(frames: Readable): Promise<{ headers: Record<string, string>; payload: string }[]> {
  const bytes = Buffer.concat(await frames.toArray());
  const messages = [];
  for (let at = 0; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    const message = codec.decode(bytes.subarray(at, at + length));
    messages.push({
      headers: Object.fromEntries(Object.entries(message.headers).map(([name, header]) => [name, String(header.value)])),
      payload: Buffer.from(message.body).toString("latin1"),
    });
    at += length;
  }
  return messages;
}

const event = {
  SubscribeToShardEvent: {
    Records: [{ SequenceNumber: "1", ApproximateArrivalTimestamp: new Date(1_500), Data: Buffer.from("hi"), PartitionKey: "k" }],
    ContinuationSequenceNumber: "1",
    MillisBehindLatest: 0,
  },
};

describe("event-stream responses", () => {
  it("find the event stream member of an output shape from the model", () => {
    expect(kinesisModel.eventStreamMemberOf("SubscribeToShardOutput")).toBe("EventStream");
    expect(kinesisModel.eventStreamMemberOf("GetRecordsOutput")).toBeUndefined();
    expect(kinesisModel.eventStreamMemberOf(null)).toBeUndefined();
  });

  it("start with initial-response, then frame each event and each error member as the model says", async () => {
    const events = Readable.from([event, { ResourceInUseException: { message: "taken" } }]);
    const frames = await decodeAll(eventStreamFrames(kinesisModel, jsonProtocol, "SubscribeToShardOutput", { EventStream: events }, "EventStream"));
    expect(frames).toEqual([
      { headers: { ":message-type": "event", ":event-type": "initial-response", ":content-type": "application/json" }, payload: "{}" },
      {
        headers: { ":message-type": "event", ":event-type": "SubscribeToShardEvent", ":content-type": "application/json" },
        payload:
          '{"Records":[{"SequenceNumber":"1","ApproximateArrivalTimestamp":1.5,"Data":"aGk=","PartitionKey":"k"}],"ContinuationSequenceNumber":"1","MillisBehindLatest":0}',
      },
      {
        headers: { ":message-type": "exception", ":exception-type": "ResourceInUseException", ":content-type": "application/json" },
        payload: '{"message":"taken"}',
      },
    ]);
  });

  it("encode payloads with the request's protocol, whichever it is", async () => {
    // A stand-in for the CBOR protocol: whatever its encodeOutput makes is what goes out.
    const cbor: WireProtocol = { ...jsonProtocol, contentType: "application/x-amz-cbor-1.1", encodeOutput: (shape) => Buffer.from(`<${shape}>`) };
    const frames = await decodeAll(eventStreamFrames(kinesisModel, cbor, "SubscribeToShardOutput", { EventStream: Readable.from([event]) }, "EventStream"));
    expect(frames.map((f) => [f.headers[":content-type"], f.payload])).toEqual([
      ["application/cbor", "<SubscribeToShardOutput>"],
      ["application/cbor", "<SubscribeToShardEvent>"],
    ]);
  });

  it("take events only as frames are read, and destroy the events at once when the frames are destroyed", async () => {
    let produced = 0;
    let destroyed = false;
    const events = new Readable({
      objectMode: true,
      highWaterMark: 1,
      read() {
        produced++;
        this.push(event);
      },
      destroy(error, callback) {
        destroyed = true;
        callback(error);
      },
    });
    const frames = eventStreamFrames(kinesisModel, jsonProtocol, "SubscribeToShardOutput", { EventStream: events }, "EventStream");
    await new Promise((r) => setTimeout(r, 50));
    // Nobody reads the frames: the source is asked for no more than a couple of events.
    expect(produced).toBeLessThanOrEqual(3);
    frames.destroy();
    expect(destroyed).toBe(true);
  });
});
