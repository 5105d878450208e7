import type { Readable } from "node:stream";
import type { AwsError } from "./errors.js";
import type { AnswerMemory } from "./memory-budget.js";

/** A request as the HTTP layer hands it to the front door: no HTTP objects past this point. */
export interface ApiCall {
  readonly method: string;
  /** Path and query string, as received. */
  readonly url: string;
  /** Header names in lower case, as Node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** The call's share of the memory its answer may hold, given back once the answer is sent; none: unbounded. */
  readonly answerMemory?: AnswerMemory;
}

/** What the HTTP layer sends back. */
export interface ApiReply {
  readonly statusCode: number;
  /** None for the front end's XML refusals, which the service sends without one. */
  readonly contentType?: string;
  readonly body: Buffer;
  /** Headers of the service's own beyond the request id ones (x-amz-crc32, smithy-protocol...). */
  readonly headers?: Readonly<Record<string, string>>;
  /** For an event-stream operation (SubscribeToShard): the frames to stream after the headers, instead of a body. */
  readonly events?: Readable;
  /** For metrics and logs: the service and operation that answered, and the resource named. */
  readonly service: string;
  readonly operation?: string;
  readonly resource?: string;
  readonly error?: AwsError;
}

/** One header's value (the first, when repeated). */
export const headerOf = (call: Pick<ApiCall, "headers">, name: string): string | undefined => {
  const value = call.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The media type of a Content-Type header, lower case, without parameters. */
export const mediaTypeOf = (contentType: string | undefined): string | undefined => contentType?.split(";")[0]?.trim().toLowerCase();
