import { headerOf, mediaTypeOf, type ApiCall } from "./api-call.js";
import { SerializationException, UnattributableCall, UnknownOperationException, UnknownOperationForContentType, type AwsError } from "./errors.js";
import { checkJsonBounds } from "./protocols/body-bounds.js";
import { parseJsonPieces } from "./protocols/json-pieces.js";
import type { WireProtocol } from "./protocols/protocol.js";

/**
 * What the AWS front end (Coral) decides from a POST's content type and body before a service
 * parses anything, as captured from Kinesis:
 *
 * - an empty body gets UnknownOperationException, or SerializationException when the target
 *   names an operation, in the protocol of its content type, else in the service's first one
 *   (CBOR for Kinesis); nothing else is looked at, not even the signature;
 * - `application/json` gets the old 1.0 envelope, HTTP 200, and no operation is run;
 * - a body in any other content type the service does not speak gets an XML body without a
 *   content type: 404 `<UnknownOperationException/>` when the target has a service and an
 *   operation part, else 403 AccessDeniedException (nothing to attribute the call to).
 */
export interface ScreenedService {
  /** By content type; the first answers a call whose content type is none of them. */
  readonly protocols: readonly WireProtocol[];
  /** Whether `application/json` gets the 1.0 envelope (Kinesis) rather than being refused. */
  readonly legacyJsonEnvelope: boolean;
  /** Whether the call's X-Amz-Target names one of the service's operations. */
  names(call: Pick<ApiCall, "headers">): boolean;
}

/** An answer made without a service's protocol: XML or the legacy envelope. */
export interface FrontEndAnswer {
  readonly statusCode: number;
  readonly contentType?: string;
  readonly body: Buffer;
  readonly error: AwsError;
}

export type Screening = { readonly protocol: WireProtocol } | { readonly refusal: FrontEndAnswer };

export function screenCall(call: ApiCall, service: ScreenedService): Screening {
  const mediaType = mediaTypeOf(headerOf(call, "content-type"));
  const protocol = service.protocols.find((p) => p.contentType === mediaType);
  if (call.body.length === 0) {
    const answerIn = protocol ?? service.protocols[0]!;
    const error = service.names(call) ? new SerializationException("") : new UnknownOperationException("");
    return { refusal: { statusCode: error.statusCode, contentType: answerIn.contentType, body: answerIn.encodeError(error), error } };
  }
  if (protocol) return { protocol };
  if (service.legacyJsonEnvelope && mediaType === "application/json") {
    return { refusal: legacyJsonAnswer(isJsonObject(call.body) ? new UnknownOperationException("") : new SerializationException("")) };
  }
  const { service: named, operation } = targetParts(call);
  return { refusal: xmlAnswer(named && operation ? new UnknownOperationForContentType("") : new UnattributableCall()) };
}

/** The service and operation parts of X-Amz-Target (`Kinesis_20131202`, `PutRecord`), empty when missing. */
function targetParts(call: Pick<ApiCall, "headers">): { service: string; operation: string } {
  const [service = "", operation = ""] = (headerOf(call, "x-amz-target") ?? "").split(".");
  return { service, operation };
}

function isJsonObject(body: Buffer): boolean {
  try {
    // Bounded first: a deep or huge body would block the event loop in JSON.parse.
    checkJsonBounds(body);
    const value = parseJsonPieces(body);
    return typeof value === "object" && value !== null;
  } catch {
    return false;
  }
}

const escapeXml = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** `<Type>\n  <Message>text</Message>\n</Type>\n`, or `<Type/>\n` without a message: no content type, as the service sends it. */
export function xmlAnswer(error: AwsError): FrontEndAnswer {
  const text = error.message ? `<${error.type}>\n  <Message>${escapeXml(error.message)}</Message>\n</${error.type}>\n` : `<${error.type}/>\n`;
  return { statusCode: error.statusCode, body: Buffer.from(text), error };
}

/** The Coral 1.0 envelope: the error as the Output of a successful call. SerializationException spells its key "Message". */
function legacyJsonAnswer(error: AwsError): FrontEndAnswer {
  const messageKey = error instanceof SerializationException ? "Message" : "message";
  const body = `{"Output":{"__type":"com.amazon.coral.service#${error.type}","${messageKey}":null},"Version":"1.0"}`;
  return { statusCode: 200, contentType: "application/json", body: Buffer.from(body), error };
}
