import { SerializationException, type AwsError } from "../errors.js";
import type { ServiceModel } from "./service-model.js";
import { answerOf, grownBuffer, takeBuffer } from "./answer-buffers.js";
import { checkJsonBounds } from "./body-bounds.js";
import { decodeJsonInput } from "./json-input.js";
import { parseJsonPieces, PIECE_BYTES } from "./json-pieces.js";
import type { WireProtocol } from "./protocol.js";

const EMPTY = Buffer.alloc(0);

// Printable ASCII but the quote and the backslash: such a string is its own JSON, in quotes.
const PLAIN_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const NON_ASCII = /[^\x00-\x7f]/;
const PENDING_ASCII_CHARS = 64 * 1024;
// A blob's base64 is made this many bytes at a time (whole 3-byte groups, so the pieces join
// up): a 100 KiB record's as one string would be 136 KB, in V8's large-object space, whose
// pages are mapped fresh for each one and given back only by a full collection.
const BLOB_PIECE_BYTES = 48 * 1024;
/**
 * Request strings longer than this stay bytes until their shape is known, so that a record's
 * base64 is decoded straight from the body and never becomes a string that outlives the parse
 * (a 5 MiB PutRecords body's were 5 MB of strings alive at once, promoted to V8's old space).
 * Parsing and decoding such a body, µs per record (one core of the bench machine): 5 KiB records
 * 41.8 → 16.3, 10 KiB 93.5 → 25.5, 3 KiB 23.0 → 13.2. Below it parsing member by member costs
 * more than it saves: 1 KiB records took 8.5 µs whole and 10.5 with a threshold of 1 KiB.
 */
const LONG_STRING_BYTES = 4 * 1024;
/** Node's native base64 encoder, which takes any Uint8Array: no Buffer made per blob (one per record of a GetRecords answer). */
const base64Slice = (Buffer.prototype as unknown as { base64Slice(this: Uint8Array, start: number, end: number): string }).base64Slice;

/**
 * Bytes written into one buffer (answer-buffers.ts: reused, and sent as it is when large).
 * ASCII (base64, digits, names) gathers in a string first, since V8 joins strings far more
 * cheaply than a Buffer takes a write, and goes in as a plain copy rather than UTF-8 encoding.
 * GetRecords answers are up to ~14 MB of this, so it matters.
 */
class ByteSink {
  private buffer = takeBuffer();
  private used = 0;
  private pendingAscii = "";

  ascii(text: string): void {
    // Flushed before it could pass the large-object size: the write flattens what gathered.
    if (this.pendingAscii.length + text.length > PENDING_ASCII_CHARS) this.flush();
    if (text.length >= PENDING_ASCII_CHARS) this.write(text, text.length, "latin1");
    else this.pendingAscii += text;
  }

  /** Bytes as base64, in pieces. */
  base64(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.byteLength; at += BLOB_PIECE_BYTES) this.ascii(base64Slice.call(bytes, at, Math.min(bytes.byteLength, at + BLOB_PIECE_BYTES)));
  }

  utf8(text: string): void {
    this.flush();
    this.write(text, Buffer.byteLength(text, "utf8"), "utf8");
  }

  bytes(): Buffer {
    this.flush();
    return answerOf(this.buffer, this.used);
  }

  private flush(): void {
    if (this.pendingAscii.length === 0) return;
    this.write(this.pendingAscii, this.pendingAscii.length, "latin1");
    this.pendingAscii = "";
  }

  private write(text: string, bytes: number, encoding: "latin1" | "utf8"): void {
    if (this.used + bytes > this.buffer.length) this.buffer = grownBuffer(this.buffer, this.used, this.used + bytes);
    this.used += this.buffer.write(text, this.used, encoding);
  }
}

/** Writes an output value as JSON, led by its shape: blobs as base64, timestamps as epoch seconds. */
class JsonWriter {
  private readonly sink = new ByteSink();

  constructor(private readonly model: ServiceModel) {}

