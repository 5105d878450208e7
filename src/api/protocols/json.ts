import { SerializationException, type KinesisError } from "../../translate/errors.js";
import { shapeOf } from "../../translate/shape.js";
import { decodeJsonInput } from "./json-input.js";
import type { WireProtocol } from "./protocol.js";

const EMPTY = Buffer.alloc(0);

/** Turns an output value into its JSON form: blobs to base64, timestamps to epoch seconds. */
function toJson(shapeName: string, value: unknown): unknown {
  const shape = shapeOf(shapeName);
  switch (shape.type) {
    case "structure": {
      const result: Record<string, unknown> = {};
      for (const [member, memberShape] of Object.entries(shape.members ?? {})) {
        const memberValue = (value as Record<string, unknown>)[member];
        if (memberValue !== undefined) result[member] = toJson(memberShape, memberValue);
      }
      return result;
    }
    case "list":
      return (value as unknown[]).map((item) => toJson(shape.member!, item));
    case "map":
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJson(shape.value!, v)]));
    case "blob":
      return Buffer.from((value as Uint8Array).buffer, (value as Uint8Array).byteOffset, (value as Uint8Array).byteLength).toString("base64");
    case "timestamp":
      return (value as Date).getTime() / 1000;
    default:
      return value;
  }
}

/** AWS JSON 1.1, the protocol of botocore, the CLI and the JavaScript SDK. */
export const jsonProtocol: WireProtocol = {
  contentType: "application/x-amz-json-1.1",

  parseBody(body) {
    if (body.length === 0) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(body.toString("utf8"));
    } catch {
      throw new SerializationException("");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new SerializationException("");
    return value;
  },

  decodeInput(shapeName, body) {
    return decodeJsonInput(shapeName, body);
  },

  encodeOutput(shapeName, output) {
    return shapeName === null ? EMPTY : Buffer.from(JSON.stringify(toJson(shapeName, output)));
  },

  encodeError(error) {
    // Server faults carry no message; SerializationException spells its key "Message".
    const body: Record<string, string> = { __type: error.type };
    if (error.message && error.statusCode !== 500) body[error instanceof SerializationException ? "Message" : "message"] = error.message;
    return Buffer.from(JSON.stringify(body));
  },
};
