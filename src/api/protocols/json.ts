import { SerializationException, type KinesisError } from "../../translate/errors.js";
import { shapeOf } from "../../translate/shape.js";
import { decodeJsonInput } from "./json-input.js";
import type { WireProtocol } from "./protocol.js";

const EMPTY = Buffer.alloc(0);

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Writes an output value as JSON text, led by its shape: blobs as base64, timestamps as epoch
 * seconds. Pieces go into an array joined once; when every piece is ASCII (base64 always is)
 * the text becomes bytes by a plain copy instead of UTF-8 encoding. GetRecords answers are up
 * to ~14 MB of this, so it matters.
 */
class JsonWriter {
  readonly parts: string[] = [];
  ascii = true;

  text(value: string): void {
    const quoted = JSON.stringify(value);
    if (this.ascii && NON_ASCII.test(quoted)) this.ascii = false;
    this.parts.push(quoted);
  }

  value(shapeName: string, value: unknown): void {
    const shape = shapeOf(shapeName);
    switch (shape.type) {
      case "structure": {
        let separator = "{";
        for (const [member, memberShape] of Object.entries(shape.members ?? {})) {
          const memberValue = (value as Record<string, unknown>)[member];
          if (memberValue === undefined) continue;
          this.parts.push(`${separator}"${member}":`);
          this.value(memberShape, memberValue);
          separator = ",";
        }
        this.parts.push(separator === "{" ? "{}" : "}");
        return;
      }
      case "list": {
        const items = value as unknown[];
        this.parts.push("[");
        items.forEach((item, i) => {
          if (i > 0) this.parts.push(",");
          this.value(shape.member!, item);
        });
        this.parts.push("]");
        return;
      }
      case "map": {
        let separator = "{";
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
          this.parts.push(separator);
          this.text(key);
          this.parts.push(":");
          this.value(shape.value!, item);
          separator = ",";
        }
        this.parts.push(separator === "{" ? "{}" : "}");
        return;
      }
      case "blob": {
        const bytes = value as Uint8Array;
        this.parts.push(`"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")}"`);
        return;
      }
      case "timestamp":
        this.parts.push(String((value as Date).getTime() / 1000));
        return;
      case "string":
        this.text(value as string);
        return;
      default:
        this.parts.push(String(value));
    }
  }

  bytes(): Buffer {
    return Buffer.from(this.parts.join(""), this.ascii ? "latin1" : "utf8");
  }
}

/** AWS JSON 1.1, the protocol of botocore, the CLI and the JavaScript SDK. */
export const jsonProtocol: WireProtocol = {
  contentType: "application/x-amz-json-1.1",
  eventContentType: "application/json",

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
    if (shapeName === null) return EMPTY;
    const writer = new JsonWriter();
    writer.value(shapeName, output);
    return writer.bytes();
  },

  encodeError(error) {
    // Server faults carry no message; SerializationException spells its key "Message".
    const body: Record<string, string> = { __type: error.type };
    if (error.message && error.statusCode !== 500) body[error instanceof SerializationException ? "Message" : "message"] = error.message;
    return Buffer.from(JSON.stringify(body));
  },
};