  bytes(): Buffer {
    return this.sink.bytes();
  }

  private raw(text: string): void {
    this.sink.ascii(text);
  }

  private text(value: string): void {
    if (PLAIN_TEXT.test(value)) {
      this.sink.ascii(`"${value}"`);
      return;
    }
    const quoted = JSON.stringify(value);
    if (NON_ASCII.test(quoted)) this.sink.utf8(quoted);
    else this.sink.ascii(quoted);
  }

  value(shapeName: string, value: unknown): void {
    const shape = this.model.shape(shapeName);
    switch (shape.type) {
      case "structure": {
        let separator = "{";
        for (const member of this.model.members(shape)) {
          const memberValue = (value as Record<string, unknown>)[member.name];
          if (memberValue === undefined) continue;
          this.raw(`${separator}"${member.name}":`);
          this.value(member.shapeName, memberValue);
          separator = ",";
        }
        this.raw(separator === "{" ? "{}" : "}");
        return;
      }
      case "list": {
        const items = value as unknown[];
        this.raw("[");
        items.forEach((item, i) => {
          if (i > 0) this.raw(",");
          this.value(shape.member!, item);
        });
        this.raw("]");
        return;
      }
      case "map": {
        let separator = "{";
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
          this.raw(separator);
          this.text(key);
          this.raw(":");
          this.value(shape.value!, item);
          separator = ",";
        }
        this.raw(separator === "{" ? "{}" : "}");
        return;
      }
      case "blob": {
        const bytes = value as Uint8Array;
        this.raw('"');
        this.sink.base64(bytes);
        this.raw('"');
        return;
      }
      case "timestamp":
        this.raw(String((value as Date).getTime() / 1000));
        return;
      case "string":
        this.text(value as string);
        return;
      default:
        this.raw(String(value));
    }
  }
}

/** A JSON.stringify replacer writing bytes as base64 (it must look at the holder: a Buffer's toJSON runs first). */
export function base64Blobs(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  return original instanceof Uint8Array ? Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString("base64") : value;
}

/** How a JSON service names its errors: Kinesis (JSON 1.1) by the bare type, DynamoDB (JSON 1.0) with its namespace. */
export interface JsonProtocolOptions {
  readonly contentType: "application/x-amz-json-1.1" | "application/x-amz-json-1.0";
  /** The `__type` written for an error; the bare type by default. */
  readonly errorType?: (error: AwsError) => string;
}

/** AWS JSON (1.1 for Kinesis: botocore, the CLI and the JavaScript SDK; 1.0 for DynamoDB), led by a service's model. */
export function jsonProtocol(model: ServiceModel, options: JsonProtocolOptions): WireProtocol {
  const errorType = options.errorType ?? ((error: AwsError) => error.type);
  return {
    contentType: options.contentType,

    parseBody(body) {
      if (body.length === 0) return undefined;
      checkJsonBounds(body);
      let value: unknown;
      try {
        // Long strings stay bytes until decodeInput knows their shape (json-input.ts).
        value = parseJsonPieces(body, PIECE_BYTES, LONG_STRING_BYTES);
      } catch {
        throw new SerializationException("");
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new SerializationException("");
      return value;
    },

    decodeInput(shapeName, body) {
      return decodeJsonInput(model, shapeName, body);
    },

    encodeOutput(shapeName, output) {
      if (shapeName === null) return EMPTY;
      const writer = new JsonWriter(model);
      writer.value(shapeName, output);
      return writer.bytes();
    },

    encodeError(error) {
      // Server faults carry no message; SerializationException spells its key "Message".
      const body: Record<string, string> = { __type: errorType(error) };
      if (error.message && error.statusCode !== 500) body[error instanceof SerializationException ? "Message" : "message"] = error.message;
      // Binary members (an item's B values) as base64, as every blob on the wire.
      const withDetails = error.details ? { ...body, ...error.details } : body;
      return Buffer.from(JSON.stringify(withDetails, base64Blobs));
    },
  };
}
