import { Readable } from "node:stream";
import { EventStreamCodec, type MessageHeaders } from "@smithy/eventstream-codec";
import type { WireProtocol } from "./protocols/protocol.js";
import type { ServiceModel } from "./protocols/service-model.js";

/** Content type of a response that is an event stream. */
export const EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream";

/** Event payloads carry the plain media type of the protocol's encoding (JSON events say application/json). */
const EVENT_PAYLOAD_TYPES: Readonly<Record<string, string>> = {
  "application/x-amz-json-1.1": "application/json",
  "application/x-amz-cbor-1.1": "application/cbor",
};

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"),
  (text) => Buffer.from(text, "utf8"),
);

const text = (value: string): MessageHeaders[string] => ({ type: "string", value });

function frame(headers: MessageHeaders, payload: Uint8Array): Buffer {
  const bytes = codec.encode({ headers, body: payload });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The frames of an event-stream response, led by the model: first `initial-response` with the
 * rest of the output, then one frame per event the operation yields, its payload encoded by
 * the request's protocol (so a CBOR client gets CBOR events). Events that are error members of
 * the stream's shape become exception frames.
 */
export function eventStreamFrames(model: ServiceModel, protocol: WireProtocol, outputShape: string, output: Record<string, unknown>, member: string): Readable {
  const streamShape = model.shape(model.shape(outputShape).members![member]!);
  const payloadType = text(EVENT_PAYLOAD_TYPES[protocol.contentType] ?? protocol.contentType);
  const { [member]: events, ...initial } = output;
  const encode = (event: Record<string, unknown>): Buffer => {
    const [name, value] = Object.entries(event)[0]!;
    const shapeName = streamShape.members![name]!;
    const kind: MessageHeaders = model.shape(shapeName).exception
      ? { ":message-type": text("exception"), ":exception-type": text(name) }
      : { ":message-type": text("event"), ":event-type": text(name) };
    return frame({ ...kind, ":content-type": payloadType }, protocol.encodeOutput(shapeName, value));
  };
  const first = frame(
    { ":message-type": text("event"), ":event-type": text("initial-response"), ":content-type": payloadType },
    protocol.encodeOutput(outputShape, initial),
  );
  const source = events instanceof Readable ? events : Readable.from(events as AsyncIterable<unknown>);
  return new EventFrames(source, first, encode);
}

/**
 * The first event goes out this long after initial-response, so that the two reach the client
 * in separate reads, as they do from Kinesis, which answers before it has read a record.
 * lifion-kinesis's parser (lifion-aws-event-stream 1.x) loses a frame that shares a read with
 * the end of the one before it, and then fails on every later frame.
 */
const FIRST_EVENT_DELAY_MS = 10;

/**
 * Frames made from the operation's events as they come (flowing, so an event is framed and
 * written in the same turn it is produced), pausing the events whenever a frame is waiting
 * for the connection, so a slow reader holds back the operation. Being destroyed (the client
 * went away) destroys the events at once, which stops their source.
 */
class EventFrames extends Readable {
  private started = false;
  private readonly start: NodeJS.Timeout;

  constructor(
    private readonly events: Readable,
    first: Buffer,
    encode: (event: Record<string, unknown>) => Buffer,
  ) {
    super({ highWaterMark: 1 });
    this.push(first);
    events.on("data", (event: Record<string, unknown>) => {
      if (!this.push(encode(event))) events.pause();
    });
    events.pause();
    events.once("end", () => this.push(null));
    events.once("error", (error) => this.destroy(error));
    this.start = setTimeout(() => {
      this.started = true;
      events.resume();
    }, FIRST_EVENT_DELAY_MS);
  }

  override _read(): void {
    if (this.started) this.events.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.start);
    this.events.destroy();
    callback(error);
  }
}
