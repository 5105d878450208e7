import type { KinesisError } from "../../kinesis/errors.js";

/** One wire format of the Kinesis API: AWS JSON 1.1 or AWS CBOR 1.1, chosen by the request's Content-Type. */
export interface WireProtocol {
  readonly contentType: string;
  /**
   * The `:content-type` header of an event-stream message whose payload `encodeOutput` wrote
   * (SubscribeToShardEvent): the SDKs read event payloads with the protocol of the request.
   */
  readonly eventContentType: string;
  /** The request body as a value; throws SerializationException when it is not an object. */
  parseBody(body: Buffer): unknown;
  /** The operation's input from a parsed body, with blobs and timestamps in their domain types. */
  decodeInput(shapeName: string, body: unknown): Record<string, unknown>;
  /** The response body of a success; empty for operations without output. */
  encodeOutput(shapeName: string | null, output: unknown): Buffer;
  encodeError(error: KinesisError): Buffer;
}
