import { Readable, Transform, pipeline } from "node:stream";
import { EventStreamCodec, type MessageHeaders } from "@smithy/eventstream-codec";
import { shapeOf } from "../translate/shape.js";
import type { WireProtocol } from "./protocols/protocol.js";

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

const streamMembers = new Map<string, string | undefined>();

/** The member of an output shape that is an event stream, if any. */
export function eventStreamMemberOf(outputShape: string | null): string | undefined {
  if (outputShape === null) return undefined;
  if (!streamMembers.has(outputShape)) {
    streamMembers.set(outputShape, Object.entries(shapeOf(outputShape).members ?? {}).find(([, shape]) => shapeOf(shape).eventstream)?.[0]);
  }
  return streamMembers.get(outputShape);
}

function frame(headers: MessageHeaders, payload: Uint8Array): Buffer {
  const bytes = codec.encode({ headers, body: payload });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The frames of an event-stream response, led by the model: first `initial-response` with the
 * rest of the output, then one frame per event the operation yields, its payload encoded by
 * the request's protocol (so a CBOR client gets CBOR events). Events that are error members of
 * the stream's shape become exception frames. Events are taken one at a time as the frames
 * drain, so a slow reader holds back the operation; destroying the frames (the client went
 * away) destroys the operation's stream at once.
 */
export function eventStreamFrames(protocol: WireProtocol, outputShape: string, output: Record<string, unknown>, member: string): Readable {
  const streamShape = shapeOf(shapeOf(outputShape).members![member]!);
  const payloadType = text(EVENT_PAYLOAD_TYPES[protocol.contentType] ?? protocol.contentType);
  const { [member]: events, ...initial } = output;
  const frames = new Transform({
    writableObjectMode: true,
    writableHighWaterMark: 1,
    transform(event: Record<string, unknown>, _encoding, done) {
      const [name, value] = Object.entries(event)[0]!;
      const shapeName = streamShape.members![name]!;
      const kind: MessageHeaders = shapeOf(shapeName).exception ? { ":message-type": text("exception"), ":exception-type": text(name) } : { ":message-type": text("event"), ":event-type": text(name) };
      done(null, frame({ ...kind, ":content-type": payloadType }, protocol.encodeOutput(shapeName, value)));
    },
  });
  frames.push(frame({ ":message-type": text("event"), ":event-type": text("initial-response"), ":content-type": payloadType }, protocol.encodeOutput(outputShape, initial)));
  const source = events instanceof Readable ? events : Readable.from(events as AsyncIterable<unknown>);
  pipeline(source, frames, () => {
    // Errors end both streams; the HTTP layer sees the frames end or fail.
  });
  return frames;
}
