import { headerOf, mediaTypeOf, type ApiCall } from "../http/api-call.js";
import { targetPrefixOf } from "../http/front-door.js";
import { cborProtocol, cborScalars } from "../http/protocols/cbor.js";
import { CborEpochMillis, encodeCbor } from "../http/protocols/cbor-values.js";
import { decodeWireInput } from "../http/protocols/input-decoder.js";
import { decodeJsonInput } from "../http/protocols/json-input.js";
import { jsonProtocol } from "../http/protocols/json.js";
import { SerializationException } from "../http/errors.js";
import type { ErrorForm } from "./errors.js";
import { CLOUDWATCH_TARGET_PREFIX, CLOUDWATCH_XML_NAMESPACE, cloudWatchModel } from "./model.js";
import { decodeQueryInput } from "./query-input.js";

/** A request as one wire form reads it: the operation it names and, once asked, its input. */
export interface WireRequest {
  readonly operation: string | undefined;
  /** The API version the query form names (`Version`). */
  readonly version?: string;
  input(shapeName: string): Record<string, unknown>;
}

export interface WireAnswer {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One of the three ways SDKs speak CloudWatch. */
export interface WireForm {
  readonly name: "query" | "json" | "rpcv2-cbor";
  read(call: ApiCall, body: Buffer): WireRequest;
  /** The answer of an operation without output (PutMetricData). */
  success(operation: string, requestId: string): WireAnswer;
  error(error: ErrorForm, requestId: string): WireAnswer;
}

const RPC_V2_PREFIX = `/service/${CLOUDWATCH_TARGET_PREFIX}/operation/`;
const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";

const xmlText = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** awsQuery: a form POST (`Action=PutMetricData&Version=2010-08-01&...`), answered in XML. The AWS SDKs before 2024, KCL 2.x and 3.0-3.3. */
export const queryForm: WireForm = {
  name: "query",
  read(_call, body) {
    const params = new URLSearchParams(body.toString("utf8"));
    return {
      operation: params.get("Action") ?? undefined,
      version: params.get("Version") ?? undefined,
      input: (shapeName) => decodeQueryInput(cloudWatchModel, shapeName, params),
    };
  },
  success(operation, requestId) {
    const xml =
      `<${operation}Response xmlns="${CLOUDWATCH_XML_NAMESPACE}">\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n` +
      `</${operation}Response>\n`;
    return { statusCode: 200, contentType: "text/xml", body: Buffer.from(xml) };
  },
  error({ code, fault, error, queryStatus }, requestId) {
    const xml =
      `<ErrorResponse xmlns="${CLOUDWATCH_XML_NAMESPACE}">\n  <Error>\n    <Type>${fault}</Type>\n    <Code>${xmlText(code)}</Code>\n` +
      `    <Message>${xmlText(error.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
    return { statusCode: queryStatus, contentType: "text/xml", body: Buffer.from(xml) };
  },
};

/** What a query-compatible client reads the query protocol's code from, in the JSON and CBOR forms. */
const queryErrorHeader = ({ code, fault }: ErrorForm): Record<string, string> => ({ "x-amzn-query-error": `${code};${fault}` });

/** The error body of the JSON and CBOR forms: the shape and its message. */
function errorBody({ type, error }: ErrorForm): Record<string, string> {
  return error.message ? { __type: type, message: error.message } : { __type: type };
}

const json = jsonProtocol(cloudWatchModel, { contentType: "application/x-amz-json-1.0" });

/** AWS JSON 1.0 (`X-Amz-Target: GraniteServiceVersion20100801.PutMetricData`): the JavaScript SDK v3 and boto3 today. */
export const jsonForm: WireForm = {
  name: "json",
  read(call, body) {
    const target = headerOf(call, "x-amz-target") ?? "";
    const parsed = json.parseBody(body);
    if (parsed === undefined) throw new SerializationException("");
    return { operation: target.slice(target.indexOf(".") + 1) || undefined, input: (shapeName) => decodeJsonInput(cloudWatchModel, shapeName, parsed) };
  },
  success() {
    return { statusCode: 200, contentType: json.contentType, body: Buffer.from("{}") };
  },
  error(form) {
    return {
      statusCode: form.error.statusCode,
      contentType: json.contentType,
      body: Buffer.from(JSON.stringify(errorBody(form))),
      headers: queryErrorHeader(form),
    };
  },
};

const cbor = cborProtocol(cloudWatchModel);
/** Smithy RPC v2 writes timestamps as tag 1 of epoch SECONDS (integer or float), unlike AWS CBOR 1.1's milliseconds. */
const rpcV2Scalars = {
  ...cborScalars,
  timestamp(value: unknown): Date {
    const seconds = value instanceof CborEpochMillis ? value.value : value;
    const n = typeof seconds === "bigint" ? Number(seconds) : seconds;
    if (typeof n !== "number") throw new SerializationException("Expected a timestamp");
    return new Date(Math.round(n * 1000));
  },
};
const SMITHY_PROTOCOL = { "smithy-protocol": "rpc-v2-cbor" };

/** Smithy RPC v2 CBOR (`POST /service/GraniteServiceVersion20100801/operation/PutMetricData`): the Java SDK 2.40.6 on, so KCL 3.4+. */
export const rpcV2CborForm: WireForm = {
  name: "rpcv2-cbor",
  read(call, body) {
    const path = call.url.split("?")[0]!;
    // An operation without input may come with no body at all.
    const parsed = body.length === 0 ? {} : cbor.parseBody(body);
    return {
      operation: path.slice(RPC_V2_PREFIX.length) || undefined,
      input: (shapeName) => decodeWireInput(cloudWatchModel, shapeName, parsed, rpcV2Scalars),
    };
  },
  success() {
    return { statusCode: 200, contentType: "application/cbor", body: encodeCbor({}), headers: SMITHY_PROTOCOL };
  },
  error(form) {
    return {
      statusCode: form.error.statusCode,
      contentType: "application/cbor",
      body: encodeCbor(errorBody(form)),
      headers: { ...SMITHY_PROTOCOL, ...queryErrorHeader(form) },
    };
  },
};

/** The form a call is in, when it is a CloudWatch call at all: by path, by X-Amz-Target, or as a form POST. */
export function wireFormOf(call: Pick<ApiCall, "headers" | "url">): WireForm | undefined {
  if (call.url.startsWith(RPC_V2_PREFIX)) return rpcV2CborForm;
  if (targetPrefixOf(call) === CLOUDWATCH_TARGET_PREFIX) return jsonForm;
  if (mediaTypeOf(headerOf(call, "content-type")) === FORM_MEDIA_TYPE) return queryForm;
  return undefined;
}
