import type { AwsError } from "../errors.js";

/** One wire format of a service's API (AWS JSON 1.0 or 1.1, AWS CBOR 1.1), chosen by the request's Content-Type. */
export interface WireProtocol {
  readonly contentType: string;
  /** The request body as a value; throws SerializationException when it is not an object. */
  parseBody(body: Buffer): unknown;
  /** The operation's input from a parsed body, with blobs and timestamps in their domain types. */
  decodeInput(shapeName: string, body: unknown): Record<string, unknown>;
  /** The response body of a success; empty for operations without output. */
  encodeOutput(shapeName: string | null, output: unknown): Buffer;
  encodeError(error: AwsError): Buffer;
}
